// PlaylistHistory (llhls_check.h): the rules that span successive fetches of one rendition's
// playlist — sequence numbers never go back, the target duration and a position's URI and
// duration never change, and a preload hint names the part that later appears in its place.
#include <cmath>

#include "tests/support/llhls_check.h"
#include "tests/support/llhls_internal.h"

namespace strait::test {

namespace {

using llhls_internal::Fmt;
using llhls_internal::kMs;
using llhls_internal::Msn;

}  // namespace

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
  // RFC 8216bis 6.2.1: "The value of the EXT-X-TARGETDURATION tag in the Media Playlist MUST NOT
  // change."
  if (target_duration_ && p.target_duration != *target_duration_)
    out.push_back(at + "EXT-X-TARGETDURATION changed from " + std::to_string(*target_duration_) +
                  " to " + std::to_string(p.target_duration));
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
  target_duration_ = p.target_duration;
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

}  // namespace strait::test
