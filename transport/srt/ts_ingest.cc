#include "transport/srt/ts_ingest.h"

#include <type_traits>
#include <variant>

#include "codecs/ts/ts_demuxer.h"

namespace strait::transport::srt {

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

}  // namespace strait::transport::srt
