// PumpTs: demuxes an MPEG-TS byte stream (strait::ts::TsDemuxer) into a MediaSink until the end of
// the stream or an error: OnTrack for each track configuration, OnPacket for each access unit.
// It does not call OnEnd (the caller owns the sink's end). Runs on the calling thread and blocks
// in `read`; no state of its own beyond the demuxer.
#pragma once

#include <cstdint>
#include <functional>

#include "codecs/result.h"
#include "transport/ingest.h"

namespace strait::transport::srt {

// Bytes read (>0), 0 at a clean end of the stream, <0 on error.
using ReadFn = std::function<int(uint8_t* buf, int size)>;

// OK when `read` reported a clean end, else the first error (from `read` or the demuxer).
Status PumpTs(const ReadFn& read, MediaSink& sink);

}  // namespace strait::transport::srt
