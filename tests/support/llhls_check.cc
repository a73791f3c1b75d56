// CheckMediaPlaylist (llhls_check.h): the RFC 8216bis rules one media playlist can show, one rule
// group per function. Parsing lives in llhls_parse.cc, rules across fetches in llhls_history.cc.
#include "tests/support/llhls_check.h"

#include <charconv>
#include <cmath>

#include "tests/support/llhls_internal.h"

namespace strait::test {

namespace {

using llhls_internal::AllDigits;
using llhls_internal::Fmt;
using llhls_internal::IsDigit;
using llhls_internal::kMs;
using llhls_internal::Msn;

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

}  // namespace

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

}  // namespace strait::test
