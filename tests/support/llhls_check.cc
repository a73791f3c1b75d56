#include "tests/support/llhls_check.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

namespace strait::test {

namespace {

// Rounding slack: playlists print durations to the millisecond (plus room for float noise).
constexpr double kMs = 0.001 + 1e-9;

std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

std::string Msn(uint64_t msn) {
  return "msn " + std::to_string(msn);
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool AllDigits(std::string_view s) {
  for (char c : s)
    if (!IsDigit(c))
      return false;
  return !s.empty();
}

// decimal-integer (RFC 8216 4.2): 1 to 20 digits, fitting in 64 bits.
bool ParseUint(std::string_view s, uint64_t* v) {
  if (!AllDigits(s) || s.size() > 20)
    return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

// decimal-floating-point ([0-9.], one point at most, a digit somewhere); with `allow_sign`, the
// signed-decimal-floating-point that may start with '-'.
bool ParseDecimal(std::string_view s, double* v, bool allow_sign = false) {
  std::string_view body = s;
  if (allow_sign && !body.empty() && body[0] == '-')
    body.remove_prefix(1);
  int points = 0, digits = 0;
  for (char c : body) {
    if (c == '.')
      ++points;
    else if (IsDigit(c))
      ++digits;
    else
      return false;
  }
  if (points > 1 || digits == 0)
    return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size();
}

// <n>[@<o>], as in EXT-X-BYTERANGE and the BYTERANGE attributes.
bool IsByteRange(std::string_view s) {
  const size_t at = s.find('@');
  uint64_t n = 0;
  if (at == std::string_view::npos)
    return ParseUint(s, &n);
  return ParseUint(s.substr(0, at), &n) && ParseUint(s.substr(at + 1), &n);
}

// YYYY-MM-DDThh:mm:ss[.fraction][Z|+hh:mm|-hh:mm|+hhmm|+hh]. The spec wants ISO/IEC 8601 and says
// the time zone and fractional seconds SHOULD be present, so both are optional here.
bool IsIso8601DateTime(std::string_view s) {
  auto num = [&](size_t pos, size_t len, int lo, int hi, int* out) {
    if (pos + len > s.size() || !AllDigits(s.substr(pos, len)))
      return false;
    int v = 0;
    std::from_chars(s.data() + pos, s.data() + pos + len, v);
    *out = v;
    return v >= lo && v <= hi;
  };
  auto at = [&](size_t pos, char c) { return pos < s.size() && s[pos] == c; };
  int year, month, day, hour, minute, second;
  if (!num(0, 4, 0, 9999, &year) || !at(4, '-') || !num(5, 2, 1, 12, &month) || !at(7, '-') ||
      !num(8, 2, 1, 31, &day) || !at(10, 'T') || !num(11, 2, 0, 23, &hour) || !at(13, ':') ||
      !num(14, 2, 0, 59, &minute) || !at(16, ':') || !num(17, 2, 0, 60, &second))
    return false;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap))
    return false;
  size_t i = 19;
  if (at(i, '.')) {
    const size_t start = ++i;
    while (i < s.size() && IsDigit(s[i]))
      ++i;
    if (i == start)
      return false;
  }
  if (i == s.size() || (at(i, 'Z') && i + 1 == s.size()))
    return true;
  if (!at(i, '+') && !at(i, '-'))
    return false;
  int zh, zm;
  const std::string_view zone = s.substr(i + 1);
  if (zone.size() == 2)
    return num(i + 1, 2, 0, 23, &zh);
  if (zone.size() == 4)
    return num(i + 1, 2, 0, 23, &zh) && num(i + 3, 2, 0, 59, &zm);
  return zone.size() == 5 && num(i + 1, 2, 0, 23, &zh) && at(i + 3, ':') &&
         num(i + 4, 2, 0, 59, &zm);
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos)
      break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

// Typed access to one tag's attribute list; remembers the first error.
class TagAttrs {
 public:
  TagAttrs(std::string_view tag, std::string_view value) : tag_(tag) {
    std::string e = ParseAttributeList(value, &list_);
    if (!e.empty())
      error_ = tag_ + ": " + e;
  }
  const std::string& error() const { return error_; }

  std::optional<std::string> Quoted(std::string_view name, bool required) {
    const AttributeValue* v = Find(name, required);
    if (v && !v->quoted)
      Fail(std::string(name) + " must be a quoted-string");
    return v && v->quoted ? std::optional(v->text) : std::nullopt;
  }
  std::optional<std::string> Enum(std::string_view name, bool required) {
    const AttributeValue* v = Find(name, required);
    if (v && v->quoted)
      Fail(std::string(name) + " must be an enumerated-string, not quoted");
    return v && !v->quoted ? std::optional(v->text) : std::nullopt;
  }
  std::optional<double> Decimal(std::string_view name, bool required, bool allow_sign = false) {
    double d = 0;
    const AttributeValue* v = Find(name, required);
    if (v && (v->quoted || !ParseDecimal(v->text, &d, allow_sign)))
      Fail(std::string(name) + " is not a decimal-floating-point: \"" + v->text + "\"");
    return v && error_.empty() ? std::optional(d) : std::nullopt;
  }
  std::optional<uint64_t> Integer(std::string_view name, bool required) {
    uint64_t n = 0;
    const AttributeValue* v = Find(name, required);
    if (v && (v->quoted || !ParseUint(v->text, &n)))
      Fail(std::string(name) + " is not a decimal-integer: \"" + v->text + "\"");
    return v && error_.empty() ? std::optional(n) : std::nullopt;
  }
  // An enumerated-string whose only valid value is YES; absent means no.
  bool Yes(std::string_view name) {
    std::optional<std::string> v = Enum(name, false);
    if (v && *v != "YES")
      Fail(std::string(name) + " must be YES when present, not \"" + *v + "\"");
    return v && *v == "YES";
  }

 private:
  const AttributeValue* Find(std::string_view name, bool required) {
    if (!error_.empty())
      return nullptr;
    auto it = list_.find(name);
    if (it == list_.end()) {
      if (required)
        Fail("missing required attribute " + std::string(name));
      return nullptr;
    }
    return &it->second;
  }
  void Fail(std::string what) {
    if (error_.empty())
      error_ = tag_ + ": " + what;
  }

  std::string tag_;
  AttributeList list_;
  std::string error_;
};

// What a media playlist tag takes after its name.
enum class Arg { kNone, kValue };

class MediaParser;
using Handler = std::string (MediaParser::*)(std::string_view value);

struct TagSpec {
  std::string_view name;
  Arg arg;
  bool once;         // MUST NOT appear more than once
  bool header_only;  // MUST appear before the first Media Segment
  Handler handler;
};

class MediaParser {
 public:
  ParseResult Run(std::string_view text);

 private:
  std::string Line(std::string_view line);
  std::string Tag(std::string_view line);
  std::string Uri(std::string_view line);

  std::string Ignore(std::string_view) { return ""; }
  std::string MasterTag(std::string_view) { return "master playlist tag in a media playlist"; }
  std::string Version(std::string_view v);
  std::string TargetDuration(std::string_view v);
  std::string MediaSequence(std::string_view v);
  std::string DiscontinuitySequence(std::string_view v);
  std::string PlaylistType(std::string_view v);
  std::string EndList(std::string_view) { return p_.ended = true, ""; }
  std::string ServerControl(std::string_view v);
  std::string PartInf(std::string_view v);
  std::string Start(std::string_view v);
  std::string Map(std::string_view v);
  std::string Skip(std::string_view v);
  std::string ProgramDateTime(std::string_view v);
  std::string Discontinuity(std::string_view) { return discontinuity_ = true, ""; }
  std::string Gap(std::string_view) { return gap_ = true, ""; }
  std::string Extinf(std::string_view v);
  std::string ByteRange(std::string_view v);
  std::string Bitrate(std::string_view v);
  std::string Key(std::string_view v);
  std::string DateRange(std::string_view v);
  std::string Part(std::string_view v);
  std::string PreloadHint(std::string_view v);
  std::string RenditionReport(std::string_view v);

  static const TagSpec kTags[];

  LlPlaylist p_;
  std::set<std::string_view> seen_;
  bool in_segments_ = false;  // a segment (or one of its parts) has begun
  // The segment being assembled.
  std::vector<LlPart> parts_;
  std::optional<double> extinf_;
  bool discontinuity_ = false, gap_ = false;
  std::optional<std::string> pdt_;
  bool part_hint_ = false, map_hint_ = false;
};

const TagSpec MediaParser::kTags[] = {
    {"EXT-X-VERSION", Arg::kValue, true, false, &MediaParser::Version},
    {"EXT-X-TARGETDURATION", Arg::kValue, true, false, &MediaParser::TargetDuration},
    {"EXT-X-MEDIA-SEQUENCE", Arg::kValue, true, true, &MediaParser::MediaSequence},
    {"EXT-X-DISCONTINUITY-SEQUENCE", Arg::kValue, true, true, &MediaParser::DiscontinuitySequence},
    {"EXT-X-PLAYLIST-TYPE", Arg::kValue, true, false, &MediaParser::PlaylistType},
    {"EXT-X-ENDLIST", Arg::kNone, false, false, &MediaParser::EndList},
    {"EXT-X-I-FRAMES-ONLY", Arg::kNone, true, false, &MediaParser::Ignore},
    {"EXT-X-INDEPENDENT-SEGMENTS", Arg::kNone, false, false, &MediaParser::Ignore},
    {"EXT-X-SERVER-CONTROL", Arg::kValue, true, false, &MediaParser::ServerControl},
    {"EXT-X-PART-INF", Arg::kValue, true, false, &MediaParser::PartInf},
    {"EXT-X-START", Arg::kValue, true, false, &MediaParser::Start},
    {"EXT-X-MAP", Arg::kValue, false, false, &MediaParser::Map},
    {"EXT-X-SKIP", Arg::kValue, true, true, &MediaParser::Skip},
    {"EXT-X-PROGRAM-DATE-TIME", Arg::kValue, false, false, &MediaParser::ProgramDateTime},
    {"EXT-X-DISCONTINUITY", Arg::kNone, false, false, &MediaParser::Discontinuity},
    {"EXT-X-GAP", Arg::kNone, false, false, &MediaParser::Gap},
    {"EXTINF", Arg::kValue, false, false, &MediaParser::Extinf},
    {"EXT-X-BYTERANGE", Arg::kValue, false, false, &MediaParser::ByteRange},
    {"EXT-X-BITRATE", Arg::kValue, false, false, &MediaParser::Bitrate},
    {"EXT-X-KEY", Arg::kValue, false, false, &MediaParser::Key},
    {"EXT-X-DATERANGE", Arg::kValue, false, false, &MediaParser::DateRange},
    {"EXT-X-PART", Arg::kValue, false, false, &MediaParser::Part},
    {"EXT-X-PRELOAD-HINT", Arg::kValue, false, false, &MediaParser::PreloadHint},
    {"EXT-X-RENDITION-REPORT", Arg::kValue, false, false, &MediaParser::RenditionReport},
    {"EXT-X-STREAM-INF", Arg::kValue, false, false, &MediaParser::MasterTag},
    {"EXT-X-I-FRAME-STREAM-INF", Arg::kValue, false, false, &MediaParser::MasterTag},
    {"EXT-X-MEDIA", Arg::kValue, false, false, &MediaParser::MasterTag},
    {"EXT-X-SESSION-DATA", Arg::kValue, false, false, &MediaParser::MasterTag},
    {"EXT-X-SESSION-KEY", Arg::kValue, false, false, &MediaParser::MasterTag},
};

ParseResult MediaParser::Run(std::string_view text) {
  ParseResult r;
  const std::vector<std::string_view> lines = SplitLines(text);
  p_.starts_with_extm3u = !lines.empty() && lines[0] == "#EXTM3U";
  for (size_t i = 0; i < lines.size() && r.error.empty(); ++i) {
    std::string e = Line(lines[i]);
    if (!e.empty())
      r.error = "line " + std::to_string(i + 1) + ": " + e;
  }
  if (r.error.empty() && extinf_)
    r.error = "EXTINF at the end of the playlist with no URI line";
  p_.pending_parts = std::move(parts_);
  p_.pending_discontinuity = discontinuity_;
  p_.pending_program_date_time = std::move(pdt_);
  uint64_t msn = p_.media_sequence + p_.skipped_segments;
  for (LlSegment& s : p_.segments)
    s.msn = msn++;
  r.playlist = std::move(p_);
  return r;
}

std::string MediaParser::Line(std::string_view line) {
  if (line.empty() || line == "#EXTM3U")
    return "";
  if (line[0] != '#')
    return Uri(line);
  if (line.substr(0, 4) != "#EXT")
    return "";  // a comment
  return Tag(line);
}

std::string MediaParser::Tag(std::string_view line) {
  const size_t colon = line.find(':');
  const std::string_view name =
      line.substr(1, colon == std::string_view::npos ? line.npos : colon - 1);
  for (const TagSpec& t : kTags) {
    if (t.name != name)
      continue;
    const std::string n(name);
    if (t.arg == Arg::kNone && colon != std::string_view::npos)
      return n + " takes no value";
    if (t.arg == Arg::kValue && colon == std::string_view::npos)
      return n + " needs a value";
    if (t.once && !seen_.insert(t.name).second)
      return n + " appears more than once";
    if (t.header_only && in_segments_)
      return n + " after the first media segment";
    std::string e = (this->*t.handler)(colon == line.npos ? "" : line.substr(colon + 1));
    return e.empty() || e.rfind(n, 0) == 0 ? e : n + ": " + e;
  }
  return "";  // unknown tags MUST be ignored
}

std::string MediaParser::Uri(std::string_view line) {
  if (!extinf_)
    return "URI line \"" + std::string(line) + "\" with no EXTINF before it";
  LlSegment s;
  s.duration = *extinf_;
  s.uri = std::string(line);
  s.parts = std::move(parts_);
  s.discontinuity = discontinuity_;
  s.gap = gap_;
  s.program_date_time = std::move(pdt_);
  p_.segments.push_back(std::move(s));
  parts_.clear();
  extinf_.reset();
  pdt_.reset();
  discontinuity_ = gap_ = false;
  return "";
}

std::string MediaParser::Version(std::string_view v) {
  uint64_t n = 0;
  if (!ParseUint(v, &n) || n == 0 || n > 1000)
    return "not a protocol version: \"" + std::string(v) + "\"";
  p_.version = static_cast<int>(n);
  return "";
}

std::string MediaParser::TargetDuration(std::string_view v) {
  uint64_t n = 0;
  if (!ParseUint(v, &n) || n > 1000000)
    return "not a decimal-integer: \"" + std::string(v) + "\"";
  p_.target_duration = static_cast<int>(n);
  return "";
}

std::string MediaParser::MediaSequence(std::string_view v) {
  return ParseUint(v, &p_.media_sequence) ? ""
                                          : "not a decimal-integer: \"" + std::string(v) + "\"";
}

std::string MediaParser::DiscontinuitySequence(std::string_view v) {
  return ParseUint(v, &p_.discontinuity_sequence)
             ? ""
             : "not a decimal-integer: \"" + std::string(v) + "\"";
}

std::string MediaParser::PlaylistType(std::string_view v) {
  if (v != "EVENT" && v != "VOD")
    return "must be EVENT or VOD, not \"" + std::string(v) + "\"";
  p_.playlist_type = std::string(v);
  return "";
}

std::string MediaParser::ServerControl(std::string_view v) {
  TagAttrs a("EXT-X-SERVER-CONTROL", v);
  p_.can_skip_until = a.Decimal("CAN-SKIP-UNTIL", false);
  a.Yes("CAN-SKIP-DATERANGES");
  p_.hold_back = a.Decimal("HOLD-BACK", false);
  p_.part_hold_back = a.Decimal("PART-HOLD-BACK", false);
  p_.can_block_reload = a.Yes("CAN-BLOCK-RELOAD");
  return a.error();
}

std::string MediaParser::PartInf(std::string_view v) {
  TagAttrs a("EXT-X-PART-INF", v);
  p_.part_target = a.Decimal("PART-TARGET", true);
  return a.error();
}

std::string MediaParser::Start(std::string_view v) {
  TagAttrs a("EXT-X-START", v);
  a.Decimal("TIME-OFFSET", true, /*allow_sign=*/true);
  a.Yes("PRECISE");
  return a.error();
}

std::string MediaParser::Map(std::string_view v) {
  TagAttrs a("EXT-X-MAP", v);
  std::optional<std::string> uri = a.Quoted("URI", true);
  std::optional<std::string> range = a.Quoted("BYTERANGE", false);
  if (a.error().empty() && range && !IsByteRange(*range))
    return "BYTERANGE is not <n>[@<o>]: \"" + *range + "\"";
  if (!p_.map_uri)
    p_.map_uri = uri;
  return a.error();
}

std::string MediaParser::Skip(std::string_view v) {
  TagAttrs a("EXT-X-SKIP", v);
  std::optional<uint64_t> n = a.Integer("SKIPPED-SEGMENTS", true);
  a.Quoted("RECENTLY-REMOVED-DATERANGES", false);
  p_.has_skip = true;
  p_.skipped_segments = n.value_or(0);
  return a.error();
}

std::string MediaParser::ProgramDateTime(std::string_view v) {
  if (v.empty())
    return "empty date-time";
  pdt_ = std::string(v);
  return "";
}

std::string MediaParser::Extinf(std::string_view v) {
  if (extinf_)
    return "a second EXTINF before the URI line of the first";
  const size_t comma = v.find(',');
  if (comma == std::string_view::npos)
    return "no ',' after the duration (#EXTINF:<duration>,[<title>])";
  double d = 0;
  if (!ParseDecimal(v.substr(0, comma), &d))
    return "duration is not a decimal number: \"" + std::string(v.substr(0, comma)) + "\"";
  extinf_ = d;
  in_segments_ = true;
  return "";
}

std::string MediaParser::ByteRange(std::string_view v) {
  return IsByteRange(v) ? "" : "not <n>[@<o>]: \"" + std::string(v) + "\"";
}

std::string MediaParser::Bitrate(std::string_view v) {
  uint64_t n = 0;
  return ParseUint(v, &n) ? "" : "not a decimal-integer: \"" + std::string(v) + "\"";
}

std::string MediaParser::Key(std::string_view v) {
  TagAttrs a("EXT-X-KEY", v);
  a.Enum("METHOD", true);
  a.Quoted("URI", false);
  return a.error();
}

std::string MediaParser::DateRange(std::string_view v) {
  TagAttrs a("EXT-X-DATERANGE", v);
  a.Quoted("ID", true);
  return a.error();
}

std::string MediaParser::Part(std::string_view v) {
  TagAttrs a("EXT-X-PART", v);
  LlPart part;
  part.duration = a.Decimal("DURATION", true).value_or(0);
  part.uri = a.Quoted("URI", true).value_or("");
  part.independent = a.Yes("INDEPENDENT");
  part.gap = a.Yes("GAP");
  std::optional<std::string> range = a.Quoted("BYTERANGE", false);
  if (!a.error().empty())
    return a.error();
  if (range && !IsByteRange(*range))
    return "BYTERANGE is not <n>[@<o>]: \"" + *range + "\"";
  parts_.push_back(std::move(part));
  in_segments_ = true;
  return "";
}

std::string MediaParser::PreloadHint(std::string_view v) {
  TagAttrs a("EXT-X-PRELOAD-HINT", v);
  std::optional<std::string> type = a.Enum("TYPE", true);
  std::optional<std::string> uri = a.Quoted("URI", true);
  a.Integer("BYTERANGE-START", false);
  a.Integer("BYTERANGE-LENGTH", false);
  if (!a.error().empty())
    return a.error();
  bool* seen = *type == "PART" ? &part_hint_ : *type == "MAP" ? &map_hint_ : nullptr;
  if (!seen)
    return "";  // a hint type this checker does not know: ignored, like an unknown tag
  if (*seen)
    return "a second hint of TYPE=" + *type;
  *seen = true;
  if (*type == "PART" || !part_hint_) {
    p_.preload_hint_uri = uri;
    p_.preload_hint_type = *type;
  }
  return "";
}

std::string MediaParser::RenditionReport(std::string_view v) {
  TagAttrs a("EXT-X-RENDITION-REPORT", v);
  LlPlaylist::Report r;
  r.uri = a.Quoted("URI", true).value_or("");
  r.last_msn = a.Integer("LAST-MSN", false);
  r.last_part = a.Integer("LAST-PART", false);
  p_.rendition_reports.push_back(std::move(r));
  return a.error();
}

// ---- CheckMediaPlaylist, one rule group per function ----

bool HasParts(const LlPlaylist& p) {
  if (!p.pending_parts.empty())
    return true;
  for (const LlSegment& s : p.segments)
    if (!s.parts.empty())
      return true;
  return false;
}

void CheckHeader(const LlPlaylist& p, std::vector<std::string>* out) {
  if (!p.starts_with_extm3u)
    out->push_back("the first line is not #EXTM3U");
  if (p.target_duration <= 0)
    out->push_back("no EXT-X-TARGETDURATION (or it is 0)");
  if (p.version == 0) {
    out->push_back("no EXT-X-VERSION");
    return;
  }
  // Section 8 of the spec ties each feature to the version that introduced it. It asks for 9 with
  // EXT-X-SKIP; parts came in the same revision, and strait promises 9 for any LL playlist.
  std::vector<std::pair<int, std::string>> needs;
  if (p.has_skip)
    needs.emplace_back(9, "EXT-X-SKIP");
  if (HasParts(p) || p.part_target)
    needs.emplace_back(9, "EXT-X-PART");
  if (p.map_uri)
    needs.emplace_back(6, "EXT-X-MAP");
  for (const LlSegment& s : p.segments) {
    if (std::fabs(s.duration - std::round(s.duration)) > 1e-9) {
      needs.emplace_back(3, "a decimal EXTINF duration");
      break;
    }
  }
  for (const auto& [version, what] : needs)
    if (p.version < version)
      out->push_back("EXT-X-VERSION " + std::to_string(p.version) + " but " + what + " needs " +
                     std::to_string(version) + " or higher");
}

void CheckPartDurations(const LlPlaylist& p,
                        const LlSegment* seg,
                        const std::vector<LlPart>& parts,
                        std::vector<std::string>* out) {
  const std::string where = seg ? Msn(seg->msn) : Msn(p.next_msn()) + " (in progress)";
  for (size_t i = 0; i < parts.size(); ++i) {
    const LlPart& part = parts[i];
    const std::string name = where + " part " + std::to_string(i) + " (" + part.uri + ")";
    if (part.duration > *p.part_target + kMs)
      out->push_back(name + ": DURATION " + Fmt(part.duration) + " > PART-TARGET " +
                     Fmt(*p.part_target));
    // The spec (4.4.4.9): "The duration of each Partial Segment MUST be at least 85% of the Part
    // Target Duration, with the exception of Partial Segments with the INDEPENDENT=YES attribute
    // and the final Partial Segment of any Parent Segment." Encoders round parts to whole frames
    // and audio packets, so this only flags parts under half the target; the last listed part of
    // the segment in progress is not known to be non-final, so only complete segments count.
    const bool final = i + 1 == parts.size();
    if (seg && !final && !part.independent && part.duration < 0.5 * *p.part_target)
      out->push_back(name + ": DURATION " + Fmt(part.duration) +
                     " < half of PART-TARGET for a part that is not the last of its segment");
  }
  if (!seg || parts.empty())
    return;
  double sum = 0;
  for (const LlPart& part : parts)
    sum += part.duration;
  if (std::fabs(sum - seg->duration) > kMs * (parts.size() + 1))
    out->push_back(where + ": parts add up to " + Fmt(sum) + " but EXTINF is " +
                   Fmt(seg->duration));
}

void CheckDurations(const LlPlaylist& p, std::vector<std::string>* out) {
  for (const LlSegment& s : p.segments)
    if (p.target_duration > 0 && std::lround(s.duration) > p.target_duration)
      out->push_back(Msn(s.msn) + ": EXTINF " + Fmt(s.duration) + " rounds above " +
                     "EXT-X-TARGETDURATION " + std::to_string(p.target_duration));
  if (!p.part_target)
    return;
  for (const LlSegment& s : p.segments)
    CheckPartDurations(p, &s, s.parts, out);
  CheckPartDurations(p, nullptr, p.pending_parts, out);
}

void CheckServerControl(const LlPlaylist& p,
                        const CheckOptions& opts,
                        std::vector<std::string>* out) {
  const bool parts = HasParts(p);
  if (opts.require_low_latency && !parts)
    out->push_back("no EXT-X-PART in a Low-Latency playlist");
  if (opts.require_low_latency && !p.can_block_reload)
    out->push_back("no CAN-BLOCK-RELOAD=YES in a Low-Latency playlist");
  if ((parts || opts.require_low_latency) && !p.part_target)
    out->push_back(parts ? "EXT-X-PART without EXT-X-PART-INF"
                         : "no EXT-X-PART-INF in a Low-Latency playlist");
  if (p.part_target && !p.part_hold_back)
    out->push_back("EXT-X-PART-INF without EXT-X-SERVER-CONTROL PART-HOLD-BACK");
  // PART-HOLD-BACK MUST be at least twice the Part Target Duration (three times is recommended).
  if (p.part_target && p.part_hold_back && *p.part_hold_back < 2 * *p.part_target - kMs)
    out->push_back("PART-HOLD-BACK " + Fmt(*p.part_hold_back) + " < 2 x PART-TARGET " +
                   Fmt(*p.part_target));
  // The Skip Boundary MUST be at least six Target Durations.
  if (p.can_skip_until && *p.can_skip_until < 6.0 * p.target_duration - kMs)
    out->push_back("CAN-SKIP-UNTIL " + Fmt(*p.can_skip_until) + " < 6 x TARGETDURATION " +
                   std::to_string(p.target_duration));
  // HOLD-BACK MUST be at least three Target Durations.
  if (p.hold_back && *p.hold_back < 3.0 * p.target_duration - kMs)
    out->push_back("HOLD-BACK " + Fmt(*p.hold_back) + " < 3 x TARGETDURATION " +
                   std::to_string(p.target_duration));
  if (p.has_skip && !p.can_skip_until)
    out->push_back("EXT-X-SKIP without EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL");
}

void CheckPreloadHint(const LlPlaylist& p, std::vector<std::string>* out) {
  if (HasParts(p) && !p.ended && p.preload_hint_type != "PART")
    out->push_back("parts but no EXT-X-PRELOAD-HINT TYPE=PART in a live playlist");
  if (!p.preload_hint_uri)
    return;
  auto listed = [&](const std::string& uri) {
    for (const LlPart& part : p.pending_parts)
      if (part.uri == uri)
        return true;
    for (const LlSegment& s : p.segments) {
      if (s.uri == uri)
        return true;
      for (const LlPart& part : s.parts)
        if (part.uri == uri)
          return true;
    }
    return false;
  };
  if (listed(*p.preload_hint_uri))
    out->push_back("EXT-X-PRELOAD-HINT names \"" + *p.preload_hint_uri +
                   "\", which is already listed");
}

// 4.4.4.9: EXT-X-PART tags SHOULD be removed once more than three Target Durations from the end
// of the Playlist. Servers trim whole segments' worth of parts at once, so this flags only a
// segment whose last part ends more than four Target Durations before the live edge.
void CheckPartAge(const LlPlaylist& p, std::vector<std::string>* out) {
  if (p.target_duration <= 0)
    return;
  double from_end = 0;
  for (const LlPart& part : p.pending_parts)
    from_end += part.duration;
  for (auto s = p.segments.rbegin(); s != p.segments.rend(); from_end += s->duration, ++s)
    if (!s->parts.empty() && from_end > 4.0 * p.target_duration + kMs)
      out->push_back(Msn(s->msn) + " still lists parts " + Fmt(from_end) +
                     " s before the live edge (more than 4 target durations)");
}

void CheckIndependent(const LlPlaylist& p, std::vector<std::string>* out) {
  for (const LlSegment& s : p.segments)
    if (!s.parts.empty() && !s.parts[0].independent)
      out->push_back(Msn(s.msn) + ": first part " + s.parts[0].uri + " is not INDEPENDENT=YES");
  if (!p.pending_parts.empty() && !p.pending_parts[0].independent)
    out->push_back(Msn(p.next_msn()) + " (in progress): first part " + p.pending_parts[0].uri +
                   " is not INDEPENDENT=YES");
}

void CheckDates(const LlPlaylist& p, std::vector<std::string>* out) {
  for (const LlSegment& s : p.segments)
    if (s.program_date_time && !IsIso8601DateTime(*s.program_date_time))
      out->push_back(Msn(s.msn) + ": EXT-X-PROGRAM-DATE-TIME \"" + *s.program_date_time +
                     "\" is not an ISO 8601 date-time");
  if (p.pending_program_date_time && !IsIso8601DateTime(*p.pending_program_date_time))
    out->push_back("EXT-X-PROGRAM-DATE-TIME \"" + *p.pending_program_date_time +
                   "\" is not an ISO 8601 date-time");
}

std::map<std::string, std::string> Flatten(const AttributeList& list) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : list)
    out[name] = value.text;
  return out;
}

// One master playlist tag line: appends to `m`; returns an error or "".
std::string MasterPlaylistTag(std::string_view line, MasterPlaylist* m, bool* awaiting_uri) {
  const size_t colon = line.find(':');
  const std::string_view name = line.substr(1, colon == line.npos ? line.npos : colon - 1);
  static constexpr std::string_view kMediaTags[] = {
      "EXTINF", "EXT-X-TARGETDURATION", "EXT-X-MEDIA-SEQUENCE", "EXT-X-PART", "EXT-X-ENDLIST"};
  for (std::string_view t : kMediaTags)
    if (name == t)
      return std::string(name) + ": media playlist tag in a master playlist";
  const std::string_view value = colon == line.npos ? "" : line.substr(colon + 1);
  if (name == "EXT-X-STREAM-INF" || name == "EXT-X-MEDIA") {
    if (*awaiting_uri)
      return "EXT-X-STREAM-INF with no URI line after it";
    TagAttrs a(name, value);
    AttributeList list;
    ParseAttributeList(value, &list);
    if (name == "EXT-X-MEDIA") {
      a.Enum("TYPE", true);
      a.Quoted("GROUP-ID", true);
      a.Quoted("NAME", true);
      if (a.error().empty())
        m->media.push_back(Flatten(list));
    } else {
      a.Integer("BANDWIDTH", true);
      if (a.error().empty())
        m->variants.push_back({Flatten(list), ""});
      *awaiting_uri = true;
    }
    return a.error();
  }
  if (name == "EXT-X-I-FRAME-STREAM-INF" || name == "EXT-X-SESSION-DATA")
    return TagAttrs(name, value).error();
  return "";
}

}  // namespace

std::string ParseAttributeList(std::string_view text, AttributeList* out) {
  out->clear();
  if (text.empty())
    return "empty attribute list";
  size_t i = 0;
  while (true) {
    const size_t eq = text.find('=', i);
    if (eq == std::string_view::npos)
      return "no '=' in \"" + std::string(text.substr(i)) + "\"";
    std::string name(text.substr(i, eq - i));
    for (char c : name)
      if (!(c >= 'A' && c <= 'Z') && !IsDigit(c) && c != '-')
        return "bad attribute name \"" + name + "\"";
    if (name.empty())
      return "empty attribute name";
    AttributeValue v;
    i = eq + 1;
    if (i < text.size() && text[i] == '"') {
      const size_t close = text.find('"', i + 1);
      if (close == std::string_view::npos)
        return name + ": unterminated quoted-string";
      v.text = std::string(text.substr(i + 1, close - i - 1));
      v.quoted = true;
      i = close + 1;
      if (i < text.size() && text[i] != ',')
        return name + ": characters after the closing quote";
    } else {
      const size_t end = std::min(text.find(',', i), text.size());
      v.text = std::string(text.substr(i, end - i));
      if (v.text.empty())
        return name + ": empty value";
      if (v.text.find_first_of("\" \t") != std::string::npos)
        return name + ": quote or whitespace in an unquoted value \"" + v.text + "\"";
      i = end;
    }
    if (out->count(name))
      return "attribute " + name + " appears twice";
    out->emplace(std::move(name), std::move(v));
    if (i == text.size())
      return "";
    if (++i == text.size())
      return "trailing comma";
  }
}

uint64_t LlPlaylist::next_msn() const {
  return media_sequence + skipped_segments + segments.size();
}

ParseResult ParseMediaPlaylist(std::string_view text) {
  return MediaParser().Run(text);
}

std::vector<std::string> CheckMediaPlaylist(const LlPlaylist& p, const CheckOptions& opts) {
  std::vector<std::string> out;
  CheckHeader(p, &out);
  CheckDurations(p, &out);
  CheckServerControl(p, opts, &out);
  CheckPreloadHint(p, &out);
  CheckPartAge(p, &out);
  if (opts.segments_start_with_keyframes)
    CheckIndependent(p, &out);
  CheckDates(p, &out);
  return out;
}

std::vector<std::string> PlaylistHistory::Add(const LlPlaylist& p) {
  std::vector<std::string> out;
  ++fetches_;
  const std::string at = "fetch " + std::to_string(fetches_) + ": ";
  if (media_sequence_ && p.media_sequence < *media_sequence_)
    out.push_back(at + "EXT-X-MEDIA-SEQUENCE went back from " + std::to_string(*media_sequence_) +
                  " to " + std::to_string(p.media_sequence));
  if (next_msn_ && p.next_msn() < *next_msn_)
    out.push_back(at + "the segment in progress went back from " + Msn(*next_msn_) + " to " +
                  Msn(p.next_msn()));
  else if (next_msn_ && p.next_msn() == *next_msn_ && p.pending_parts.size() < pending_parts_)
    out.push_back(at + Msn(p.next_msn()) + " (in progress) went back from " +
                  std::to_string(pending_parts_) + " listed parts to " +
                  std::to_string(p.pending_parts.size()));
  if (discontinuity_sequence_ && p.discontinuity_sequence < *discontinuity_sequence_)
    out.push_back(at + "EXT-X-DISCONTINUITY-SEQUENCE went back from " +
                  std::to_string(*discontinuity_sequence_) + " to " +
                  std::to_string(p.discontinuity_sequence));
  Record(p, &out);
  ResolveHints(p.next_msn(), &out);
  if (p.preload_hint_type == "PART" && p.preload_hint_uri) {
    Hint h{*p.preload_hint_uri, p.next_msn(), p.pending_parts.size(), fetches_};
    bool known = false;
    for (const Hint& old : hints_)
      known |= old.uri == h.uri && old.msn == h.msn && old.index == h.index;
    if (!known)
      hints_.push_back(std::move(h));
  }
  media_sequence_ = p.media_sequence;
  next_msn_ = p.next_msn();
  discontinuity_sequence_ = p.discontinuity_sequence;
  pending_parts_ = p.pending_parts.size();
  return out;
}

// Remembers every segment and part by position; a position whose URI or duration changes is a
// violation (a client that fetched the old one would splice the wrong media).
void PlaylistHistory::Record(const LlPlaylist& p, std::vector<std::string>* out) {
  const std::string at = "fetch " + std::to_string(fetches_) + ": ";
  auto remember = [&](Seen* seen, bool fresh, const std::string& what, const std::string& uri,
                      double duration) {
    if (!fresh && (seen->uri != uri || std::fabs(seen->duration - duration) > kMs))
      out->push_back(at + what + " was " + seen->uri + " (" + Fmt(seen->duration) + " s), now " +
                     uri + " (" + Fmt(duration) + " s)");
    *seen = Seen{uri, duration};
  };
  auto remember_part = [&](uint64_t msn, size_t i, const LlPart& part) {
    auto [it, fresh] = parts_.try_emplace({msn, i});
    remember(&it->second, fresh, Msn(msn) + " part " + std::to_string(i), part.uri, part.duration);
  };
  for (const LlSegment& s : p.segments) {
    auto [it, fresh] = segments_.try_emplace(s.msn);
    remember(&it->second, fresh, Msn(s.msn), s.uri, s.duration);
    for (size_t i = 0; i < s.parts.size(); ++i)
      remember_part(s.msn, i, s.parts[i]);
    if (s.parts.empty())
      continue;
    auto [count, new_count] = part_counts_.try_emplace(s.msn, s.parts.size());
    if (!new_count && count->second != s.parts.size())
      out->push_back(at + Msn(s.msn) + " had " + std::to_string(count->second) + " parts, now " +
                     std::to_string(s.parts.size()));
    count->second = s.parts.size();
  }
  for (size_t i = 0; i < p.pending_parts.size(); ++i)
    remember_part(p.next_msn(), i, p.pending_parts[i]);
}

// A hint made when MSN m had n parts names part n of m, or part 0 of m + 1 if m ended with n
// parts. Judged once that place is known; dropped once it can no longer be known.
void PlaylistHistory::ResolveHints(uint64_t next_msn, std::vector<std::string>* out) {
  const std::string at = "fetch " + std::to_string(fetches_) + ": ";
  std::vector<Hint> open;
  for (Hint& h : hints_) {
    const std::string what = "the preload hint " + h.uri + " of fetch " + std::to_string(h.fetch);
    auto count = part_counts_.find(h.msn);
    auto part = parts_.find({h.msn, h.index});
    if (count != part_counts_.end() && count->second == h.index)
      part = parts_.find({h.msn + 1, 0});
    if (part != parts_.end()) {
      if (part->second.uri != h.uri)
        out->push_back(at + what + " was followed by " + Msn(part->first.first) + " part " +
                       std::to_string(part->first.second) + " = " + part->second.uri);
      continue;
    }
    if (count != part_counts_.end() && count->second < h.index) {
      out->push_back(at + Msn(h.msn) + " ended with " + std::to_string(count->second) +
                     " parts after " + std::to_string(h.index) + " were listed");
      continue;
    }
    if (next_msn <= h.msn + 1)
      open.push_back(std::move(h));
  }
  hints_ = std::move(open);
}

MasterPlaylist ParseMasterPlaylist(std::string_view text) {
  MasterPlaylist m;
  const std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty() || lines[0] != "#EXTM3U") {
    m.error = "line 1: not #EXTM3U";
    return m;
  }
  bool awaiting_uri = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    std::string e;
    if (line.empty() || (line[0] == '#' && line.substr(0, 4) != "#EXT"))
      continue;
    if (line[0] == '#') {
      e = MasterPlaylistTag(line, &m, &awaiting_uri);
    } else if (!awaiting_uri) {
      e = "URI line \"" + std::string(line) + "\" with no EXT-X-STREAM-INF before it";
    } else {
      m.variants.back().uri = std::string(line);
      awaiting_uri = false;
    }
    if (!e.empty()) {
      m.error = "line " + std::to_string(i + 1) + ": " + e;
      return m;
    }
  }
  if (awaiting_uri)
    m.error = "EXT-X-STREAM-INF at the end with no URI line";
  return m;
}

}  // namespace strait::test
