// Parsing half of llhls_check.h: RFC 8216 attribute lists, media playlists (a table of tag specs
// with one handler per tag) and master playlists. Syntax errors stop the parse; semantic rules are
// left to CheckMediaPlaylist (llhls_check.cc).
#include <algorithm>
#include <charconv>
#include <set>

#include "tests/support/llhls_check.h"
#include "tests/support/llhls_internal.h"

namespace strait::test {

namespace {

using llhls_internal::AllDigits;
using llhls_internal::IsDigit;

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
