// CardStage: cards drawn on real pictures from the first picture after SetCards, in the region
// the renderer placed them, with show/hide/update events carrying that picture's media time.
#include "overlays/card_stage.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "overlays/card_renderer.h"

namespace strait::overlays {
namespace {

using namespace std::chrono_literals;

constexpr Timebase kMs{1, 1000};

Frame Gray(int w, int h, int64_t pts, Frame::Layout layout = Frame::Layout::kYuv420p) {
  auto f = Frame::AllocateVideo(w, h, layout);
  EXPECT_TRUE(f.ok());
  const int planes = layout == Frame::Layout::kNv12 ? 2 : 3;
  for (int p = 0; p < planes; ++p) {
    const int ph = p ? (h + 1) / 2 : h;
    for (int y = 0; y < ph; ++y) {
      uint8_t* row = f->data(p) + size_t(y) * f->linesize(p);
      std::fill_n(row, f->linesize(p), p ? 128 : 80);
    }
  }
  f->set_pts(pts);
  return std::move(*f);
}

// Mean absolute luma difference from the gray background over a box.
double LumaChange(const Frame& f, const CardBox& box) {
  double sum = 0;
  for (int y = box.y; y < box.y + box.height; ++y)
    for (int x = box.x; x < box.x + box.width; ++x)
      sum += std::abs(f.data(0)[size_t(y) * f.linesize(0) + x] - 80);
  return sum / (double(box.width) * box.height);
}

std::shared_ptr<const Card> Product(std::string id, std::string title = "Red sneakers") {
  auto c = std::make_shared<Card>();
  c->id = std::move(id);
  c->title = std::move(title);
  c->price = {"2980", "JPY"};
  c->locale = "ja-JP";
  c->animation.kind = AnimationKind::kNone;
  return c;
}

struct CardStageTest : ::testing::Test {
  FakeClock clock;
  CardStage stage{"shop", clock, nullptr};
  std::vector<CardEvent> events;
  void SetUp() override {
    stage.SetEventSink([this](const CardEvent& e) { events.push_back(e); });
  }
  // Where the renderer puts `card` on a w x h picture.
  CardBox Box(const Card& card, int w, int h) {
    auto r = CardRenderer::Create(card);
    EXPECT_TRUE(r.ok());
    auto b = (*r)->Render(w, h);
    EXPECT_TRUE(b.ok());
    return {(*b)->x, (*b)->y, (*b)->width, (*b)->height};
  }
};

TEST_F(CardStageTest, NothingToDrawLeavesPicturesUntouched) {
  Frame f = Gray(640, 360, 0);
  ASSERT_TRUE(stage.Process(f, kMs).ok());
  EXPECT_FALSE(stage.active());
  EXPECT_EQ(LumaChange(f, {0, 0, 640, 360}), 0);
  EXPECT_TRUE(events.empty());
}

TEST_F(CardStageTest, CardAppearsOnTheNextPictureInItsBoxAndEventsCarryMediaTime) {
  Frame before = Gray(1280, 720, 1000);
  ASSERT_TRUE(stage.Process(before, kMs).ok());
  auto card = Product("sneakers");
  stage.SetCards({{card, 1}});
  EXPECT_TRUE(stage.active());
  Frame f = Gray(1280, 720, 1033);
  ASSERT_TRUE(stage.Process(f, kMs).ok());
  const CardBox box = Box(*card, 1280, 720);
  ASSERT_FALSE(box.empty());
  EXPECT_GT(LumaChange(f, box), 40) << "the card's panel is drawn where the renderer put it";
  // Outside the card (the opposite corner) nothing changed.
  EXPECT_EQ(LumaChange(f, {1280 - 200, 0, 200, 100}), 0);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, CardEvent::Kind::kShown);
  EXPECT_EQ(events[0].media_90k, 1033 * 90);
  EXPECT_EQ(events[0].card->id, "sneakers");

  // Removing it: the next picture is clean and the hide event names that picture.
  stage.SetCards({});
  Frame after = Gray(1280, 720, 1066);
  ASSERT_TRUE(stage.Process(after, kMs).ok());
  EXPECT_EQ(LumaChange(after, box), 0);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, CardEvent::Kind::kHidden);
  EXPECT_EQ(events[1].media_90k, 1066 * 90);
}

TEST_F(CardStageTest, ContentChangeEndsTheOldRangeAndStartsANewOneOnTheSamePicture) {
  stage.SetCards({{Product("a", "First"), 1}});
  Frame f1 = Gray(640, 360, 0);
  ASSERT_TRUE(stage.Process(f1, kMs).ok());
  stage.SetCards({{Product("a", "Second title"), 2}});
  Frame f2 = Gray(640, 360, 40);
  ASSERT_TRUE(stage.Process(f2, kMs).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].kind, CardEvent::Kind::kHidden);
  EXPECT_EQ(events[1].revision, 1u);
  EXPECT_EQ(events[2].kind, CardEvent::Kind::kShown);
  EXPECT_EQ(events[2].revision, 2u);
  EXPECT_EQ(events[2].card->title, "Second title");
  EXPECT_EQ(events[1].media_90k, events[2].media_90k);
  // The same revision again: no new events, same pixels.
  Frame f3 = Gray(640, 360, 80);
  ASSERT_TRUE(stage.Process(f3, kMs).ok());
  EXPECT_EQ(events.size(), 3u);
  EXPECT_EQ(std::memcmp(f2.data(0), f3.data(0), size_t(f2.linesize(0)) * 360), 0);
}

TEST_F(CardStageTest, ScheduledShowAndHideFollowTheWallClockWithAFade) {
  auto c = std::make_shared<Card>(*Product("timed"));
  c->animation = {AnimationKind::kFade, 300, 300};
  c->show_at = clock.WallNow() + 1s;
  c->hide_at = clock.WallNow() + 3s;
  stage.SetCards({{c, 1}});
  const CardBox box = Box(*c, 1280, 720);
  Frame early = Gray(1280, 720, 0);
  ASSERT_TRUE(stage.Process(early, kMs).ok());
  EXPECT_EQ(LumaChange(early, box), 0) << "not before show_at";
  clock.Advance(1050ms);  // 50 ms into the 300 ms fade
  Frame fading = Gray(1280, 720, 1050);
  ASSERT_TRUE(stage.Process(fading, kMs).ok());
  clock.Advance(500ms);
  Frame full = Gray(1280, 720, 1550);
  ASSERT_TRUE(stage.Process(full, kMs).ok());
  const double faint = LumaChange(fading, box), solid = LumaChange(full, box);
  EXPECT_GT(faint, 0);
  EXPECT_LT(faint, solid * 0.4) << "a fade starts faint";
  EXPECT_TRUE(stage.active());
  clock.Advance(2s);  // past hide_at
  EXPECT_FALSE(stage.active()) << "hidden for good: a passthrough rung may run again";
  Frame gone = Gray(1280, 720, 3550);
  ASSERT_TRUE(stage.Process(gone, kMs).ok());
  EXPECT_EQ(LumaChange(gone, box), 0);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].media_90k, 1050 * 90);
  EXPECT_EQ(events[1].kind, CardEvent::Kind::kHidden);
  EXPECT_EQ(events[1].media_90k, 3550 * 90);
}

TEST_F(CardStageTest, DrawsOnNv12AndTenBitPicturesToo) {
  auto card = Product("n");
  stage.SetCards({{card, 1}});
  const CardBox box = Box(*card, 640, 360);
  Frame nv12 = Gray(640, 360, 0, Frame::Layout::kNv12);
  ASSERT_TRUE(stage.Process(nv12, kMs).ok());
  EXPECT_GT(LumaChange(nv12, box), 40);
  auto ten = Frame::AllocateVideo(640, 360, Frame::Layout::kYuv420p10);
  ASSERT_TRUE(ten.ok());
  for (int p = 0; p < 3; ++p)
    for (int y = 0; y < (p ? 180 : 360); ++y)
      std::fill_n(reinterpret_cast<uint16_t*>(ten->data(p) + size_t(y) * ten->linesize(p)),
                  p ? 320 : 640, uint16_t(p ? 512 : 320));
  ASSERT_TRUE(stage.Process(*ten, kMs).ok());
  const uint16_t* row =
      reinterpret_cast<const uint16_t*>(ten->data(0) + size_t(box.y + box.height / 2) * ten->linesize(0));
  int changed = 0;
  for (int x = box.x; x < box.x + box.width; ++x)
    changed += row[x] != 320;
  EXPECT_GT(changed, box.width / 2);
}

TEST_F(CardStageTest, ABadCardIsReportedAndOthersStillDraw) {
  auto bad = std::make_shared<Card>(*Product("bad"));
  bad->price = {"12.345", "JPY"};  // yen have no minor unit: Validate refuses
  auto good = Product("good");
  stage.SetCards({{bad, 1}, {good, 1}});
  Frame f = Gray(1280, 720, 0);
  EXPECT_FALSE(stage.Process(f, kMs).ok());
  EXPECT_GT(LumaChange(f, Box(*good, 1280, 720)), 40);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].card->id, "good");
}

// A new publish (a new graph on the same stage): the previous publish's ranges end just after its
// last picture, and the new publish's first picture with the card starts a new one.
TEST_F(CardStageTest, RestartEndsThePreviousPublishsRangesAndStartsOver) {
  stage.SetCards({{Product("kept"), 1}});
  for (int64_t pts : {0, 40, 80}) {
    Frame f = Gray(640, 360, pts);
    ASSERT_TRUE(stage.Process(f, kMs).ok());
  }
  ASSERT_EQ(events.size(), 1u);
  stage.Restart();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, CardEvent::Kind::kHidden);
  EXPECT_EQ(events[1].media_90k, 120 * 90) << "one picture after the last";
  Frame next = Gray(640, 360, 0);  // the new publish's timeline starts over
  ASSERT_TRUE(stage.Process(next, kMs).ok());
  EXPECT_GT(LumaChange(next, Box(*Product("kept"), 640, 360)), 40) << "the card stays on";
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].kind, CardEvent::Kind::kShown);
  EXPECT_EQ(events[2].media_90k, 0);
}

// per_rendition: the decode thread decides and reports but leaves the source picture alone; each
// rung's stage draws the card rendered at the rung's own size, on the pictures the decision was
// made for (looked up by pts), even when the card set has changed since.
TEST_F(CardStageTest, PerRenditionDrawsOnScaledPicturesWhatTheSourcePictureDecided) {
  CardStage source("shop", clock, nullptr, CardRenderMode::kPerRendition);
  source.SetEventSink([this](const CardEvent& e) { events.push_back(e); });
  std::shared_ptr<FrameStage> rung = source.ForRendition();
  ASSERT_TRUE(rung);
  EXPECT_FALSE(stage.ForRendition()) << "kSource draws on the source only";
  auto card = Product("crisp");
  source.SetCards({{card, 1}});
  Frame src = Gray(1280, 720, 100);
  ASSERT_TRUE(source.Process(src, kMs).ok());
  EXPECT_EQ(LumaChange(src, {0, 0, 1280, 720}), 0) << "nothing drawn on the source";
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].media_90k, 100 * 90);
  source.SetCards({});  // the card is gone by the time the rung gets to the picture
  Frame scaled = Gray(640, 360, 100);
  ASSERT_TRUE(rung->Process(scaled, kMs).ok());
  const CardBox box = Box(*card, 640, 360);
  EXPECT_GT(LumaChange(scaled, box), 40) << "rendered for 640x360, where the renderer puts it";
  Frame later = Gray(640, 360, 133);
  ASSERT_TRUE(source.Process(later, kMs).ok());  // decided without the card
  ASSERT_TRUE(rung->Process(later, kMs).ok());
  EXPECT_EQ(LumaChange(later, {0, 0, 640, 360}), 0);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, CardEvent::Kind::kHidden);
}

}  // namespace
}  // namespace strait::overlays
