#include "pipeline/webhook_events.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "codecs/json_escape.h"
#include "overlays/card.h"
#include "pipeline/card_json.h"

namespace strait::pipeline {
namespace {

using ordered_json = nlohmann::ordered_json;

const char* TemplateName(overlays::CardTemplate t) {
  switch (t) {
    case overlays::CardTemplate::kProduct:
      return "product";
    case overlays::CardTemplate::kCountdown:
      return "countdown";
    case overlays::CardTemplate::kBanner:
      return "banner";
  }
  return "product";
}

ordered_json PublishCommon(const PublishFacts& p) {
  ordered_json d;
  d["protocol"] = p.protocol;
  d["remote_addr"] = p.remote;
  return d;
}

// The text form of a JSON document; invalid UTF-8 (a title from a byte-oriented encoder) becomes
// U+FFFD rather than an exception.
std::string Dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

WebhookEvent PublishStartedEvent(const PublishFacts& p) {
  ordered_json d = PublishCommon(p);
  d["resumed"] = p.resumed;
  for (const TrackInfo& t : p.tracks) {
    ordered_json track;
    track["codec"] = std::string(CodecName(t.codec));
    if (t.kind == MediaKind::kVideo) {
      if (t.width > 0 && t.height > 0) {
        track["width"] = t.width;
        track["height"] = t.height;
      }
      if (t.frame_rate > 0)
        track["frame_rate"] = t.frame_rate;
      d["video"] = std::move(track);
    } else if (t.kind == MediaKind::kAudio) {
      if (t.sample_rate > 0)
        track["sample_rate"] = t.sample_rate;
      if (t.channels > 0)
        track["channels"] = t.channels;
      d["audio"] = std::move(track);
    }
  }
  return {"publish_started", p.stream, Dump(d)};
}

WebhookEvent PublishEndedEvent(const PublishFacts& p) {
  ordered_json d = PublishCommon(p);
  d["clean"] = p.error.empty();
  d["reason"] = p.error.empty() ? "unpublished" : p.error;
  d["duration_ms"] = p.duration.count();
  d["bytes"] = p.bytes;
  return {"publish_ended", p.stream, Dump(d)};
}

WebhookEvent CardChangeEvent(const CardChange& c,
                             std::optional<std::chrono::system_clock::time_point> pdt) {
  ordered_json d;
  d["card_id"] = c.card ? c.card->id : "";
  d["revision"] = c.revision;
  if (c.card) {
    d["template"] = TemplateName(c.card->kind);
    if (!c.card->title.empty())
      d["title"] = c.card->title;
  }
  d["media_time_90k"] = c.media_90k;
  if (pdt)
    d["program_date_time"] = FormatRfc3339(*pdt);
  if (!c.date_range_id.empty())
    d["date_range_id"] = c.date_range_id;
  return {c.shown ? "card_shown" : "card_hidden", c.stream, Dump(d)};
}

std::string WebhookBody(const WebhookEvent& e,
                        const std::string& id,
                        std::chrono::system_clock::time_point time) {
  std::string out;
  out.reserve(96 + e.stream.size() + e.data.size());
  out += R"({"id":")" + JsonEscape(id) + R"(","type":")" + JsonEscape(e.type) + R"(","time":")" +
         FormatRfc3339(time) + R"(","stream":")" + JsonEscape(e.stream) + R"(","data":)" +
         (e.data.empty() ? "{}" : e.data) + "}";
  return out;
}

std::string EventId(std::chrono::system_clock::time_point now, const std::array<uint8_t, 10>& r) {
  const uint64_t ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
  uint8_t b[16];
  for (int i = 0; i < 6; ++i)
    b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  for (int i = 0; i < 10; ++i)
    b[6 + i] = r[i];
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0f));  // version 7
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));  // variant 10
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
  return text;
}

}  // namespace strait::pipeline
