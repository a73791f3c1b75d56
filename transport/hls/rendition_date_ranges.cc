// Rendition's timed metadata (see rendition.h): the published media spans that map media time to
// program date time, the EXT-X-DATERANGE entries they resolve, and the same ranges in band as
// ID3 `emsg` events.
#include <algorithm>
#include <cstdio>

#include "codecs/id3/id3.h"
#include "codecs/json_escape.h"
#include "transport/hls/rendition.h"  // the class these methods belong to

namespace strait::transport::hls {
namespace {

// Media spans kept for mapping date ranges, beyond those of the window (a bound, should the
// window stop sliding).
constexpr size_t kMaxSpans = 4096;

}  // namespace

void Rendition::AddSpan(int64_t start_90k,
                        int64_t end_90k,
                        std::chrono::system_clock::time_point pdt) {
  spans_.push_back({start_90k, std::max(end_90k, start_90k), pdt});
  if (spans_.size() > kMaxSpans)
    spans_.pop_front();
}

std::optional<std::chrono::system_clock::time_point> Rendition::MapMediaTime(int64_t ts) const {
  if (spans_.empty() || ts > spans_.back().end_90k)
    return std::nullopt;  // not published yet
  auto at = [](const MediaSpan& s, int64_t t) {
    return s.program_date_time + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                     std::chrono::nanoseconds((t - s.start_90k) * 100000 / 9));
  };
  // The latest span starting at or before `ts` (the one holding it, unless it is the end of the
  // published media); before all of them: extrapolated from the first (same publish, same rate).
  for (auto it = spans_.rbegin(); it != spans_.rend(); ++it) {
    if (it->start_90k <= ts)
      return at(*it, ts);
  }
  return at(spans_.front(), ts);
}

bool Rendition::ResolveDateRanges() {
  bool changed = false;
  const int64_t published_end = spans_.empty() ? 0 : spans_.back().end_90k;
  for (HeldRange& r : ranges_) {
    // A start is listed once its frame is published (the end of the published media is the
    // first frame not yet published); an end is the first frame not covered, so it may be it.
    if (!r.start && !spans_.empty() && r.range.start_90k < published_end) {
      r.start = MapMediaTime(r.range.start_90k);
      changed = true;
    }
    if (r.start && !r.end && r.range.end_90k) {
      if (const auto end = MapMediaTime(*r.range.end_90k)) {
        r.end = std::max(*end, *r.start);
        changed = true;
      }
    }
  }
  if (!window_.empty()) {
    const auto first = window_.front().entry.program_date_time;
    changed |=
        std::erase_if(ranges_, [&](const HeldRange& r) { return r.end && *r.end < first; }) > 0;
  }
  return changed;
}

void Rendition::AddDateRange(DateRange range) {
  std::lock_guard writer(writer_mu_);
  if (range.id.empty())
    return;
  for (const HeldRange& r : ranges_) {
    if (r.range.id == range.id)
      return;
  }
  ranges_.push_back({std::move(range), std::nullopt, std::nullopt});
  bool changed = false;
  while (ranges_.size() > kMaxDateRanges) {
    changed |= ranges_.front().start.has_value();
    ranges_.pop_front();
  }
  changed |= ResolveDateRanges();
  if (changed && (!window_.empty() || !open_parts_.empty()))
    (void)Publish({});
}

void Rendition::EndDateRange(const std::string& id, int64_t end_90k) {
  std::lock_guard writer(writer_mu_);
  for (HeldRange& r : ranges_) {
    if (r.range.id != id || r.range.end_90k)
      continue;
    r.range.end_90k = end_90k;
    if (ResolveDateRanges() && (!window_.empty() || !open_parts_.empty()))
      (void)Publish({});
    return;
  }
}

namespace {

// `text` as a JSON string, quotes included.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  out += JsonEscape(text);
  out += '"';
  return out;
}

std::optional<mp4::EventMessage> InbandEvent(const DateRange& r, bool end) {
  const int64_t at = end ? *r.end_90k : r.start_90k;
  if (at < 0)
    return std::nullopt;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.6f", at / 90000.0);
  const char* kind = end ? "end" : "start";
  std::string json = "{\"event\":";
  json += JsonString(kind);
  json += ",\"id\":";
  json += JsonString(r.id);
  json += ',';
  json += JsonString(kind);
  json += ':';
  json += seconds;
  for (const auto& [name, value] : r.attributes) {
    json += ',';
    json += JsonString(name);
    json += ':';
    json += JsonString(value);
  }
  json += '}';
  Result<std::vector<uint8_t>> tag =
      id3::TxxxTag({{r.class_name.empty() ? "com.strait.daterange" : r.class_name, json}});
  if (!tag.ok())
    return std::nullopt;
  mp4::EventMessage e;
  e.scheme_id_uri = std::string(id3::kEmsgScheme);
  e.presentation_time = static_cast<uint64_t>(at);
  e.message_data = std::move(*tag);
  return e;
}

}  // namespace

std::vector<mp4::EventMessage> Rendition::TakeInbandEvents(int64_t start_90k, int64_t end_90k) {
  std::lock_guard writer(writer_mu_);
  std::vector<mp4::EventMessage> out;
  for (HeldRange& r : ranges_) {
    const bool over = r.range.end_90k && *r.range.end_90k <= start_90k;
    if (!r.start_in_band && r.range.start_90k < end_90k) {
      r.start_in_band = true;
      if (over) {  // started and ended before this chunk: nothing to tell a player now
        r.end_in_band = true;
        continue;
      }
      if (auto e = InbandEvent(r.range, false)) {
        e->id = static_cast<uint32_t>(next_event_id_++);
        out.push_back(std::move(*e));
      }
    }
    if (r.start_in_band && !r.end_in_band && r.range.end_90k && *r.range.end_90k < end_90k) {
      r.end_in_band = true;
      if (auto e = InbandEvent(r.range, true)) {
        e->id = static_cast<uint32_t>(next_event_id_++);
        out.push_back(std::move(*e));
      }
    }
  }
  return out;
}

}  // namespace strait::transport::hls
