#include "overlays/card_stage.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "overlays/blend.h"
#include "overlays/card_renderer.h"
#include "overlays/picture_blender.h"

namespace strait::overlays {

namespace {

constexpr int kOpacitySteps = 32;  // a fade re-converts the card at most this many times

// Pixels a slide moves the card by: `slide` (0 in place .. 1 fully outside) towards the side it
// is anchored to (left/right first, top/bottom for centred columns).
std::pair<int, int> SlideOffset(Anchor anchor, double slide, const CardBitmap& b, int fw, int fh) {
  if (slide <= 0)
    return {0, 0};
  const int i = static_cast<int>(anchor);
  const int column = i % 3, row = i / 3;  // 0 left/top, 1 centre, 2 right/bottom
  if (column == 0)
    return {-static_cast<int>(std::lround(slide * (b.x + b.width))), 0};
  if (column == 2)
    return {static_cast<int>(std::lround(slide * (fw - b.x))), 0};
  if (row == 0)
    return {0, -static_cast<int>(std::lround(slide * (b.y + b.height)))};
  return {0, static_cast<int>(std::lround(slide * (fh - b.y)))};
}

}  // namespace

struct CardStage::Shared {
  std::mutex mu;  // guards everything below
  std::shared_ptr<const std::vector<StagedCard>> cards =
      std::make_shared<const std::vector<StagedCard>>();
  EventFn sink;
  CardStageStats stats;
  // kPerRendition: what the decode thread decided for its recent pictures, by pts (bounded).
  std::deque<std::pair<int64_t, Decision>> decisions;
  static constexpr size_t kMaxDecisions = 512;  // ~17 s at 30 fps: more than any rung queue
};

struct CardStage::Drawn {
  std::unique_ptr<CardRenderer> renderer;
  uint64_t revision = 0;
  bool visible = false;  // on the previous picture
  std::shared_ptr<const Card> shown_card;
  // The bitmap and opacity step `blender`'s card was made from.
  CardRenderer::Bitmap bitmap;
  int opacity_step = -1;
  std::unique_ptr<PictureBlender> blender;
  std::string last_error;
};

CardStage::CardStage(std::string stream_name,
                     const Clock& clock,
                     std::shared_ptr<spdlog::logger> logger,
                     CardRenderMode mode)
    : name_(std::move(stream_name)),
      clock_(clock),
      logger_(logger ? std::move(logger) : spdlog::default_logger()),
      mode_(mode),
      rung_(false),
      shared_(std::make_shared<Shared>()) {}

CardStage::CardStage(std::shared_ptr<Shared> shared,
                     std::string stream_name,
                     const Clock& clock,
                     std::shared_ptr<spdlog::logger> logger)
    : name_(std::move(stream_name)),
      clock_(clock),
      logger_(std::move(logger)),
      mode_(CardRenderMode::kPerRendition),
      rung_(true),
      shared_(std::move(shared)) {}

CardStage::~CardStage() = default;

void CardStage::SetCards(std::vector<StagedCard> cards) {
  auto next = std::make_shared<const std::vector<StagedCard>>(std::move(cards));
  std::lock_guard lock(shared_->mu);
  shared_->cards = std::move(next);
}

void CardStage::SetEventSink(EventFn sink) {
  std::lock_guard lock(shared_->mu);
  shared_->sink = std::move(sink);
}

bool CardStage::active() const {
  std::shared_ptr<const std::vector<StagedCard>> cards;
  {
    std::lock_guard lock(shared_->mu);
    cards = shared_->cards;
  }
  // A card hidden for good (hide_at passed) draws nothing again: not active.
  const WallTime now = clock_.WallNow();
  return std::any_of(cards->begin(), cards->end(), [&](const StagedCard& c) {
    return !c.card->hide_at || now < *c.card->hide_at;
  });
}

CardStageStats CardStage::stats() const {
  std::lock_guard lock(shared_->mu);
  return shared_->stats;
}

std::shared_ptr<FrameStage> CardStage::ForRendition() {
  if (mode_ != CardRenderMode::kPerRendition || rung_)
    return nullptr;
  return std::shared_ptr<CardStage>(new CardStage(shared_, name_, clock_, logger_));
}

Status CardStage::Draw(Drawn& d,
                       const Card& card,
                       const CardVisibility& vis,
                       Frame& frame,
                       WallTime now) {
  const int fw = frame.width(), fh = frame.height();
  auto bitmap = d.renderer->RenderAt(fw, fh, now);
  if (!bitmap.ok())
    return bitmap.error();
  // At least one step: a card that is visible is drawn, faintly at the start of a fade.
  const int step = std::clamp(static_cast<int>(std::lround(vis.opacity * kOpacitySteps)), 1,
                              kOpacitySteps);
  if (*bitmap != d.bitmap || step != d.opacity_step || !d.blender) {
    if (*bitmap != d.bitmap) {
      std::lock_guard lock(shared_->mu);
      ++shared_->stats.renders;
    }
    const CardBitmap& b = **bitmap;
    Result<PreparedCard> prepared = Error("unset");
    if (step == kOpacitySteps) {
      prepared = PreparedCard::Create({b.rgba.data(), b.width, b.height, b.width * 4});
    } else {  // premultiplied: every channel scales with the opacity
      std::vector<uint8_t> faded(b.rgba.size());
      const uint32_t k = static_cast<uint32_t>(step * 256 / kOpacitySteps);
      for (size_t i = 0; i < faded.size(); ++i)
        faded[i] = static_cast<uint8_t>((b.rgba[i] * k + 128) >> 8);
      prepared = PreparedCard::Create({faded.data(), b.width, b.height, b.width * 4});
    }
    if (!prepared.ok())
      return prepared.error();
    d.blender = std::make_unique<PictureBlender>(std::move(*prepared));
    d.bitmap = *bitmap;
    d.opacity_step = step;
  }
  const auto [dx, dy] = SlideOffset(card.position.anchor, vis.slide, *d.bitmap, fw, fh);
  std::string fallback;
  Status s = d.blender->BlendInto(frame, d.bitmap->x + dx, d.bitmap->y + dy, &pool_, &fallback);
  if (!fallback.empty() && !gpu_fallback_logged_) {
    gpu_fallback_logged_ = true;
    logger_->warn("stream {}: cards: {}; GPU pictures come down for the CPU blend", name_,
                  fallback);
  }
  return s;
}

Status CardStage::Process(Frame& frame, Timebase timebase) {
  if (rung_)
    return DrawScaled(frame);
  std::shared_ptr<const std::vector<StagedCard>> cards;
  EventFn sink;
  {
    std::lock_guard lock(shared_->mu);
    cards = shared_->cards;
    sink = shared_->sink;
    ++shared_->stats.pictures;
  }
  const bool draw = mode_ == CardRenderMode::kSource;
  const WallTime now = clock_.WallNow();
  if (!draw && frame.pts() != kNoTimestamp) {
    std::lock_guard lock(shared_->mu);
    auto& decisions = shared_->decisions;
    decisions.emplace_back(frame.pts(), Decision{cards, now});
    while (decisions.size() > Shared::kMaxDecisions)
      decisions.pop_front();
  }
  const int64_t media_90k =
      frame.pts() == kNoTimestamp ? kNoTimestamp : Rescale(frame.pts(), timebase, kMpegTs);
  if (media_90k != kNoTimestamp) {
    if (last_media_90k_ != kNoTimestamp && media_90k > last_media_90k_)
      last_step_90k_ = std::min<int64_t>(media_90k - last_media_90k_, 90000);
    last_media_90k_ = media_90k;
  }
  auto report = [&](CardEvent::Kind kind, const std::shared_ptr<const Card>& card, uint64_t rev) {
    if (sink && media_90k != kNoTimestamp)
      sink(CardEvent{kind, card, rev, media_90k});
  };

  // Cards removed from the set: the ones drawn on the last picture end here.
  for (auto it = drawn_.begin(); it != drawn_.end();) {
    const bool present = std::any_of(cards->begin(), cards->end(), [&](const StagedCard& c) {
      return c.card->id == it->first;
    });
    if (present) {
      ++it;
      continue;
    }
    if (it->second->visible)
      report(CardEvent::Kind::kHidden, it->second->shown_card, it->second->revision);
    it = drawn_.erase(it);
  }

  Status first_error = OkStatus();
  bool drew = false;
  for (const StagedCard& staged : *cards) {
    const Card& card = *staged.card;
    std::unique_ptr<Drawn>& slot = drawn_[card.id];
    if (!slot)
      slot = std::make_unique<Drawn>();
    Drawn& d = *slot;
    const CardVisibility vis = VisibilityAt(card, now);
    const bool changed = !d.renderer || d.revision != staged.revision;
    if (d.visible && (!vis.visible || changed)) {
      report(CardEvent::Kind::kHidden, d.shown_card, d.revision);
      d.visible = false;
    }
    if (changed) {
      if (Status s = Update(d, staged); !s.ok()) {
        first_error = s.error().Context("card " + card.id);
        drawn_.erase(card.id);
        continue;
      }
    }
    if (!vis.visible)
      continue;
    if (draw) {
      if (Status s = Draw(d, card, vis, frame, now); !s.ok()) {
        if (s.error().message() != d.last_error) {  // once per distinct problem, not per picture
          d.last_error = s.error().message();
          logger_->warn("stream {}: card {}: {}", name_, card.id, d.last_error);
        }
        first_error = s.error().Context("card " + card.id);
        std::lock_guard lock(shared_->mu);
        ++shared_->stats.errors;
        continue;
      }
      d.last_error.clear();
      drew = true;
    }
    if (!d.visible) {
      d.visible = true;
      d.shown_card = staged.card;
      report(CardEvent::Kind::kShown, staged.card, staged.revision);
    }
  }
  if (drew) {
    std::lock_guard lock(shared_->mu);
    ++shared_->stats.pictures_drawn;
  }
  return first_error;
}

void CardStage::Restart() {
  pool_.Release();  // the last publish's picture copies
  if (rung_) {
    drawn_.clear();
    return;
  }
  EventFn sink;
  {
    std::lock_guard lock(shared_->mu);
    sink = shared_->sink;
    shared_->decisions.clear();
  }
  for (auto& [id, d] : drawn_) {
    if (d->visible && sink && last_media_90k_ != kNoTimestamp) {
      sink(CardEvent{CardEvent::Kind::kHidden, d->shown_card, d->revision,
                     last_media_90k_ + last_step_90k_});
    }
    d->visible = false;
  }
  last_media_90k_ = kNoTimestamp;
}

Status CardStage::Update(Drawn& d, const StagedCard& staged) {
  if (!d.renderer) {
    auto r = CardRenderer::Create(*staged.card);
    if (!r.ok())
      return r.error();
    d.renderer = std::move(*r);
  } else if (Status s = d.renderer->Update(*staged.card); !s.ok()) {
    return s;
  }
  d.revision = staged.revision;
  d.bitmap.reset();
  d.blender.reset();
  return OkStatus();
}

Status CardStage::DrawScaled(Frame& frame) {
  Decision decision;
  {
    std::lock_guard lock(shared_->mu);
    for (auto it = shared_->decisions.rbegin(); it != shared_->decisions.rend(); ++it) {
      if (it->first == frame.pts()) {
        decision = it->second;
        break;
      }
    }
    if (!decision.cards)  // not a picture the decode thread saw (none today): the current set
      decision = {shared_->cards, clock_.WallNow()};
  }
  Status first_error = OkStatus();
  for (auto it = drawn_.begin(); it != drawn_.end();) {
    const bool present = std::any_of(
        decision.cards->begin(), decision.cards->end(),
        [&](const StagedCard& c) { return c.card->id == it->first; });
    it = present ? std::next(it) : drawn_.erase(it);
  }
  for (const StagedCard& staged : *decision.cards) {
    const CardVisibility vis = VisibilityAt(*staged.card, decision.at);
    if (!vis.visible)
      continue;
    std::unique_ptr<Drawn>& slot = drawn_[staged.card->id];
    if (!slot)
      slot = std::make_unique<Drawn>();
    if (!slot->renderer || slot->revision != staged.revision) {
      if (Status s = Update(*slot, staged); !s.ok()) {
        first_error = s.error().Context("card " + staged.card->id);
        drawn_.erase(staged.card->id);
        continue;
      }
    }
    if (Status s = Draw(*slot, *staged.card, vis, frame, decision.at); !s.ok())
      first_error = s.error().Context("card " + staged.card->id);
  }
  return first_error;
}

}  // namespace strait::overlays
