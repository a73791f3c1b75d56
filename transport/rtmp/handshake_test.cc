#include "transport/rtmp/handshake.h"

#include <gtest/gtest.h>

#include <random>

namespace strait::transport::rtmp {
namespace {

namespace hi = handshake_internal;
using Bytes = std::vector<uint8_t>;

Bytes RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b)
    x = static_cast<uint8_t>(rng());
  return b;
}

// Feeds `in` in pieces of `step` bytes, collecting the server's output and the unused tail.
Bytes FeedAll(Handshake& hs, const Bytes& in, size_t step, Bytes* unused) {
  Bytes out;
  size_t pos = 0;
  while (pos < in.size() && !hs.done()) {
    const size_t n = std::min(step, in.size() - pos);
    auto used = hs.Consume({in.data() + pos, n}, &out);
    EXPECT_TRUE(used.ok());
    if (!used.ok())
      break;
    pos += *used;
    if (*used < n)
      break;
  }
  unused->assign(in.begin() + pos, in.end());
  return out;
}

TEST(HandshakeTest, PlainHandshakeEchoesC1) {
  Bytes c1 = RandomBytes(kHandshakeSize, 1);
  std::fill(c1.begin() + 4, c1.begin() + 8, 0);  // version 0: plain
  for (size_t step : {size_t{1}, size_t{7}, size_t{1537}, size_t{5000}}) {
    Handshake hs;
    Bytes in = {3};
    in.insert(in.end(), c1.begin(), c1.end());
    in.insert(in.end(), kHandshakeSize, 0xaa);  // C2
    in.insert(in.end(), {0x02, 0x00});          // first chunk bytes
    Bytes unused;
    const Bytes out = FeedAll(hs, in, step, &unused);
    ASSERT_TRUE(hs.done()) << step;
    EXPECT_FALSE(hs.digest());
    ASSERT_EQ(out.size(), 1 + 2 * kHandshakeSize);
    EXPECT_EQ(out[0], 3);
    EXPECT_EQ(Bytes(out.begin() + 1 + kHandshakeSize, out.end()), c1);
    EXPECT_EQ(unused, Bytes({0x02, 0x00}));
  }
}

TEST(HandshakeTest, DigestHandshakeBothSchemas) {
  for (int schema : {0, 1}) {
    Bytes c1 = RandomBytes(kHandshakeSize, 7 + schema);
    const uint8_t version[4] = {0x80, 0x00, 0x07, 0x02};  // librtmp's Flash Player version
    std::copy(version, version + 4, c1.begin() + 4);
    hi::Sign(c1, schema, {hi::kFpKey.data(), hi::kFpKeyShort});
    ASSERT_EQ(hi::FindSchema(c1, {hi::kFpKey.data(), hi::kFpKeyShort}), schema);

    Handshake hs;
    Bytes in = {3};
    in.insert(in.end(), c1.begin(), c1.end());
    Bytes out;
    ASSERT_TRUE(hs.Consume(in, &out).ok());
    EXPECT_TRUE(hs.digest());
    ASSERT_EQ(out.size(), 1 + 2 * kHandshakeSize);
    std::span<const uint8_t> s1(out.data() + 1, kHandshakeSize);
    std::span<const uint8_t> s2(out.data() + 1 + kHandshakeSize, kHandshakeSize);
    // The client verifies S1 with the short FMS key, in its own schema...
    EXPECT_EQ(hi::FindSchema(s1, {hi::kFmsKey.data(), hi::kFmsKeyShort}), schema);
    // ...and S2 with the key derived from its own digest.
    const size_t off = hi::DigestOffset(c1, schema);
    const Bytes key = hi::HmacSha256(hi::kFmsKey, std::span<const uint8_t>(c1).subspan(off, 32));
    const Bytes sig = hi::HmacSha256(key, s2.first(kHandshakeSize - 32));
    EXPECT_TRUE(std::equal(sig.begin(), sig.end(), s2.end() - 32));
    EXPECT_FALSE(hs.done());
    ASSERT_TRUE(hs.Consume(Bytes(kHandshakeSize, 0), &out).ok());
    EXPECT_TRUE(hs.done());
  }
}

TEST(HandshakeTest, VersionedC1WithoutDigestFallsBackToPlain) {
  Bytes c1 = RandomBytes(kHandshakeSize, 3);
  c1[4] = 9;
  Handshake hs;
  Bytes in = {3};
  in.insert(in.end(), c1.begin(), c1.end());
  Bytes out;
  ASSERT_TRUE(hs.Consume(in, &out).ok());
  EXPECT_FALSE(hs.digest());
  EXPECT_EQ(Bytes(out.begin() + 1 + kHandshakeSize, out.end()), c1);
}

TEST(HandshakeTest, RejectsWrongVersion) {
  Handshake hs;
  Bytes out;
  auto r = hs.Consume(Bytes{'G', 'E', 'T', ' '}, &out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("HTTP"), std::string::npos);
  EXPECT_TRUE(out.empty());
  Handshake enc;
  EXPECT_FALSE(enc.Consume(Bytes{6}, &out).ok());
}

}  // namespace
}  // namespace strait::transport::rtmp
