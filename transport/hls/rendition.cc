#include "transport/hls/rendition.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <system_error>

namespace strait::transport::hls {
namespace {

Status WriteFileAtomically(const std::filesystem::path& path, const void* data, size_t size) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      return Error("cannot open " + tmp.string());
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out)
      return Error("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Error("cannot rename " + tmp.string() + ": " + ec.message());
  return OkStatus();
}

// Parts are listed for the segments ending within this many target durations of the live edge
// (the spec: at least the last 3 target durations' worth), and kept for 3 target durations after
// their tags leave the playlist (RFC 8216bis 6.2.2) and one more.
constexpr double kPartsWindowTargets = 3.0;
constexpr double kPartsKeptTargets = kPartsWindowTargets + 3.0 + 1.0;

}  // namespace

Rendition::Rendition(std::string stream_name,
                     std::string name,
                     RenditionOptions options,
                     std::function<void()> on_change,
                     std::function<std::vector<RenditionReport>()> reports)
    : stream_name_(std::move(stream_name)),
      name_(std::move(name)),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      reports_(std::move(reports)),
      next_sequence_(options_.first_sequence) {}

Rendition::~Rendition() {
  std::lock_guard lock(alive_->mu);  // waits for a grace timer that is running now
  alive_->alive = false;
  if (grace_timer_ && options_.deadlines)
    options_.deadlines->Cancel(grace_timer_);
}

namespace {
// Same codec parameters: a reconnect with these continues without a discontinuity.
bool SameParameters(const VariantInfo& a, const VariantInfo& b) {
  return a.codecs == b.codecs && a.width == b.width && a.height == b.height &&
         a.has_video == b.has_video && a.has_audio == b.has_audio && a.channels == b.channels;
}
}  // namespace

void Rendition::BeginPublish(VariantInfo variant) {
  std::lock_guard writer(writer_mu_);
  variant.uri = name_ + "/playlist.m3u8";
  const bool resume =
      paused_ && base_variant_ && SameParameters(*base_variant_, variant) && !init_changed_;
  if (paused_) {
    paused_ = false;
    if (options_.deadlines)
      options_.deadlines->Cancel(grace_timer_);
    grace_timer_ = 0;
    std::lock_guard lock(mu_);
    continuation_.reset();
  }
  {
    std::lock_guard lock(mu_);
    audio_only_ = variant.has_audio && !variant.has_video;
  }
  base_variant_ = std::move(variant);
  if (writer_ended_ && !resume) {
    // The playlist has said EXT-X-ENDLIST, and an ended playlist must not change (RFC 8216bis
    // 6.2.1): the stream's URLs are its own, so the new publish starts a new playlist there
    // (media sequence numbers go on, so no URI is reused) instead of reopening the old one.
    ClearLocked();
  }
  if ((segments_total_ > 0 || !open_parts_.empty()) && !resume)
    pending_discontinuity_ = true;
  if (!resume) {  // a new timeline: a reconnect continues this one, not an older one
    timeline_end_90k_ = kNoTimestamp;
    publish_peak_bps_ = 0;
  }
  init_changed_ = false;
  writer_ended_ = false;
  trimmed_ = false;
  if (!window_.empty())
    (void)Publish({});
}

void Rendition::ChangeVariant(VariantInfo variant) {
  std::lock_guard writer(writer_mu_);
  variant.uri = name_ + "/playlist.m3u8";
  base_variant_ = std::move(variant);
  init_changed_ = false;  // a later reconnect compares against this configuration
  if (!window_.empty())
    (void)Publish({});
}

void Rendition::EndPublish(bool at_once) {
  std::lock_guard writer(writer_mu_);
  if (!at_once && options_.reconnect_grace.count() > 0 && options_.deadlines && !window_.empty()) {
    // The playlist stays live (no ENDLIST) for the grace window; a reconnect continues it.
    paused_ = true;
    {
      std::lock_guard lock(mu_);
      if (timeline_end_90k_ != kNoTimestamp)
        continuation_ = timeline_end_90k_;
    }
    grace_timer_ = options_.deadlines->Schedule(Deadlines::Clock::now() + options_.reconnect_grace,
                                                [this, alive = alive_] {
                                                  std::lock_guard lock(alive->mu);
                                                  if (alive->alive)
                                                    FinishEnd();
                                                });
    return;
  }
  PublishEnd();
}

void Rendition::PublishEnd() {
  writer_ended_ = true;
  if (window_.empty() && open_parts_.empty())
    return;
  (void)Publish({});
  // Once a late reader has had its time (as for parts leaving a live playlist), what the final
  // playlist does not list goes: an ended stream otherwise left its parts and older segments on
  // every push target for good (202 objects for the ~90 its playlists listed).
  if (!options_.deadlines)
    return;
  const auto after =
      options_.ended_trim_delay.count() >= 0
          ? std::chrono::duration_cast<Deadlines::Clock::duration>(options_.ended_trim_delay)
          : std::chrono::duration_cast<Deadlines::Clock::duration>(
                std::chrono::duration<double>(kPartsKeptTargets * TargetDuration()));
  options_.deadlines->Schedule(Deadlines::Clock::now() + after, [this, alive = alive_] {
    std::lock_guard lock(alive->mu);
    if (alive->alive)
      TrimEnded();
  });
}

void Rendition::TrimEnded() {
  std::lock_guard writer(writer_mu_);
  if (!writer_ended_ || trimmed_)
    return;  // a new publish began meanwhile, or done
  trimmed_ = true;
  (void)Publish({});
}

void Rendition::FinishEnd() {
  std::lock_guard writer(writer_mu_);
  if (!paused_)
    return;  // a publish resumed meanwhile
  paused_ = false;
  grace_timer_ = 0;
  {
    std::lock_guard lock(mu_);
    continuation_.reset();
  }
  PublishEnd();
}

std::optional<int64_t> Rendition::ContinuationPoint() const {
  std::lock_guard lock(mu_);
  return continuation_;
}

void Rendition::Clear() {
  std::lock_guard writer(writer_mu_);
  ClearLocked();
  (void)Publish({});
}

void Rendition::ClearLocked() {
  window_.clear();
  keep_from_us_.store(INT64_MIN, std::memory_order_relaxed);
  open_parts_.clear();
  open_bytes_.clear();
  spans_.clear();  // date ranges stay: the open ones map onto the media that comes next
  writer_ended_ = false;
  trimmed_ = false;
  pending_discontinuity_ = segments_total_ > 0;
}

void Rendition::SetInit(std::shared_ptr<const std::vector<uint8_t>> init) {
  std::lock_guard writer(writer_mu_);
  if (init_ && init && *init_ == *init)
    return;  // the same parameters (a reconnect, a repeated configuration): the same EXT-X-MAP
  init_changed_ = true;
  init_id_ = next_sequence_;
  init_ = std::move(init);
  init_announced_ = false;
  std::lock_guard lock(mu_);
  held_inits_.emplace_back(init_id_, init_);
}

Status Rendition::OpenPart(const PartData& part) {
  if (!part.bytes)
    return Error("hls: part without bytes");
  if (options_.format != SegmentFormat::kCmaf)
    return Error("hls: parts need a CMAF rendition");
  if (open_parts_.empty()) {
    open_pdt_ = part.program_date_time;
    open_independent_ = part.segment_independent;
    open_frames_ = 0;
    open_discontinuity_ = pending_discontinuity_;
  }
  open_parts_.push_back({part.duration_s, part.independent, part.bytes->size()});
  open_bytes_.push_back(part.bytes);
  if (part.media_start_90k != kNoTimestamp) {
    AddSpan(part.media_start_90k, part.media_start_90k + std::llround(part.duration_s * 90000.0),
            part.program_date_time);
  }
  open_frames_ += part.video_frames;
  return OkStatus();
}

Status Rendition::AddPart(PartData part) {
  std::lock_guard writer(writer_mu_);
  if (Status s = OpenPart(part); !s)
    return s;
  Added added;
  added.part = &part;
  added.sequence = next_sequence_;
  added.part_index = open_parts_.size() - 1;
  return Publish(added);
}

Status Rendition::AddSegment(SegmentData segment, std::optional<PartData> last_part) {
  std::lock_guard writer(writer_mu_);
  const bool cmaf = options_.format == SegmentFormat::kCmaf;
  if (last_part) {
    if (Status s = OpenPart(*last_part); !s)
      return s;
  }
  const uint64_t last_part_index = open_parts_.empty() ? 0 : open_parts_.size() - 1;
  if (cmaf && !segment.bytes) {
    if (open_parts_.empty())
      return Error("hls: CMAF segment without parts");
    size_t size = 0;
    for (const auto& b : open_bytes_)
      size += b->size();
    std::vector<uint8_t> bytes;
    bytes.reserve(size);
    for (const auto& b : open_bytes_)
      bytes.insert(bytes.end(), b->begin(), b->end());
    segment.bytes = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    segment.program_date_time = open_pdt_;
    if (segment.video_frames == 0)
      segment.video_frames = open_frames_;
  }
  if (!segment.bytes)
    return Error("hls: segment without bytes");
  const uint64_t sequence = next_sequence_++;
  WindowEntry w;
  w.entry.sequence = sequence;
  w.entry.duration_s = segment.duration_s;
  w.entry.discontinuity =
      cmaf && !open_parts_.empty() ? open_discontinuity_ : pending_discontinuity_;
  w.entry.program_date_time = segment.program_date_time;
  w.entry.bytes = segment.bytes->size();
  w.entry.init_id = init_id_;
  w.entry.independent = segment.independent;
  w.entry.parts = std::move(open_parts_);
  w.video_frames = segment.video_frames;
  if (w.entry.parts.empty() && segment.media_start_90k != kNoTimestamp &&
      segment.media_end_90k != kNoTimestamp) {
    AddSpan(segment.media_start_90k, segment.media_end_90k, segment.program_date_time);
  }
  open_parts_.clear();
  open_bytes_.clear();
  pending_discontinuity_ = false;
  window_.push_back(std::move(w));
  while (window_.size() > std::max<size_t>(options_.window_segments, 1) &&
         !KeepFront(window_.size())) {
    if (window_.front().entry.discontinuity)
      ++discontinuity_sequence_;
    window_.pop_front();
  }
  // Spans before the window's first segment are no longer needed to map anything.
  while (spans_.size() > 1 &&
         spans_[1].program_date_time <= window_.front().entry.program_date_time) {
    spans_.pop_front();
  }
  // RFC 8216bis 4.4.3.1: each EXTINF, rounded to the nearest integer, is at most the target
  // duration — so an AAC-framed 2.005 s segment, or a publisher's 2.001 s GOP, does not raise
  // it to 3 (which made it change mid-stream and differ between renditions, 6.2.1, 6.2.4).
  // Rounded first to the millisecond as written in EXTINF.
  const int64_t ms = std::llround(segment.duration_s * 1000.0);
  target_duration_s_ = std::max<int>(target_duration_s_, static_cast<int>((ms + 500) / 1000));
  ++segments_total_;
  bytes_total_ += segment.bytes->size();
  publish_peak_bps_ = std::max(publish_peak_bps_, RunPeak(window_.size() - 1));
  if (segment.media_end_90k != kNoTimestamp)
    timeline_end_90k_ = std::max(timeline_end_90k_, segment.media_end_90k);
  Added added;
  added.segment = &segment;
  added.sequence = sequence;
  if (last_part) {
    added.part = &*last_part;
    added.part_index = last_part_index;
  }
  if (Status s = Publish(added); !s) {
    return s.error().Context("hls " + stream_name_ + "/" + name_ + ": data dir");
  }
  return OkStatus();
}

// RFC 8216bis 4.4.6.2: the peak segment bit rate is "the largest bit rate of any contiguous set
// of segments whose total duration is between 0.5 and 1.5 times the target duration" — so a
// short segment (a publish's last, one cut by a configuration change) is weighed with the ones
// before it, not alone. A lone segment longer than 1.5 target durations counts on its own.
int64_t Rendition::RunPeak(size_t end) const {
  const double target = TargetDuration();
  double d = 0, bits = 0;
  int64_t peak = 0;
  for (size_t i = end + 1; i-- > 0;) {
    d += window_[i].entry.duration_s;
    bits += static_cast<double>(window_[i].entry.bytes) * 8.0;
    if (d > 1.5 * target) {
      if (i == end)
        peak = std::llround(bits / d);
      break;
    }
    if (d >= 0.5 * target)
      peak = std::max<int64_t>(peak, std::llround(bits / d));
  }
  return peak;
}

RenditionStats Rendition::ComputeStats() const {
  RenditionStats s;
  s.live = !window_.empty() || !open_parts_.empty();
  s.ended = writer_ended_ && s.live;
  s.media_sequence = window_.empty() ? next_sequence_ : window_.front().entry.sequence;
  s.next_sequence = next_sequence_;
  s.segments_total = segments_total_;
  s.bytes_total = bytes_total_;
  s.target_duration_s = target_duration_s_;
  if (!window_.empty())
    s.window_start = window_.front().entry.program_date_time;
  double total_s = 0, total_bits = 0, frames = 0;
  auto account = [&](double duration_s, uint64_t bytes, int video_frames) {
    total_s += duration_s;
    total_bits += static_cast<double>(bytes) * 8.0;
    frames += video_frames;
  };
  for (size_t i = 0; i < window_.size(); ++i) {
    account(window_[i].entry.duration_s, window_[i].entry.bytes, window_[i].video_frames);
    s.peak_bps = std::max(s.peak_bps, RunPeak(i));
  }
  if (window_.empty() && !open_parts_.empty()) {  // before the first segment: its parts so far
    double d = 0;
    uint64_t bytes = 0;
    for (const PartEntry& p : open_parts_) {
      d += p.duration_s;
      bytes += p.bytes;
    }
    account(d, bytes, open_frames_);
    if (d > 0)
      s.peak_bps = std::llround(static_cast<double>(bytes) * 8.0 / d);
  }
  if (s.peak_bps == 0 && total_s > 0)  // no run long enough yet (a short first segment)
    s.peak_bps = std::llround(total_bits / total_s);
  // BANDWIDTH: the peak since the publish began, not only the window's (RFC 8216bis 4.4.6.2: a
  // representative period; it moved with every segment, so an easy minute advertised a fraction
  // of what a busy one needs).
  s.peak_bps = std::max(s.peak_bps, publish_peak_bps_);
  if (total_s > 0) {
    s.average_bps = std::llround(total_bits / total_s);
    s.frame_rate = std::round(frames / total_s * 1000.0) / 1000.0;
  }
  return s;
}

std::chrono::milliseconds Rendition::HoldTimeout() const {
  const double target = std::max<double>(target_duration_s_, options_.segment_target_s);
  return std::chrono::milliseconds(std::llround(3000.0 * target));
}

MediaPlaylist Rendition::BuildPlaylist() const {
  MediaPlaylist p;
  p.format = options_.format;
  p.target_duration_s = TargetDuration();
  p.discontinuity_sequence = discontinuity_sequence_;
  p.ended = writer_ended_;
  for (const WindowEntry& w : window_) {
    p.segments.push_back(w.entry);
    p.independent_segments = p.independent_segments && w.entry.independent;
  }
  if (!open_parts_.empty())
    p.independent_segments = p.independent_segments && open_independent_;
  for (const HeldRange& r : ranges_) {
    if (r.start)
      p.date_ranges.push_back(
          {r.range.id, r.range.class_name, *r.start, r.end, r.range.attributes});
  }
  if (options_.format == SegmentFormat::kCmaf) {
    LowLatency ll;
    ll.part_target_s = options_.part_target_s;
    ll.part_hold_back_s = 3.0 * options_.part_target_s;
    ll.can_skip_until_s = 6.0 * p.target_duration_s;
    ll.parts_window_s = kPartsWindowTargets * p.target_duration_s;
    ll.open_sequence = next_sequence_;
    ll.open_init_id = init_id_;
    ll.open_discontinuity = open_discontinuity_ && !open_parts_.empty();
    ll.open_program_date_time = open_pdt_;
    ll.open_parts = open_parts_;
    if (reports_)
      ll.reports = reports_();
    p.low_latency = std::move(ll);
  }
  return p;
}

Status Rendition::Publish(const Added& added) {
  std::shared_ptr<const std::string> text;
  std::shared_ptr<const PlaylistDoc> full, delta;
  const bool live = !window_.empty() || !open_parts_.empty();
  std::optional<RenditionReport> report;
  bool independent = true;
  if (live) {
    ResolveDateRanges();
    MediaPlaylist p = BuildPlaylist();
    independent = p.independent_segments;
    text = std::make_shared<const std::string>(RenderMediaPlaylist(p));
    full = MakePlaylistDoc(*text);
    if (const size_t skip = SkippableSegments(p); skip > 0) {
      p.skip_segments = skip;
      delta = MakePlaylistDoc(RenderMediaPlaylist(p));
    }
    if (options_.format == SegmentFormat::kCmaf) {
      if (!open_parts_.empty())
        report = RenditionReport{name_, next_sequence_, open_parts_.size() - 1};
      else if (!window_.empty() && !window_.back().entry.parts.empty())
        report = RenditionReport{name_, window_.back().entry.sequence,
                                 window_.back().entry.parts.size() - 1};
    }
  }
  RenditionStats stats = ComputeStats();
  std::optional<VariantInfo> variant;
  // Listed in the master once a whole segment exists (players reject a playlist of parts only;
  // the bandwidth is measured over whole segments).
  if (stats.live && base_variant_ && !window_.empty()) {
    variant = base_variant_;
    variant->bandwidth = stats.peak_bps;
    variant->average_bandwidth = stats.average_bps;
    if (variant->frame_rate <= 0 && variant->width > 0)
      variant->frame_rate = stats.frame_rate;
    variant->independent = independent;
  }
  std::vector<std::string> dropped;  // file names
  {
    std::lock_guard lock(mu_);
    if (added.segment) {
      held_.push_back({added.sequence, added.segment->bytes, added.segment->duration_s});
      bytes_held_ += added.segment->bytes->size();
    }
    if (added.part)
      held_parts_.push_back({added.sequence, added.part_index, added.part->bytes});
    // The window (longer than window_segments while KeepFrom holds segments) and the extras.
    const size_t max_held =
        trimmed_ ? window_.size()
                 : std::max<size_t>(std::max<size_t>(options_.window_segments, 1), window_.size()) +
                       options_.extra_segments;
    while (!held_.empty() && (held_.size() > max_held ||
                              (bytes_held_ > options_.max_bytes && held_.size() > 1) || !live)) {
      bytes_held_ -= held_.front().bytes->size();
      dropped.push_back(SegmentUri(options_.format, held_.front().sequence));
      held_.pop_front();
    }
    // Parts of the segments ending within kPartsKeptTargets of the live edge only (by time, as
    // the playlist lists them: segments may be shorter than the target duration): players
    // fetch whole segments further back. Counted over the segments held, not only those listed:
    // a short window (hls.window 3) must not take parts away as soon as their tags leave it
    // (RFC 8216bis 6.2.2: parts stay available for 3 target durations after that).
    // Trimmed (ended): the parts the final playlist lists, and no others (playlist.cc's rule).
    uint64_t keep_parts_from = next_sequence_;
    double tail_s = 0;
    for (const PartEntry& part : open_parts_)
      tail_s += part.duration_s;
    const double keep_s = (trimmed_ ? kPartsWindowTargets : kPartsKeptTargets) * TargetDuration();
    for (size_t i = held_.size(); i-- > 0 && tail_s <= keep_s;) {
      keep_parts_from = held_[i].sequence;
      tail_s += held_[i].duration_s;
    }
    while (!held_parts_.empty() && (!live || held_parts_.front().sequence < keep_parts_from)) {
      dropped.push_back(PartUri(held_parts_.front().sequence, held_parts_.front().index));
      held_parts_.pop_front();
    }
    // Init segments no longer referenced by a held segment (nor the current one) go too.
    const uint64_t oldest = held_.empty() ? next_sequence_ : held_.front().sequence;
    while (held_inits_.size() > 1 && held_inits_[1].first <= oldest) {
      dropped.push_back(InitUri(held_inits_.front().first));
      held_inits_.pop_front();
    }
    stats.segments_held = held_.size();
    stats.bytes_held = bytes_held_;
    playlist_ = text;
    playlist_body_ = full ? full->body : nullptr;
    full_doc_ = std::move(full);
    delta_doc_ = std::move(delta);
    report_ = report;
    variant_ = std::move(variant);
    stats_ = stats;
  }
  {
    // Held requests first: they are the latency-critical readers (disk and push come after).
    Position at;
    at.live = live;
    at.ended = writer_ended_;
    at.open = next_sequence_;
    at.open_parts = open_parts_.size();
    at.target_duration_s = TargetDuration();
    for (const WindowEntry& w : window_)
      at.part_counts.emplace_back(w.entry.sequence, w.entry.parts.size());
    WakeWaiters(std::move(at));
  }
  Status status;
  if (!options_.data_dir.empty())
    status = WriteFiles(added, dropped, text ? *text : std::string());
  Notify(added, dropped);
  if (on_change_)
    on_change_();
  return status;
}

void Rendition::Notify(const Added& added, const std::vector<std::string>& dropped) {
  if (!options_.observer)
    return;
  const std::string dir = stream_name_ + "/" + name_ + "/";
  if (!init_announced_ && init_ && (added.part || added.segment)) {
    options_.observer->OnObject(dir + InitUri(init_id_), init_);
    init_announced_ = true;
  }
  if (added.part) {
    options_.observer->OnObject(dir + PartUri(added.sequence, added.part_index), added.part->bytes);
  }
  if (added.segment)
    options_.observer->OnObject(dir + SegmentUri(options_.format, added.sequence),
                                added.segment->bytes);
  options_.observer->OnObject(dir + "playlist.m3u8", PlaylistBody());
  for (const std::string& name : dropped)
    options_.observer->OnObject(dir + name, nullptr);
}

bool Rendition::Reached(const Position& at, uint64_t msn, std::optional<uint64_t> part) {
  if (at.ended || !at.live)
    return true;  // nothing more will come: answer with what there is
  if (!part)
    return msn < at.open;
  if (msn == at.open)
    return *part < at.open_parts;
  if (msn > at.open)
    return false;
  uint64_t count = UINT64_MAX;  // segments that left the window: complete
  for (const auto& [seq, n] : at.part_counts) {
    if (seq == msn)
      count = n;
  }
  if (*part < count)
    return true;
  // Past its last part: the request is for part 0 of the next segment.
  return msn + 1 < at.open || (msn + 1 == at.open && at.open_parts > 0);
}

AwaitResult Rendition::Await(uint64_t msn,
                             std::optional<uint64_t> part,
                             std::function<void()> wake,
                             uint64_t* id) {
  std::lock_guard lock(wait_mu_);
  if (!position_.live)
    return AwaitResult::kNotLive;
  if (Reached(position_, msn, part))
    return AwaitResult::kReady;
  // RFC 8216bis 6.2.5.2: more than two segments beyond the last complete one (the open segment
  // is not in the playlist yet: it is open + 1 at most), or a part past
  // its last part by more than the Advance Part Limit: 3 / PART-TARGET parts when that is under a
  // second (~9 at 0.334 s: players ask for a segment's last part to wait for the whole segment),
  // else 3. A part the open segment can still have (TARGETDURATION / PART-TARGET of them) is
  // never refused: when segments run long (a source's keyframes off the grid, a passthrough's
  // switch), hls.js asks early for the last part it expects from the segment before. (A
  // segment may last up to TARGETDURATION + 0.5 s: EXTINF rounds to the nearest second.)
  const double part_target = options_.part_target_s;
  const double advance_limit = part_target > 0 && part_target < 1 ? 3 / part_target : 3;
  const double can_have =
      part_target > 0 ? std::ceil((position_.target_duration_s + 0.5) / part_target - 1e-3) : 0;
  if (msn > position_.open + 1 ||
      (part && msn == position_.open &&
       static_cast<double>(*part) + 1 - static_cast<double>(position_.open_parts) > advance_limit &&
       static_cast<double>(*part) >= can_have))
    return AwaitResult::kTooFar;
  const uint64_t n = next_wait_id_++;
  waiters_.emplace(n, Waiter{msn, part, std::move(wake)});
  if (id)
    *id = n;
  return AwaitResult::kWaiting;
}

void Rendition::CancelWait(uint64_t id) {
  std::lock_guard lock(wait_mu_);
  waiters_.erase(id);
}

size_t Rendition::waiting() const {
  std::lock_guard lock(wait_mu_);
  return waiters_.size();
}

void Rendition::WakeWaiters(Position position) {
  std::vector<std::function<void()>> woken;
  {
    std::lock_guard lock(wait_mu_);
    position_ = std::move(position);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (Reached(position_, it->second.msn, it->second.part)) {
        woken.push_back(std::move(it->second.wake));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& wake : woken)
    wake();
}

int Rendition::TargetDuration() const {
  return std::max(
      {target_duration_s_, static_cast<int>(std::ceil(options_.segment_target_s - 1e-3)), 1});
}

std::filesystem::path Rendition::Dir() const {
  return options_.flat_dir ? options_.data_dir / name_
                           : options_.data_dir / "live" / stream_name_ / name_;
}

Status Rendition::WriteFiles(const Added& added,
                             const std::vector<std::string>& dropped,
                             const std::string& playlist) {
  const std::filesystem::path dir = Dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error("hls: cannot create " + dir.string() + ": " + ec.message());
  Status status;
  auto write = [&](const std::string& name, const std::vector<uint8_t>& bytes) {
    if (Status s = WriteFileAtomically(dir / name, bytes.data(), bytes.size()); !s && status)
      status = s;
  };
  if (init_ && (added.part || added.segment) && !std::filesystem::exists(dir / InitUri(init_id_)))
    write(InitUri(init_id_), *init_);
  if (added.part)
    write(PartUri(added.sequence, added.part_index), *added.part->bytes);
  if (added.segment)
    write(SegmentUri(options_.format, added.sequence), *added.segment->bytes);
  if (playlist.empty()) {
    std::filesystem::remove(dir / "playlist.m3u8", ec);
  } else if (Status s =
                 WriteFileAtomically(dir / "playlist.m3u8", playlist.data(), playlist.size());
             !s && status) {
    status = s;
  }
  for (const std::string& name : dropped)
    std::filesystem::remove(dir / name, ec);
  return status;
}

std::shared_ptr<const std::string> Rendition::Playlist() const {
  std::lock_guard lock(mu_);
  return playlist_;
}

std::shared_ptr<const std::vector<uint8_t>> Rendition::PlaylistBody() const {
  std::lock_guard lock(mu_);
  return playlist_body_;
}

std::shared_ptr<const PlaylistDoc> Rendition::Document(bool delta) const {
  std::lock_guard lock(mu_);
  return delta && delta_doc_ ? delta_doc_ : full_doc_;
}

std::shared_ptr<const std::vector<uint8_t>> Rendition::Segment(uint64_t sequence) const {
  std::lock_guard lock(mu_);
  for (const Held& h : held_) {
    if (h.sequence == sequence)
      return h.bytes;
  }
  return nullptr;
}

std::shared_ptr<const std::vector<uint8_t>> Rendition::Part(uint64_t sequence,
                                                            uint64_t index) const {
  std::lock_guard lock(mu_);
  for (auto it = held_parts_.rbegin(); it != held_parts_.rend(); ++it) {
    if (it->sequence == sequence && it->index == index)
      return it->bytes;
  }
  return nullptr;
}

std::shared_ptr<const std::vector<uint8_t>> Rendition::Init(uint64_t init_id) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, bytes] : held_inits_) {
    if (id == init_id)
      return bytes;
  }
  return nullptr;
}

std::optional<RenditionReport> Rendition::Report() const {
  std::lock_guard lock(mu_);
  return report_;
}

std::optional<VariantInfo> Rendition::Variant() const {
  std::lock_guard lock(mu_);
  return variant_;
}

bool Rendition::AudioPending() const {
  std::lock_guard lock(mu_);
  return audio_only_ && !variant_;
}

bool Rendition::AudioOnly() const {
  std::lock_guard lock(mu_);
  return audio_only_;
}

bool Rendition::ended() const {
  std::lock_guard lock(mu_);
  return stats_.ended;
}

void Rendition::KeepFrom(std::chrono::system_clock::time_point t) {
  keep_from_us_.store(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count(),
      std::memory_order_relaxed);
}

bool Rendition::KeepFront(size_t size) const {
  const int64_t keep_us = keep_from_us_.load(std::memory_order_relaxed);
  if (keep_us == INT64_MIN || size >= 2 * std::max<size_t>(options_.window_segments, 1))
    return false;
  const SegmentEntry& front = window_.front().entry;
  const auto end =
      front.program_date_time + std::chrono::microseconds(std::llround(front.duration_s * 1e6));
  return end >
         std::chrono::system_clock::time_point(std::chrono::microseconds(keep_us)) + kKeepFromSlack;
}

RenditionStats Rendition::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace strait::transport::hls
