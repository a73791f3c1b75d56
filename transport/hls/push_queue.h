// PushQueue: the upload schedule of one push target (push_publisher.h) — which object may go
// next, what a failure does, what is kept to send again — with no I/O, no threads and the time
// passed in, so that every ordering rule is tested without a server or a sleep.
//
// Several requests run at once (PushPublisher keeps up to `connections` in flight), yet the target
// sees what output_observer.h promises, per directory ("{stream}/{rendition}/"):
//  - a playlist upload starts only after every object of its directory queued before that version
//    has finished (uploaded or given up); a master ("{stream}/master.m3u8") only after the
//    renditions' playlists queued before it;
//  - a removal (DELETE) starts only after the playlists of its directory queued before it — the
//    version that no longer lists the object — have finished;
//  - two requests for one path never overlap, and go in the order they were queued.
// Playlists coalesce: all the versions not sent yet wait together, and the newest one whose objects
// are all done goes (older ones are skipped). The waiting playlist keeps its place in the queue
// and the queue time of its oldest unsent version, so new objects never push it back: it goes as
// soon as the objects it waits for are done, however long the backlog.
//
// Failures: an upload that fails is tried again after a backoff (first_backoff, doubling, capped at
// 3 s) `retries` times, then given up (counted). A given-up PUT of an object the output still holds
// (no removal has come for it) is kept, up to max_held_bytes (init segments always), and sent again
// once the target answers again — a later request succeeded — before the next playlist of its
// directory; a re-send that fails waits 1 s, 2 s, ... (at most 64 s) for the next round. With
// nothing else to send, held objects go by themselves 1 s after they were given up (the probe).
//
// Not thread-safe: the owner serialises calls (PushPublisher holds its mutex around each).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace strait::transport::hls {

class PushQueue {
 public:
  using Clock = std::chrono::steady_clock;
  using Bytes = std::shared_ptr<const std::vector<uint8_t>>;

  struct Limits {
    size_t max_queue = 256;  // objects waiting (a playlist's versions count once)
    int retries = 4;         // after the first try
    std::chrono::milliseconds first_backoff{200};
    size_t max_held_bytes = 64 << 20;  // given-up objects kept to send again (inits beyond it)
  };

  // One request to make. `bytes` null: DELETE.
  struct Job {
    uint64_t id = 0;  // for Done
    std::string path;
    Bytes bytes;
    bool playlist = false;
    bool resend = false;  // a held object sent again
    int attempt = 1;      // 1 = first try
  };

  // What Done changed, for the owner's log and counters.
  struct Outcome {
    bool uploaded = false;  // a PUT succeeded
    bool deleted = false;   // a DELETE succeeded
    bool resent = false;    // ... and it was a held object sent again
    bool gave_up = false;   // the last try failed
    bool held = false;      // ... and the object is kept to send again
    size_t evicted = 0;     // held objects dropped for max_held_bytes
  };

  struct Stats {
    uint64_t uploaded = 0, deleted = 0, dropped = 0, bytes = 0, resent = 0;
    uint64_t failed = 0;  // given up (a held object failing again is not counted again)
    size_t queued = 0;    // waiting or in flight
    size_t held = 0;      // given up, kept to send again
    double lag_s = 0;     // age of the oldest object waiting or in flight
  };

  explicit PushQueue(Limits limits);

  // Queues an object (bytes null: removed). Returns the path of an object dropped because the queue
  // was full, if one was.
  std::optional<std::string> Add(const std::string& path, Bytes bytes, Clock::time_point now);

  // The next request that may start now (the oldest ready one), or nothing.
  std::optional<Job> Next(Clock::time_point now);
  // When Next may have something that it does not have now, without Add or Done (a backoff ends).
  std::optional<Clock::time_point> NextDue(Clock::time_point now) const;
  // The request `job` (from Next) finished: `ok` it succeeded.
  Outcome Done(const Job& job, bool ok, Clock::time_point now);

  Stats GetStats(Clock::time_point now) const;
  size_t in_flight() const { return in_flight_; }

 private:
  struct Object {  // a PUT or DELETE of a part, segment or init
    std::string path, dir;
    Bytes bytes;  // null: DELETE
    Clock::time_point queued_at;
    Clock::time_point not_before{};
    int attempts = 0;  // tries made
    bool in_flight = false;
    bool resend = false;
    bool removed = false;  // a removal came after it: not worth holding
    int rounds = 0;        // a re-send: how many rounds failed before
  };
  struct Version {
    uint64_t seq;
    Bytes bytes;  // null: DELETE
    Clock::time_point queued_at;
  };
  struct Playlist {
    std::string dir;
    std::deque<Version> pending;  // not sent yet, oldest first
    // The queue place (seq) and time of the oldest version not on the target yet: the front of
    // `pending`, or the one in flight (which stands for every version it replaced).
    uint64_t since_seq = 0;
    Clock::time_point since;
    std::optional<Version> sending;
    uint64_t sending_since_seq = 0;
    Clock::time_point sending_since;
    Clock::time_point not_before{};
    int attempts = 0;
    bool resend = false;
    uint64_t acked_seq = 0;  // the newest version the target has
  };
  struct Held {
    Bytes bytes;
    uint64_t seq;  // its place in the queue when it was first queued
    std::string dir;
    Clock::time_point queued_at;
    uint64_t lost_at = 0;          // finished_ when it failed: a later success makes it due ...
    Clock::time_point next_round;  // ... from this time on
    Clock::time_point probe_at;    // with nothing else to send, it goes by itself then
    int rounds = 0;
    bool playlist = false;
    bool init = false;
  };

  bool Busy() const { return in_flight_ > 0 || !objects_.empty() || waiting_playlists_ > 0; }
  std::chrono::milliseconds Backoff(int attempts) const;
  void Hold(const std::string& path, Held held, Outcome* out);
  void Unhold(const std::string& path);
  void RequeueHeld(Clock::time_point now);
  static void AddPlaylistVersion(Playlist& p, Version v);
  size_t Waiting() const { return objects_.size() + waiting_playlists_; }
  void CountWaiting();

  Limits limits_;
  uint64_t next_seq_ = 1;
  std::map<uint64_t, Object> objects_;  // by queue place (seq)
  std::map<std::string, Playlist> playlists_;
  size_t waiting_playlists_ = 0;  // playlists with a version pending or in flight
  size_t in_flight_ = 0;
  std::map<std::string, Held> held_;
  size_t held_bytes_ = 0;
  uint64_t finished_ = 0;      // requests finished so far
  uint64_t last_success_ = 0;  // the value of finished_ at the last success
  Stats stats_;
};

}  // namespace strait::transport::hls
