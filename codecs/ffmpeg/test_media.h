// Synthetic media for the codecs/ffmpeg tests: pictures with a moving gradient (so encoders have
// real work and decoded pixels can be compared), and helpers to look inside length-prefixed
// packets. Test-only; header-only so each *_test.cc stays self-contained.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "codecs/frame.h"
#include "codecs/packet.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/log.h>
#include <libavutil/pixfmt.h>
}

namespace strait::ffmpeg::test_media {

inline void QuietFFmpeg() {
  av_log_set_level(AV_LOG_ERROR);
}

// A picture whose luma is a diagonal gradient shifted by `index`, chroma a constant. Works for
// 8-bit and 16-bit-per-sample planar YUV formats (yuv420p, yuvj420p, yuv420p10le).
inline Frame Picture(int width,
                     int height,
                     int64_t pts,
                     int index = 0,
                     int format = AV_PIX_FMT_YUV420P) {
  Result<Frame> r = Frame::AllocateVideo(width, height, format);
  EXPECT_TRUE(r.ok());
  Frame f = std::move(*r);
  AVFrame* av = f.av();
  const bool wide = format == AV_PIX_FMT_YUV420P10LE;
  const int max = wide ? 1023 : 255;
  for (int plane = 0; plane < 3; ++plane) {
    const int w = plane ? (width + 1) / 2 : width;
    const int h = plane ? (height + 1) / 2 : height;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        int v = plane ? max / 2 : ((x + y + 4 * index) * (wide ? 4 : 1)) % (max - 32) + 16;
        if (wide)
          reinterpret_cast<uint16_t*>(av->data[plane] + y * av->linesize[plane])[x] = v;
        else
          av->data[plane][y * av->linesize[plane] + x] = static_cast<uint8_t>(v);
      }
    }
  }
  f.set_pts(pts);
  return f;
}

// Fills a plane of an 8-bit or 10-bit frame with one value.
inline void FillPlane(Frame& f, int plane, int value) {
  AVFrame* av = f.av();
  const bool wide = av->format == AV_PIX_FMT_YUV420P10LE;
  const int w = plane ? (av->width + 1) / 2 : av->width;
  const int h = plane ? (av->height + 1) / 2 : av->height;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      if (wide)
        reinterpret_cast<uint16_t*>(av->data[plane] + y * av->linesize[plane])[x] =
            static_cast<uint16_t>(value);
      else
        av->data[plane][y * av->linesize[plane] + x] = static_cast<uint8_t>(value);
    }
  }
}

// Mean absolute difference of the 8-bit luma planes of two same-size frames.
inline double LumaDifference(const Frame& a, const Frame& b) {
  const AVFrame* x = a.av();
  const AVFrame* y = b.av();
  double sum = 0;
  for (int row = 0; row < x->height; ++row) {
    for (int col = 0; col < x->width; ++col) {
      sum +=
          std::abs(x->data[0][row * x->linesize[0] + col] - y->data[0][row * y->linesize[0] + col]);
    }
  }
  return sum / (static_cast<double>(x->width) * x->height);
}

// The NAL unit types of a length-prefixed (4-byte) payload; an empty vector when the lengths do
// not tile the payload exactly (e.g. Annex B start codes instead of lengths).
inline std::vector<int> NalTypes(const Packet& p, bool hevc = false) {
  std::vector<int> types;
  auto d = p.data();
  size_t i = 0;
  while (i + 4 <= d.size()) {
    const size_t len =
        (size_t{d[i]} << 24) | (size_t{d[i + 1]} << 16) | (size_t{d[i + 2]} << 8) | d[i + 3];
    i += 4;
    if (len == 0 || len > d.size() - i)
      return {};
    types.push_back(hevc ? (d[i] >> 1) & 0x3f : d[i] & 0x1f);
    i += len;
  }
  if (i != d.size())
    return {};
  return types;
}

inline bool Contains(const std::vector<int>& v, int x) {
  for (int e : v) {
    if (e == x)
      return true;
  }
  return false;
}

}  // namespace strait::ffmpeg::test_media
