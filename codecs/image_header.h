// ImageHeaderSize: the picture size a PNG or JPEG file declares in its header (PNG's IHDR, JPEG's
// first start-of-frame marker), read without decoding anything, so that an upload declaring a
// picture larger than allowed is refused before a decoder allocates it (a 249 KB PNG declaring
// 16000x16000 took 2.5 s and 256 MB to decode before the size check).
//
// Untrusted bytes: every read is bounds-checked; anything else (another format, a truncated or
// malformed header) gives nullopt, and the caller's decoder decides.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace strait {

struct ImageSize {
  int width = 0, height = 0;
};

std::optional<ImageSize> ImageHeaderSize(std::span<const uint8_t> file);

}  // namespace strait
