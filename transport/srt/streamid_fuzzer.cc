// Fuzzes ParseStreamId and checks the promises streamid.h makes about every accepted streamid.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/srt/streamid.h"

using namespace strait::transport::srt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 2 * kMaxStreamIdBytes)
    return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  StreamIdProblem problem = StreamIdProblem::kNone;
  auto id = ParseStreamId(in, &problem);
  if (!id.ok()) {
    if (problem == StreamIdProblem::kNone || id.error().message().empty())
      std::abort();
    return 0;
  }
  if (problem != StreamIdProblem::kNone || size > kMaxStreamIdBytes || id->key.empty())
    std::abort();
  for (char c : id->key) {
    if (!IsKeyChar(c))
      std::abort();
  }
  for (char c : id->app) {
    if (!IsKeyChar(c) && c != '/')
      std::abort();
  }
  const std::string expected = id->app.empty() ? id->key : id->app + "/" + id->key;
  if (id->resource != expected || id->key == "." || id->key == "..")
    std::abort();
  if (!id->app.empty() &&
      (id->app.front() == '/' || id->app.back() == '/' || id->app.find("//") != std::string::npos))
    std::abort();
  return 0;
}
