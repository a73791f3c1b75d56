// ResumeTimeline: where a publish's packets go on after an input loss (Transcoder). The filler ran
// while the publisher, still connected, sent nothing; when a packet comes it stops, and the media
// continues where it stopped: every packet moves by one offset (90 kHz), kept until the next loss.
//
// Which packet the offset is taken from is decided over the first few: a publisher's muxer holds
// its last packet before a hole until the other track's next one (to interleave), so that
// straggler comes after the stall with a time from before the hole. The first packet more than
// kJump after everything before the stall starts the new media; the stragglers keep the old
// offset (their pictures and audio land behind the filler's and are dropped downstream). With no
// such jump among the first kHold packets (a stalled connection that delivers everything late)
// the first one continues where the filler stopped.
//
// Threads: none; the graph's decode thread owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "codecs/media_time.h"
#include "codecs/packet.h"

namespace strait::pipeline {

class ResumeTimeline {
 public:
  static constexpr int64_t kJump = 22500;  // 0.25 s at 90 kHz
  static constexpr size_t kHold = 12;

  // The filler stopped at `end_90k` for the packet about to be admitted.
  void Resume(int64_t end_90k) { end_ = end_90k; }
  // The packets to process for one that came in: none (held while deciding), it, or the ones
  // held with it, each moved onto the output timeline.
  std::vector<Packet> Admit(const Packet& p);
  // Decides now with what is held (no more packets will come soon: the publisher left, the
  // graph ends) and returns it.
  std::vector<Packet> Release() { return Decide(false); }
  // A new publish is moved onto the timeline by its session: no offset here any more.
  void Reset() { *this = ResumeTimeline(); }

 private:
  // `jumped`: the last packet held starts the new media; else the first one does.
  std::vector<Packet> Decide(bool jumped);
  static Packet Moved(const Packet& p, int64_t offset_90k);

  std::optional<int64_t> end_;          // set: deciding the offset
  int64_t offset_90k_ = 0;              // added to every packet since the last input loss
  int64_t max_raw_90k_ = kNoTimestamp;  // the latest decode time received (before the offset)
  std::vector<Packet> held_;            // while deciding
  int64_t held_max_90k_ = kNoTimestamp;  // the latest decode time held
};

}  // namespace strait::pipeline
