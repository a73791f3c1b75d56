#include "transport/rtmp/chunk_writer.h"

#include <algorithm>

namespace strait::transport::rtmp {
namespace {

constexpr uint32_t kExtendedMarker = 0xffffff;

void PutBasicHeader(uint8_t fmt, uint32_t csid, std::vector<uint8_t>* out) {
  if (csid < 64) {
    out->push_back(static_cast<uint8_t>(fmt << 6 | csid));
  } else if (csid < 320) {
    out->push_back(static_cast<uint8_t>(fmt << 6));
    out->push_back(static_cast<uint8_t>(csid - 64));
  } else {
    out->push_back(static_cast<uint8_t>(fmt << 6 | 1));
    out->push_back(static_cast<uint8_t>((csid - 64) & 0xff));
    out->push_back(static_cast<uint8_t>((csid - 64) >> 8));
  }
}

void PutBe(uint32_t v, int bytes, std::vector<uint8_t>* out) {
  for (int i = bytes - 1; i >= 0; --i)
    out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

ChunkWriter::Stream& ChunkWriter::Find(uint32_t csid, bool* created) {
  for (Stream& st : streams_) {
    if (st.csid == csid) {
      *created = false;
      return st;
    }
  }
  *created = true;
  streams_.emplace_back().csid = csid;
  return streams_.back();
}

void ChunkWriter::Write(uint32_t csid,
                        uint8_t type,
                        uint32_t stream_id,
                        uint32_t timestamp,
                        std::span<const uint8_t> payload,
                        std::vector<uint8_t>* out) {
  bool created = false;
  Stream& st = Find(csid, &created);
  const uint32_t length = static_cast<uint32_t>(payload.size());
  uint8_t fmt = 0;
  uint32_t field = timestamp;
  if (options_.compress_headers && !created && st.stream_id == stream_id &&
      timestamp >= st.timestamp) {
    field = timestamp - st.timestamp;
    if (length != st.length || type != st.type) {
      fmt = 1;
    } else {
      fmt = field == st.ts_field ? 3 : 2;
    }
  }
  st.timestamp = timestamp;
  st.ts_field = field;
  st.length = length;
  st.type = type;
  st.stream_id = stream_id;
  const bool extended = field >= kExtendedMarker;

  out->reserve(out->size() + payload.size() + payload.size() / chunk_size_ * 5 + 18);
  PutBasicHeader(fmt, csid, out);
  if (fmt < 3)
    PutBe(extended ? kExtendedMarker : field, 3, out);
  if (fmt < 2) {
    PutBe(length, 3, out);
    out->push_back(type);
  }
  if (fmt == 0) {
    for (int i = 0; i < 4; ++i)
      out->push_back(static_cast<uint8_t>(stream_id >> (8 * i)));
  }
  if (extended)
    PutBe(field, 4, out);
  size_t pos = 0;
  while (true) {
    const size_t n = std::min<size_t>(chunk_size_, payload.size() - pos);
    out->insert(out->end(), payload.begin() + pos, payload.begin() + pos + n);
    pos += n;
    if (pos >= payload.size())
      break;
    PutBasicHeader(3, csid, out);
    if (extended && options_.repeat_extended_in_type3)
      PutBe(field, 4, out);
  }
}

}  // namespace strait::transport::rtmp
