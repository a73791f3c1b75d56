// Deadlines: one timer thread for many held requests (blocking playlist reloads and preload-hint
// part GETs that are not satisfied in time get a 503 from it). Scheduling and cancelling are
// O(log n) under a mutex; callbacks run on the timer thread, without the lock, and must not block.
//
// The thread starts with the first Schedule. The destructor stops it and drops pending callbacks
// without running them. Any thread may Schedule or Cancel.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace strait::transport::hls {

class Deadlines {
 public:
  using Clock = std::chrono::steady_clock;

  Deadlines() = default;
  ~Deadlines();
  Deadlines(const Deadlines&) = delete;
  Deadlines& operator=(const Deadlines&) = delete;

  // Runs `fn` at `at` (or soon after) unless cancelled first. Returns the id for Cancel (never 0).
  uint64_t Schedule(Clock::time_point at, std::function<void()> fn);
  // True when it was still pending (and now never runs).
  bool Cancel(uint64_t id);
  size_t pending() const;

 private:
  void Run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> queue_;
  std::map<uint64_t, Clock::time_point> by_id_;
  uint64_t next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace strait::transport::hls
