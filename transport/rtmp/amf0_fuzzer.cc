// Fuzzes the AMF0 decoder and checks that whatever decodes re-encodes and decodes to the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "transport/rtmp/amf0.h"

using namespace strait::transport::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16)
    return 0;
  auto values = amf0::DecodeAll({data, size});
  if (!values.ok())
    return 0;
  const std::vector<uint8_t> again = amf0::EncodeAll(*values);
  auto round = amf0::DecodeAll(again);
  if (!round.ok() || round->size() != values->size())
    std::abort();
  for (size_t i = 0; i < values->size(); ++i) {
    if (!((*round)[i] == (*values)[i]))
      std::abort();
  }
  return 0;
}
