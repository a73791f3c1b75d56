// WallAnchor: one publish's mapping from media time (90 kHz) to wall-clock time, the source of
// EXT-X-PROGRAM-DATE-TIME, of CMAF `prft` boxes and of the dates of EXT-X-DATERANGE. The
// packagers of all the renditions of one publish share one, so the same media time has the same
// date in every media playlist of the stream: players line renditions up by program date time
// when they switch level or join the audio rendition (hls.js), and a card's date range has the
// same START-DATE and END-DATE in each playlist (RFC 8216bis 4.4.5.1). With one anchor per
// packager, an encoded rung (its first packet a transcode latency after the source's) dated the
// same picture ~0.1 s later than the passthrough and the audio.
//
// The first sample observed sets it: its media time maps to its arrival. Encoders often send the
// first packet late and the queued ones in a burst, so until the first date is published (Date())
// the mapping moves back (by at most `max_back` behind that first arrival) whenever a sample would
// map later than it arrived; from then on it stays, so that no rendition dates the start of the
// stream differently from another that published first. Thread-safe: the packagers of one publish
// run on different threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace strait::transport::hls {

class WallAnchor {
 public:
  using time_point = std::chrono::system_clock::time_point;
  explicit WallAnchor(std::chrono::milliseconds max_back = std::chrono::milliseconds(500))
      : max_back_(max_back) {}
  WallAnchor(const WallAnchor&) = delete;
  WallAnchor& operator=(const WallAnchor&) = delete;

  // A sample at `media_90k` arrived at `arrival`.
  void Observe(int64_t media_90k, time_point arrival);
  // The date of `media_90k` for a playlist, part or prft: the mapping stays as it is from now on.
  time_point Date(int64_t media_90k);
  // Forgets the mapping (a new publish on the same packager); the next Observe sets it again.
  void Reset();
  bool anchored() const;
  // The wall time of `media_90k` now (the epoch before the first Observe), not fixing it.
  time_point WallTime(int64_t media_90k) const;

 private:
  time_point WallTimeLocked(int64_t media_90k) const;

  const std::chrono::milliseconds max_back_;
  mutable std::mutex mu_;
  bool anchored_ = false;
  bool settled_ = false;
  time_point wall_origin_;
  time_point first_arrival_;
  int64_t media_origin_ = 0;
};

}  // namespace strait::transport::hls
