// Server side of the RTMP handshake, sans-IO: feed it the client's bytes (C0, C1, C2 in any
// splits), it appends S0+S1+S2 to the output once C0+C1 are in, and is done after C2.
//
// Accepts both the plain handshake (C1 version field zero, S2 echoes C1) and the digest
// ("complex", Flash Player 9) handshake that librtmp/OBS and FFmpeg send: a HMAC-SHA256 digest
// keyed with the Genuine Flash Player key, at the offset of schema 0 (key block first) or schema 1
// (digest block first). When C1 carries a valid digest, S1 carries a digest keyed with the Genuine
// FMS key in the same schema and S2 is signed with the key derived from C1's digest, so clients
// that verify the server (librtmp) accept it. A C1 with a non-zero version but no valid digest is
// answered with the plain handshake. One object per connection, single-threaded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "codecs/result.h"

namespace strait::transport::rtmp {

inline constexpr size_t kHandshakeSize = 1536;  // C1, C2, S1, S2

class Handshake {
 public:
  Handshake();

  // Consumes handshake bytes from `in` and returns how many it used: once done(), the rest of
  // `in` belongs to the chunk stream. Appends S0+S1+S2 to `out` when C0+C1 are complete. An
  // error (bad version byte) means the peer is not speaking RTMP.
  Result<size_t> Consume(std::span<const uint8_t> in, std::vector<uint8_t>* out);

  bool done() const { return state_ == State::kDone; }
  bool digest() const { return digest_; }  // C1 carried a valid Flash Player digest

 private:
  enum class State { kC0C1, kC2, kDone };
  void Respond(std::vector<uint8_t>* out);

  State state_ = State::kC0C1;
  std::vector<uint8_t> c0c1_;
  size_t c2_received_ = 0;
  bool digest_ = false;
  uint32_t seed_;
};

// Digest helpers, exposed for tests (which play the client).
namespace handshake_internal {

extern const std::array<uint8_t, 62> kFpKey;   // "Genuine Adobe Flash Player 001" + 32 bytes
extern const std::array<uint8_t, 68> kFmsKey;  // "Genuine Adobe Flash Media Server 001" + 32 bytes
inline constexpr size_t kFpKeyShort = 30;
inline constexpr size_t kFmsKeyShort = 36;

// Offset of the 32-byte digest in a 1536-byte packet for schema 0 (digest block at 772) or
// schema 1 (digest block at 8).
size_t DigestOffset(std::span<const uint8_t> packet, int schema);
// HMAC-SHA256 of `packet` without the 32 bytes at `offset`.
std::vector<uint8_t> PacketDigest(std::span<const uint8_t> packet,
                                  size_t offset,
                                  std::span<const uint8_t> key);
// The schema (0 or 1) whose digest verifies with `key`, if any.
std::optional<int> FindSchema(std::span<const uint8_t> packet, std::span<const uint8_t> key);
// Writes the digest for `schema` into `packet` (1536 bytes).
void Sign(std::span<uint8_t> packet, int schema, std::span<const uint8_t> key);
std::vector<uint8_t> HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data);

}  // namespace handshake_internal
}  // namespace strait::transport::rtmp
