// ReadImageRgba: a still image file (PNG, JPEG, WebP, ... anything libavformat's image2 and
// libavcodec decode) as one packed 8-bit RGBA Frame, for overlays (product cards, logos). Images
// larger than `max_pixels` are refused: a PNG or JPEG on the size its header declares, before
// anything is decoded (codecs/image_header.h); others once probed. Pure function; any thread.
#pragma once

#include <string>

#include "codecs/frame.h"
#include "codecs/result.h"

namespace strait::ffmpeg {

Result<Frame> ReadImageRgba(const std::string& path, int64_t max_pixels = 4096 * 4096);

}  // namespace strait::ffmpeg
