// Fuzzes NormalizeTarget and checks the promises path.h makes about every accepted target.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http/path.h"

using namespace strait::transport::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 3 * kMaxPathBytes)
    return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto target = NormalizeTarget(in);
  if (!target.ok())
    return 0;
  const std::string& p = target->path;
  if (p.empty() || p.front() != '/' || p.size() > kMaxPathBytes)
    std::abort();
  if (p.find("//") != std::string::npos || p.find('\\') != std::string::npos ||
      p.find('\0') != std::string::npos)
    std::abort();
  // No "." or ".." segment survives.
  size_t pos = 1;
  while (pos <= p.size()) {
    size_t end = p.find('/', pos);
    if (end == std::string::npos)
      end = p.size();
    const std::string_view seg = std::string_view(p).substr(pos, end - pos);
    if (seg == "." || seg == "..")
      std::abort();
    pos = end + 1;
  }
  if (in.find('?') == std::string_view::npos && !target->query.empty())
    std::abort();
  return 0;
}
