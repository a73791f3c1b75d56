// Fuzz target: hvcC records (and the SPS size parser inside) from untrusted sequence headers.
#include <cstddef>
#include <cstdint>
#include <span>

#include "codecs/codec_string.h"
#include "codecs/hevc/hevc_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192)
    return 0;
  std::span<const uint8_t> in(data, size);
  if (auto c = strait::hevc::ParseHevcConfig(in); c.ok())
    (void)strait::HevcCodecString(*c);
  (void)strait::hevc::ParseSpsSize(in);
  return 0;
}
