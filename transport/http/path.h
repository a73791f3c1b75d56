// Request-target normalization for the HTTP origin: turns the raw origin-form target of a request
// line ("/live/shop1/../x?y=1") into a percent-decoded, canonical path and its raw query, or
// rejects it. Everything the server hands to a Handler has passed through here, so handlers may
// map `path` onto stores and files without re-checking for traversal.
// Pure functions on values: no threads, no allocation beyond the returned strings.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codecs/result.h"

namespace strait::transport::http {

// Longest accepted path, before and after decoding.
inline constexpr size_t kMaxPathBytes = 2048;

struct Target {
  std::string path;   // decoded, starts with '/', no "//", "." or ".." segments
  std::string query;  // raw text after the first '?', without it; may be empty
};

// Accepts only origin-form ("/path?query"). Rejects: empty or non-'/' targets (absolute-form
// "http://h/p", authority-form "h:443", asterisk "*"), a fragment, invalid percent escapes,
// NUL or other control bytes, backslashes, ".." segments in any encoding, and paths longer than
// kMaxPathBytes. Collapses repeated slashes and "." segments; keeps a trailing slash.
Result<Target> NormalizeTarget(std::string_view target);

// 0-15 for a hex digit, -1 otherwise.
int HexDigitValue(char c);

// Strict percent-decoding: every '%' must start a two-hex-digit escape. No '+' handling.
Result<std::string> PercentDecode(std::string_view in);

}  // namespace strait::transport::http
