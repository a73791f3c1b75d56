// The `strait` binary as a user runs it: check-config verdicts, and `serve` on the built-in
// defaults printing the OBS settings, serving /healthz, and exiting cleanly on SIGTERM.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <regex>
#include <thread>

#include "tests/support/subprocess.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::BackgroundProcess;
using test::RunCommand;
using test::TempDir;

TEST(CliTest, VersionAndAMisspeltCommand) {
  auto v = RunCommand(test::StraitBinary() + " --version");
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_TRUE(std::regex_search(v.output, std::regex("^strait [0-9]+\\.[0-9]+\\.[0-9]+\n")))
      << v.output;
  auto typo = RunCommand(test::StraitBinary() + " serev");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.output.find("unknown command 'serev'"), std::string::npos) << typo.output;
}

TEST(CliTest, CheckConfigAcceptsTheExampleAndRejectsBadFilesWithLine) {
  auto good = RunCommand(test::StraitBinary() + " check-config " + std::string(STRAIT_SOURCE_DIR) +
                         "/configs/strait.yaml");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("OK"), std::string::npos) << good.output;

  TempDir dir;
  {
    std::ofstream out(dir.File("bad.yaml"));
    out << "server:\n  http_listen: 0.0.0.0:8080\nstreams:\n  - name: shop1\n    kee: x\n";
  }
  auto bad = RunCommand(test::StraitBinary() + " check-config " + dir.File("bad.yaml"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("bad.yaml:5:5: unknown key 'kee' in a stream"), std::string::npos)
      << bad.output;
}

TEST(CliTest, ServeOnDefaultsPrintsObsSettingsAndStopsOnSigterm) {
  TempDir dir;
  BackgroundProcess server(
      "exec " + test::StraitBinary() + " serve --data-dir " + dir.path() +
          " --rtmp-listen 127.0.0.1:0 --srt-listen 127.0.0.1:0 --http-listen 127.0.0.1:0",
      dir.File("serve.log"));
  std::smatch m;
  std::string log;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    log = server.Log();
    if (log.find("Metrics") != std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(Server +rtmp://127\.0\.0\.1:(\d+)/live)")))
      << log;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(Stream Key +(sk_[a-z0-9]+))"))) << log;
  const std::string key = m[1];
  EXPECT_EQ(test::ReadFile(dir.File("demo.key")), key + "\n");
  ASSERT_TRUE(std::regex_search(
      log, m, std::regex(R"(Playback +http://127\.0\.0\.1:(\d+)/live/demo/master\.m3u8)")))
      << log;
  const std::string http = "http://127.0.0.1:" + std::string(m[1]);
  EXPECT_EQ(test::HttpFetch(http + "/healthz").body, "ok\n");
  EXPECT_EQ(test::HttpFetch(http + "/live/demo/master.m3u8").status, 404);  // not live yet

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(10s), 0) << server.Log();
  // The key is printed in the banner (OBS settings) and never in a log line.
  for (const std::string& line : test::Lines(server.Log())) {
    if (line.find(key) == std::string::npos)
      continue;
    EXPECT_TRUE(line.find("Stream Key") != std::string::npos ||
                line.find("srt://") != std::string::npos)
        << "key in a log line: " << line;
  }
}

// `make run`'s command: the banner names the demo, OBS gets `studio`, the demo plays at once,
// and SIGTERM stops the synthetic publisher cleanly.
TEST(CliTest, ServeDemoPublishesDemoAndOffersStudioToObs) {
  TempDir dir;
  BackgroundProcess server(
      "exec " + test::StraitBinary() + " serve --demo --data-dir " + dir.path() +
          " --rtmp-listen 127.0.0.1:0 --srt-listen 127.0.0.1:0 --http-listen 127.0.0.1:0",
      dir.File("serve.log"));
  std::string log;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    log = server.Log();
    if (log.find("Metrics") != std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  std::smatch m;
  EXPECT_NE(log.find("Demo          a test pattern"), std::string::npos) << log;
  ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(Stream Key +(sk_[a-z0-9]+) .*studio\.key)")))
      << log;
  EXPECT_EQ(test::ReadFile(dir.File("studio.key")), std::string(m[1]) + "\n");
  ASSERT_TRUE(std::regex_search(
      log, m, std::regex(R"(Playback +http://127\.0\.0\.1:(\d+)/live/demo/master\.m3u8)")))
      << log;
  EXPECT_NE(log.find("/live/studio/master.m3u8"), std::string::npos) << log;
  const std::string master = "http://127.0.0.1:" + std::string(m[1]) + "/live/demo/master.m3u8";
  int status = 0;
  for (int i = 0; i < 60 && status != 200; ++i) {
    status = test::HttpFetch(master).status;
    if (status != 200)
      std::this_thread::sleep_for(250ms);
  }
  EXPECT_EQ(status, 200) << "the demo stream is live without any publisher";

  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(15s), 0) << server.Log();
  EXPECT_NE(server.Log().find("demo: stopped"), std::string::npos) << server.Log();
}

}  // namespace
}  // namespace strait
