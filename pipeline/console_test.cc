// The console's static file handler: the page and hls.js with their types and caching, 404 for
// anything else (traversal included), 405 for other methods, a helpful 404 when not installed.
#include "pipeline/console.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

namespace strait::pipeline {
namespace {

namespace http = transport::http;

class ConsoleHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("strait-console-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "sub");
    Write(dir_ / "index.html", "<!doctype html><title>console</title>");
    Write(dir_ / "hls.min.js", "var Hls=1;");
    Write(dir_ / "secret.txt", "no");
    Write(dir_ / "sub" / "index.html", "no");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void Write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  }

  http::Response Get(const std::string& path, const std::string& method = "GET") {
    http::Request req;
    req.method = method;
    req.path = path;
    req.target = path;
    std::optional<http::Response> out;
    MakeConsoleHandler(dir_)(req, [&](http::Response r) { out = std::move(r); });
    EXPECT_TRUE(out.has_value()) << path;
    return out.value_or(http::Response{});
  }
  static std::string Body(const http::Response& r) {
    return r.body ? std::string(r.body->begin(), r.body->end()) : "";
  }

  std::filesystem::path dir_;
};

TEST_F(ConsoleHandlerTest, ServesThePageAtItsThreeNames) {
  for (const char* path : {"/console", "/console/", "/console/index.html"}) {
    const http::Response r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.cache_control, "no-cache");
    EXPECT_EQ(Body(r), "<!doctype html><title>console</title>");
  }
  EXPECT_EQ(Get("/console/", "HEAD").status, 200);  // the server strips HEAD bodies
}

TEST_F(ConsoleHandlerTest, ServesHlsJs) {
  const http::Response r = Get("/console/hls.min.js");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r.cache_control, "max-age=3600");
  EXPECT_EQ(Body(r), "var Hls=1;");
}

TEST_F(ConsoleHandlerTest, NothingElse) {
  for (const char* path : {"/console/secret.txt", "/console/sub/index.html", "/console/../secret.txt",
                           "/console/%2e%2e/secret.txt", "/console/index.html/", "/consolex",
                           "/console/hls.min.js.map"}) {
    EXPECT_EQ(Get(path).status, 404) << path;
  }
  const http::Response post = Get("/console/", "POST");
  EXPECT_EQ(post.status, 405);
}

TEST_F(ConsoleHandlerTest, MissingFilesSayWhatToRun) {
  std::filesystem::remove(dir_ / "hls.min.js");
  const http::Response r = Get("/console/hls.min.js");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(Body(r).find("scripts/install-deps.sh"), std::string::npos) << Body(r);
}

TEST(ConsoleDirTest, DefaultIsBesideTheExecutable) {
  const std::filesystem::path dir = DefaultConsoleDir();
  EXPECT_EQ(dir.filename(), "console");
  EXPECT_TRUE(std::filesystem::exists(dir.parent_path()));
}

}  // namespace
}  // namespace strait::pipeline
