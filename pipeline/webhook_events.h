// Webhook events: the JSON documents strait POSTs to webhook targets (pipeline/webhooks.h), made
// from what the pipeline knows when a publish starts or ends and when a card goes on or off the
// picture. Every document has the same envelope:
//   {"id":"<UUIDv7>","type":"publish_started","time":"2026-03-01T18:00:00.123Z","stream":"shop1",
//    "data":{...the type's fields...}}
// Names only: a payload never carries a stream key, read key or passphrase.
//
// Pure functions, any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codecs/track.h"
#include "pipeline/card_api.h"

namespace strait::pipeline {

// One event before it is numbered and timed (Webhooks::Emit does that).
struct WebhookEvent {
  std::string type;    // one of kWebhookEventTypes (config.h)
  std::string stream;  // the stream's public name
  std::string data;    // the type's fields: a JSON object
};

// Where events go (Webhooks::Sink); an empty one: nowhere. Called from any thread; never blocks.
using WebhookSink = std::function<void(const WebhookEvent&)>;

// A publish, as its session saw it.
struct PublishFacts {
  std::string stream;
  std::string protocol;  // "rtmp", "srt", "demo"
  std::string remote;    // the publisher's "ip:port"
  // publish_started: the tracks known so far (RTMP sends its sequence headers before the first
  // packet, so both usually are).
  std::vector<TrackInfo> tracks;
  bool resumed = false;  // continues the previous publish's timeline (hls.reconnect_grace)
  // publish_ended:
  std::string error;  // why it ended; empty: the publisher unpublished cleanly
  std::chrono::milliseconds duration{0};
  uint64_t bytes = 0;  // received on the wire
};

WebhookEvent PublishStartedEvent(const PublishFacts& publish);
WebhookEvent PublishEndedEvent(const PublishFacts& publish);
// card_shown / card_hidden; `program_date_time`: the picture's EXT-X-PROGRAM-DATE-TIME if known.
WebhookEvent CardChangeEvent(
    const CardChange& change,
    std::optional<std::chrono::system_clock::time_point> program_date_time);

// The document sent: the envelope around `event.data`.
std::string WebhookBody(const WebhookEvent& event,
                        const std::string& id,
                        std::chrono::system_clock::time_point time);

// A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits, as
// "0190a3f2-6b1c-7d2e-8f00-123456789abc": unique, and sorted by time as text.
std::string EventId(std::chrono::system_clock::time_point now,
                    const std::array<uint8_t, 10>& random);

}  // namespace strait::pipeline
