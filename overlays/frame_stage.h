// FrameStage: the overlay hook of the transcode graph. The pipeline hands every decoded picture
// of a stream to its stage once, before the ladder's scalers, so whatever the stage draws (the
// product-card compositor) appears in every rendition. A stage may draw into the frame in place
// (Frame::MakeWritable first: the decoder may still reference the buffers) or replace it.
//
// Threads: Process is called by one thread (the stream's decode thread), in presentation order;
// `active` may be read from any thread. Owned by the stream's session (shared_ptr), which keeps
// it alive while the graph runs.
#pragma once

#include <memory>

#include "codecs/frame.h"
#include "codecs/media_time.h"
#include "codecs/result.h"

namespace strait::overlays {

class FrameStage {
 public:
  virtual ~FrameStage() = default;
  // Draws onto `frame` (pts in `timebase`, the source video track's). An error is logged and
  // counted by the caller; the frame then goes on as it is.
  virtual Status Process(Frame& frame, Timebase timebase) = 0;
  // True while the stage draws anything: a passthrough rendition is only allowed while false.
  virtual bool active() const = 0;
  // True when Process takes pictures that live on the GPU (Frame::on_device()), drawing on them
  // there or bringing them down itself; otherwise the graph downloads a GPU picture first.
  virtual bool takes_gpu_pictures() const { return false; }
  // A stage for one rendition's scaled pictures (its rung thread calls Process on them after
  // scaling), or null when this stage draws everything on the source picture (the default).
  virtual std::shared_ptr<FrameStage> ForRendition() { return nullptr; }
  // A new publish's graph is about to use the stage (its timeline starts over): forget what the
  // previous publish's pictures showed. Called between publishes, while no Process runs.
  virtual void Restart() {}
};

// The stage with nothing to draw (no cards yet): every frame passes untouched.
class PassThroughStage final : public FrameStage {
 public:
  Status Process(Frame&, Timebase) override { return OkStatus(); }
  bool active() const override { return false; }
};

}  // namespace strait::overlays
