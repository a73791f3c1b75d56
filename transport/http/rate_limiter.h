// TokenBucket: the per-connection request rate limit of the HTTP server. Holds up to `burst`
// tokens, refills at `rate` tokens per second, one token per request. Time is passed in, so tests
// drive it without sleeping. A plain value used by one connection's strand; not thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>

namespace strait::transport::http {

class TokenBucket {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // rate <= 0 disables the limit: Take() always succeeds.
  TokenBucket(double rate, double burst, TimePoint now)
      : rate_(rate), burst_(std::max(1.0, burst)), tokens_(burst_), last_(now) {}

  // Takes one token if there is one.
  bool Take(TimePoint now) {
    if (rate_ <= 0)
      return true;
    Refill(now);
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

  // Whole seconds until a token is available (at least 1), for Retry-After.
  int RetryAfterSeconds() const {
    if (rate_ <= 0 || tokens_ >= 1.0)
      return 1;
    return std::max(1, static_cast<int>(std::ceil((1.0 - tokens_) / rate_)));
  }

 private:
  void Refill(TimePoint now) {
    if (now <= last_)
      return;
    const double seconds = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    last_ = now;
  }

  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace strait::transport::http
