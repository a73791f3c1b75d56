// Timebase and MediaTime: strong types for timestamps so that a tick count never travels without
// the clock it counts in. Plain values, usable from any thread.
#pragma once

#include <cstdint>
#include <limits>

namespace strait {

struct Timebase {
  int32_t num = 1;
  int32_t den = 1000;

  friend bool operator==(const Timebase&, const Timebase&) = default;
};

inline constexpr Timebase kMillis{1, 1000};
inline constexpr Timebase kMpegTs{1, 90000};
inline constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// value * from / to, rounded to nearest, without intermediate overflow for media-sized values.
int64_t Rescale(int64_t value, Timebase from, Timebase to);

struct MediaTime {
  int64_t value = kNoTimestamp;
  Timebase timebase = kMillis;

  bool valid() const { return value != kNoTimestamp; }
  double seconds() const {
    return static_cast<double>(value) * timebase.num / static_cast<double>(timebase.den);
  }
  MediaTime In(Timebase to) const {
    return valid() ? MediaTime{Rescale(value, timebase, to), to} : MediaTime{kNoTimestamp, to};
  }
};

}  // namespace strait
