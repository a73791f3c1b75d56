// Fuzz target: avcC records and bare SPS NAL units (the codec string and packager parse both from
// untrusted RTMP sequence headers). The input is capped at 4 KiB.
#include <cstddef>
#include <cstdint>
#include <span>

#include "codecs/codec_string.h"
#include "codecs/h264/avc_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096)
    return 0;
  std::span<const uint8_t> in(data, size);
  if (auto c = strait::h264::ParseAvcConfig(in); c.ok()) {
    (void)strait::AvcCodecString(*c);
  }
  (void)strait::h264::ParseSps(in);
  return 0;
}
