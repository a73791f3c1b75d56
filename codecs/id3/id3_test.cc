// ID3 tags byte by byte against the ID3v2.4 structure (tests/cards_live_test reads them back out
// of the live segments).
#include "codecs/id3/id3.h"

#include <gtest/gtest.h>

#include <string>

namespace strait::id3 {
namespace {

TEST(Id3Test, OneTxxxFrameLaidOutAsTheSpecSays) {
  auto tag = TxxxTag({{"com.strait.card", "{\"id\":\"a\"}"}});
  ASSERT_TRUE(tag.ok());
  const std::vector<uint8_t>& t = *tag;
  const size_t frame_body = 1 + 15 + 1 + 10;
  ASSERT_EQ(t.size(), 10 + 10 + frame_body);
  EXPECT_EQ(std::string(t.begin(), t.begin() + 3), "ID3");
  EXPECT_EQ(t[3], 4);  // v2.4
  EXPECT_EQ(t[4], 0);
  EXPECT_EQ(t[5], 0);
  EXPECT_EQ(t[9], 10 + frame_body);  // syncsafe size, small: the last byte
  EXPECT_EQ(std::string(t.begin() + 10, t.begin() + 14), "TXXX");
  EXPECT_EQ(t[17], frame_body);
  EXPECT_EQ(t[20], 3);  // UTF-8
  EXPECT_EQ(std::string(t.begin() + 21, t.begin() + 36), "com.strait.card");
  EXPECT_EQ(t[36], 0);
  EXPECT_EQ(std::string(t.begin() + 37, t.end()), "{\"id\":\"a\"}");
}

TEST(Id3Test, SizesAreSyncsafe) {
  const std::string value(300, 'x');  // 300 + 3 > 127: two 7-bit bytes
  auto tag = TxxxTag({{"k", value}, {"", "中文"}});
  ASSERT_TRUE(tag.ok());
  const std::vector<uint8_t>& t = *tag;
  const uint32_t first = 1 + 1 + 1 + 300, second = 1 + 0 + 1 + 6;
  const uint32_t body = 10 + first + 10 + second;
  EXPECT_EQ(t.size(), 10 + body);
  EXPECT_EQ((t[8] << 7) | t[9], int(body));
  for (int i = 6; i < 10; ++i)
    EXPECT_LT(t[i], 0x80) << "syncsafe bytes keep their top bit clear";
  EXPECT_EQ((t[16] << 7) | t[17], int(first));
}

}  // namespace
}  // namespace strait::id3
