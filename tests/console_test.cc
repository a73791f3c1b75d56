// The operator console end to end: the App with the demo publisher and an API token on loopback
// ports; the page and hls.js come from strait itself; headless Chromium (tests/browser/
// console.mjs) watches the preview play, pins a card through the form, changes its stock and sees
// an API error; the card is then read back through GET /api/v1/streams/demo/cards.
// The screenshot is kept in ${build}/test-artifacts/console.png (the path is printed).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "pipeline/app.h"
#include "tests/support/live_fixture.h"
#include "tests/support/subprocess.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::HttpFetch;
using test::RunCommand;

constexpr char kToken[] = "tok_console_test_5b7e21";

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline::Config config = test::LoopbackConfig(dir_.path());
    config.api.token = kToken;
    ASSERT_TRUE(pipeline::EnableDemo(config));
    auto app = test::StartQuietApp(config, clock_);
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app.value());
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(app_->http_port()) + path;
  }
  std::string ApiGet(const std::string& path) const {
    return RunCommand("curl -s --max-time 10 -H 'Authorization: Bearer " + std::string(kToken) +
                      "' '" + Url(path) + "'")
        .output;
  }

  test::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<pipeline::App> app_;
};

TEST_F(ConsoleTest, PageAndHlsJsAreServedByStrait) {
  auto page = HttpFetch(Url("/console"));
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page.Header("Cache-Control"), "no-cache");
  EXPECT_NE(page.body.find("lowLatencyMode: true"), std::string::npos);
  // No external CDN: every script comes from strait.
  EXPECT_EQ(page.body.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.body.find("cdn"), std::string::npos);
  auto hls = HttpFetch(Url("/console/hls.min.js"));
  ASSERT_EQ(hls.status, 200) << "run scripts/install-deps.sh (npm ci in pipeline/console)";
  EXPECT_EQ(hls.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(hls.body.size(), 100000u);
  EXPECT_EQ(HttpFetch(Url("/console/../pipeline/app.cc")).status, 404);
  EXPECT_EQ(HttpFetch(Url("/console/package.json")).status, 404);
}

TEST_F(ConsoleTest, ProducerPinsACardWhileWatchingThePreview) {
  if (const std::string missing = test::BrowserMissing(); !missing.empty())
    GTEST_SKIP() << missing;
  const std::string browser_dir = test::BrowserDir();
  if (HttpFetch(Url("/console/hls.min.js")).status != 200)
    GTEST_SKIP() << "build/console/hls.min.js missing (scripts/install-deps.sh, then rebuild)";
  const auto streams =
      RunCommand("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer " +
                 std::string(kToken) + "' '" + Url("/api/v1/streams") + "'");
  if (streams.output != "200")
    GTEST_SKIP() << "GET /api/v1/streams answers " << streams.output
                 << ": the card API is not wired";

  const std::filesystem::path artifacts =
      std::filesystem::path(STRAIT_FIXTURE_DIR).parent_path() / "test-artifacts";
  std::filesystem::create_directories(artifacts);
  const std::string screenshot = (artifacts / "console.png").string();
  const std::string card = "console-mug";
  auto run = RunCommand("node " + browser_dir + "/console.mjs '" +
                            Url("/console#token=" + std::string(kToken) + "&stream=demo") + "' " +
                            card + " " + screenshot,
                        120s);
  std::cout << "console screenshot: " << screenshot << "\n" << run.output << std::endl;
  RecordProperty("screenshot", screenshot);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("\"token_hidden\":true"), std::string::npos) << run.output;
  // hls.js in the page sees the pinned card as an EXT-X-DATERANGE (com.strait.card).
  EXPECT_NE(run.output.find("\"title\":\"Console test mug\""), std::string::npos) << run.output;
  // ... and the same card in band, as an ID3 tag in an emsg box of the segments.
  EXPECT_NE(run.output.find("\"in_band_start\":true"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("\"error_field_marked\":true"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("price.currency"), std::string::npos) << run.output;

  // What the form did, read back from the API.
  const std::string cards = ApiGet("/api/v1/streams/demo/cards");
  EXPECT_NE(cards.find("\"id\":\"" + card + "\""), std::string::npos) << cards;
  EXPECT_NE(cards.find("Console test mug"), std::string::npos) << cards;
  EXPECT_NE(cards.find("\"stock_left\":2"), std::string::npos) << cards;
  EXPECT_NE(cards.find("\"anchor\":\"bottom-right\""), std::string::npos) << cards;
  EXPECT_EQ(cards.find(card + "-bad"), std::string::npos) << "a refused card was stored";
}

}  // namespace
}  // namespace strait
