// StreamRegistry: the configured streams and who is publishing them. It is the PublishHandler the
// ingest servers ask: a publish with a known key and no live publisher gets a PublishSession (a
// MediaSink) that feeds the stream's HLS packager and its Fanout (fanout.h); anything else is
// refused with a reason. Play() hands a reader of a live stream's Fanout (by public name) to
// playback servers (SRT m=request).
//
// Threads: Publish() and Streams() are safe from any thread (the live flag is an atomic
// check-and-set, so two publishers racing for one key cannot both win). A PublishSession is
// driven by its ingest connection's thread, one call at a time (MediaSink rules).
// Ownership: the registry owns one Entry per stream (shared with the sessions, so a session that
// outlives a shutdown race never dangles); the HLS Catalog owns the HLS streams.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codecs/clock.h"
#include "overlays/frame_stage.h"
#include "pipeline/config.h"
#include "pipeline/rung.h"
#include "pipeline/webhook_events.h"
#include "transport/hls/catalog.h"
#include "transport/ingest.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

// Snapshot of one stream's ingest counters, for /metrics.
struct StreamView {
  std::string name;
  bool live = false;
  uint64_t publishes = 0;
  uint64_t bytes = 0;
  uint64_t video_packets = 0;
  uint64_t audio_packets = 0;
  uint64_t packet_errors = 0;
  int64_t bitrate_bps = 0;
  uint64_t readers = 0;                 // SRT readers (m=request) now
  uint64_t reader_dropped_packets = 0;  // dropped for slow readers, all time
  // The live publish's transcode graph (empty when not transcoding or not live).
  uint64_t transcode_input_dropped = 0;
  uint64_t transcode_decode_errors = 0;
  uint64_t transcode_pictures_damaged = 0;
  uint64_t transcode_input_losses = 0;  // the connected publisher sent nothing: the filler ran
  bool transcode_nvdec = false;
  uint64_t transcode_nvdec_to_cpu = 0;
  std::vector<std::pair<std::string, RungStats>> rungs;
  transport::hls::RenditionStats hls;
};

class StreamRegistry final : public transport::PublishHandler {
 public:
  StreamRegistry(const Config& config,
                 const Clock& clock,
                 transport::hls::Catalog& catalog,
                 std::shared_ptr<spdlog::logger> logger);
  ~StreamRegistry() override;

  transport::PublishCheck Check(const transport::PublishRequest& request) override;
  transport::PublishDecision Publish(const transport::PublishRequest& request) override;
  transport::PublishCheck CheckPlay(const transport::PlayRequest& request) override;
  transport::PlayDecision Play(const transport::PlayRequest& request) override;

  std::vector<StreamView> Streams() const;
  bool IsLive(const std::string& name) const;
  // Where publish_started / publish_ended go (webhooks). Call before the ingest servers start.
  void SetWebhookSink(WebhookSink sink);
  // The program date time the stream's playlists give (or will give) the picture at `media_90k`
  // of its live transcode graph; nullopt when not known (no graph, or nothing dated yet).
  std::optional<std::chrono::system_clock::time_point> ProgramDateTime(const std::string& name,
                                                                       int64_t media_90k) const;
  // The stream's overlay stage (the card compositor), handed to each of its transcode graphs.
  // Call before the ingest servers start; the registry keeps it for the stream's life.
  void SetOverlay(const std::string& name, std::shared_ptr<overlays::FrameStage> stage);
  uint64_t refused(transport::PublishRefusal reason) const;
  size_t live_count() const;

  struct Entry;  // per-stream state, defined in the .cc

 private:
  const Clock& clock_;
  const HlsConfig hls_;
  const TranscodeConfig transcode_;
  std::shared_ptr<spdlog::logger> logger_;
  WebhookSink events_;                           // set before ingest starts; then read-only
  std::vector<std::shared_ptr<Entry>> entries_;  // config order; immutable after construction
  std::map<std::string, std::shared_ptr<Entry>> by_key_;
  std::map<std::string, std::shared_ptr<Entry>> by_name_;
  std::array<std::atomic<uint64_t>, 5> refused_{};  // by PublishRefusal
};

}  // namespace strait::pipeline
