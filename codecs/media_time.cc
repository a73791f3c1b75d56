#include "codecs/media_time.h"

namespace strait {

int64_t Rescale(int64_t value, Timebase from, Timebase to) {
  if (value == kNoTimestamp) return kNoTimestamp;
  // 128-bit intermediate: media timestamps times 90 kHz-ish factors fit comfortably.
  const __int128 num = static_cast<__int128>(value) * from.num * to.den;
  const __int128 den = static_cast<__int128>(from.den) * to.num;
  const __int128 half = den / 2;
  const __int128 q = num >= 0 ? (num + half) / den : (num - half) / den;
  return static_cast<int64_t>(q);
}

}  // namespace strait
