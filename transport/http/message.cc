#include "transport/http/message.h"

#include "transport/http/path.h"

#include <cctype>

namespace strait::transport::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// Form-style decoding for query components: '+' is a space, "%XX" a byte; a malformed escape
// is kept literally (a query is advisory, unlike the path, which path.h validates strictly).
std::string DecodeQueryComponent(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && HexDigitValue(in[i + 1]) >= 0 &&
               HexDigitValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigitValue(in[i + 1]) * 16 + HexDigitValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Finds the first parameter whose decoded name is `name`; calls `found` with its raw value.
template <typename F>
bool FindParam(std::string_view query, std::string_view name, F&& found) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty())
      continue;
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    if (DecodeQueryComponent(key) != name)
      continue;
    found(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    return true;
  }
  return false;
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name))
      return value;
  }
  return {};
}

std::string Request::QueryParam(std::string_view name) const {
  std::string out;
  FindParam(query, name, [&](std::string_view raw) { out = DecodeQueryComponent(raw); });
  return out;
}

bool Request::HasQueryParam(std::string_view name) const {
  return FindParam(query, name, [](std::string_view) {});
}

Response Response::Text(int status, std::string_view text, std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::make_shared<const std::vector<uint8_t>>(text.begin(), text.end());
  return r;
}

Response Response::Bytes(int status,
                         std::shared_ptr<const std::vector<uint8_t>> bytes,
                         std::string content_type) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(bytes);
  return r;
}

}  // namespace strait::transport::http
