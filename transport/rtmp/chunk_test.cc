// Tests for ChunkReader and ChunkWriter, mostly as a pair: what the writer chunks, the reader must
// reassemble, whatever the read splits.
#include <gtest/gtest.h>

#include <random>

#include "transport/rtmp/chunk_reader.h"
#include "transport/rtmp/chunk_writer.h"

namespace strait::transport::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes Payload(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = static_cast<uint8_t>(seed + i * 7);
  return b;
}

Message Msg(uint32_t csid, uint8_t type, uint32_t sid, uint32_t ts, size_t len) {
  return Message{csid, type, sid, ts, Payload(len, static_cast<uint8_t>(ts + csid))};
}

Bytes WriteAll(ChunkWriter& w, const std::vector<Message>& msgs) {
  Bytes out;
  for (const Message& m : msgs)
    w.Write(m.csid, m.type, m.stream_id, m.timestamp, m.payload, &out);
  return out;
}

// Feeds `bytes` split at the given points; returns the messages or fails the test.
std::vector<Message> ReadSplit(const Bytes& bytes,
                               std::vector<size_t> cuts,
                               ChunkReader::Limits limits = {}) {
  ChunkReader reader(limits);
  std::vector<Message> got;
  auto on = [&](Message&& m) {
    got.push_back(std::move(m));
    return OkStatus();
  };
  cuts.push_back(bytes.size());
  size_t pos = 0;
  for (size_t cut : cuts) {
    Status s = reader.Feed({bytes.data() + pos, cut - pos}, on);
    EXPECT_TRUE(s.ok()) << s.error().message();
    pos = cut;
  }
  return got;
}

void ExpectSame(const std::vector<Message>& got, const std::vector<Message>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].csid, want[i].csid) << i;
    EXPECT_EQ(got[i].type, want[i].type) << i;
    EXPECT_EQ(got[i].stream_id, want[i].stream_id) << i;
    EXPECT_EQ(got[i].timestamp, want[i].timestamp) << i;
    EXPECT_EQ(got[i].payload, want[i].payload) << i;
  }
}

std::vector<Message> MixedMessages() {
  return {Msg(3, 20, 0, 0, 150),   Msg(2, 5, 0, 0, 4),        Msg(4, 9, 1, 0, 300),
          Msg(4, 9, 1, 33, 300),   Msg(4, 9, 1, 66, 300),     Msg(4, 9, 1, 99, 12),
          Msg(6, 8, 1, 21, 0),     Msg(64, 8, 1, 23, 129),    Msg(319, 18, 1, 23, 1),
          Msg(320, 8, 1, 40, 128), Msg(65599, 9, 1, 45, 257), Msg(4, 9, 1, 50, 12),
          Msg(4, 9, 1, 40, 12)};
}

TEST(ChunkTest, ReassemblesAcrossEverySplitPoint) {
  ChunkWriter writer;
  const std::vector<Message> msgs = MixedMessages();
  const Bytes bytes = WriteAll(writer, msgs);
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    SCOPED_TRACE(cut);
    ExpectSame(ReadSplit(bytes, {cut}), msgs);
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < bytes.size(); ++i)
    every_byte.push_back(i);
  ExpectSame(ReadSplit(bytes, every_byte), msgs);
}

TEST(ChunkTest, EveryHeaderTypeByHand) {
  const Bytes bytes = {
      0x03, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x02, 0x09, 0x01, 0x00, 0x00, 0x00, 0xaa, 0xbb,  // fmt0
      0x43, 0x00, 0x00, 0x28, 0x00, 0x00, 0x01, 0x08, 0xcc,                                // fmt1
      0x83, 0x00, 0x00, 0x0a, 0xdd,                                                        // fmt2
      0xc3, 0xee,                                                                          // fmt3
      0x04, 0x00, 0x00, 0x64, 0x00, 0x00, 0x01, 0x09, 0x01, 0x00, 0x00, 0x00, 0x11,        // fmt0
      0xc4, 0x22,  // fmt3 right after fmt0: the delta is the type-0 timestamp (spec 5.3.1.2.4)
  };
  const std::vector<Message> got = ReadSplit(bytes, {});
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].timestamp, 1000u);
  EXPECT_EQ(got[0].stream_id, 1u);
  EXPECT_EQ(got[0].payload, Bytes({0xaa, 0xbb}));
  EXPECT_EQ(got[1].timestamp, 1040u);
  EXPECT_EQ(got[1].type, 8);
  EXPECT_EQ(got[2].timestamp, 1050u);
  EXPECT_EQ(got[2].payload, Bytes({0xdd}));
  EXPECT_EQ(got[3].timestamp, 1060u);
  EXPECT_EQ(got[3].payload, Bytes({0xee}));
  EXPECT_EQ(got[4].timestamp, 100u);
  EXPECT_EQ(got[5].timestamp, 200u);
  EXPECT_EQ(got[5].stream_id, 1u);
}

TEST(ChunkTest, ExtendedTimestampsRepeatedOrNot) {
  for (bool repeat : {true, false}) {
    SCOPED_TRACE(repeat);
    ChunkWriter writer({.repeat_extended_in_type3 = repeat});
    const std::vector<Message> msgs = {
        Msg(4, 9, 1, 0x00fffffe, 400), Msg(4, 9, 1, 0x01000000, 400),
        Msg(4, 9, 1, 0x01000021, 400), Msg(4, 9, 1, 0xfffffff0, 300),  // delta >= 0xffffff
        Msg(4, 9, 1, 0xfffffff0, 5),   Msg(5, 8, 1, 0xffffffff, 200),
    };
    const Bytes bytes = WriteAll(writer, msgs);
    for (size_t cut = 0; cut <= bytes.size(); cut += 3)
      ExpectSame(ReadSplit(bytes, {cut}), msgs);
  }
}

TEST(ChunkTest, ChunkSizeChangeMidStream) {
  ChunkWriter writer;
  Bytes bytes;
  const Message before = Msg(4, 9, 1, 0, 1000);
  writer.Write(4, 9, 1, 0, before.payload, &bytes);
  const uint8_t size[4] = {0x00, 0x01, 0x00, 0x00};  // 65536
  writer.Write(2, kSetChunkSize, 0, 0, size, &bytes);
  writer.set_chunk_size(65536);
  const Message after = Msg(4, 9, 1, 40, 200000);
  writer.Write(4, 9, 1, 40, after.payload, &bytes);
  std::mt19937 rng(1);
  std::vector<size_t> cuts;
  for (size_t pos = 0; pos < bytes.size(); pos += 1 + rng() % 3000)
    cuts.push_back(pos);
  ExpectSame(ReadSplit(bytes, cuts), {before, after});
}

Status FeedAll(ChunkReader& reader, const Bytes& bytes, size_t* count = nullptr) {
  return reader.Feed(bytes, [&](Message&&) {
    if (count)
      ++*count;
    return OkStatus();
  });
}

// Any size up to 0x7FFFFFFF is taken (joy4 and vdk, Go's RTMP clients, announce 2^27); beyond
// 0xFFFFFF, the longest message length, it reads as that.
TEST(ChunkTest, TakesChunkSizesBeyondAnyMessage) {
  for (uint32_t size : {65537u, 134217728u, 0x7fffffffu}) {
    ChunkWriter writer;
    Bytes bytes;
    const uint8_t v[4] = {uint8_t(size >> 24), uint8_t(size >> 16), uint8_t(size >> 8),
                          uint8_t(size)};
    writer.Write(2, kSetChunkSize, 0, 0, v, &bytes);
    writer.set_chunk_size(size);
    const Message big = Msg(4, 9, 1, 40, 300000);
    writer.Write(4, 9, 1, 40, big.payload, &bytes);
    ExpectSame(ReadSplit(bytes, {7, 5000, 100000}), {big});
  }
}

TEST(ChunkTest, RejectsBadChunkSizes) {
  for (uint32_t bad : {0u, 0x80000000u}) {  // the top bit is ignored
    ChunkWriter writer;
    Bytes bytes;
    const uint8_t v[4] = {uint8_t(bad >> 24), uint8_t(bad >> 16), uint8_t(bad >> 8), uint8_t(bad)};
    writer.Write(2, kSetChunkSize, 0, 0, v, &bytes);
    ChunkReader reader;
    Status s = FeedAll(reader, bytes);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.error().message().find("Set Chunk Size"), std::string::npos);
  }
}

TEST(ChunkTest, EnforcesLimits) {
  ChunkWriter writer;
  Bytes big;
  writer.Write(4, 9, 1, 0, Payload(2000, 1), &big);
  ChunkReader small({.max_message_size = 1000});
  Status s = FeedAll(small, big);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("exceeds"), std::string::npos);

  Bytes many;
  for (uint32_t csid = 3; csid < 20; ++csid)
    writer.Write(csid, 9, 1, 0, Payload(1, 1), &many);
  ChunkReader few({.max_chunk_streams = 8});
  EXPECT_FALSE(FeedAll(few, many).ok());

  ChunkReader reader;
  EXPECT_FALSE(FeedAll(reader, Bytes{0x45, 0, 0, 0, 0, 0, 1, 9, 0xaa}).ok());  // fmt1 first
}

TEST(ChunkTest, AbortDropsPartialMessage) {
  ChunkWriter writer;
  Bytes bytes;
  writer.Write(4, 9, 1, 0, Payload(300, 1), &bytes);
  bytes.resize(1 + 11 + 128);  // only the first chunk of 300 bytes
  const uint8_t csid4[4] = {0, 0, 0, 4};
  writer.Write(2, kAbort, 0, 0, csid4, &bytes);
  const Message next = Msg(4, 9, 1, 10, 50);
  Bytes tail;
  ChunkWriter fresh;  // a type-0 header, as after an abort
  fresh.Write(4, 9, 1, 10, next.payload, &tail);
  bytes.insert(bytes.end(), tail.begin(), tail.end());
  ExpectSame(ReadSplit(bytes, {}), {next});
}

}  // namespace
}  // namespace strait::transport::rtmp
