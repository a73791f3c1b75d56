#include "pipeline/stream_registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pipeline/fanout.h"
#include "pipeline/transcoder.h"
#include "transport/hls/packager.h"
#include "transport/hls/stream.h"
#include "transport/hls/wall_anchor.h"

namespace strait::pipeline {

struct StreamRegistry::Entry {
  StreamConfig config;
  std::shared_ptr<transport::hls::Stream> hls;
  transport::hls::Rendition* src = nullptr;  // owned by hls; null when the ladder is transcoded
  std::vector<transport::hls::Rendition*> src_outputs;  // "src" in each HLS variant (src first)
  std::shared_ptr<Fanout> fanout;                       // playback readers of the live publish
  std::atomic<bool> live{false};
  std::atomic<uint64_t> publishes{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> video_packets{0};
  std::atomic<uint64_t> audio_packets{0};
  std::atomic<uint64_t> packet_errors{0};
  std::atomic<int64_t> bitrate_bps{0};
  std::mutex transcoder_mu;
  std::shared_ptr<Transcoder> transcoder;  // guarded by transcoder_mu: the live publish's graph
  // Guarded by transcoder_mu: the graph of a publish that ended within the reconnect grace
  // window, running its filler; the next publish takes it over (Transcoder::Resume).
  std::shared_ptr<Transcoder> suspended;
  std::shared_ptr<overlays::FrameStage> overlay;  // set before ingest starts; then read-only
};

namespace {

using transport::PublishDecision;
using transport::PublishRefusal;

// One publish of one stream: MediaSink → the transcode graph (the ABR ladder) or, with transcoding
// off, the HLS packager of the "src" rendition; plus SRT readers (Fanout) and ingest counters.
class PublishSession final : public transport::MediaSink {
 public:
  PublishSession(std::shared_ptr<StreamRegistry::Entry> entry,
                 const Clock& clock,
                 transport::hls::PackagerOptions options,
                 std::shared_ptr<Transcoder> transcoder,
                 std::shared_ptr<spdlog::logger> logger,
                 const transport::PublishRequest& request,
                 WebhookSink events,
                 std::chrono::milliseconds grace,
                 std::optional<int64_t> continue_at)
      : entry_(std::move(entry)),
        clock_(clock),
        transcoder_(std::move(transcoder)),
        packager_(
            transcoder_
                ? nullptr
                : std::make_unique<transport::hls::Packager>(entry_->src_outputs, clock, options)),
        logger_(std::move(logger)),
        peer_(request.peer),
        protocol_(request.protocol),
        events_(std::move(events)),
        started_(clock.Now()),
        window_start_(clock.Now()),
        grace_(grace),
        continue_at_(continue_at ? continue_at : entry_->hls->ContinuationPoint()) {
    if (continue_at_) {
      logger_->info(
          "stream {}: publisher back within the reconnect grace window: the timeline "
          "continues",
          entry_->config.name);
    }
  }

  ~PublishSession() override {
    if (!ended_)
      OnEnd(Error("session destroyed without end"));
  }

  void OnTrack(const TrackInfo& track) override {
    if (track.kind == MediaKind::kVideo) {
      logger_->info("stream {}: video track {} {}x{}", entry_->config.name, CodecName(track.codec),
                    track.width, track.height);
    } else {
      logger_->info("stream {}: audio track {} {} Hz, {} ch", entry_->config.name,
                    CodecName(track.codec), track.sample_rate, track.channels);
    }
    (track.kind == MediaKind::kVideo ? video_ : audio_) = track;
    entry_->fanout->SetTrack(track);
    if (transcoder_) {
      transcoder_->OnTrack(track);
      return;
    }
    if (Status s = packager_->AddTrack(track); !s) {
      entry_->packet_errors++;
      logger_->warn("stream {}: track {}: {}", entry_->config.name, track.id, s.error().message());
    }
  }

  void OnPacket(const Packet& in) override {
    if (!announced_)
      Announce();
    (in.kind() == MediaKind::kVideo ? entry_->video_packets : entry_->audio_packets)++;
    const Packet packet = Rebase(in);
    entry_->fanout->Push(packet);
    if (transcoder_) {
      transcoder_->OnPacket(packet);  // never blocks (live mode): queues or drops GOPs
      return;
    }
    if (Status s = packager_->Write(packet); !s) {
      // Errors are per packet: count them and log the first few, never stop the stream.
      if (entry_->packet_errors++ < 10) {
        logger_->warn("stream {}: packet dropped: {}", entry_->config.name, s.error().message());
      }
    }
  }

  void OnBytes(size_t bytes) override {
    entry_->bytes += bytes;
    bytes_ += bytes;
    window_bytes_ += bytes;
    const auto now = clock_.Now();
    const auto elapsed = now - window_start_;
    if (elapsed >= std::chrono::seconds(1)) {
      const double secs = std::chrono::duration<double>(elapsed).count();
      entry_->bitrate_bps = static_cast<int64_t>(window_bytes_ * 8 / secs);
      window_bytes_ = 0;
      window_start_ = now;
    }
  }

  void OnEnd(const Status& why) override {
    if (ended_)
      return;
    ended_ = true;
    entry_->fanout->End(why);  // before live = false: the next publish's Begin comes after
    if (transcoder_ && grace_.count() > 0 && transcoder_->Suspend(grace_)) {
      // The graph runs on with the filler; a publisher back within the window takes it over.
      std::lock_guard lock(entry_->transcoder_mu);
      entry_->suspended = transcoder_;
    } else if (transcoder_) {
      transcoder_->OnEnd(why);  // drains the (bounded) queues, flushes every encoder
      std::lock_guard lock(entry_->transcoder_mu);
      entry_->transcoder.reset();
    } else if (Status s = packager_->Finish(); !s) {
      logger_->warn("stream {}: final segment: {}", entry_->config.name, s.error().message());
    }
    entry_->bitrate_bps = 0;
    entry_->live = false;
    if (why.ok()) {
      logger_->info("stream {}: publish from {} ended", entry_->config.name, peer_);
    } else {
      logger_->warn("stream {}: publish from {} ended: {}", entry_->config.name, peer_,
                    why.error().message());
    }
    if (events_) {
      if (!announced_)
        Announce();  // a publish that sent no media: still one started and one ended
      PublishFacts f = Facts();
      f.error = why.ok() ? "" : why.error().message();
      f.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - started_);
      f.bytes = bytes_;
      events_(PublishEndedEvent(f));
    }
  }

 private:
  // A reconnect within the grace window continues the previous publish's timeline: every packet
  // moves by one offset, chosen at the first packet so that it lands where the last one ended.
  Packet Rebase(const Packet& p) {
    if (!continue_at_ || p.dts() == kNoTimestamp)
      return p;
    if (!offset_90k_)
      offset_90k_ = *continue_at_ - Rescale(p.dts(), p.timebase(), kMpegTs);
    const int64_t off = Rescale(*offset_90k_, kMpegTs, p.timebase());
    return p.WithTimestamps(p.pts() == kNoTimestamp ? p.pts() : p.pts() + off, p.dts() + off);
  }

  PublishFacts Facts() const {
    PublishFacts f;
    f.stream = entry_->config.name;
    f.protocol = protocol_;
    f.remote = peer_;
    f.resumed = continue_at_.has_value();
    return f;
  }

  // publish_started, with the tracks known by the first packet (RTMP: both sequence headers).
  void Announce() {
    announced_ = true;
    if (!events_)
      return;
    PublishFacts f = Facts();
    for (const std::optional<TrackInfo>* t : {&video_, &audio_}) {
      if (*t)
        f.tracks.push_back(**t);
    }
    events_(PublishStartedEvent(f));
  }

  std::shared_ptr<StreamRegistry::Entry> entry_;
  const Clock& clock_;
  std::shared_ptr<Transcoder> transcoder_;              // shared with the Entry, for metrics
  std::unique_ptr<transport::hls::Packager> packager_;  // when not transcoding
  std::shared_ptr<spdlog::logger> logger_;
  const std::string peer_;
  const std::string protocol_;
  const WebhookSink events_;  // empty: no webhook wants anything
  const std::chrono::steady_clock::time_point started_;
  uint64_t bytes_ = 0;                      // this publish's
  bool announced_ = false;                  // publish_started sent
  std::optional<TrackInfo> video_, audio_;  // the latest of each kind
  std::chrono::steady_clock::time_point window_start_;
  uint64_t window_bytes_ = 0;
  bool ended_ = false;
  const std::chrono::milliseconds grace_;     // reconnect grace window (transcoded streams)
  const std::optional<int64_t> continue_at_;  // 90 kHz, from the grace window
  std::optional<int64_t> offset_90k_;
};

transport::hls::HlsVariants HlsVariantsFor(const std::string& name) {
  if (name == "ts")
    return transport::hls::HlsVariants::kTs;
  if (name == "both")
    return transport::hls::HlsVariants::kBoth;
  return transport::hls::HlsVariants::kLowLatencyCmaf;  // "ll-cmaf", validated by the config
}

size_t RefusalIndex(PublishRefusal r) {
  return static_cast<size_t>(r);
}

}  // namespace

StreamRegistry::StreamRegistry(const Config& config,
                               const Clock& clock,
                               transport::hls::Catalog& catalog,
                               std::shared_ptr<spdlog::logger> logger)
    : clock_(clock), hls_(config.hls), transcode_(config.transcode), logger_(std::move(logger)) {
  for (const StreamConfig& sc : config.streams) {
    auto entry = std::make_shared<Entry>();
    entry->config = sc;
    entry->hls =
        catalog.Add(sc.name, HlsVariantsFor(sc.hls.empty() ? config.hls.variants : sc.hls));
    if (!transcode_.enabled) {
      entry->src_outputs = entry->hls->AddOutputs("src");
      entry->src = entry->src_outputs.front();
    }
    FanoutOptions fanout_options;
    fanout_options.logger = logger_;
    entry->fanout = Fanout::Create(sc.name, fanout_options);
    entries_.push_back(entry);
    by_key_[sc.key] = entry;
    by_name_[sc.name] = entry;
  }
}

StreamRegistry::~StreamRegistry() = default;

void StreamRegistry::SetOverlay(const std::string& name,
                                std::shared_ptr<overlays::FrameStage> stage) {
  if (auto it = by_name_.find(name); it != by_name_.end())
    it->second->overlay = std::move(stage);
}

void StreamRegistry::SetWebhookSink(WebhookSink sink) {
  events_ = std::move(sink);
}

std::optional<std::chrono::system_clock::time_point> StreamRegistry::ProgramDateTime(
    const std::string& name,
    int64_t media_90k) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end())
    return std::nullopt;
  // The anchor, not the graph: a decode thread asking (a card change) must never hold the last
  // reference to its own graph, whose destructor joins it.
  std::shared_ptr<const transport::hls::WallAnchor> anchor;
  {
    std::lock_guard lock(it->second->transcoder_mu);
    const auto& graph = it->second->transcoder ? it->second->transcoder : it->second->suspended;
    if (graph)
      anchor = graph->wall_anchor();
  }
  if (!anchor || !anchor->anchored())
    return std::nullopt;
  return anchor->WallTime(media_90k);
}

bool StreamRegistry::IsLive(const std::string& name) const {
  auto it = by_name_.find(name);
  return it != by_name_.end() && it->second->live;
}

transport::PublishCheck StreamRegistry::Check(const transport::PublishRequest& request) {
  transport::PublishCheck check;
  auto it = by_key_.find(request.key);
  if (!request.app.empty() && request.app != "live") {
    check.refusal = PublishRefusal::kUnknownKey;
    check.message = "unknown application '" + request.app + "' (publish to /live)";
  } else if (it == by_key_.end()) {
    check.refusal = PublishRefusal::kUnknownKey;
    check.message = "unknown stream key";
  } else if (it->second->live) {
    check.refusal = PublishRefusal::kAlreadyLive;
    check.message = "stream '" + it->second->config.name + "' is already being published";
  } else {
    check.passphrase = it->second->config.passphrase;
    check.stream_name = it->second->config.name;
  }
  // A refused check is final for the caller (SRT rejects it before the handshake completes).
  if (check.refusal != PublishRefusal::kNone)
    refused_[RefusalIndex(check.refusal)]++;
  return check;
}

PublishDecision StreamRegistry::Publish(const transport::PublishRequest& request) {
  PublishDecision decision;
  auto refuse = [&](PublishRefusal reason, std::string message) {
    refused_[RefusalIndex(reason)]++;
    decision.refusal = reason;
    decision.message = std::move(message);
    return std::move(decision);  // the ingest server logs the refusal with its connection
  };
  if (!request.app.empty() && request.app != "live") {
    return refuse(PublishRefusal::kUnknownKey,
                  "unknown application '" + request.app + "' (publish to /live)");
  }
  auto it = by_key_.find(request.key);
  if (it == by_key_.end())
    return refuse(PublishRefusal::kUnknownKey, "unknown stream key");
  const std::shared_ptr<Entry>& entry = it->second;
  if (entry->live.exchange(true)) {
    return refuse(PublishRefusal::kAlreadyLive,
                  "stream '" + entry->config.name + "' is already being published");
  }
  entry->publishes++;
  entry->fanout->Begin();
  transport::hls::PackagerOptions options;
  options.target_duration_s = hls_.segment_duration_s;
  decision.stream_name = entry->config.name;
  std::shared_ptr<Transcoder> transcoder;
  std::optional<int64_t> continue_at;
  if (transcode_.enabled) {
    std::shared_ptr<Transcoder> suspended;
    {
      std::lock_guard lock(entry->transcoder_mu);
      suspended = std::move(entry->suspended);
    }
    if (suspended) {
      continue_at = suspended->Resume();  // nullopt: its grace window is over
      if (continue_at)
        transcoder = std::move(suspended);  // the session says so (one line)
    }
  }
  if (transcode_.enabled && !transcoder) {
    TranscoderOptions t;
    t.ladder = transcode_.ladders.at(entry->config.ladder.empty() ? transcode_.ladder
                                                                  : entry->config.ladder);
    t.encoder = transcode_.encoder;
    t.scaler = transcode_.scaler;
    t.decoder = transcode_.decoder;
    t.opus = transcode_.opus;
    t.overlay = entry->overlay;
    if (t.overlay)
      t.overlay->Restart();  // the previous publish's graph has ended: its cards' ranges end
    t.filler.slate_path = transcode_.slate;
    t.filler.hold_last =
        std::chrono::milliseconds(static_cast<int64_t>(transcode_.slate_after_s * 1000));
    t.input_loss = std::chrono::milliseconds(static_cast<int64_t>(transcode_.input_loss_s * 1000));
    t.segment_duration_s = hls_.segment_duration_s;
    t.live = true;
    t.input_queue_packets = 180;  // ~2 s of 60 fps video + audio: bounds the drain at the end too
    t.logger = logger_;
    transcoder = std::make_shared<Transcoder>(entry->config.name, *entry->hls, clock_, t);
    std::lock_guard lock(entry->transcoder_mu);
    entry->transcoder = transcoder;
  }
  const auto grace = std::chrono::milliseconds(static_cast<int64_t>(hls_.reconnect_grace_s * 1000));
  decision.sink = std::make_unique<PublishSession>(entry, clock_, options, std::move(transcoder),
                                                   logger_, request, events_, grace, continue_at);
  return decision;
}

transport::PublishCheck StreamRegistry::CheckPlay(const transport::PlayRequest& request) {
  transport::PublishCheck check;
  auto it = by_name_.find(request.name);
  if (!request.app.empty() && request.app != "live") {
    check.refusal = PublishRefusal::kUnknownKey;
    check.message = "unknown application '" + request.app + "' (play from /live)";
  } else if (it == by_name_.end() && by_key_.contains(request.name)) {
    // A publisher's access control streamid without m= (which means m=request). No key in logs.
    check.refusal = PublishRefusal::kUnknownKey;
    check.message =
        "the streamid names a stream key with no m=publish (an access control streamid without m "
        "asks to play)";
  } else if (it == by_name_.end()) {
    check.refusal = PublishRefusal::kUnknownKey;
    check.message = "unknown stream '" + request.name + "'";
  } else if (!it->second->config.read_key.empty() &&
             request.read_key != it->second->config.read_key) {
    check.refusal = PublishRefusal::kForbidden;
    check.message = request.read_key.empty() ? "stream '" + request.name + "' needs its read key"
                                             : "wrong read key for '" + request.name + "'";
  } else if (!it->second->live) {
    check.refusal = PublishRefusal::kUnknownKey;
    check.message = "stream '" + request.name + "' is not live";
  } else {
    check.passphrase = it->second->config.passphrase;
    check.stream_name = request.name;
  }
  return check;
}

transport::PlayDecision StreamRegistry::Play(const transport::PlayRequest& request) {
  transport::PlayDecision decision;
  const transport::PublishCheck check = CheckPlay(request);
  if (check.refusal != PublishRefusal::kNone) {
    decision.refusal = check.refusal;
    decision.message = check.message;
    return decision;
  }
  const std::shared_ptr<Entry>& entry = by_name_.at(request.name);
  decision.stream_name = entry->config.name;
  decision.source = entry->fanout->Subscribe();
  logger_->info("stream {}: reader {} joined ({})", entry->config.name, request.peer,
                request.protocol);
  return decision;
}

std::vector<StreamView> StreamRegistry::Streams() const {
  std::vector<StreamView> out;
  for (const auto& e : entries_) {
    StreamView v;
    v.name = e->config.name;
    v.live = e->live;
    v.publishes = e->publishes;
    v.bytes = e->bytes;
    v.video_packets = e->video_packets;
    v.audio_packets = e->audio_packets;
    v.packet_errors = e->packet_errors;
    v.bitrate_bps = e->bitrate_bps;
    v.readers = e->fanout->reader_count();
    v.reader_dropped_packets = e->fanout->dropped_packets();
    std::shared_ptr<Transcoder> transcoder;
    {
      std::lock_guard lock(e->transcoder_mu);
      transcoder = e->transcoder;
    }
    if (transcoder) {
      TranscoderStats ts = transcoder->Stats();
      v.transcode_input_dropped = ts.input_dropped;
      v.transcode_decode_errors = ts.decode_errors;
      v.transcode_pictures_damaged = ts.pictures_damaged;
      v.transcode_input_losses = ts.input_losses;
      v.transcode_nvdec = ts.nvdec;
      v.transcode_nvdec_to_cpu = ts.nvdec_to_cpu;
      v.rungs = std::move(ts.rungs);
    }
    if (e->src) {
      v.hls = e->src->Stats();
    } else {
      // The first video rendition (the top rung), else the audio one (an audio-only stream).
      const std::vector<std::string> names = e->hls->RenditionNames();
      auto it = std::find_if(names.begin(), names.end(), [](auto& n) { return n != "audio"; });
      if (it != names.end() || !names.empty())
        v.hls = e->hls->FindRendition(it != names.end() ? *it : names.front())->Stats();
    }
    out.push_back(std::move(v));
  }
  return out;
}

uint64_t StreamRegistry::refused(PublishRefusal reason) const {
  return refused_[RefusalIndex(reason)];
}

size_t StreamRegistry::live_count() const {
  size_t n = 0;
  for (const auto& e : entries_)
    n += e->live ? 1 : 0;
  return n;
}

}  // namespace strait::pipeline
