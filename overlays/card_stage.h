// CardStage: the product-card compositor, the FrameStage (frame_stage.h) of one stream. The
// control API hands it the stream's cards (SetCards, any thread); the decode thread draws every
// visible card on each picture before the ladder's scalers, so every rendition shows it.
//
// Per picture (Process): read the current card set (one mutex-guarded pointer swap, so a change
// takes effect on the first picture processed after SetCards returns), evaluate each card's
// visibility at the wall clock (show_at/hide_at with the fade or slide animation, card.h), render
// it for the picture's size (CardRenderer: once per change, a countdown once per second), convert
// it for the picture's format (PreparedCard: once per bitmap and opacity step) and blend it
// (blend.h: SIMD, in the picture's own matrix/range/siting). A picture on the GPU (NVDEC's, kept
// there for the CUDA scaler) is blended there with the CUDA kernel (PictureBlender), or brought
// down for the CPU blend where that cannot run (logged once).
//
// Timed metadata: whenever a card starts or stops being drawn, or its content changes while
// drawn, the stage reports an Event with the media time of the first picture concerned, so the
// pipeline can write EXT-X-DATERANGE tags whose START-DATE is that picture's program date time.
//
// Where cards are drawn: kSource (default) blends once on the source picture before scaling, so
// every rung shows the same, scaled card; kPerRendition draws nothing on the source and hands each
// rung a stage (ForRendition) that renders the card at the rung's own size after scaling (crisp
// text on small rungs, one render and blend per rung). Either way the decode thread decides, per
// source picture, which cards are on it (and reports the events); the rung stages look that
// decision up by the picture's pts, so every rendition changes on the same picture.
//
// Threads: SetCards / active / stats from any thread; Process from one thread at a time (the
// stream's decode thread). The event callback runs on the Process thread and must not call back
// into the stage. Ownership: the stream's card service owns the stage (shared_ptr) and hands it to
// each publish's transcode graph, so cards survive publisher reconnects.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "codecs/clock.h"
#include "codecs/frame_pool.h"
#include "overlays/card.h"
#include "overlays/frame_stage.h"

namespace spdlog {
class logger;
}

namespace strait::overlays {

class CardRenderer;
class PreparedCard;

// One card as the stage should draw it: show_at/hide_at already say when (the API turns show and
// hide calls into them). `revision` changes whenever the content changes (not on show/hide).
struct StagedCard {
  std::shared_ptr<const Card> card;
  uint64_t revision = 0;
};

struct CardEvent {
  enum class Kind { kShown, kHidden };
  Kind kind = Kind::kShown;
  std::shared_ptr<const Card> card;  // the content shown (kShown) or the one that was (kHidden)
  uint64_t revision = 0;
  int64_t media_90k = 0;  // the first picture drawn with it (kShown) / without it (kHidden)
};

struct CardStageStats {
  uint64_t pictures = 0;         // processed
  uint64_t pictures_drawn = 0;   // with at least one card on them
  uint64_t renders = 0;          // card bitmaps made
  uint64_t errors = 0;           // cards that could not be drawn on a picture
};

enum class CardRenderMode { kSource, kPerRendition };

class CardStage final : public FrameStage {
 public:
  using EventFn = std::function<void(const CardEvent&)>;
  CardStage(std::string stream_name,
            const Clock& clock,
            std::shared_ptr<spdlog::logger> logger,
            CardRenderMode mode = CardRenderMode::kSource);
  ~CardStage() override;

  // Replaces the card set; drawn from the next picture on.
  void SetCards(std::vector<StagedCard> cards);
  // Where show/hide/update events go (may be replaced; null: nowhere).
  void SetEventSink(EventFn sink);

  Status Process(Frame& frame, Timebase timebase) override;
  // While any card is shown or still to be (a passthrough rendition needs it false).
  bool active() const override;
  bool takes_gpu_pictures() const override { return true; }
  // Ends what the previous publish showed (kHidden events just after its last picture), so the
  // next publish's first picture with a card starts a new range on its own timeline.
  void Restart() override;
  // kPerRendition: a new drawing stage for one rung; kSource: null.
  std::shared_ptr<FrameStage> ForRendition() override;
  CardStageStats stats() const;

 private:
  struct Drawn;   // per card id, one Process thread only
  struct Shared;  // the card set, the sink, stats and recent decisions: parent and rung stages
  struct Decision {
    std::shared_ptr<const std::vector<StagedCard>> cards;
    WallTime at;
  };
  CardStage(std::shared_ptr<Shared> shared, std::string stream_name, const Clock& clock,
            std::shared_ptr<spdlog::logger> logger);
  Status Draw(Drawn& d, const Card& card, const CardVisibility& vis, Frame& frame, WallTime now);
  Status DrawScaled(Frame& frame);  // a rung stage's Process
  // Creates or updates d's renderer for `staged` (a new card or revision).
  static Status Update(Drawn& d, const StagedCard& staged);

  const std::string name_;
  const Clock& clock_;
  std::shared_ptr<spdlog::logger> logger_;
  const CardRenderMode mode_;
  const bool rung_;  // made by ForRendition: draws what the decode thread decided
  std::shared_ptr<Shared> shared_;

  std::map<std::string, std::unique_ptr<Drawn>> drawn_;  // Process thread only
  FramePool pool_;  // Process thread only: copies of shared pictures (let go by Restart)
  int64_t last_media_90k_ = kNoTimestamp;                 // ... and the pictures' times
  int64_t last_step_90k_ = 3000;
  bool gpu_fallback_logged_ = false;  // Process thread only
};

}  // namespace strait::overlays
