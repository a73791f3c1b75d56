// LogLimiter: a token bucket for log lines that a remote peer can trigger at will (a refused or
// dropped connection, a bad handshake): at most `per_second` lines a second, with bursts of as
// many, so that a flood of connections cannot fill the disk or bury the log (a connection loop
// against a full server wrote 800,000 lines a minute). The lines left out are counted and the next
// line let through says how many (Allow's `note`).
//
// Threads: any (one mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace strait::transport {

class LogLimiter {
 public:
  explicit LogLimiter(double per_second = 5) : rate_(per_second), tokens_(per_second) {}

  // True when a line may be written now; then *left_out is the number of lines refused since the
  // last one let through (to say so in this one). Clock injectable for tests.
  bool Allow(uint64_t* left_out,
             std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    std::lock_guard lock(mu_);
    if (last_ != std::chrono::steady_clock::time_point{}) {
      const double elapsed = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(rate_, tokens_ + elapsed * rate_);
    }
    last_ = now;
    if (tokens_ < 1) {
      ++left_out_;
      return false;
    }
    tokens_ -= 1;
    *left_out = left_out_;
    left_out_ = 0;
    return true;
  }
  // The same, with what to append to the line let through: "" or " (N similar lines left out)".
  bool Allow(std::string* note,
             std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    uint64_t left_out = 0;
    if (!Allow(&left_out, now))
      return false;
    *note = left_out ? " (" + std::to_string(left_out) + " similar lines left out)" : "";
    return true;
  }

 private:
  std::mutex mu_;
  const double rate_;
  double tokens_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t left_out_ = 0;
};

}  // namespace strait::transport
