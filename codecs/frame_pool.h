// FramePool: video frames whose buffers return to the pool when the last reference goes, for a
// stage that makes a picture of the same size every frame (the overlay's writable copy of the
// decoder's picture, a rung's scaled picture). A fresh multi-megabyte buffer every frame costs a
// page fault per 4 KiB once glibc hands large blocks back to the kernel; a pooled one is warm.
//
// Ownership and threads: Get() is called by one thread (the stage that owns the pool); the
// buffers it hands out may be released on any thread, also after the pool is gone (FFmpeg's
// AVBufferPool frees itself when its last buffer returns). The pool keeps as many buffers as were
// out at once at most, so its memory is bounded by the graph's queues. A new size or format
// starts a new pool; the old one's buffers are freed as they come back.
#pragma once

#include <cstddef>

#include "codecs/frame.h"
#include "codecs/result.h"

struct AVBufferPool;

namespace strait {

class FramePool {
 public:
  FramePool() = default;
  ~FramePool();
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // A writable frame of this size and (software) AVPixelFormat, rows 64-byte aligned, contents
  // unspecified (a returned buffer keeps its old pixels).
  Result<Frame> Get(int width, int height, int av_pixel_format);

  // Makes `frame` writable (see Frame::MakeWritable), copying into a pooled buffer when the
  // picture is shared. GPU pictures are copied as FFmpeg does.
  Status MakeWritable(Frame& frame);

  // Lets the pool's buffers go (each as its last Frame does): a stage between publishes keeps
  // no pictures of the last one. The next Get starts a new pool.
  void Release();

  // Pools started (a size or format change starts one): for tests.
  int pools_started() const { return pools_started_; }

 private:
  Status Reset(int width, int height, int av_pixel_format);

  AVBufferPool* pool_ = nullptr;
  int width_ = 0;
  int height_ = 0;
  int format_ = -1;
  int linesize_[4] = {};
  size_t offset_[4] = {};
  int planes_ = 0;
  int pools_started_ = 0;
};

}  // namespace strait
