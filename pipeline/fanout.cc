#include "pipeline/fanout.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace strait::pipeline {

struct Fanout::Queue {
  std::deque<Packet> packets;
  size_t bytes = 0;
  bool waiting_for_key = false;  // dropping until the next video keyframe
  bool ended = false;
  std::string end_reason;
  uint64_t dropped = 0;
  uint64_t episodes = 0;
  std::condition_variable cv;
};

class Fanout::Reader final : public transport::MediaSource {
 public:
  Reader(std::shared_ptr<Fanout> fanout, std::unique_ptr<Queue> queue)
      : fanout_(std::move(fanout)), queue_(std::move(queue)) {}
  ~Reader() override { fanout_->Unsubscribe(queue_.get()); }

  std::vector<TrackInfo> Tracks() const override { return fanout_->TracksSnapshot(); }
  Result<std::optional<Packet>> Next(std::chrono::milliseconds timeout) override {
    return fanout_->Pop(*queue_, timeout);
  }

 private:
  std::shared_ptr<Fanout> fanout_;
  std::unique_ptr<Queue> queue_;
};

std::shared_ptr<Fanout> Fanout::Create(std::string name, FanoutOptions opts) {
  return std::shared_ptr<Fanout>(new Fanout(std::move(name), std::move(opts)));
}

Fanout::Fanout(std::string name, FanoutOptions opts)
    : name_(std::move(name)),
      opts_(std::move(opts)),
      logger_(opts_.logger ? opts_.logger : spdlog::default_logger()) {}

Fanout::~Fanout() = default;

void Fanout::Begin() {
  std::lock_guard lock(mu_);
  tracks_.clear();
  gop_.clear();
  gop_bytes_ = 0;
  gop_valid_ = false;
  ended_ = false;
  end_reason_.clear();
}

void Fanout::SetTrack(const TrackInfo& track) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(tracks_.begin(), tracks_.end(),
                         [&](const TrackInfo& t) { return t.id == track.id; });
  if (it != tracks_.end())
    *it = track;
  else
    tracks_.push_back(track);
}

bool Fanout::HasVideo() const {
  return std::any_of(tracks_.begin(), tracks_.end(),
                     [](const TrackInfo& t) { return t.kind == MediaKind::kVideo; });
}

namespace {

bool IsKey(const Packet& p) {
  return p.kind() == MediaKind::kVideo && p.keyframe();
}

}  // namespace

void Fanout::CacheGop(const Packet& packet) {
  if (IsKey(packet)) {
    gop_.clear();
    gop_bytes_ = 0;
    gop_valid_ = true;
  }
  if (!gop_valid_)
    return;
  if (gop_bytes_ + packet.size() > opts_.max_gop_bytes) {  // too long a GOP: cache none of it
    gop_.clear();
    gop_bytes_ = 0;
    gop_valid_ = false;
    return;
  }
  gop_.push_back(packet);
  gop_bytes_ += packet.size();
}

void Fanout::Deliver(Queue& q, const Packet& packet) {
  // Where a reader may (re)start: a video keyframe, or any packet of an audio-only stream.
  const bool sync = IsKey(packet) || !HasVideo();
  if (q.waiting_for_key && !sync) {
    q.dropped++;
    dropped_++;
    return;
  }
  q.waiting_for_key = false;
  bool full = q.bytes + packet.size() > opts_.max_queue_bytes;
  if (!full && !q.packets.empty()) {
    const MediaTime first = q.packets.front().dts_time();
    const MediaTime last = packet.dts_time();
    full = first.valid() && last.valid() &&
           (last.seconds() - first.seconds()) * 1000 > opts_.max_queue_media.count();
  }
  if (full) {
    q.dropped += q.packets.size();
    dropped_ += q.packets.size();
    if (q.episodes++ % 64 == 0) {  // once per episode, and not every episode of a dead reader
      logger_->warn(
          "fanout {}: reader too slow: dropped {} queued packets ({} bytes), resuming "
          "at the next keyframe ({} dropped so far)",
          name_, q.packets.size(), q.bytes, q.dropped);
    }
    q.packets.clear();
    q.bytes = 0;
    if (!sync) {
      q.waiting_for_key = true;
      q.dropped++;
      dropped_++;
      return;
    }
  }
  q.packets.push_back(packet);
  q.bytes += packet.size();
  q.cv.notify_one();
}

void Fanout::Push(const Packet& packet) {
  std::lock_guard lock(mu_);
  if (ended_)
    return;
  CacheGop(packet);
  for (Queue* q : readers_)
    Deliver(*q, packet);
}

void Fanout::End(const Status& why) {
  std::lock_guard lock(mu_);
  ended_ = true;
  end_reason_ = why.ok() ? "stream ended" : "stream ended: " + why.error().message();
  gop_.clear();
  gop_bytes_ = 0;
  gop_valid_ = false;
  for (Queue* q : readers_) {
    q->ended = true;
    q->end_reason = end_reason_;
    q->cv.notify_all();
  }
}

std::unique_ptr<transport::MediaSource> Fanout::Subscribe() {
  auto q = std::make_unique<Queue>();
  std::lock_guard lock(mu_);
  if (ended_) {
    q->ended = true;
    q->end_reason = end_reason_;
  } else if (gop_valid_) {
    for (const Packet& p : gop_)
      q->packets.push_back(p);
    q->bytes = gop_bytes_;
  } else {
    q->waiting_for_key = true;  // Deliver lets any packet through for audio-only streams
  }
  readers_.push_back(q.get());
  return std::make_unique<Reader>(shared_from_this(), std::move(q));
}

void Fanout::Unsubscribe(Queue* q) {
  std::lock_guard lock(mu_);
  std::erase(readers_, q);
}

std::vector<TrackInfo> Fanout::TracksSnapshot() const {
  std::lock_guard lock(mu_);
  return tracks_;
}

Result<std::optional<Packet>> Fanout::Pop(Queue& q, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  q.cv.wait_for(lock, timeout, [&] { return !q.packets.empty() || q.ended; });
  if (!q.packets.empty()) {
    Packet p = std::move(q.packets.front());
    q.packets.pop_front();
    q.bytes -= p.size();
    return std::optional<Packet>(std::move(p));
  }
  if (q.ended)
    return Error(q.end_reason);
  return std::optional<Packet>();
}

size_t Fanout::reader_count() const {
  std::lock_guard lock(mu_);
  return readers_.size();
}

uint64_t Fanout::dropped_packets() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

size_t Fanout::cached_gop_packets() const {
  std::lock_guard lock(mu_);
  return gop_.size();
}

}  // namespace strait::pipeline
