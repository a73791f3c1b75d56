// RTMP message vocabulary shared by the chunk layer and the connection protocol: message type ids,
// well-known chunk stream ids and one reassembled message. Plain values.
#pragma once

#include <cstdint>
#include <vector>

namespace strait::transport::rtmp {

enum MessageType : uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kSetPeerBandwidth = 6,
  kAudio = 8,
  kVideo = 9,
  kDataAmf3 = 15,
  kCommandAmf3 = 17,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
  kAggregate = 22,
};

// Chunk stream ids the server writes on (clients pick their own).
inline constexpr uint32_t kControlCsid = 2;
inline constexpr uint32_t kCommandCsid = 3;
inline constexpr uint32_t kStatusCsid = 5;

// Chunk sizes a peer may set are 1..0x7FFFFFFF (RTMP 5.4.1); no message is longer than
// 0xFFFFFF bytes, so any size from there on reads the same (Go's joy4/vdk announce 2^27).
inline constexpr uint32_t kMaxChunkSize = 0xFFFFFF;

struct Message {
  uint32_t csid = 0;
  uint8_t type = 0;
  uint32_t stream_id = 0;
  uint32_t timestamp = 0;  // 32-bit milliseconds as on the wire (wraps); unwrapped upstream
  std::vector<uint8_t> payload;
};

}  // namespace strait::transport::rtmp
