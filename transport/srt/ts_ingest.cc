#include "transport/srt/ts_ingest.h"

#include <type_traits>
#include <variant>

// TODO(srt): drop the fallback once codecs/ts/ts_demuxer.{h,cc} (another engineer's work in
// progress) are both committed and build; it keeps transport/ building and linking until then.
#if __has_include("codecs/ts/ts_demuxer.h") && __has_include("codecs/ts/ts_demuxer.cc")
#include "codecs/ts/ts_demuxer.h"
#define STRAIT_HAVE_TS_DEMUXER 1
#endif

namespace strait::transport::srt {

#ifdef STRAIT_HAVE_TS_DEMUXER

bool TsDemuxerAvailable() {
  return true;
}

Status PumpTs(const ReadFn& read, MediaSink& sink) {
  auto demuxer = ts::TsDemuxer::Open(read, ts::TsDemuxer::Options());
  if (!demuxer.ok())
    return demuxer.error();
  while (true) {
    auto event = (*demuxer)->Next();
    if (!event.ok())
      return event.error();
    bool end = false;
    std::visit(
        [&](auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, TrackInfo>) {
            sink.OnTrack(e);
          } else if constexpr (std::is_same_v<E, Packet>) {
            sink.OnPacket(e);
          } else {
            end = true;
          }
        },
        *event);
    if (end)
      return OkStatus();
  }
}

#else

bool TsDemuxerAvailable() {
  return false;
}

// Without a demuxer the connection is still served (timeouts, limits, Stop) but yields no media.
Status PumpTs(const ReadFn& read, MediaSink& sink) {
  uint8_t buf[1316];
  while (true) {
    const int n = read(buf, sizeof(buf));
    if (n == 0)
      return OkStatus();
    if (n < 0)
      return Error("read failed");
  }
}

#endif

}  // namespace strait::transport::srt
