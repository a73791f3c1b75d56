// Test support, private to llhls_parse.cc, llhls_check.cc and llhls_history.cc: the number
// formatting and character helpers the playlist parser, the one-playlist checks and the history
// share. Pure functions; not part of the llhls_check.h API.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace strait::test::llhls_internal {

// Rounding slack: playlists print durations to the millisecond (plus room for float noise).
inline constexpr double kMs = 0.001 + 1e-9;

inline std::string Fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

inline std::string Msn(uint64_t msn) {
  return "msn " + std::to_string(msn);
}

inline bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

inline bool AllDigits(std::string_view s) {
  for (char c : s)
    if (!IsDigit(c))
      return false;
  return !s.empty();
}

}  // namespace strait::test::llhls_internal
