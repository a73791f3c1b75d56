#include "transport/http/wire.h"

#include <gtest/gtest.h>

#include "transport/http/rate_limiter.h"

namespace strait::transport::http {
namespace {

using namespace std::chrono_literals;

TEST(HttpWireTest, DateIsImfFixdate) {
  EXPECT_EQ(HttpDate(std::chrono::system_clock::from_time_t(784111777)),
            "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(HttpDate(std::chrono::system_clock::from_time_t(1764288000)),
            "Fri, 28 Nov 2025 00:00:00 GMT");
}

TEST(HttpWireTest, RefusesHeadersThatSplitOrReframe) {
  EXPECT_TRUE(IsSendableHeader("X-Thing", "a b"));
  EXPECT_TRUE(IsSendableHeader("Retry-After", "1"));
  EXPECT_FALSE(IsSendableHeader("X-Thing", "a\r\nSet-Cookie: x"));
  EXPECT_FALSE(IsSendableHeader("X Thing", "a"));
  EXPECT_FALSE(IsSendableHeader("X-Thing:", "a"));
  EXPECT_FALSE(IsSendableHeader("", "a"));
  EXPECT_FALSE(IsSendableHeader("content-length", "1"));
  EXPECT_FALSE(IsSendableHeader("Transfer-Encoding", "chunked"));
  EXPECT_FALSE(IsSendableHeader("Connection", "close"));
}

TEST(HttpWireTest, ToWireAddsStandardHeadersAndPointsAtTheBody) {
  Response r = Response::Text(200, "hello");
  r.headers.emplace_back("X-Bad", "a\nb");
  r.headers.emplace_back("Content-Length", "99");
  WireOptions opts;
  opts.now = std::chrono::system_clock::from_time_t(784111777);
  WireResponse out;
  EXPECT_EQ(ToWire(r, opts, out), 200);
  EXPECT_EQ(out[boost::beast::http::field::server], "strait");
  EXPECT_EQ(out[boost::beast::http::field::date], "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(out[boost::beast::http::field::access_control_allow_origin], "*");
  EXPECT_EQ(out[boost::beast::http::field::content_length], "5");
  EXPECT_EQ(out.count("X-Bad"), 0u);
  EXPECT_EQ(out.body().data, r.body->data());  // no copy
  EXPECT_EQ(out.body().size, 5u);

  opts.head = true;
  ToWire(r, opts, out);
  EXPECT_EQ(out[boost::beast::http::field::content_length], "5");
  EXPECT_EQ(out.body().data, nullptr);

  r.status = 42;
  EXPECT_EQ(ToWire(r, opts, out), 500);
  EXPECT_EQ(ToWire(PreflightResponse(), opts, out), 204);
  EXPECT_EQ(out.count(boost::beast::http::field::content_length), 0u);
}

TEST(HttpWireTest, TokenBucketRefillsWithTime) {
  const auto t0 = std::chrono::steady_clock::time_point(10s);
  TokenBucket bucket(2, 3, t0);
  EXPECT_TRUE(bucket.Take(t0));
  EXPECT_TRUE(bucket.Take(t0));
  EXPECT_TRUE(bucket.Take(t0));
  EXPECT_FALSE(bucket.Take(t0));
  EXPECT_EQ(bucket.RetryAfterSeconds(), 1);
  EXPECT_FALSE(bucket.Take(t0 + 400ms));
  EXPECT_TRUE(bucket.Take(t0 + 500ms));
  EXPECT_TRUE(bucket.Take(t0 + 10s));  // refill is capped at the burst
  EXPECT_TRUE(bucket.Take(t0 + 10s));
  EXPECT_TRUE(bucket.Take(t0 + 10s));
  EXPECT_FALSE(bucket.Take(t0 + 10s));

  TokenBucket slow(0.1, 1, t0);
  EXPECT_TRUE(slow.Take(t0));
  EXPECT_FALSE(slow.Take(t0));
  EXPECT_EQ(slow.RetryAfterSeconds(), 10);

  TokenBucket off(0, 1, t0);
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(off.Take(t0));
}

}  // namespace
}  // namespace strait::transport::http
