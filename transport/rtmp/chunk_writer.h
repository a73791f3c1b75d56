// ChunkWriter: the sending half of the RTMP chunk stream, sans-IO. Splits messages into chunks of
// the current chunk size and compresses headers per chunk stream (type 0 for a new stream id or a
// timestamp going back, type 1/2/3 as length, type and delta repeat). Timestamps at or above
// 0xffffff go in the extended field; whether type-3 continuation chunks repeat it is an option
// (Adobe's spec and most encoders do; some don't), so tests can produce both.
// One object per connection, single-threaded. Call set_chunk_size right after writing a Set Chunk
// Size message: the new size applies to the chunks that follow it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace strait::transport::rtmp {

class ChunkWriter {
 public:
  struct Options {
    bool repeat_extended_in_type3 = true;
    bool compress_headers = true;  // false: every message starts with a type-0 header
  };

  ChunkWriter() = default;
  explicit ChunkWriter(Options options) : options_(options) {}

  void set_chunk_size(uint32_t size) { chunk_size_ = size; }
  uint32_t chunk_size() const { return chunk_size_; }

  // Appends the chunks of one message to `out`. csid must be 2..65599; payload < 16 MiB.
  void Write(uint32_t csid,
             uint8_t type,
             uint32_t stream_id,
             uint32_t timestamp,
             std::span<const uint8_t> payload,
             std::vector<uint8_t>* out);

 private:
  struct Stream {
    uint32_t csid = 0;
    uint32_t timestamp = 0;
    uint32_t ts_field = 0;
    uint32_t length = 0;
    uint32_t stream_id = 0;
    uint8_t type = 0;
  };
  Stream& Find(uint32_t csid, bool* created);

  Options options_;
  uint32_t chunk_size_ = 128;
  std::vector<Stream> streams_;
};

}  // namespace strait::transport::rtmp
