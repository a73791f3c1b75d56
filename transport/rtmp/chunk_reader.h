// ChunkReader: the receiving half of the RTMP chunk stream, sans-IO. Bytes go in, in any splits;
// whole messages come out through a callback, in order. Handles all four chunk header types,
// extended timestamps (including type-3 chunks that do or do not repeat the extended timestamp:
// the 4 bytes are matched against the last extended value, as FFmpeg and nginx-rtmp do), Set
// Chunk Size (1..0x7FFFFFFF, read as at most kMaxChunkSize; applied from the next chunk) and
// Abort, which it consumes itself.
//
// Limits (each a clean Error, never an allocation from an untrusted length): a message larger than
// max_message_size (default 8 MiB: far above any real video frame at ingest bitrates, far below
// the 16 MiB the 24-bit length allows), more than max_chunk_streams distinct chunk stream ids
// (default 64), more than max_buffered_bytes of partial messages across all chunk streams.
// One object per connection, single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "codecs/result.h"
#include "transport/rtmp/message.h"

namespace strait::transport::rtmp {

class ChunkReader {
 public:
  struct Limits {
    size_t max_message_size = 8 << 20;
    size_t max_chunk_streams = 64;
    size_t max_buffered_bytes = 16 << 20;
  };
  // Called once per complete message; an error stops Feed and is returned from it.
  using OnMessage = std::function<Status(Message&& message)>;

  ChunkReader() : ChunkReader(Limits()) {}
  explicit ChunkReader(Limits limits) : limits_(limits) {}

  // After an error the reader is in an undefined state: close the connection.
  Status Feed(std::span<const uint8_t> data, const OnMessage& on_message);

  uint32_t chunk_size() const { return chunk_size_; }
  // Applies from the next chunk header on (Session raises them once a publish is accepted).
  void set_limits(const Limits& limits) { limits_ = limits; }

 private:
  struct Stream {
    uint32_t csid = 0;
    uint32_t timestamp = 0;  // of the current/last message
    uint32_t ts_field = 0;   // last timestamp or delta field (the delta a type-3 message reuses)
    uint32_t length = 0;
    uint32_t stream_id = 0;
    uint8_t type = 0;
    bool extended = false;  // last type 0-2 header carried an extended timestamp
    bool in_message = false;
    std::vector<uint8_t> payload;
  };
  enum class Parse { kNeedMore, kDone };

  Result<Parse> ParseHeader();
  Result<Stream*> FindStream(uint32_t csid, bool create);
  Status StartChunk(Stream& st, uint8_t fmt, const uint8_t* mh, bool ext, uint32_t ext_value);
  Status Append(std::span<const uint8_t> bytes, const OnMessage& on_message);
  Status Deliver(Stream& st, const OnMessage& on_message);
  Status HandleControl(const Message& m);

  Limits limits_;
  uint32_t chunk_size_ = 128;
  std::vector<Stream> streams_;
  Stream* current_ = nullptr;  // stream whose chunk payload is being read
  size_t chunk_remaining_ = 0;
  std::vector<uint8_t> header_;  // partial chunk header (at most 18 bytes)
  size_t header_need_ = 1;       // header bytes needed before parsing can progress
  size_t header_size_ = 0;       // size of the parsed header within header_
  size_t buffered_ = 0;          // bytes of partial messages across streams
};

}  // namespace strait::transport::rtmp
