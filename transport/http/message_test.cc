#include "transport/http/message.h"

#include <gtest/gtest.h>

namespace strait::transport::http {
namespace {

TEST(HttpMessageTest, HeaderLookupIsCaseInsensitive) {
  Request r;
  r.headers = {{"Content-Type", "text/plain"}, {"X-Thing", "a"}, {"x-thing", "b"}};
  EXPECT_EQ(r.Header("content-type"), "text/plain");
  EXPECT_EQ(r.Header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(r.Header("x-THING"), "a");  // first occurrence
  EXPECT_EQ(r.Header("missing"), "");
  EXPECT_EQ(r.Header("Content-Typ"), "");
}

TEST(HttpMessageTest, QueryParamDecodesFirstOccurrence) {
  Request r;
  r.query = "_HLS_msn=3&_HLS_part=1&name=a%20b+c&_HLS_msn=9&flag&empty=&k%65y=v%2Fw";
  EXPECT_EQ(r.QueryParam("_HLS_msn"), "3");
  EXPECT_EQ(r.QueryParam("_HLS_part"), "1");
  EXPECT_EQ(r.QueryParam("name"), "a b c");
  EXPECT_EQ(r.QueryParam("key"), "v/w");
  EXPECT_TRUE(r.HasQueryParam("flag"));
  EXPECT_EQ(r.QueryParam("flag"), "");
  EXPECT_TRUE(r.HasQueryParam("empty"));
  EXPECT_FALSE(r.HasQueryParam("missing"));
  EXPECT_EQ(r.QueryParam("missing"), "");
  EXPECT_FALSE(r.HasQueryParam("_HLS"));
}

TEST(HttpMessageTest, QueryParamKeepsMalformedEscapes) {
  Request r;
  r.query = "a=%zz&b=%4&c=100%";
  EXPECT_EQ(r.QueryParam("a"), "%zz");
  EXPECT_EQ(r.QueryParam("b"), "%4");
  EXPECT_EQ(r.QueryParam("c"), "100%");
  Request empty;
  EXPECT_FALSE(empty.HasQueryParam(""));
}

TEST(HttpMessageTest, TextAndBytes) {
  const Response t = Response::Text(404, "not found\n");
  EXPECT_EQ(t.status, 404);
  EXPECT_EQ(t.content_type, "text/plain; charset=utf-8");
  ASSERT_TRUE(t.body);
  EXPECT_EQ(std::string(t.body->begin(), t.body->end()), "not found\n");

  auto bytes = std::make_shared<const std::vector<uint8_t>>(std::vector<uint8_t>{1, 2, 3});
  const Response b = Response::Bytes(200, bytes, "video/mp2t");
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(b.content_type, "video/mp2t");
  EXPECT_EQ(b.body.get(), bytes.get());  // shared, not copied
}

}  // namespace
}  // namespace strait::transport::http
