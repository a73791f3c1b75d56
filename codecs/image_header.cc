#include "codecs/image_header.h"

#include <cstring>

namespace strait {
namespace {

uint32_t Be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
int Be16(const uint8_t* p) {
  return p[0] << 8 | p[1];
}

// PNG: the signature, then IHDR first (as the format requires): length, "IHDR", width, height.
std::optional<ImageSize> Png(std::span<const uint8_t> f) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (f.size() < 24 || std::memcmp(f.data(), kSignature, 8) != 0 ||
      std::memcmp(f.data() + 12, "IHDR", 4) != 0)
    return std::nullopt;
  const uint32_t w = Be32(f.data() + 16), h = Be32(f.data() + 20);
  if (w == 0 || h == 0 || w > 0x7fffffff || h > 0x7fffffff)  // PNG's own bound is 2^31 - 1
    return std::nullopt;
  return ImageSize{int(w), int(h)};
}

// JPEG: markers from SOI on, each but the standalone ones with a 16-bit length, up to the first
// start-of-frame (SOF0-3, 5-7, 9-11, 13-15: height, then width, after the sample precision).
std::optional<ImageSize> Jpeg(std::span<const uint8_t> f) {
  if (f.size() < 4 || f[0] != 0xff || f[1] != 0xd8)
    return std::nullopt;
  size_t i = 2;
  while (i + 4 <= f.size()) {
    if (f[i] != 0xff)
      return std::nullopt;
    const uint8_t m = f[i + 1];
    if (m == 0xff) {  // fill byte
      ++i;
      continue;
    }
    if (m == 0x01 || (m >= 0xd0 && m <= 0xd8)) {  // TEM, RSTn, SOI: no length
      i += 2;
      continue;
    }
    if (m == 0xd9 || m == 0xda)  // EOI, or SOS before any frame header
      return std::nullopt;
    const int length = Be16(&f[i + 2]);
    if (length < 2)
      return std::nullopt;
    const bool sof = m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
    if (sof) {
      if (length < 7 || i + 9 > f.size())
        return std::nullopt;
      const int h = Be16(&f[i + 5]), w = Be16(&f[i + 7]);
      if (w == 0 || h == 0)  // a height of 0 (set later by DNL) is too rare to honour here
        return std::nullopt;
      return ImageSize{w, h};
    }
    i += 2 + size_t(length);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> ImageHeaderSize(std::span<const uint8_t> file) {
  if (auto png = Png(file))
    return png;
  return Jpeg(file);
}

}  // namespace strait
