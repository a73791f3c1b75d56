#include "codecs/ffmpeg/file_reader.h"

#include <cstdio>
#include <deque>
#include <optional>

#include "codecs/ffmpeg/codec_ids.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"

namespace strait::ffmpeg {

namespace {

struct FileCloser {
  void operator()(FILE* f) const {
    if (f)
      std::fclose(f);
  }
};

}  // namespace

struct FileReader::Impl {
  // MPEG-TS: strait's own demuxer over the file.
  std::unique_ptr<FILE, FileCloser> file;
  std::unique_ptr<ts::TsDemuxer> ts;
  // Anything else: libavformat.
  AVFormatInputPtr format;
  AVPacketPtr scratch;
  int stream_index[2] = {-1, -1};  // track id → stream index
  std::deque<TrackInfo> pending;   // announced before the first packet
  bool ended = false;
  double duration_s = 0;
};

FileReader::FileReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileReader::~FileReader() = default;

double FileReader::duration_s() const {
  return impl_->duration_s;
}

Result<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  AVFormatContext* raw = nullptr;
  if (int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); ret < 0)
    return AvError(ret, path);
  impl->format.reset(raw);
  if (impl->format->duration > 0)
    impl->duration_s = impl->format->duration / static_cast<double>(AV_TIME_BASE);
  if (std::string(impl->format->iformat->name) == "mpegts") {
    impl->format.reset();
    impl->file.reset(std::fopen(path.c_str(), "rb"));
    if (!impl->file)
      return Error(path + ": cannot open");
    FILE* f = impl->file.get();
    auto demuxer = ts::TsDemuxer::Open([f](uint8_t* buf, int size) {
      const size_t n = std::fread(buf, 1, static_cast<size_t>(size), f);
      return n > 0 ? static_cast<int>(n) : (std::ferror(f) ? -1 : 0);
    });
    if (!demuxer.ok())
      return demuxer.error().Context(path);
    impl->ts = std::move(*demuxer);
    return std::unique_ptr<FileReader>(new FileReader(std::move(impl)));
  }
  if (int ret = avformat_find_stream_info(impl->format.get(), nullptr); ret < 0)
    return AvError(ret, path + ": stream info");
  const AVMediaType types[2] = {AVMEDIA_TYPE_VIDEO, AVMEDIA_TYPE_AUDIO};
  for (uint32_t id = 0; id < 2; ++id) {
    const int index = av_find_best_stream(impl->format.get(), types[id], -1, -1, nullptr, 0);
    if (index < 0)
      continue;
    const AVStream* st = impl->format->streams[index];
    const AVCodecParameters* par = st->codecpar;
    const std::optional<CodecId> codec = FromAvCodecId(par->codec_id);
    if (!codec)
      continue;
    TrackInfo t;
    t.id = id;
    t.kind = id == 0 ? MediaKind::kVideo : MediaKind::kAudio;
    t.codec = *codec;
    t.timebase = Timebase{st->time_base.num, st->time_base.den};
    t.extradata.assign(par->extradata, par->extradata + par->extradata_size);
    t.width = par->width;
    t.height = par->height;
    if (st->avg_frame_rate.num > 0 && st->avg_frame_rate.den > 0)
      t.frame_rate = av_q2d(st->avg_frame_rate);
    t.sample_rate = par->sample_rate;
    t.channels = par->ch_layout.nb_channels;
    t.bitrate = par->bit_rate;
    impl->stream_index[id] = index;
    impl->pending.push_back(std::move(t));
  }
  if (impl->pending.empty())
    return Error(path + ": no supported video or audio stream");
  impl->scratch.reset(av_packet_alloc());
  return std::unique_ptr<FileReader>(new FileReader(std::move(impl)));
}

Result<FileReader::Event> FileReader::Next() {
  Impl& m = *impl_;
  if (m.ts)
    return m.ts->Next();
  if (!m.pending.empty()) {
    TrackInfo t = std::move(m.pending.front());
    m.pending.pop_front();
    return Event(std::move(t));
  }
  for (;;) {
    if (m.ended)
      return Event(EndOfStream{});
    AVPacket* pkt = m.scratch.get();
    const int ret = av_read_frame(m.format.get(), pkt);
    if (ret == AVERROR_EOF) {
      m.ended = true;
      continue;
    }
    if (ret < 0)
      return AvError(ret, "read");
    const int index = pkt->stream_index;
    const uint32_t id = index == m.stream_index[0] ? 0 : index == m.stream_index[1] ? 1 : 2;
    if (id == 2 || pkt->size <= 0) {
      av_packet_unref(pkt);
      continue;
    }
    const AVStream* st = m.format->streams[index];
    const int64_t dts = pkt->dts != AV_NOPTS_VALUE ? pkt->dts : pkt->pts;
    const int64_t pts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : dts;
    if (dts == AV_NOPTS_VALUE) {
      av_packet_unref(pkt);
      continue;
    }
    const std::optional<CodecId> codec = FromAvCodecId(st->codecpar->codec_id);
    Packet out(id, id == 0 ? MediaKind::kVideo : MediaKind::kAudio, *codec,
               std::vector<uint8_t>(pkt->data, pkt->data + pkt->size), pts, dts,
               Timebase{st->time_base.num, st->time_base.den},
               id == 1 || (pkt->flags & AV_PKT_FLAG_KEY));
    av_packet_unref(pkt);
    return Event(std::move(out));
  }
}

}  // namespace strait::ffmpeg
