// The ingest contract between protocol servers (RTMP now, SRT later) and the pipeline.
//
// A protocol server asks the PublishHandler for permission when a client wants to publish; the
// handler returns a MediaSink for that one publisher or a refusal. The server then feeds the sink
// with track configurations and packets, and ends it exactly once with OnEnd.
//
// Threads: PublishHandler::Publish may be called from any server thread concurrently (the
// handler is thread-safe). A MediaSink is called by one thread at a time, in order, and never
// after OnEnd returns. The server owns the sink (unique_ptr) and destroys it after OnEnd.
#pragma once

#include <memory>
#include <string>

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
  kUnknownKey,   // RTMP: NetStream.Publish.BadName; SRT: 1403/1404
  kAlreadyLive,  // RTMP: NetStream.Publish.BadName; SRT: 1409
  kInternal,
};

struct PublishDecision {
  std::unique_ptr<MediaSink> sink;  // set when accepted
  PublishRefusal refusal = PublishRefusal::kNone;
  std::string message;  // why it was refused, safe to log and send (no key)
  std::string stream_name;  // the public name of the accepted stream, for logs
};

// The answer to a cheap pre-check, made before a connection is accepted (SRT decides in its
// listener callback, before the handshake completes, so a refused caller never gets a socket).
struct PublishCheck {
  PublishRefusal refusal = PublishRefusal::kNone;
  std::string message;     // why it would be refused (no key in it)
  std::string passphrase;  // the stream's own SRT passphrase; empty = the server-wide one
};

class PublishHandler {
 public:
  virtual ~PublishHandler() = default;
  // Would Publish(request) be accepted now? Takes nothing (a refusal is counted: the caller is
  // then rejected); thread-safe and quick. A later Publish can still be refused (another
  // publisher may win the race in between).
  virtual PublishCheck Check(const PublishRequest& request) { return {}; }
  virtual PublishDecision Publish(const PublishRequest& request) = 0;
};

}  // namespace strait::transport
