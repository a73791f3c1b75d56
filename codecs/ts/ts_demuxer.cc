#include "codecs/ts/ts_demuxer.h"

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"
#include "codecs/ts/ts_demuxer_streams.h"

extern "C" {
#include <libavutil/dict.h>
}

namespace strait::ts {
namespace {

constexpr int kIoBufferSize = 188 * 64;

struct DictDeleter {
  void operator()(AVDictionary* d) const { av_dict_free(&d); }
};

}  // namespace

struct TsDemuxer::Impl {
  ReadFn read;
  Options options;
  // Declared before `format` so that the format context (which points at it) is closed first.
  ffmpeg::AVIOContextPtr io;
  ffmpeg::AVFormatInputPtr format;
  ffmpeg::AVPacketPtr packet{av_packet_alloc()};
  StreamMapper streams;
  std::deque<Event> pending;
  uint64_t bytes_read = 0;
  AVFormatContext* context = nullptr;  // `format` once opened; also during avformat_open_input
  std::optional<Error> read_error;     // set by the read callback; ends the stream
  std::optional<Error> final_error;

  static int Read(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<Impl*>(opaque);
    if (self->read_error)
      return AVERROR(EIO);
    // Bound the input read while no usable stream is known: garbage and TS without PAT/PMT
    // must end with an error, not an endless read.
    if (!self->streams.any_usable() &&
        static_cast<int64_t>(self->bytes_read) >= self->options.max_bytes_without_streams &&
        !StreamMapper::HasSupportedStream(self->context)) {
      self->read_error = Error("no usable MPEG-TS program in the first " +
                               std::to_string(self->bytes_read) + " bytes");
      return AVERROR(EIO);
    }
    const int n = self->read(buf, size);
    if (n < 0) {
      self->read_error = Error("read failed (" + std::to_string(n) + ")");
      return AVERROR(EIO);
    }
    if (n == 0)
      return AVERROR_EOF;
    self->bytes_read += static_cast<uint64_t>(std::min(n, size));
    return std::min(n, size);
  }

  Status OpenInput();
  Result<Event> Finish(const Error& error);
  Status ReadOne();
};

Status TsDemuxer::Impl::OpenInput() {
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferSize));
  if (!buffer || !packet)
    return Error("out of memory");
  io.reset(avio_alloc_context(buffer, kIoBufferSize, 0, this, &Impl::Read, nullptr, nullptr));
  if (!io) {
    av_free(buffer);
    return Error("out of memory");
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (!raw)
    return Error("out of memory");
  raw->pb = io.get();
  context = raw;
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVDictionary* dict = nullptr;
  av_dict_set_int(&dict, "probesize", std::max<int64_t>(options.probe_bytes, 188 * 8), 0);
  av_dict_set_int(&dict, "analyzeduration",
                  std::chrono::microseconds(options.analyze_duration).count(), 0);
  // avformat_open_input frees `raw` on failure and leaves unused options in `dict`.
  const int ret = avformat_open_input(&raw, nullptr, av_find_input_format("mpegts"), &dict);
  std::unique_ptr<AVDictionary, DictDeleter> unused(dict);
  context = raw;  // null after a failure
  if (ret < 0)
    return read_error ? *read_error : ffmpeg::AvError(ret, "open");
  format.reset(raw);
  return streams.Update(format.get());
}

Result<TsDemuxer::Event> TsDemuxer::Impl::Finish(const Error& error) {
  final_error = error;
  pending.clear();
  return error;
}

// Reads one packet from libavformat and turns it into zero or more queued events.
Status TsDemuxer::Impl::ReadOne() {
  AVPacket* pkt = packet.get();
  const int ret = av_read_frame(format.get(), pkt);
  if (read_error)
    return *read_error;
  if (Status s = streams.Update(format.get()); !s)
    return s;
  if (ret == AVERROR_EOF) {
    if (!streams.any_usable())
      return Error("no usable MPEG-TS program found");
    pending.emplace_back(EndOfStream{});
    return OkStatus();
  }
  if (ret < 0)
    return ffmpeg::AvError(ret, "read");
  struct Unref {
    AVPacket* p;
    ~Unref() { av_packet_unref(p); }
  } unref{pkt};
  if (static_cast<size_t>(pkt->size) > options.max_packet_bytes)
    return Error("packet of " + std::to_string(pkt->size) + " bytes over the limit");
  std::vector<DemuxEvent> events;
  const Status s = streams.Process(*format->streams[pkt->stream_index], *pkt, events);
  for (DemuxEvent& e : events) {
    if (auto* info = std::get_if<TrackInfo>(&e))
      pending.emplace_back(std::move(*info));
    else
      pending.emplace_back(std::get<Packet>(std::move(e)));
  }
  return s;
}

TsDemuxer::TsDemuxer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TsDemuxer::~TsDemuxer() = default;

uint64_t TsDemuxer::bytes_read() const {
  return impl_->bytes_read;
}

Result<std::unique_ptr<TsDemuxer>> TsDemuxer::Open(ReadFn read, Options options) {
  if (!read)
    return Error("ts demux: no read function");
  auto impl = std::make_unique<Impl>();
  impl->read = std::move(read);
  impl->options = options;
  if (Status s = impl->OpenInput(); !s)
    return s.error().Context("ts demux");
  return std::unique_ptr<TsDemuxer>(new TsDemuxer(std::move(impl)));
}

Result<TsDemuxer::Event> TsDemuxer::Next() {
  Impl& d = *impl_;
  while (true) {
    if (d.final_error)
      return *d.final_error;
    if (!d.pending.empty()) {
      if (std::holds_alternative<EndOfStream>(d.pending.front()))
        return Event(EndOfStream{});  // stays queued: repeated on later calls
      Result<Event> next(std::move(d.pending.front()));
      d.pending.pop_front();
      return next;
    }
    if (Status s = d.ReadOne(); !s)
      return d.Finish(s.error().Context("ts demux"));
  }
}

}  // namespace strait::ts
