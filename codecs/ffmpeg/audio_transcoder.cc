#include "codecs/ffmpeg/audio_transcoder.h"

#include "codecs/ffmpeg/codec_ids.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "codecs/ffmpeg/codec_loop.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/samplefmt.h>
}

namespace strait::ffmpeg {
namespace {

const AVCodec* FindAudioDecoder(CodecId codec) {
  if (KindOf(codec) != MediaKind::kAudio)
    return nullptr;
  return avcodec_find_decoder(ToAvCodecId(codec));
}

// Planar float where the encoder takes it (aac), else interleaved float (libopus), else its first.
AVSampleFormat PickSampleFormat(const AVCodec* encoder) {
  const AVSampleFormat* fmts = encoder->sample_fmts;
  if (!fmts)
    return AV_SAMPLE_FMT_FLTP;
  for (AVSampleFormat want : {AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_FLT}) {
    for (const AVSampleFormat* f = fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
      if (*f == want)
        return want;
    }
  }
  return fmts[0];
}

// An empty audio frame with buffers for `samples` samples in the encoder's format and layout.
Result<AVFramePtr> AllocAudio(const AVCodecContext* enc, int samples) {
  AVFramePtr f(av_frame_alloc());
  if (!f)
    return Error("out of memory");
  f->format = enc->sample_fmt;
  f->sample_rate = enc->sample_rate;
  f->nb_samples = samples;
  if (int err = av_channel_layout_copy(&f->ch_layout, &enc->ch_layout); err < 0)
    return AvError(err, "channel layout");
  if (int err = av_frame_get_buffer(f.get(), 0); err < 0)
    return AvError(err, "allocate audio frame");
  return f;
}

}  // namespace

struct AudioTranscoder::Impl {
  AudioTranscoderOptions options;
  TrackInfo track;
  std::string what;  // error context: "aac -> opus"
  Timebase in_tb;
  AVCodecContextPtr decoder;  // null for PCM input
  AVCodecContextPtr encoder;
  AVPacketPtr packet{av_packet_alloc()};
  AVFramePtr frame{av_frame_alloc()};
  AVAudioFifoPtr fifo;
  SwrContextPtr swr;  // for the input format below; rebuilt when it changes
  int swr_rate = 0;
  int swr_format = -1;
  AVChannelLayout swr_layout{};
  int64_t fifo_pts = kNoTimestamp;  // output-rate pts of the first sample in the FIFO
  bool flushed = false;

  ~Impl() { av_channel_layout_uninit(&swr_layout); }

  int rate() const { return encoder->sample_rate; }
  int frame_size() const { return encoder->frame_size > 0 ? encoder->frame_size : 1024; }

  Status Emit(AVPacket* pkt, const PacketSink& sink) {
    const int64_t pts = pkt->pts == AV_NOPTS_VALUE ? kNoTimestamp : pkt->pts;
    sink(Packet(options.track_id, MediaKind::kAudio, options.codec,
                std::vector<uint8_t>(pkt->data, pkt->data + pkt->size), pts,
                pkt->dts == AV_NOPTS_VALUE ? pts : pkt->dts, track.timebase, true));
    return OkStatus();
  }

  Status WriteFifo(AVFrame* f) {
    if (av_audio_fifo_write(fifo.get(), reinterpret_cast<void**>(f->extended_data), f->nb_samples) <
        f->nb_samples) {
      return Error(what + ": sample FIFO out of memory");
    }
    return OkStatus();
  }

  Status PushSilence(int64_t samples) {
    Result<AVFramePtr> f = AllocAudio(encoder.get(), static_cast<int>(samples));
    if (!f.ok())
      return f.error().Context(what);
    av_samples_set_silence((*f)->extended_data, 0, (*f)->nb_samples, encoder->ch_layout.nb_channels,
                           encoder->sample_fmt);
    return WriteFifo(f->get());
  }

  // Encodes whole frames from the FIFO; with `pad`, a partial last frame is filled with silence.
  Status EncodeFifo(bool pad, const PacketSink& sink) {
    const int size = frame_size();
    const int have = av_audio_fifo_size(fifo.get());
    if (pad && have % size != 0) {
      if (Status s = PushSilence(size - have % size); !s)
        return s;
    }
    while (av_audio_fifo_size(fifo.get()) >= size) {
      Result<AVFramePtr> f = AllocAudio(encoder.get(), size);
      if (!f.ok())
        return f.error().Context(what);
      if (av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>((*f)->extended_data), size) <
          size) {
        return Error(what + ": sample FIFO read");
      }
      (*f)->pts = fifo_pts;
      fifo_pts += size;
      if (Status s = EncodeLoop(
              encoder.get(), f->get(), packet.get(), [&](AVPacket* pkt) { return Emit(pkt, sink); },
              what);
          !s) {
        return s;
      }
    }
    return OkStatus();
  }

  // Resampler output still held back (filter delay) goes into the FIFO; the resampler is dropped.
  Status DrainResampler() {
    if (!swr)
      return OkStatus();
    const int64_t pending = swr_get_delay(swr.get(), rate()) + 32;
    Result<AVFramePtr> out = AllocAudio(encoder.get(), static_cast<int>(pending));
    if (!out.ok())
      return out.error().Context(what);
    const int n = swr_convert(swr.get(), (*out)->extended_data, (*out)->nb_samples, nullptr, 0);
    swr.reset();
    if (n < 0)
      return AvError(n, what + ": resample");
    (*out)->nb_samples = n;
    return n > 0 ? WriteFifo(out->get()) : OkStatus();
  }

  Status EnsureResampler(const AVFrame* in) {
    AVChannelLayout layout{};
    if (in->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || !av_channel_layout_check(&in->ch_layout))
      av_channel_layout_default(&layout, in->ch_layout.nb_channels);
    else if (int err = av_channel_layout_copy(&layout, &in->ch_layout); err < 0)
      return AvError(err, what);
    if (swr && swr_rate == in->sample_rate && swr_format == in->format &&
        av_channel_layout_compare(&swr_layout, &layout) == 0) {
      av_channel_layout_uninit(&layout);
      return OkStatus();
    }
    if (Status s = DrainResampler(); !s) {
      av_channel_layout_uninit(&layout);
      return s;
    }
    av_channel_layout_uninit(&swr_layout);
    swr_layout = layout;  // takes over the allocation, if any
    swr_rate = in->sample_rate;
    swr_format = in->format;
    SwrContext* raw = nullptr;
    int err =
        swr_alloc_set_opts2(&raw, &encoder->ch_layout, encoder->sample_fmt, rate(), &swr_layout,
                            static_cast<AVSampleFormat>(in->format), in->sample_rate, 0, nullptr);
    swr.reset(raw);
    if (err >= 0 && swr_layout.nb_channels == 1 && encoder->ch_layout.nb_channels == 2) {
      // A mono source (a lavalier mic) goes to both channels at full level; swresample's default
      // upmix would make it 3 dB quieter.
      const double both[2] = {1.0, 1.0};
      err = swr_set_matrix(swr.get(), both, 1);
    }
    if (err >= 0)
      err = swr_init(swr.get());
    if (err < 0) {
      swr.reset();
      return AvError(err, what + ": resampler for " + std::to_string(in->sample_rate) + " Hz " +
                              std::to_string(layout.nb_channels) + " ch");
    }
    return OkStatus();
  }

  // One block of decoded samples with pts in the input timebase.
  Status Push(const AVFrame* in, const PacketSink& sink) {
    if (in->nb_samples <= 0)
      return OkStatus();
    if (in->sample_rate <= 0 || in->ch_layout.nb_channels <= 0 || in->format < 0)
      return Error(what + ": audio frame without rate, channels or format");
    if (Status s = EnsureResampler(in); !s)
      return s;
    const Timebase out_tb{1, rate()};
    if (in->pts != AV_NOPTS_VALUE) {
      const int64_t at = Rescale(in->pts, in_tb, out_tb);
      if (fifo_pts == kNoTimestamp) {
        fifo_pts = at;
      } else {
        const int64_t expected =
            fifo_pts + av_audio_fifo_size(fifo.get()) + swr_get_delay(swr.get(), rate());
        if (std::llabs(at - expected) > rate() / 50) {
          // A gap or a jump: the resampler's tail goes out first, on the old timeline.
          if (Status s = DrainResampler(); !s)
            return s;
          const int64_t gap = at - (fifo_pts + av_audio_fifo_size(fifo.get()));
          if (gap > 0 && gap <= rate()) {
            if (Status s = PushSilence(gap); !s)  // a gap: the output stays continuous
              return s;
          } else {  // a jump: finish the old timeline, restart at the new pts
            if (Status s = EncodeFifo(/*pad=*/true, sink); !s)
              return s;
            fifo_pts = at;
          }
          if (Status s = EnsureResampler(in); !s)
            return s;
        }
      }
    } else if (fifo_pts == kNoTimestamp) {
      fifo_pts = 0;
    }
    const int room = swr_get_out_samples(swr.get(), in->nb_samples);
    Result<AVFramePtr> out = AllocAudio(encoder.get(), room > 0 ? room : 1);
    if (!out.ok())
      return out.error().Context(what);
    const int n = swr_convert(swr.get(), (*out)->extended_data, (*out)->nb_samples,
                              const_cast<const uint8_t**>(in->extended_data), in->nb_samples);
    if (n < 0)
      return AvError(n, what + ": resample");
    (*out)->nb_samples = n;
    if (Status s = WriteFifo(out->get()); !s)
      return s;
    return EncodeFifo(/*pad=*/false, sink);
  }

  Status Decode(const AVPacket* pkt, const PacketSink& sink) {
    return DecodeLoop(
        decoder.get(), pkt, frame.get(),
        [&](AVFrame* f) {
          f->pts = f->best_effort_timestamp;
          return Push(f, sink);
        },
        what);
  }
};

AudioTranscoder::AudioTranscoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioTranscoder::~AudioTranscoder() = default;

const TrackInfo& AudioTranscoder::track() const {
  return impl_->track;
}

int AudioTranscoder::encoder_delay() const {
  return impl_->encoder->initial_padding;
}

Result<std::unique_ptr<AudioTranscoder>> AudioTranscoder::CreateForPcm(
    Timebase input_timebase,
    const AudioTranscoderOptions& o) {
  const std::string what = "audio " + std::string(CodecName(o.codec)) + " encode";
  if (input_timebase.num <= 0 || input_timebase.den <= 0)
    return Error(what + ": bad input timebase");
  if (o.sample_rate <= 0 || o.channels <= 0 || o.channels > 8 || o.bitrate <= 0)
    return Error(what + ": bad sample rate, channels or bitrate");
  const AVCodec* codec = nullptr;
  if (o.codec == CodecId::kAac) {
    codec = avcodec_find_encoder_by_name("aac");
  } else if (o.codec == CodecId::kOpus) {
    if (o.sample_rate != 48000)
      return Error(what + ": Opus is encoded at 48000 Hz only");
    codec = avcodec_find_encoder_by_name("libopus");
  } else {
    return Error(what + ": only AAC and Opus are encoded");
  }
  if (!codec)
    return Error(what + ": encoder not available in this FFmpeg build");

  auto impl = std::make_unique<Impl>();
  impl->options = o;
  impl->what = what;
  impl->in_tb = input_timebase;
  impl->encoder.reset(avcodec_alloc_context3(codec));
  if (!impl->encoder || !impl->packet || !impl->frame)
    return Error(what + ": out of memory");
  AVCodecContext* c = impl->encoder.get();
  c->sample_rate = o.sample_rate;
  c->sample_fmt = PickSampleFormat(codec);
  av_channel_layout_default(&c->ch_layout, o.channels);
  c->bit_rate = o.bitrate;
  c->time_base = AVRational{1, o.sample_rate};
  c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (o.codec == CodecId::kAac)
    c->profile = FF_PROFILE_AAC_LOW;
  if (int err = avcodec_open2(c, codec, nullptr); err < 0)
    return AvError(err, what + ": open " + codec->name);
  impl->fifo.reset(av_audio_fifo_alloc(c->sample_fmt, o.channels, 4 * impl->frame_size()));
  if (!impl->fifo)
    return Error(what + ": out of memory");

  TrackInfo& t = impl->track;
  t.id = o.track_id;
  t.kind = MediaKind::kAudio;
  t.codec = o.codec;
  t.timebase = Timebase{1, o.sample_rate};
  if (c->extradata && c->extradata_size > 0)
    t.extradata.assign(c->extradata, c->extradata + c->extradata_size);
  t.sample_rate = o.sample_rate;
  t.channels = o.channels;
  t.bitrate = o.bitrate;
  return std::unique_ptr<AudioTranscoder>(new AudioTranscoder(std::move(impl)));
}

Result<std::unique_ptr<AudioTranscoder>> AudioTranscoder::Create(
    const TrackInfo& input,
    const AudioTranscoderOptions& options) {
  const std::string what = "audio " + std::string(CodecName(input.codec)) + " -> " +
                           std::string(CodecName(options.codec));
  const AVCodec* codec = FindAudioDecoder(input.codec);
  if (!codec)
    return Error(what + ": no decoder for this codec");
  auto made = CreateForPcm(input.timebase, options);
  if (!made.ok())
    return made.error().Context(what);
  Impl& impl = *(*made)->impl_;
  impl.what = what;
  impl.decoder.reset(avcodec_alloc_context3(codec));
  if (!impl.decoder)
    return Error(what + ": out of memory");
  AVCodecContext* d = impl.decoder.get();
  d->pkt_timebase = AVRational{input.timebase.num, input.timebase.den};
  if (input.sample_rate > 0)
    d->sample_rate = input.sample_rate;  // hints; the bitstream or extradata decides
  if (input.channels > 0)
    av_channel_layout_default(&d->ch_layout, input.channels);
  if (Status s = SetExtradata(d, input.extradata.data(), input.extradata.size()); !s)
    return s.error().Context(what);
  if (int err = avcodec_open2(d, codec, nullptr); err < 0)
    return AvError(err, what + ": open decoder");
  return made;
}

Status AudioTranscoder::Transcode(const Packet& packet, const PacketSink& sink) {
  Impl& t = *impl_;
  if (!t.decoder)
    return Error(t.what + ": created for PCM input");
  if (t.flushed)
    return Error(t.what + ": input after flush");
  if (packet.size() == 0)
    return OkStatus();
  AVPacket* pkt = t.packet.get();
  av_packet_unref(pkt);
  if (int err = av_new_packet(pkt, static_cast<int>(packet.size())); err < 0)
    return AvError(err, t.what);
  std::memcpy(pkt->data, packet.data().data(), packet.size());
  auto convert = [&](int64_t ts) {
    if (ts == kNoTimestamp)
      return static_cast<int64_t>(AV_NOPTS_VALUE);
    return packet.timebase() == t.in_tb ? ts : Rescale(ts, packet.timebase(), t.in_tb);
  };
  pkt->pts = convert(packet.pts());
  pkt->dts = convert(packet.dts());
  Status s = t.Decode(pkt, sink);
  av_packet_unref(pkt);
  return s;
}

Status AudioTranscoder::Encode(const Frame& pcm, const PacketSink& sink) {
  Impl& t = *impl_;
  if (t.decoder)
    return Error(t.what + ": created for compressed input");
  if (t.flushed)
    return Error(t.what + ": input after flush");
  if (!pcm.av())
    return Error(t.what + ": empty frame");
  return t.Push(pcm.av(), sink);
}

Status AudioTranscoder::Flush(const PacketSink& sink) {
  Impl& t = *impl_;
  if (t.flushed)
    return OkStatus();
  t.flushed = true;
  if (t.decoder) {
    if (Status s = t.Decode(nullptr, sink); !s)
      return s;
  }
  if (Status s = t.DrainResampler(); !s)
    return s;
  if (t.fifo_pts != kNoTimestamp) {
    if (Status s = t.EncodeFifo(/*pad=*/true, sink); !s)
      return s;
  }
  return EncodeLoop(
      t.encoder.get(), nullptr, t.packet.get(), [&](AVPacket* pkt) { return t.Emit(pkt, sink); },
      t.what);
}

}  // namespace strait::ffmpeg
