// Fanout: one live stream's packets handed to any number of readers (SRT playback), each through
// its own bounded queue. The publisher's session pushes every packet; a reader that falls behind
// loses whole GOPs (its queue is discarded and so is everything up to the next video keyframe),
// never a lone reference frame, so what it plays stays decodable. The current GOP is kept (up to
// a bound) so a new reader starts at the most recent keyframe at once.
//
// Threads: SetTrack/Push/Begin/End come from the publishing session's thread (one at a time); each
// reader (a MediaSource from Subscribe) is used by its own thread. One mutex guards everything and
// is held only to append/pop; Push never waits for a reader. Packets share their payload (no
// copies).
// Ownership: the stream's registry Entry owns the Fanout through a shared_ptr; each reader holds a
// shared_ptr to it too, so a reader that outlives the stream (or the registry) is safe. A reader
// unsubscribes when destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"
#include "transport/ingest.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

struct FanoutOptions {
  size_t max_queue_bytes = 8 << 20;                 // per reader, payload bytes
  std::chrono::milliseconds max_queue_media{4000};  // per reader, dts span of its queue
  size_t max_gop_bytes = 16 << 20;                  // the cached GOP for new readers
  std::shared_ptr<spdlog::logger> logger;           // null: spdlog's default
};

class Fanout : public std::enable_shared_from_this<Fanout> {
 public:
  static std::shared_ptr<Fanout> Create(std::string name, FanoutOptions opts = {});
  ~Fanout();
  Fanout(const Fanout&) = delete;
  Fanout& operator=(const Fanout&) = delete;

  // Publisher side. Begin starts a publish (forgets the previous one's tracks and GOP).
  void Begin();
  void SetTrack(const TrackInfo& track);
  void Push(const Packet& packet);
  // Ends the publish: every reader's Next returns its queued packets, then Error(why or
  // "stream ended"). Readers subscribed later are ended at once until the next Begin.
  void End(const Status& why);

  // Reader side: a new reader, starting at the cached GOP's keyframe (or at the next keyframe).
  std::unique_ptr<transport::MediaSource> Subscribe();

  size_t reader_count() const;
  uint64_t dropped_packets() const;  // all readers, all time
  size_t cached_gop_packets() const;

  struct Queue;  // one reader's queue, defined in the .cc
  class Reader;  // the MediaSource

 private:
  Fanout(std::string name, FanoutOptions opts);
  bool HasVideo() const;                         // needs mu_
  void CacheGop(const Packet& packet);           // needs mu_
  void Deliver(Queue& q, const Packet& packet);  // needs mu_
  void Unsubscribe(Queue* q);
  std::vector<TrackInfo> TracksSnapshot() const;
  Result<std::optional<Packet>> Pop(Queue& q, std::chrono::milliseconds timeout);

  const std::string name_;
  const FanoutOptions opts_;
  std::shared_ptr<spdlog::logger> logger_;

  mutable std::mutex mu_;
  std::vector<TrackInfo> tracks_;  // guarded by mu_
  std::deque<Packet> gop_;         // guarded by mu_: from the latest video keyframe
  size_t gop_bytes_ = 0;           // guarded by mu_
  bool gop_valid_ = false;         // guarded by mu_: gop_ starts at a keyframe, fits the bound
  bool ended_ = true;              // guarded by mu_: no publish now
  std::string end_reason_ = "stream not live";  // guarded by mu_
  std::vector<Queue*> readers_;                 // guarded by mu_; owned by their Readers
  uint64_t dropped_ = 0;                        // guarded by mu_
};

}  // namespace strait::pipeline
