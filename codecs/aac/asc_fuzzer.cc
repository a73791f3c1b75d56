// Fuzz target: AAC AudioSpecificConfig from untrusted RTMP/FLV sequence headers. Input capped.
#include <cstddef>
#include <cstdint>
#include <span>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/codec_string.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256)
    return 0;
  if (auto c = strait::aac::ParseAudioSpecificConfig(std::span<const uint8_t>(data, size));
      c.ok()) {
    (void)strait::AacCodecString(*c);
    (void)c->channels();
  }
  return 0;
}
