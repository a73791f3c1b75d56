// JSON string escaping (RFC 8259 7) for the text strait writes itself: JSON log lines and the
// JSON inside timed-metadata ID3 tags. Quotes, backslashes and control characters are escaped;
// everything else (UTF-8 included) is copied as is.
#pragma once

#include <string>
#include <string_view>

namespace strait {

// The body of a JSON string literal for `text` (no surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace strait
