#include "transport/rtmp/handshake.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>
#include <string>

namespace strait::transport::rtmp {
namespace handshake_internal {

namespace {

// The 32 bytes both keys end with.
constexpr uint8_t kKeyTail[32] = {0xF0, 0xEE, 0xC2, 0x4A, 0x80, 0x68, 0xBE, 0xE8, 0x2E, 0x00, 0xD0,
                                  0xD1, 0x02, 0x9E, 0x7E, 0x57, 0x6E, 0xEC, 0x5D, 0x2D, 0x29, 0x80,
                                  0x6F, 0xAB, 0x93, 0xB8, 0xE6, 0x36, 0xCF, 0xEB, 0x31, 0xAE};

// `text` (without its NUL) followed by kKeyTail.
template <size_t N>
constexpr std::array<uint8_t, N - 1 + sizeof(kKeyTail)> WithTail(const char (&text)[N]) {
  std::array<uint8_t, N - 1 + sizeof(kKeyTail)> key{};
  for (size_t i = 0; i + 1 < N; ++i)
    key[i] = static_cast<uint8_t>(text[i]);
  for (size_t i = 0; i < sizeof(kKeyTail); ++i)
    key[N - 1 + i] = kKeyTail[i];
  return key;
}

}  // namespace

const std::array<uint8_t, 62> kFpKey = WithTail("Genuine Adobe Flash Player 001");
const std::array<uint8_t, 68> kFmsKey = WithTail("Genuine Adobe Flash Media Server 001");

constexpr size_t kDigestSize = 32;

size_t DigestOffset(std::span<const uint8_t> packet, int schema) {
  const size_t block = schema == 0 ? 772 : 8;
  const size_t sum = packet[block] + packet[block + 1] + packet[block + 2] + packet[block + 3];
  return sum % 728 + block + 4;
}

std::vector<uint8_t> HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data) {
  std::vector<uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  out.resize(len);
  return out;
}

std::vector<uint8_t> PacketDigest(std::span<const uint8_t> packet,
                                  size_t offset,
                                  std::span<const uint8_t> key) {
  std::vector<uint8_t> message(packet.begin(), packet.begin() + offset);
  message.insert(message.end(), packet.begin() + offset + kDigestSize, packet.end());
  return HmacSha256(key, message);
}

std::optional<int> FindSchema(std::span<const uint8_t> packet, std::span<const uint8_t> key) {
  for (int schema : {1, 0}) {
    const size_t offset = DigestOffset(packet, schema);
    const std::vector<uint8_t> digest = PacketDigest(packet, offset, key);
    if (std::equal(digest.begin(), digest.end(), packet.begin() + offset))
      return schema;
  }
  return std::nullopt;
}

void Sign(std::span<uint8_t> packet, int schema, std::span<const uint8_t> key) {
  const size_t offset = DigestOffset(packet, schema);
  const std::vector<uint8_t> digest = PacketDigest(packet, offset, key);
  std::copy(digest.begin(), digest.end(), packet.begin() + offset);
}

}  // namespace handshake_internal

namespace hi = handshake_internal;

Handshake::Handshake() : seed_(std::random_device()()) {}

Result<size_t> Handshake::Consume(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  size_t used = 0;
  if (state_ == State::kC0C1) {
    if (c0c1_.empty() && !in.empty() && in[0] != 3) {
      const uint8_t v = in[0];
      std::string hint = (v >= 'A' && v <= 'Z') ? " (looks like text: HTTP?)" : "";
      if (v == 6 || v == 8)
        hint = " (RTMPE encryption is not supported)";
      return Error("bad handshake: C0 version " + std::to_string(v) + ", want 3" + hint);
    }
    const size_t take = std::min(in.size(), 1 + kHandshakeSize - c0c1_.size());
    c0c1_.insert(c0c1_.end(), in.begin(), in.begin() + take);
    used += take;
    if (c0c1_.size() < 1 + kHandshakeSize)
      return used;
    Respond(out);
    state_ = State::kC2;
  }
  if (state_ == State::kC2) {
    // C2 echoes S1; clients differ in what they put there, so like most servers we don't check.
    const size_t take = std::min(in.size() - used, kHandshakeSize - c2_received_);
    c2_received_ += take;
    used += take;
    if (c2_received_ == kHandshakeSize)
      state_ = State::kDone;
  }
  return used;
}

void Handshake::Respond(std::vector<uint8_t>* out) {
  std::span<const uint8_t> c1(c0c1_.data() + 1, kHandshakeSize);
  std::optional<int> schema;
  const bool versioned = c1[4] || c1[5] || c1[6] || c1[7];
  if (versioned)
    schema = hi::FindSchema(c1, {hi::kFpKey.data(), hi::kFpKeyShort});
  digest_ = schema.has_value();

  std::mt19937 rng(seed_);
  std::vector<uint8_t> s1(kHandshakeSize), s2(kHandshakeSize);
  for (size_t i = 8; i < kHandshakeSize; ++i)
    s1[i] = static_cast<uint8_t>(rng());
  if (!digest_) {
    std::copy(c1.begin(), c1.end(), s2.begin());  // plain: S2 echoes C1
  } else {
    const uint8_t version[4] = {0x04, 0x05, 0x00, 0x01};  // claims FMS 4.5.0.1, as others do
    std::copy(version, version + 4, s1.begin() + 4);
    hi::Sign(s1, *schema, {hi::kFmsKey.data(), hi::kFmsKeyShort});
    const size_t c1_digest = hi::DigestOffset(c1, *schema);
    const std::vector<uint8_t> key =
        hi::HmacSha256(hi::kFmsKey, c1.subspan(c1_digest, hi::kDigestSize));
    for (size_t i = 0; i < kHandshakeSize; ++i)
      s2[i] = static_cast<uint8_t>(rng());
    const std::vector<uint8_t> sig =
        hi::HmacSha256(key, std::span<const uint8_t>(s2).first(kHandshakeSize - hi::kDigestSize));
    std::copy(sig.begin(), sig.end(), s2.end() - hi::kDigestSize);
  }
  out->push_back(3);
  out->insert(out->end(), s1.begin(), s1.end());
  out->insert(out->end(), s2.begin(), s2.end());
  c0c1_.clear();
  c0c1_.shrink_to_fit();
}

}  // namespace strait::transport::rtmp
