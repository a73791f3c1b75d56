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
  // Shared with the thread, so that it may outlive this object: the last owner of a Deadlines can
  // be a callback's capture, released on the timer thread itself (then the thread is detached).
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> queue;
    std::map<uint64_t, Clock::time_point> by_id;
    uint64_t next_id = 1;
    bool stop = false;
  };
  static void Run(std::shared_ptr<State> state);

  const std::shared_ptr<State> state_ = std::make_shared<State>();
  std::thread thread_;  // started by the first Schedule, under state_->mu
};

}  // namespace strait::transport::hls
