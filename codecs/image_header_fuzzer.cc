// Fuzz target: the PNG/JPEG header size of untrusted card image uploads. Input capped.
#include <cstddef>
#include <cstdint>
#include <span>

#include "codecs/image_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096)
    return 0;
  if (auto s = strait::ImageHeaderSize(std::span<const uint8_t>(data, size)))
    return s->width > 0 && s->height > 0 ? 0 : 1;  // never a zero or negative size
  return 0;
}
