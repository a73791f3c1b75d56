#include "pipeline/console.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

namespace strait::pipeline {
namespace {

namespace http = transport::http;

struct ConsoleFile {
  const char* name;
  const char* content_type;
  const char* cache_control;
};

constexpr ConsoleFile kPage{"index.html", "text/html; charset=utf-8", "no-cache"};
constexpr ConsoleFile kHlsJs{"hls.min.js", "text/javascript; charset=utf-8", "max-age=3600"};

const ConsoleFile* Lookup(const std::string& path) {
  if (path == "/console" || path == "/console/" || path == "/console/index.html")
    return &kPage;
  if (path == "/console/hls.min.js")
    return &kHlsJs;
  return nullptr;
}

}  // namespace

std::filesystem::path DefaultConsoleDir() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : exe.parent_path() / "console";
}

http::Handler MakeConsoleHandler(std::filesystem::path dir) {
  return [dir = std::move(dir)](const http::Request& req, http::Reply reply) {
    if (req.method != "GET" && req.method != "HEAD") {
      auto r = http::Response::Text(405, "method not allowed\n");
      r.headers.emplace_back("Allow", "GET, HEAD");
      reply(std::move(r));
      return;
    }
    const ConsoleFile* file = Lookup(req.path);
    if (!file) {
      reply(http::Response::Text(404, "not found\n"));
      return;
    }
    std::ifstream in(dir / file->name, std::ios::binary);
    if (!in) {
      auto r = http::Response::Text(404, std::string("console: ") + file->name + " is missing in " +
                                              dir.string() +
                                              " (run scripts/install-deps.sh, then rebuild)\n");
      r.cache_control = "no-store";
      reply(std::move(r));
      return;
    }
    auto bytes = std::make_shared<std::vector<uint8_t>>(std::istreambuf_iterator<char>(in),
                                                        std::istreambuf_iterator<char>());
    auto r = http::Response::Bytes(200, std::move(bytes), file->content_type);
    r.cache_control = file->cache_control;
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    reply(std::move(r));
  };
}

}  // namespace strait::pipeline
