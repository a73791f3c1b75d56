// Fuzzes the FLV tag body parsers: the first byte selects audio or video, the rest is the body.
#include <cstddef>
#include <cstdint>
#include <span>

#include "codecs/flv/tag.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1 << 16)
    return 0;
  std::span<const uint8_t> body(data + 1, size - 1);
  auto tag = (data[0] & 1) ? strait::flv::ParseAudioTag(body) : strait::flv::ParseVideoTag(body);
  if (tag.ok() && !tag->payload.empty()) {
    // Touch every payload byte so ASan sees any out-of-bounds view.
    uint8_t acc = 0;
    for (uint8_t b : tag->payload)
      acc ^= b;
    volatile uint8_t sink = acc;
    (void)sink;
  }
  return 0;
}
