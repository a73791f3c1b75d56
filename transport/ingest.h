// The ingest contract between protocol servers (RTMP now, SRT later) and the pipeline.
//
// A protocol server asks the PublishHandler for permission when a client wants to publish; the
// handler returns a MediaSink for that one publisher or a refusal. The server then feeds the sink
// with track configurations and packets, and ends it exactly once with OnEnd.
//
// Playback (SRT m=request) goes the other way: the server asks CheckPlay/Play for a stream by its
// public name and gets a MediaSource, from which one reader thread pulls packets.
//
// Threads: PublishHandler::Publish may be called from any server thread concurrently (the
// handler is thread-safe). A MediaSink is called by one thread at a time, in order, and never
// after OnEnd returns. The server owns the sink (unique_ptr) and destroys it after OnEnd.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::transport {

struct PublishRequest {
  std::string protocol;  // "rtmp", "srt"
  std::string app;       // RTMP application ("live"); empty where the protocol has none
  std::string key;       // the secret stream key; never logged, never in a metric label
  std::string peer;      // "ip:port" of the client, for logs
};

class MediaSink {
 public:
  virtual ~MediaSink() = default;
  // A track's codec configuration appeared or changed (sequence header). Packets of a track are
  // only sent after its first OnTrack.
  virtual void OnTrack(const TrackInfo& track) = 0;
  // One compressed access unit, timestamps already made monotonic by the server.
  virtual void OnPacket(const Packet& packet) = 0;
  // The publisher stopped: `why` is OK for a clean unpublish, an error otherwise.
  virtual void OnEnd(const Status& why) = 0;
  // Bytes received on the wire for this publish (for metrics); called often, must be cheap.
  virtual void OnBytes(size_t bytes) {}
};

enum class PublishRefusal {
  kNone,
  kUnknownKey,   // RTMP: NetStream.Publish.Denied; SRT: 1403/1404
  kAlreadyLive,  // RTMP: NetStream.Publish.BadName; SRT: 1409
  kInternal,     // RTMP: NetStream.Failed
  kForbidden,    // playback: a missing or wrong read key; SRT: 1403; RTMP: NetStream.Publish.Denied
};

struct PublishDecision {
  std::unique_ptr<MediaSink> sink;  // set when accepted
  PublishRefusal refusal = PublishRefusal::kNone;
  std::string message;      // why it was refused, safe to log and send (no key)
  std::string stream_name;  // the public name of the accepted stream, for logs
};

// The answer to a cheap pre-check, made before a connection is accepted (SRT decides in its
// listener callback, before the handshake completes, so a refused caller never gets a socket).
struct PublishCheck {
  PublishRefusal refusal = PublishRefusal::kNone;
  std::string message;     // why it would be refused (no key in it)
  std::string passphrase;  // the stream's own SRT passphrase; empty = the server-wide one
  std::string stream_name;  // the public name of the stream it would be, for logs ("" unknown)
};

struct PlayRequest {
  std::string protocol;  // "srt"
  std::string app;       // "live"; empty where the caller named none
  std::string name;      // the stream's PUBLIC name (never a key)
  std::string peer;      // "ip:port" of the client, for logs
  std::string read_key;  // the credential the reader gave (SRT "s=", MediaMTX PASS); never logged
};

// One reader's view of a live stream. Next is called by one reader thread; Tracks from that thread
// too (both are thread-safe against the publisher). Destroying the source unsubscribes it.
class MediaSource {
 public:
  virtual ~MediaSource() = default;
  // The stream's current tracks (empty until the publisher announced them).
  virtual std::vector<TrackInfo> Tracks() const = 0;
  // The next packet; nullopt when `timeout` passed with none; an Error when the stream ended or
  // this reader was dropped. The first packet of a stream with video is a video keyframe.
  virtual Result<std::optional<Packet>> Next(std::chrono::milliseconds timeout) = 0;
};

struct PlayDecision {
  std::unique_ptr<MediaSource> source;             // set when accepted
  PublishRefusal refusal = PublishRefusal::kNone;  // kUnknownKey: no such stream or not live
  std::string message;
  std::string stream_name;
};

class PublishHandler {
 public:
  virtual ~PublishHandler() = default;
  // Would Publish(request) be accepted now? Takes nothing (a refusal is counted: the caller is
  // then rejected); thread-safe and quick. A later Publish can still be refused (another
  // publisher may win the race in between).
  virtual PublishCheck Check(const PublishRequest& request) { return {}; }
  virtual PublishDecision Publish(const PublishRequest& request) = 0;
  // Would Play(request) be accepted now? Same rules as Check (thread-safe, quick, no blocking).
  virtual PublishCheck CheckPlay(const PlayRequest& request) {
    PublishCheck c;
    c.refusal = PublishRefusal::kInternal;
    c.message = "playback not supported";
    return c;
  }
  virtual PlayDecision Play(const PlayRequest& request) {
    PlayDecision d;
    d.refusal = PublishRefusal::kInternal;
    d.message = "playback not supported";
    return d;
  }
};

}  // namespace strait::transport
