#include "transport/hls/push_queue.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <unordered_set>

namespace strait::transport::hls {

namespace {

constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
// Versions of one playlist waiting at most; past it the second oldest goes (the oldest stays: it
// is the one whose objects are done first, so the playlist can never starve).
constexpr size_t kMaxVersions = 64;

bool IsPlaylist(std::string_view path) {
  return path.ends_with(".m3u8");
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

// "init{N}.mp4": a rendition announces it once, so a lost one is always sent again.
bool IsInit(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return name.starts_with("init") && name.ends_with(".mp4");
}

size_t SizeOf(const PushQueue::Bytes& bytes) {
  return bytes ? bytes->size() : 0;
}

}  // namespace

PushQueue::PushQueue(Limits limits) : limits_(limits) {}

std::chrono::milliseconds PushQueue::Backoff(int attempts) const {
  auto backoff = limits_.first_backoff;
  for (int i = 1; i < attempts && backoff < std::chrono::seconds(3); ++i)
    backoff *= 2;
  return std::min<std::chrono::milliseconds>(backoff, std::chrono::seconds(3));
}

std::optional<std::string> PushQueue::Add(const std::string& path,
                                          Bytes bytes,
                                          Clock::time_point now) {
  const uint64_t seq = next_seq_++;
  const bool lost = held_.contains(path);
  Unhold(path);  // a newer version, or the removal: the held one is not wanted any more
  if (!bytes && lost && !IsPlaylist(path)) {
    // Gone for good without reaching the target: the playlist versions that still list it are
    // broken. The newest one (queued just before this removal) does not list it; it alone stays.
    const std::string dir = DirOf(path);
    for (auto& [p_path, p] : playlists_) {
      if (p.dir == dir && p.pending.size() > 1)
        p.pending.erase(p.pending.begin(), p.pending.end() - 1);
    }
  }
  if (IsPlaylist(path)) {
    Playlist& p = playlists_[path];
    p.dir = DirOf(path);
    if (p.resend) {  // the held version it was is old news: this one gets every try
      p.resend = false;
      p.attempts = 0;
    }
    AddPlaylistVersion(p, {seq, std::move(bytes), now});
    CountWaiting();
    return std::nullopt;
  }
  if (!bytes) {
    for (auto& [s, o] : objects_) {
      if (o.path == path && o.bytes)
        o.removed = true;
    }
  }
  std::optional<std::string> dropped;
  if (Waiting() >= limits_.max_queue) {
    auto it = std::find_if(objects_.begin(), objects_.end(),
                           [](const auto& e) { return !e.second.in_flight; });
    if (it != objects_.end()) {
      dropped = it->second.path;
      ++stats_.dropped;
      objects_.erase(it);
    }
  }
  objects_.emplace(
      seq, Object{.path = path, .dir = DirOf(path), .bytes = std::move(bytes), .queued_at = now});
  return dropped;
}

void PushQueue::AddPlaylistVersion(Playlist& p, Version v) {
  if (p.pending.empty()) {
    p.since_seq = v.seq;
    p.since = v.queued_at;
  }
  p.pending.push_back(std::move(v));
  if (p.pending.size() > kMaxVersions)
    p.pending.erase(p.pending.begin() + 1);
}

void PushQueue::CountWaiting() {
  waiting_playlists_ = 0;
  for (const auto& [path, p] : playlists_)
    waiting_playlists_ += !p.pending.empty() || p.sending;
}

std::optional<PushQueue::Job> PushQueue::Next(Clock::time_point now) {
  if (!Busy() && !held_.empty())
    RequeueHeld(now);

  // Per directory: the oldest object PUT not finished, and the oldest playlist version not on
  // the target (sent or waiting).
  // A held object sent again holds back every version of its directory's playlist: they were
  // made after it, and the older ones may list objects that are gone by now.
  std::map<std::string_view, uint64_t> oldest_put, oldest_playlist;
  for (const auto& [seq, o] : objects_) {
    if (!o.bytes)
      continue;
    auto [it, first] = oldest_put.try_emplace(o.dir, seq);  // in queue order: first is oldest
    if (o.resend)
      it->second = 0;
  }
  // For a master: the same, except that a playlist not yet on the target at all holds back every
  // version (its first versions may have been given up while the target was down).
  std::map<std::string_view, uint64_t> oldest_for_master;
  for (const auto& [path, p] : playlists_) {
    uint64_t since = p.sending ? p.sending_since_seq : kNone;
    if (!p.pending.empty())
      since = std::min(since, p.since_seq);
    if (since == kNone)
      continue;
    auto [it, inserted] = oldest_playlist.try_emplace(p.dir, since);
    it->second = std::min(it->second, since);
    auto [m, m_inserted] = oldest_for_master.try_emplace(p.dir, since);
    m->second = p.acked_seq == 0 ? 0 : std::min(m->second, since);
  }

  // The oldest object that may go: no earlier request for its path outstanding; a removal not
  // before the playlist that stopped listing it.
  std::optional<uint64_t> object;
  std::unordered_set<std::string_view> earlier;
  for (const auto& [seq, o] : objects_) {
    bool ready = !o.in_flight && o.not_before <= now && !earlier.contains(o.path);
    if (ready && !o.bytes) {
      auto it = oldest_playlist.find(o.dir);
      ready = it == oldest_playlist.end() || it->second > seq;
    }
    if (ready) {
      object = seq;
      break;
    }
    earlier.insert(o.path);
  }

  // The playlist that has waited longest among those with a version whose objects are done: the
  // newest such version goes.
  Playlist* best = nullptr;
  const std::string* best_path = nullptr;
  size_t best_index = 0;
  for (auto& [path, p] : playlists_) {
    if (p.sending || p.pending.empty() || p.not_before > now)
      continue;
    if (best && best->since_seq < p.since_seq)
      continue;
    auto put = oldest_put.find(p.dir);
    uint64_t limit = put == oldest_put.end() ? kNone : put->second;
    for (const auto& [dir, since] : oldest_for_master) {  // a master waits for its renditions'
      if (dir.size() > p.dir.size() && dir.starts_with(p.dir))
        limit = std::min(limit, since);
    }
    for (size_t i = p.pending.size(); i-- > 0;) {
      if (p.pending[i].seq < limit) {
        best = &p;
        best_path = &path;
        best_index = i;
        break;
      }
    }
  }

  if (best && (!object || best->since_seq < *object)) {
    Playlist& p = *best;
    p.sending = std::move(p.pending[best_index]);
    p.sending_since_seq = p.since_seq;
    p.sending_since = p.since;
    p.pending.erase(p.pending.begin(), p.pending.begin() + static_cast<long>(best_index) + 1);
    if (!p.pending.empty()) {
      p.since_seq = p.pending.front().seq;
      p.since = p.pending.front().queued_at;
    }
    ++p.attempts;
    ++in_flight_;
    return Job{.id = p.sending->seq,
               .path = *best_path,
               .bytes = p.sending->bytes,
               .playlist = true,
               .resend = p.resend,
               .attempt = p.attempts};
  }
  if (!object)
    return std::nullopt;
  Object& o = objects_.at(*object);
  o.in_flight = true;
  ++o.attempts;
  ++in_flight_;
  return Job{
      .id = *object, .path = o.path, .bytes = o.bytes, .resend = o.resend, .attempt = o.attempts};
}

std::optional<PushQueue::Clock::time_point> PushQueue::NextDue(Clock::time_point now) const {
  std::optional<Clock::time_point> due;
  auto consider = [&](Clock::time_point t) {
    if (t > now && (!due || t < *due))
      due = t;
  };
  for (const auto& [seq, o] : objects_) {
    if (!o.in_flight)
      consider(o.not_before);
  }
  for (const auto& [path, p] : playlists_) {
    if (!p.sending && !p.pending.empty())
      consider(p.not_before);
  }
  if (!Busy()) {  // nothing else to send: a held object probes the target
    for (const auto& [path, h] : held_)
      consider(h.probe_at);
  }
  return due;
}

PushQueue::Outcome PushQueue::Done(const Job& job, bool ok, Clock::time_point now) {
  Outcome out;
  --in_flight_;
  ++finished_;
  if (ok) {
    last_success_ = finished_;
    out.uploaded = job.bytes != nullptr;
    out.deleted = !job.bytes;
    out.resent = job.resend && job.bytes;
    ++(job.bytes ? stats_.uploaded : stats_.deleted);
    stats_.bytes += SizeOf(job.bytes);
    stats_.resent += out.resent;
  }
  if (job.playlist) {
    Playlist& p = playlists_.at(job.path);
    Version v = std::move(*p.sending);
    p.sending.reset();
    if (ok) {
      p.acked_seq = v.seq;
      p.attempts = 0;
      p.resend = false;
    } else if (p.attempts <= limits_.retries) {
      // Back at the front, standing for every version it replaced; the newest ready one goes.
      p.pending.push_front(std::move(v));
      p.since_seq = p.sending_since_seq;
      p.since = p.sending_since;
      p.not_before = now + Backoff(p.attempts);
    } else {
      out.gave_up = true;
      stats_.failed += !job.resend;
      p.attempts = 0;
      if (p.pending.empty() && v.bytes) {  // a newer version would replace it anyway
        const Clock::time_point round =
            now + (job.resend ? std::chrono::seconds(1) : Clock::duration());
        Hold(job.path,
             {.bytes = std::move(v.bytes),
              .seq = v.seq,
              .dir = p.dir,
              .queued_at = p.sending_since,
              .lost_at = finished_,
              .next_round = round,
              .probe_at = std::max(round, now + std::chrono::seconds(1)),
              .playlist = true},
             &out);
      }
      p.resend = false;
    }
    CountWaiting();
    if (ok && !held_.empty())
      RequeueHeld(now);
    return out;
  }
  auto it = objects_.find(job.id);
  if (it == objects_.end())
    return out;
  Object& o = it->second;
  o.in_flight = false;
  if (!ok && o.attempts <= limits_.retries) {
    o.not_before = now + Backoff(o.attempts);
    return out;
  }
  if (!ok) {
    out.gave_up = true;
    stats_.failed += !o.resend;
    if (o.bytes && !o.removed) {
      // Round n waits 2^(n-1) s: a target that fails this object alone is not asked every time
      // another object succeeds.
      const int rounds = o.resend ? o.rounds + 1 : 0;
      const Clock::time_point round =
          now + (rounds == 0 ? Clock::duration()
                             : std::chrono::seconds(int64_t{1} << std::min(rounds - 1, 6)));
      Hold(o.path,
           {.bytes = o.bytes,
            .seq = it->first,
            .dir = o.dir,
            .queued_at = o.queued_at,
            .lost_at = finished_,
            .next_round = round,
            .probe_at = std::max(round, now + std::chrono::seconds(1)),
            .rounds = rounds,
            .init = IsInit(o.path)},
           &out);
    }
  }
  objects_.erase(it);
  if (ok && !held_.empty())
    RequeueHeld(now);  // the target answers: what it lost goes before anything newer
  return out;
}

void PushQueue::Hold(const std::string& path, Held held, Outcome* out) {
  Unhold(path);
  held_bytes_ += SizeOf(held.bytes);
  held_.insert_or_assign(path, std::move(held));
  out->held = true;
  while (held_bytes_ > limits_.max_held_bytes) {
    // The oldest media object goes first; inits and playlists stay (a few KB each, and without
    // them the target's copy cannot be played at all).
    auto victim = held_.end();
    for (auto it = held_.begin(); it != held_.end(); ++it) {
      if (!it->second.init && !it->second.playlist &&
          (victim == held_.end() || it->second.seq < victim->second.seq))
        victim = it;
    }
    if (victim == held_.end())
      break;
    out->held = out->held && victim->first != path;
    held_bytes_ -= SizeOf(victim->second.bytes);
    held_.erase(victim);
    ++out->evicted;
  }
}

void PushQueue::Unhold(const std::string& path) {
  auto it = held_.find(path);
  if (it == held_.end())
    return;
  held_bytes_ -= SizeOf(it->second.bytes);
  held_.erase(it);
}

void PushQueue::RequeueHeld(Clock::time_point now) {
  const bool idle = !Busy();
  for (auto it = held_.begin(); it != held_.end();) {
    Held& h = it->second;
    const bool answered = h.lost_at < last_success_ && now >= h.next_round;
    if (!answered && !(idle && now >= h.probe_at)) {
      ++it;
      continue;
    }
    if (h.playlist) {
      Playlist& p = playlists_[it->first];
      if (p.acked_seq < h.seq && !p.sending && p.pending.empty()) {
        p.dir = h.dir;
        AddPlaylistVersion(p, {h.seq, h.bytes, h.queued_at});
        p.resend = true;
        p.attempts = limits_.retries;  // one try: the next round waits for the next success
      }
    } else {
      objects_.emplace(h.seq, Object{.path = it->first,
                                     .dir = h.dir,
                                     .bytes = h.bytes,
                                     .queued_at = h.queued_at,
                                     .attempts = limits_.retries,
                                     .resend = true,
                                     .rounds = h.rounds});
    }
    held_bytes_ -= SizeOf(h.bytes);
    it = held_.erase(it);
  }
  CountWaiting();
}

PushQueue::Stats PushQueue::GetStats(Clock::time_point now) const {
  Stats s = stats_;
  s.queued = Waiting();
  s.held = held_.size();
  std::optional<Clock::time_point> oldest;
  auto consider = [&](Clock::time_point t) {
    if (!oldest || t < *oldest)
      oldest = t;
  };
  if (!objects_.empty())
    consider(std::min_element(objects_.begin(), objects_.end(), [](const auto& a, const auto& b) {
               return a.second.queued_at < b.second.queued_at;
             })->second.queued_at);
  for (const auto& [path, p] : playlists_) {
    if (p.sending)
      consider(p.sending_since);
    if (!p.pending.empty())
      consider(p.since);
  }
  if (oldest)
    s.lag_s = std::chrono::duration<double>(now - *oldest).count();
  return s;
}

}  // namespace strait::transport::hls
