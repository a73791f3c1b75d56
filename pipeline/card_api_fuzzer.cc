// Fuzzes the card control API (CardService::Handle): arbitrary methods, resource paths and bodies
// (card JSON, merge patches, image bytes) against one service with a stream and its saved state.
// Checks that every request is answered exactly once, with a status the API documents, and that
// every error body is JSON naming a status. Cards and images it creates persist across inputs
// (bounded by the API's own limits), so later inputs meet a populated stream.
// Input: "METHOD\nPATH-AFTER-/api/v1/\nBODY..." (missing lines are empty).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "codecs/clock.h"
#include "pipeline/card_api.h"

using namespace strait;

namespace {

constexpr char kToken[] = "fuzz-token-0123456789";

struct Fixture {
  Fixture() {
    dir = std::filesystem::temp_directory_path() /
          ("strait_card_api_fuzz_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    pipeline::CardServiceOptions o;
    o.data_dir = dir.string();
    o.token = kToken;
    auto created = pipeline::CardService::Create(o, {"shop"}, clock, nullptr, nullptr);
    if (!created.ok())
      std::abort();
    service = std::move(created.value());
  }
  ~Fixture() {
    service.reset();
    std::filesystem::remove_all(dir);
  }
  FakeClock clock;
  std::filesystem::path dir;
  std::unique_ptr<pipeline::CardService> service;
};

std::string_view Line(std::string_view& in) {
  const size_t nl = in.find('\n');
  const std::string_view line = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture fixture;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  transport::http::Request req;
  req.method = std::string(Line(in));
  req.path = "/api/v1/" + std::string(Line(in));
  req.target = req.path;
  req.body = std::string(in);
  req.headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
  if (req.body.rfind("\x89PNG", 0) != 0)
    req.headers.emplace_back("Content-Type", "application/json");
  int answers = 0;
  fixture.service->Handle(req, [&](transport::http::Response r) {
    ++answers;
    static const std::set<int> kStatuses = {200, 201, 204, 400, 401, 404,
                                            405, 409, 412, 413, 415, 422};
    if (!kStatuses.count(r.status))
      std::abort();
    if (r.status >= 400) {
      const auto body = nlohmann::json::parse(r.body->begin(), r.body->end(), nullptr, false);
      if (body.is_discarded() || body["error"]["status"] != r.status)
        std::abort();
    }
  });
  fixture.clock.Advance(std::chrono::milliseconds(40));
  if (answers != 1)
    std::abort();
  return 0;
}
