#include "pipeline/resume_timeline.h"

#include <algorithm>

namespace strait::pipeline {

namespace {

int64_t Raw90k(const Packet& p) {
  return p.dts() == kNoTimestamp ? kNoTimestamp : Rescale(p.dts(), p.timebase(), kMpegTs);
}

}  // namespace

Packet ResumeTimeline::Moved(const Packet& p, int64_t offset_90k) {
  if (offset_90k == 0 || p.dts() == kNoTimestamp)
    return p;
  const int64_t off = Rescale(offset_90k, kMpegTs, p.timebase());
  return p.WithTimestamps(p.pts() == kNoTimestamp ? p.pts() : p.pts() + off, p.dts() + off);
}

std::vector<Packet> ResumeTimeline::Admit(const Packet& p) {
  const int64_t raw = Raw90k(p);
  if (!end_) {
    if (raw != kNoTimestamp)
      max_raw_90k_ = std::max(max_raw_90k_, raw);  // kNoTimestamp is the lowest value
    return {Moved(p, offset_90k_)};
  }
  // A jump from the latest time so far, the held packets' too: a late delivery with no hole moves
  // on steadily (compared with the time before the stall alone, 0.25 s of it read as a jump, and
  // the packets before it were moved behind the filler and lost).
  const int64_t latest = std::max(max_raw_90k_, held_max_90k_);
  const bool jumped = raw != kNoTimestamp && (latest == kNoTimestamp || raw > latest + kJump);
  held_.push_back(p);
  held_max_90k_ = std::max(held_max_90k_, raw);
  if (!jumped && held_.size() < kHold)
    return {};
  return Decide(jumped);
}

std::vector<Packet> ResumeTimeline::Decide(bool jumped) {
  if (!end_)
    return {};
  const Packet* from = jumped && !held_.empty() ? &held_.back() : nullptr;
  for (auto it = held_.begin(); !from && it != held_.end(); ++it) {
    if (it->dts() != kNoTimestamp)
      from = &*it;
  }
  const int64_t old_offset = offset_90k_;
  if (from)
    offset_90k_ = *end_ - Raw90k(*from);
  std::vector<Packet> out;
  for (const Packet& h : held_) {
    const int64_t raw = Raw90k(h);
    const bool straggler = jumped && raw != kNoTimestamp && raw <= max_raw_90k_;
    out.push_back(Moved(h, straggler ? old_offset : offset_90k_));
    if (raw != kNoTimestamp && !straggler)
      max_raw_90k_ = std::max(max_raw_90k_, raw);
  }
  held_.clear();
  held_max_90k_ = kNoTimestamp;
  end_.reset();
  return out;
}

}  // namespace strait::pipeline
