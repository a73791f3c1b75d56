#include "transport/hls/deadlines.h"

#include <vector>

namespace strait::transport::hls {

Deadlines::~Deadlines() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

uint64_t Deadlines::Schedule(Clock::time_point at, std::function<void()> fn) {
  bool earliest = false;
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    earliest = queue_.empty() || at < queue_.begin()->first.first;
    queue_.emplace(std::make_pair(at, id), std::move(fn));
    by_id_.emplace(id, at);
    if (!thread_.joinable())
      thread_ = std::thread([this] { Run(); });
  }
  if (earliest)
    cv_.notify_one();
  return id;
}

bool Deadlines::Cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end())
    return false;
  queue_.erase({it->second, id});
  by_id_.erase(it);
  return true;
}

size_t Deadlines::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Deadlines::Run() {
  std::unique_lock lock(mu_);
  std::vector<std::function<void()>> due;
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(lock);
      continue;
    }
    const Clock::time_point next = queue_.begin()->first.first;
    if (Clock::now() < next) {
      cv_.wait_until(lock, next);
      continue;
    }
    const Clock::time_point now = Clock::now();
    while (!queue_.empty() && queue_.begin()->first.first <= now) {
      by_id_.erase(queue_.begin()->first.second);
      due.push_back(std::move(queue_.begin()->second));
      queue_.erase(queue_.begin());
    }
    lock.unlock();
    for (auto& fn : due)
      fn();
    due.clear();
    lock.lock();
  }
}

}  // namespace strait::transport::hls
