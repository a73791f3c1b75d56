// Fuzzes ChunkReader: the first byte picks a split point, the rest is the chunk stream, fed in two
// parts so the partial-header and partial-payload paths run too. Small limits keep runs fast.
#include <cstddef>
#include <cstdint>

#include "transport/rtmp/chunk_reader.h"

using namespace strait;
using namespace strait::transport::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1 << 16)
    return 0;
  ChunkReader reader(
      {.max_message_size = 1 << 16, .max_chunk_streams = 16, .max_buffered_bytes = 1 << 17});
  const size_t body = size - 1;
  const size_t cut = body ? data[0] % (body + 1) : 0;
  size_t total = 0;
  auto on = [&](Message&& m) {
    total += m.payload.size();
    return OkStatus();
  };
  if (reader.Feed({data + 1, cut}, on).ok())
    (void)reader.Feed({data + 1 + cut, body - cut}, on);
  return 0;
}
