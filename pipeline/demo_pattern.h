// The demo publisher's synthetic media (pipeline/demo.h): a test picture with real motion and a
// continuous tone. Pure functions on Frames: no threads, no clocks (the caller passes the time
// to print), so they are cheap to test.
//
// The picture (8-bit 4:2:0, BT.709 limited range): 75% colour bars scrolling left over the top
// two thirds, a box bouncing across the bottom third, and a text line (digits, ':', '.', '-', ' ')
// in seven-segment glyphs — a running clock and frame counter, so two pictures a moment apart
// always differ and a viewer can read the latency off the screen.
#pragma once

#include <cstdint>
#include <string_view>

#include "codecs/frame.h"
#include "codecs/result.h"

namespace strait::pipeline::demo {

// Draws picture number `index` into `frame` (Layout::kYuv420p, writable, even size): bars moved
// 6 px a picture, the box 9 px a picture, and `text` centred in the bottom third.
Status DrawTestPattern(Frame& frame, int64_t index, std::string_view text);

// Writes `samples` samples of a sine of `hz` (whole Hz) at `amplitude` (0..1) into every channel
// of `pcm`, a planar float frame from Frame::Silence(samples, sample_rate, channels).
// `first_sample` counts the samples written before: the phase stays continuous across calls.
void FillTone(Frame& pcm,
              int samples,
              int channels,
              int sample_rate,
              int64_t first_sample,
              int hz,
              float amplitude);

}  // namespace strait::pipeline::demo
