#include "transport/hls/deadlines.h"

#include <vector>

namespace strait::transport::hls {

Deadlines::~Deadlines() {
  std::map<std::pair<Clock::time_point, uint64_t>, std::function<void()>> dropped;
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
    dropped.swap(state_->queue);  // destroyed here, outside the lock
    state_->by_id.clear();
  }
  state_->cv.notify_all();
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id())
      thread_.detach();  // it only touches the shared state from now on, then exits
    else
      thread_.join();
  }
}

uint64_t Deadlines::Schedule(Clock::time_point at, std::function<void()> fn) {
  bool earliest = false;
  uint64_t id = 0;
  {
    std::lock_guard lock(state_->mu);
    id = state_->next_id++;
    earliest = state_->queue.empty() || at < state_->queue.begin()->first.first;
    state_->queue.emplace(std::make_pair(at, id), std::move(fn));
    state_->by_id.emplace(id, at);
    if (!thread_.joinable())
      thread_ = std::thread(Run, state_);
  }
  if (earliest)
    state_->cv.notify_one();
  return id;
}

bool Deadlines::Cancel(uint64_t id) {
  std::function<void()> fn;  // destroyed outside the lock
  std::lock_guard lock(state_->mu);
  const auto it = state_->by_id.find(id);
  if (it == state_->by_id.end())
    return false;
  const auto q = state_->queue.find({it->second, id});
  fn = std::move(q->second);
  state_->queue.erase(q);
  state_->by_id.erase(it);
  return true;
}

size_t Deadlines::pending() const {
  std::lock_guard lock(state_->mu);
  return state_->queue.size();
}

void Deadlines::Run(std::shared_ptr<State> state) {
  std::unique_lock lock(state->mu);
  std::vector<std::function<void()>> due;
  while (!state->stop) {
    if (state->queue.empty()) {
      state->cv.wait(lock);
      continue;
    }
    const Clock::time_point next = state->queue.begin()->first.first;
    if (Clock::now() < next) {
      state->cv.wait_until(lock, next);
      continue;
    }
    const Clock::time_point now = Clock::now();
    while (!state->queue.empty() && state->queue.begin()->first.first <= now) {
      state->by_id.erase(state->queue.begin()->first.second);
      due.push_back(std::move(state->queue.begin()->second));
      state->queue.erase(state->queue.begin());
    }
    lock.unlock();
    for (auto& fn : due)
      fn();
    due.clear();
    lock.lock();
  }
}

}  // namespace strait::transport::hls
