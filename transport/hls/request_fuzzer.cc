// Fuzzes the HLS delivery handler: arbitrary request targets (normalized like the server does),
// LL-HLS delivery directives and Range / If-None-Match / Accept-Encoding headers against a CMAF
// stream and a TS stream whose publishes ended (so no request is held). Checks that every request
// gets one answer with a sane status, and that a 206 is a slice of its object.
// Input: "TARGET\nRANGE\nIF-NONE-MATCH\nACCEPT-ENCODING" (missing lines are empty).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "transport/hls/catalog.h"
#include "transport/hls/http_handler.h"
#include "transport/hls/packager.h"
#include "transport/hls/test_media.h"
#include "transport/http/path.h"

using namespace strait;
using namespace strait::transport;

namespace {

struct Fixture {
  Fixture() : catalog(hls::RenditionOptions{}, hls::HlsVariants::kBoth) {
    auto stream = catalog.Add("s");
    hls::Packager p(stream->AddOutputs("src"), clock);
    (void)p.AddTrack(hls::testing::VideoTrack());
    (void)p.AddTrack(hls::testing::AudioTrack());
    for (const Packet& packet : hls::testing::MakeLive(0, 6500))
      (void)p.Write(packet);
    (void)p.Finish(/*end_now=*/true);
  }
  FakeClock clock;
  hls::Catalog catalog;
};

std::string_view Line(std::string_view& in) {
  const size_t nl = in.find('\n');
  const std::string_view line = in.substr(0, nl);
  in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* fixture = new Fixture();  // built once, never destroyed (libFuzzer style)
  if (size > 4096)
    return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string_view target = Line(in), range = Line(in), inm = Line(in), accept = Line(in);
  auto normalized = http::NormalizeTarget(target);
  if (!normalized.ok())
    return 0;
  http::Request request;
  request.method = "GET";
  request.target = std::string(target);
  request.path = normalized->path;
  request.query = normalized->query;
  request.headers = {{"Range", std::string(range)},
                     {"If-None-Match", std::string(inm)},
                     {"Accept-Encoding", std::string(accept)}};
  int answers = 0;
  http::Response response;
  hls::ServeHls(fixture->catalog, request, [&](http::Response r) {
    ++answers;
    response = std::move(r);
  });
  if (answers != 1)
    std::abort();  // every request on an ended stream is answered at once, exactly once
  switch (response.status) {
    case 200:
    case 206:
    case 304:
    case 400:
    case 404:
    case 405:
    case 416:
      break;
    default:
      std::abort();
  }
  if (response.status == 206) {
    if (!response.body || response.body->empty())
      std::abort();
  }
  if ((response.status == 304 || response.status == 416) && response.body)
    std::abort();
  return 0;
}
