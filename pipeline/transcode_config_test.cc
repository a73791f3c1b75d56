#include "pipeline/transcode_config.h"

#include <gtest/gtest.h>

#include "pipeline/config.h"

namespace strait::pipeline {
namespace {

TEST(TranscodeConfigTest, DefaultLadderFor1080pSource) {
  const Config config = DefaultConfig();
  EXPECT_TRUE(config.transcode.enabled);
  EXPECT_EQ(config.transcode.encoder, "auto");
  const auto rungs = ResolveLadder(config.transcode.ladders.at("default"), 1920, 1080);
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].width, 1280);
  EXPECT_EQ(rungs[0].height, 720);
  EXPECT_EQ(rungs[0].config.bitrate_kbps, 2500);
  EXPECT_EQ(rungs[1].width, 854);
  EXPECT_EQ(rungs[1].height, 480);
  EXPECT_EQ(rungs[2].width, 640);
  EXPECT_EQ(rungs[2].config.bitrate_kbps, 700);
}

TEST(TranscodeConfigTest, TallerRungsAreSkippedAndTinySourcesKeepOneRung) {
  const auto ladder = DefaultLadder();
  auto rungs = ResolveLadder(ladder, 854, 480);  // 720p skipped
  ASSERT_EQ(rungs.size(), 2u);
  EXPECT_EQ(rungs[0].config.name, "480p");
  EXPECT_EQ(rungs[0].width, 854);
  rungs = ResolveLadder(ladder, 1080, 1920);  // portrait phone video
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].width, 406);           // 1080 * 720 / 1920 = 405 → even
  rungs = ResolveLadder(ladder, 321, 241);  // odd and smaller than every rung
  ASSERT_EQ(rungs.size(), 1u);
  EXPECT_EQ(rungs[0].width, 320);
  EXPECT_EQ(rungs[0].height, 240);
}

TEST(TranscodeConfigTest, ParsesLaddersAndPerStreamChoice) {
  auto c = ParseConfig(R"(
transcode:
  encoder: x264
  input_loss: 0.75
  ladder: shop
  ladders:
    shop:
      - {name: src, passthrough: true, bitrate_kbps: 4500, preset: faster}
      - {name: 540p, height: 540, bitrate_kbps: 1800, max_fps: 25, preset: faster, profile: main}
streams:
  - {name: a, key: sk_aaaaaa, ladder: default}
  - {name: b, key: sk_bbbbbb}
)",
                       "t.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->transcode.encoder, "x264");
  EXPECT_EQ(c->transcode.input_loss_s, 0.75);
  EXPECT_EQ(c->transcode.ladder, "shop");
  ASSERT_EQ(c->transcode.ladders.at("shop").size(), 2u);
  EXPECT_TRUE(c->transcode.ladders.at("shop")[0].passthrough);
  EXPECT_EQ(c->transcode.ladders.at("shop")[0].bitrate_kbps, 4500);  // while a card is on
  EXPECT_EQ(c->transcode.ladders.at("shop")[0].preset, "faster");
  EXPECT_EQ(c->transcode.ladders.at("shop")[0].max_fps, 0) << "the source's rate";
  const RungConfig& r = c->transcode.ladders.at("shop")[1];
  EXPECT_EQ(r.height, 540);
  EXPECT_EQ(r.max_fps, 25);
  EXPECT_EQ(r.preset, "faster");
  EXPECT_EQ(c->transcode.ladders.count("default"), 1u);  // built-in stays available
  EXPECT_EQ(c->streams[0].ladder, "default");
  EXPECT_EQ(c->streams[1].ladder, "");
  auto rungs = ResolveLadder(c->transcode.ladders.at("shop"), 1280, 720);
  ASSERT_EQ(rungs.size(), 2u);
  EXPECT_TRUE(rungs[0].config.passthrough);
  EXPECT_EQ(rungs[1].width, 960);
}

TEST(TranscodeConfigTest, BadLaddersNameTheSpot) {
  struct Case {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"transcode:\n  encoder: quicksync\n", "t.yaml:2:12: transcode.encoder must be"},
      {"transcode:\n  input_loss: 0.2\n", "t.yaml:2:15: transcode.input_loss must be 0 (off) or"},
      {"transcode:\n  ladder: nope\n", "t.yaml:2:11: unknown ladder 'nope'"},
      {"transcode:\n  ladders:\n    x:\n      - {name: a, height: 721, bitrate_kbps: 9}\n",
       "height must be even"},
      {"transcode:\n  ladders:\n    x:\n      - {name: a, height: 720}\n",
       "needs 'height' and 'bitrate_kbps'"},
      {"transcode:\n  ladders:\n    x:\n      - {name: s, passthrough: true, height: 720}\n",
       "is passthrough: 'height' does not apply"},
      {"transcode:\n  ladders:\n    x:\n      - {name: s, passthrough: true, max_fps: 30}\n",
       "is passthrough: 'max_fps' does not apply"},
      {"transcode:\n  ladders:\n    x:\n      - {name: s, passthrough: true}\n"
       "      - {name: t, passthrough: true}\n",
       "more than one passthrough rung"},
      {"transcode:\n  ladders:\n    x:\n      - {name: a, height: 720, bitrate_kbps: 900}\n"
       "      - {name: a, height: 360, bitrate_kbps: 400}\n",
       "duplicate rung name 'a'"},
      {"transcode:\n  ladders:\n    x: []\n", "must be a non-empty list"},
      {"transcode:\n  ladders:\n    x:\n      - {name: audio, passthrough: true}\n",
       "'audio' is taken"},
      {"streams:\n  - {name: a, key: sk_aaaaaa, ladder: gone}\n", "t.yaml:2:39: unknown ladder"},
  };
  for (const Case& c : cases) {
    auto r = ParseConfig(c.yaml, "t.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.error().message().find(c.message), std::string::npos)
        << c.yaml << " → " << r.error().message();
  }
}

}  // namespace
}  // namespace strait::pipeline
