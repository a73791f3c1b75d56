// Clock: the injected source of time. Production code takes a Clock& and never calls
// std::chrono::*::now() itself, so tests drive time with FakeClock and never sleep.
// SystemClock is thread-safe; FakeClock is safe to read from many threads while one advances it.
#pragma once

#include <atomic>
#include <chrono>

namespace strait {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time for durations, timeouts and rates.
  virtual std::chrono::steady_clock::time_point Now() const = 0;
  // Wall-clock time for EXT-X-PROGRAM-DATE-TIME and logs.
  virtual std::chrono::system_clock::time_point WallNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::now();
  }
  std::chrono::system_clock::time_point WallNow() const override {
    return std::chrono::system_clock::now();
  }
};

class FakeClock final : public Clock {
 public:
  FakeClock() : wall_origin_(std::chrono::system_clock::time_point(std::chrono::seconds(1764288000))) {}
  std::chrono::steady_clock::time_point Now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns_.load()));
  }
  std::chrono::system_clock::time_point WallNow() const override {
    return wall_origin_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                              std::chrono::nanoseconds(ns_.load()));
  }
  void Advance(std::chrono::nanoseconds d) { ns_ += d.count(); }

 private:
  std::chrono::system_clock::time_point wall_origin_;
  std::atomic<int64_t> ns_{0};
};

}  // namespace strait
