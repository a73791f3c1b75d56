#include "transport/rtmp/chunk_reader.h"

#include <algorithm>
#include <string>

namespace strait::transport::rtmp {
namespace {

uint32_t Be24(const uint8_t* p) {
  return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2];
}
uint32_t Be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
uint32_t Le32(const uint8_t* p) {
  return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}

constexpr size_t kMessageHeaderSize[4] = {11, 7, 3, 0};
constexpr uint32_t kExtendedMarker = 0xffffff;
// A message's buffer is reserved up to this at its first chunk and grows as its bytes arrive: a
// header alone (a few bytes, claiming up to max_message_size) must not commit much memory, on each
// of max_chunk_streams chunk streams of each connection.
constexpr size_t kMaxReserve = 64 << 10;

}  // namespace

Status ChunkReader::Feed(std::span<const uint8_t> data, const OnMessage& on_message) {
  size_t pos = 0;
  while (pos < data.size()) {
    if (chunk_remaining_ > 0) {
      const size_t n = std::min(chunk_remaining_, data.size() - pos);
      Status s = Append(data.subspan(pos, n), on_message);
      if (!s.ok())
        return s;
      pos += n;
      continue;
    }
    // Copy just enough header bytes to make progress, then try to parse.
    const size_t take =
        std::min(std::max(header_need_, header_.size() + 1) - header_.size(), data.size() - pos);
    header_.insert(header_.end(), data.begin() + pos, data.begin() + pos + take);
    pos += take;
    auto parsed = ParseHeader();
    if (!parsed.ok())
      return parsed.error();
    if (*parsed == Parse::kNeedMore)
      continue;
    // Bytes peeked for a type-3 extended timestamp that turned out to be payload.
    const std::vector<uint8_t> leftover(header_.begin() + header_size_, header_.end());
    header_.clear();
    header_need_ = 1;
    if (chunk_remaining_ == 0) {  // zero-length message
      Status s = Deliver(*current_, on_message);
      if (!s.ok())
        return s;
    }
    if (!leftover.empty()) {
      Status s = Feed(leftover, on_message);
      if (!s.ok())
        return s;
    }
  }
  return OkStatus();
}

Result<ChunkReader::Parse> ChunkReader::ParseHeader() {
  const std::vector<uint8_t>& h = header_;
  const uint8_t fmt = h[0] >> 6;
  const uint8_t low = h[0] & 0x3f;
  const size_t basic = low == 0 ? 2 : low == 1 ? 3 : 1;
  const size_t fixed = basic + kMessageHeaderSize[fmt];
  header_need_ = fixed;
  if (h.size() < fixed)
    return Parse::kNeedMore;
  uint32_t csid = low;
  if (low == 0)
    csid = 64 + h[1];
  if (low == 1)
    csid = 64 + h[1] + (uint32_t(h[2]) << 8);

  auto found = FindStream(csid, fmt == 0);
  if (!found.ok())
    return found.error();
  Stream& st = **found;
  bool ext = false;
  uint32_t ext_value = 0;
  header_size_ = fixed;
  if (fmt < 3 && Be24(&h[basic]) == kExtendedMarker) {
    header_need_ = fixed + 4;
    if (h.size() < header_need_)
      return Parse::kNeedMore;
    ext = true;
    ext_value = Be32(&h[fixed]);
    header_size_ = fixed + 4;
  } else if (fmt == 3 && st.extended) {
    // Some encoders repeat the extended timestamp in type-3 chunks, some don't: it is present
    // when the next 4 bytes equal the last extended value.
    const uint8_t want[4] = {uint8_t(st.ts_field >> 24), uint8_t(st.ts_field >> 16),
                             uint8_t(st.ts_field >> 8), uint8_t(st.ts_field)};
    const size_t have = std::min<size_t>(h.size() - fixed, 4);
    const bool match = std::equal(h.begin() + fixed, h.begin() + fixed + have, want);
    if (match && have < 4) {
      header_need_ = fixed + 4;
      return Parse::kNeedMore;
    }
    if (match)
      header_size_ = fixed + 4;
  }
  Status s = StartChunk(st, fmt, &h[basic], ext, ext_value);
  if (!s.ok())
    return s.error();
  return Parse::kDone;
}

Result<ChunkReader::Stream*> ChunkReader::FindStream(uint32_t csid, bool create) {
  for (Stream& st : streams_) {
    if (st.csid == csid)
      return &st;
  }
  if (!create) {
    return Error("chunk stream " + std::to_string(csid) + " starts without a type-0 header");
  }
  if (streams_.size() >= limits_.max_chunk_streams) {
    return Error("more than " + std::to_string(limits_.max_chunk_streams) + " chunk streams");
  }
  // Reserved up front so that current_ never dangles when a stream is added.
  if (streams_.capacity() == 0)
    streams_.reserve(limits_.max_chunk_streams);
  streams_.emplace_back().csid = csid;
  return &streams_.back();
}

Status ChunkReader::StartChunk(Stream& st,
                               uint8_t fmt,
                               const uint8_t* mh,
                               bool ext,
                               uint32_t ext_value) {
  if (fmt < 3 && st.in_message) {
    return Error("chunk stream " + std::to_string(st.csid) + ": type-" + std::to_string(fmt) +
                 " header before the previous message ended");
  }
  if (fmt <= 1) {
    st.length = Be24(mh + 3);
    st.type = mh[6];
  }
  if (fmt == 0)
    st.stream_id = Le32(mh + 7);
  if (fmt < 3) {
    st.extended = ext;
    st.ts_field = ext ? ext_value : Be24(mh);
  }
  if (!st.in_message) {
    st.timestamp = fmt == 0 ? st.ts_field : st.timestamp + st.ts_field;
    if (st.length > limits_.max_message_size) {
      return Error("message of " + std::to_string(st.length) + " bytes (type " +
                   std::to_string(st.type) + ") exceeds the " +
                   std::to_string(limits_.max_message_size) + "-byte limit");
    }
    st.in_message = true;
    st.payload.clear();
    st.payload.reserve(std::min<size_t>(st.length, kMaxReserve));
  }
  current_ = &st;
  chunk_remaining_ = std::min<size_t>(chunk_size_, st.length - st.payload.size());
  return OkStatus();
}

Status ChunkReader::Append(std::span<const uint8_t> bytes, const OnMessage& on_message) {
  if (buffered_ + bytes.size() > limits_.max_buffered_bytes) {
    return Error("more than " + std::to_string(limits_.max_buffered_bytes) +
                 " bytes of unfinished messages");
  }
  Stream& st = *current_;
  st.payload.insert(st.payload.end(), bytes.begin(), bytes.end());
  buffered_ += bytes.size();
  chunk_remaining_ -= bytes.size();
  if (st.payload.size() == st.length)
    return Deliver(st, on_message);
  return OkStatus();
}

Status ChunkReader::Deliver(Stream& st, const OnMessage& on_message) {
  Message m;
  m.csid = st.csid;
  m.type = st.type;
  m.stream_id = st.stream_id;
  m.timestamp = st.timestamp;
  m.payload = std::move(st.payload);
  st.payload = {};
  st.in_message = false;
  buffered_ -= m.payload.size();
  if (m.type == kSetChunkSize || m.type == kAbort)
    return HandleControl(m);
  return on_message(std::move(m));
}

Status ChunkReader::HandleControl(const Message& m) {
  if (m.payload.size() < 4) {
    return Error("protocol control message type " + std::to_string(m.type) + " of " +
                 std::to_string(m.payload.size()) + " bytes, need 4");
  }
  const uint32_t value = Be32(m.payload.data());
  if (m.type == kSetChunkSize) {
    const uint32_t size = value & 0x7fffffff;
    if (size == 0)
      return Error("Set Chunk Size 0");
    chunk_size_ = std::min(size, kMaxChunkSize);
    return OkStatus();
  }
  for (Stream& st : streams_) {  // Abort: drop the partial message on that chunk stream
    if (st.csid == value && st.in_message) {
      buffered_ -= st.payload.size();
      st.payload = {};
      st.in_message = false;
    }
  }
  return OkStatus();
}

}  // namespace strait::transport::rtmp
