#include "transport/hls/playlist.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

namespace strait::transport::hls {
namespace {

void AppendF(std::string& out, const char* fmt, auto... args) {
  char buf[256];
  const int n = std::snprintf(buf, sizeof(buf), fmt, args...);
  if (n > 0)
    out.append(buf, static_cast<size_t>(std::min<int>(n, sizeof(buf) - 1)));
}

}  // namespace

std::string FormatIso8601Millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const int64_t ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];  // ample for any int fields (keeps -Wformat-truncation quiet)
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

std::string SegmentUri(SegmentFormat format, uint64_t sequence) {
  return "seg" + std::to_string(sequence) + (format == SegmentFormat::kTs ? ".ts" : ".m4s");
}

std::string PartUri(uint64_t sequence, size_t index) {
  return "part" + std::to_string(sequence) + "." + std::to_string(index) + ".m4s";
}

std::string InitUri(uint64_t init_id) {
  return "init" + std::to_string(init_id) + ".mp4";
}

size_t SkippableSegments(const MediaPlaylist& p) {
  if (!p.low_latency || p.low_latency->can_skip_until_s <= 0)
    return 0;
  // RFC 8216bis 6.2.5.1: the segments further than the Skip Boundary from the end of the last
  // (parent) segment, whole: one that straddles the boundary stays.
  double from_end = 0;  // from segment i's end to the last segment's end
  for (size_t i = p.segments.size(); i-- > 0;) {
    if (from_end >= p.low_latency->can_skip_until_s)
      return i + 1;
    from_end += p.segments[i].duration_s;
  }
  return 0;
}

namespace {

void AppendParts(std::string& out, uint64_t sequence, const std::vector<PartEntry>& parts) {
  for (size_t i = 0; i < parts.size(); ++i) {
    AppendF(out, "#EXT-X-PART:DURATION=%.5f,URI=\"", parts[i].duration_s);
    out += PartUri(sequence, i);
    out += parts[i].independent ? "\",INDEPENDENT=YES\n" : "\"\n";
  }
}

// A quoted-string value may not hold '"', CR or LF (RFC 8216bis 4.2), and a playlist no UTF-8
// control character (U+0000-U+001F, U+007F-U+009F; 4.1): each becomes a space (a card title's
// tab, say). `value` is UTF-8 (U+0080-U+009F are C2 80 to C2 9F).
void AppendQuoted(std::string& out, std::string_view value) {
  out += '"';
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == '"') {
      out += '\'';
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else if (c == 0xc2 && i + 1 < value.size() &&
               static_cast<unsigned char>(value[i + 1]) <= 0x9f &&
               static_cast<unsigned char>(value[i + 1]) >= 0x80) {
      out += ' ';
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

// A client attribute name: "X-" then [A-Z0-9-] only.
std::string ClientAttributeName(std::string_view name) {
  std::string out;
  for (const char c : name) {
    const char u = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    out += ((u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-') ? u : '-';
  }
  if (!out.starts_with("X-"))
    out.insert(0, "X-");
  return out;
}

void AppendDateRanges(std::string& out, const std::vector<DateRangeEntry>& ranges) {
  for (const DateRangeEntry& r : ranges) {
    out += "#EXT-X-DATERANGE:ID=";
    AppendQuoted(out, r.id);
    if (!r.class_name.empty()) {
      out += ",CLASS=";
      AppendQuoted(out, r.class_name);
    }
    out += ",START-DATE=\"" + FormatIso8601Millis(r.start) + "\"";
    if (r.end)
      out += ",END-DATE=\"" + FormatIso8601Millis(std::max(*r.end, r.start)) + "\"";
    std::vector<std::string> names;  // attribute names must be unique within the tag
    for (const auto& [key, value] : r.attributes) {
      std::string name = ClientAttributeName(key);
      if (std::find(names.begin(), names.end(), name) != names.end())
        continue;
      out += ',' + name + '=';
      AppendQuoted(out, value);
      names.push_back(std::move(name));
    }
    out += '\n';
  }
}

void AppendMap(std::string& out, uint64_t init_id, std::optional<uint64_t>& current) {
  if (current == init_id)
    return;
  current = init_id;
  out += "#EXT-X-MAP:URI=\"" + InitUri(init_id) + "\"\n";
}

}  // namespace

std::string RenderMediaPlaylist(const MediaPlaylist& p) {
  const LowLatency* ll = p.low_latency ? &*p.low_latency : nullptr;
  const bool cmaf = p.format == SegmentFormat::kCmaf;
  std::string out;
  out.reserve(256 + p.segments.size() * 96 + (ll ? 1024 : 0));
  out += cmaf ? "#EXTM3U\n#EXT-X-VERSION:9\n" : "#EXTM3U\n#EXT-X-VERSION:3\n";
  AppendF(out, "#EXT-X-TARGETDURATION:%d\n", p.target_duration_s);
  if (ll) {
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES";
    if (ll->can_skip_until_s > 0)
      AppendF(out, ",CAN-SKIP-UNTIL=%.3f", ll->can_skip_until_s);
    AppendF(out, ",PART-HOLD-BACK=%.3f\n", ll->part_hold_back_s);
    AppendF(out, "#EXT-X-PART-INF:PART-TARGET=%.3f\n", ll->part_target_s);
  }
  const uint64_t first = !p.segments.empty() ? p.segments.front().sequence
                         : ll                ? ll->open_sequence
                                             : 0;
  AppendF(out, "#EXT-X-MEDIA-SEQUENCE:%llu\n", static_cast<unsigned long long>(first));
  if (p.discontinuity_sequence > 0) {
    AppendF(out, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n",
            static_cast<unsigned long long>(p.discontinuity_sequence));
  }
  if (p.independent_segments)
    out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  const size_t skip = std::min(p.skip_segments, p.segments.size());
  if (skip > 0)
    AppendF(out, "#EXT-X-SKIP:SKIPPED-SEGMENTS=%zu\n", skip);
  // Parts are listed for the segments that start within parts_window_s of the live edge (RFC
  // 8216bis 6.2.2: removed once more than three target durations from the end).
  double tail_s = 0;
  if (ll) {
    for (const PartEntry& part : ll->open_parts)
      tail_s += part.duration_s;
  }
  std::vector<bool> with_parts(p.segments.size(), false);
  for (size_t i = p.segments.size(); ll && i-- > 0;) {
    tail_s += p.segments[i].duration_s;
    if (tail_s > ll->parts_window_s + 1e-6)
      break;
    with_parts[i] = true;
  }
  std::optional<uint64_t> map;
  for (size_t i = skip; i < p.segments.size(); ++i) {
    const SegmentEntry& s = p.segments[i];
    if (s.discontinuity)
      out += "#EXT-X-DISCONTINUITY\n";
    if (cmaf)
      AppendMap(out, s.init_id, map);
    if (i == skip)
      AppendDateRanges(out, p.date_ranges);
    out += "#EXT-X-PROGRAM-DATE-TIME:";
    out += FormatIso8601Millis(s.program_date_time);
    out += '\n';
    if (with_parts[i])
      AppendParts(out, s.sequence, s.parts);
    AppendF(out, "#EXTINF:%.3f,\n", s.duration_s);
    out += SegmentUri(p.format, s.sequence);
    out += '\n';
  }
  if (ll && !p.ended) {
    if (!ll->open_parts.empty()) {
      if (ll->open_discontinuity)
        out += "#EXT-X-DISCONTINUITY\n";
      AppendMap(out, ll->open_init_id, map);
      if (skip == p.segments.size())  // no segment listed: before the parts
        AppendDateRanges(out, p.date_ranges);
      // Always: the segment's date comes before its first part (RFC 8216bis 4.4.4.9), and a later
      // playlist may only append to this one (6.2.1).
      out += "#EXT-X-PROGRAM-DATE-TIME:";
      out += FormatIso8601Millis(ll->open_program_date_time);
      out += '\n';
      AppendParts(out, ll->open_sequence, ll->open_parts);
    }
    out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"";
    out += PartUri(ll->open_sequence, ll->open_parts.size());
    out += "\"\n";
  }
  if (ll) {
    for (const RenditionReport& r : ll->reports) {
      out += "#EXT-X-RENDITION-REPORT:URI=\"../" + r.name + "/playlist.m3u8\"";
      AppendF(out, ",LAST-MSN=%llu,LAST-PART=%llu\n", static_cast<unsigned long long>(r.last_msn),
              static_cast<unsigned long long>(r.last_part));
    }
  }
  if (p.ended)
    out += "#EXT-X-ENDLIST\n";
  return out;
}

namespace {

void AppendVariant(std::string& out,
                   const VariantInfo& v,
                   int64_t extra_bandwidth,
                   int64_t extra_average,
                   const std::string& extra_codecs,
                   const char* audio_group) {
  AppendF(out, "#EXT-X-STREAM-INF:BANDWIDTH=%lld",
          static_cast<long long>(v.bandwidth + extra_bandwidth));
  if (v.average_bandwidth > 0) {
    AppendF(out, ",AVERAGE-BANDWIDTH=%lld",
            static_cast<long long>(v.average_bandwidth + extra_average));
  }
  if (v.width > 0 && v.height > 0)
    AppendF(out, ",RESOLUTION=%dx%d", v.width, v.height);
  if (v.frame_rate > 0)
    AppendF(out, ",FRAME-RATE=%.3f", v.frame_rate);
  std::string codecs = v.codecs;
  if (!extra_codecs.empty() && codecs.find(extra_codecs) == std::string::npos)
    codecs += (codecs.empty() ? "" : ",") + extra_codecs;
  if (!codecs.empty())
    out += ",CODECS=\"" + codecs + "\"";
  if (audio_group)
    out += std::string(",AUDIO=\"") + audio_group + "\"";
  out += '\n';
  out += v.uri;
  out += '\n';
}

bool AllIndependent(std::span<const VariantInfo> variants) {
  return std::all_of(variants.begin(), variants.end(),
                     [](const VariantInfo& v) { return v.independent; });
}

// EXT-X-INDEPENDENT-SEGMENTS in a master applies to every segment of every media playlist.
std::string Header(bool independent) {
  return independent ? "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                     : "#EXTM3U\n#EXT-X-VERSION:3\n";
}

}  // namespace

std::string RenderMasterPlaylist(std::span<const VariantInfo> variants) {
  std::string out = Header(AllIndependent(variants));
  for (const VariantInfo& v : variants)
    AppendVariant(out, v, 0, 0, "", nullptr);
  return out;
}

std::string RenderMasterPlaylist(std::span<const VariantInfo> video,
                                 std::span<const VariantInfo> audio) {
  if (audio.empty())
    return RenderMasterPlaylist(video);
  // One audio group per codec ("audio": AAC, "audio-opus": Opus), so that a player picks only
  // variants whose every codec it can play; the video variants are listed once per group.
  struct Group {
    std::string id;
    std::vector<const VariantInfo*> members;
    int64_t peak = 0, average = 0;
    std::string codecs;
  };
  std::vector<Group> groups;
  for (const VariantInfo& a : audio) {
    const bool opus = a.codecs.starts_with("Opus") || a.codecs.starts_with("opus");
    const std::string id = opus ? "audio-opus" : "audio";
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.id == id; });
    if (g == groups.end()) {
      groups.push_back({id, {}, 0, 0, ""});
      g = groups.end() - 1;
    }
    g->members.push_back(&a);
    if (a.bandwidth > g->peak) {
      g->peak = a.bandwidth;
      g->average = a.average_bandwidth;
      g->codecs = a.codecs;
    }
  }
  std::string out = Header(AllIndependent(video) && AllIndependent(audio));
  for (const Group& g : groups) {
    for (size_t i = 0; i < g.members.size(); ++i) {
      const VariantInfo& a = *g.members[i];
      const std::string name = a.uri.substr(0, a.uri.find('/'));
      out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"" + g.id + "\",NAME=\"" + name +
             "\",DEFAULT=" + (i == 0 ? "YES" : "NO") + ",AUTOSELECT=YES";
      if (a.channels > 0)
        AppendF(out, ",CHANNELS=\"%d\"", a.channels);
      out += ",URI=\"" + a.uri + "\"\n";
    }
  }
  for (const Group& g : groups) {
    for (const VariantInfo& v : video)
      AppendVariant(out, v, g.peak, g.average, g.codecs, g.id.c_str());
  }
  return out;
}

}  // namespace strait::transport::hls
