#include "transport/http/path.h"

namespace strait::transport::http {
namespace {

bool IsControl(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

// Checks the decoded bytes once: this is where "%00", "%5c" and "%0d%0a" are caught.
Status CheckDecoded(std::string_view path) {
  for (char c : path) {
    if (c == '\0')
      return Error("NUL byte in path");
    if (c == '\\')
      return Error("backslash in path");
    if (IsControl(c))
      return Error("control byte in path");
  }
  return OkStatus();
}

// Rebuilds the path from its segments; ".." is refused rather than resolved, since no legitimate
// client of an origin sends it and resolving it is where traversal bugs live.
Result<std::string> Canonicalize(std::string_view decoded) {
  std::string out;
  out.reserve(decoded.size());
  bool trailing_slash = false;
  size_t pos = 1;  // decoded[0] == '/'
  while (pos <= decoded.size()) {
    size_t end = decoded.find('/', pos);
    if (end == std::string_view::npos)
      end = decoded.size();
    const std::string_view segment = decoded.substr(pos, end - pos);
    pos = end + 1;
    if (segment == "..")
      return Error("'..' segment in path");
    if (segment.empty() || segment == ".") {
      trailing_slash = true;
      continue;
    }
    out.push_back('/');
    out.append(segment);
    trailing_slash = false;
  }
  if (out.empty() || trailing_slash)
    out.push_back('/');
  return out;
}

}  // namespace

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}


Result<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size())
      return Error("truncated percent escape");
    const int hi = HexDigitValue(in[i + 1]);
    const int lo = HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0)
      return Error("invalid percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

Result<Target> NormalizeTarget(std::string_view target) {
  if (target.empty())
    return Error("empty request target");
  if (target.front() != '/')
    return Error("request target is not origin-form");
  if (target.find('#') != std::string_view::npos)
    return Error("fragment in request target");
  const size_t question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  if (raw_path.size() > kMaxPathBytes)
    return Error("path longer than " + std::to_string(kMaxPathBytes) + " bytes");
  Target out;
  if (question != std::string_view::npos)
    out.query = std::string(target.substr(question + 1));
  for (char c : out.query) {
    if (IsControl(c))
      return Error("control byte in query");
  }
  Result<std::string> decoded = PercentDecode(raw_path);
  if (!decoded.ok())
    return decoded.error().Context("path");
  if (Status s = CheckDecoded(*decoded); !s.ok())
    return s.error();
  Result<std::string> path = Canonicalize(*decoded);
  if (!path.ok())
    return path.error();
  out.path = std::move(path.value());
  return out;
}

}  // namespace strait::transport::http
