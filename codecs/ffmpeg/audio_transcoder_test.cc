// AudioTranscoder on synthetic tones: AAC-LC / Opus out at 48 kHz stereo from s16 mono, fltp,
// AAC and MP3 input; packet pts continuous and anchored to the first input pts; the tone decodes
// back at its pitch (so resampling and encoding really happened); gaps filled, jumps followed.
#include "codecs/ffmpeg/audio_transcoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/test_media.h"

extern "C" {
#include <libavutil/channel_layout.h>
}

namespace strait::ffmpeg {
namespace {

constexpr double kTone = 440.0;

// `samples` samples of a 440 Hz sine at amplitude 0.5 starting at sample index `first`.
Frame Tone(AVSampleFormat format, int rate, int channels, int samples, int64_t first, int64_t pts) {
  AVFrame* f = av_frame_alloc();
  f->format = format;
  f->sample_rate = rate;
  f->nb_samples = samples;
  av_channel_layout_default(&f->ch_layout, channels);
  EXPECT_GE(av_frame_get_buffer(f, 0), 0);
  f->pts = pts;
  const bool planar = av_sample_fmt_is_planar(format);
  for (int i = 0; i < samples; ++i) {
    const double v = 0.5 * std::sin(2 * M_PI * kTone * static_cast<double>(first + i) / rate);
    for (int ch = 0; ch < channels; ++ch) {
      const int plane = planar ? ch : 0;
      const int index = planar ? i : i * channels + ch;
      if (format == AV_SAMPLE_FMT_S16 || format == AV_SAMPLE_FMT_S16P)
        reinterpret_cast<int16_t*>(f->data[plane])[index] = static_cast<int16_t>(v * 32767);
      else
        reinterpret_cast<float*>(f->data[plane])[index] = static_cast<float>(v);
    }
  }
  return Frame::Adopt(f);
}

struct Output {
  TrackInfo track;
  std::vector<Packet> packets;
  int delay = 0;
};

// Decodes packets with libavcodec and returns channel 0 as floats.
std::vector<float> DecodeChannel0(const Output& out) {
  const AVCodec* codec =
      avcodec_find_decoder(out.track.codec == CodecId::kAac ? AV_CODEC_ID_AAC : AV_CODEC_ID_OPUS);
  AVCodecContextPtr c(avcodec_alloc_context3(codec));
  c->extradata =
      static_cast<uint8_t*>(av_mallocz(out.track.extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::memcpy(c->extradata, out.track.extradata.data(), out.track.extradata.size());
  c->extradata_size = static_cast<int>(out.track.extradata.size());
  EXPECT_GE(avcodec_open2(c.get(), codec, nullptr), 0);
  AVPacketPtr pkt(av_packet_alloc());
  AVFramePtr frame(av_frame_alloc());
  std::vector<float> pcm;
  auto drain = [&] {
    while (avcodec_receive_frame(c.get(), frame.get()) >= 0) {
      EXPECT_TRUE(frame->format == AV_SAMPLE_FMT_FLTP || frame->format == AV_SAMPLE_FMT_FLT);
      const int step = frame->format == AV_SAMPLE_FMT_FLT ? frame->ch_layout.nb_channels : 1;
      const float* d = reinterpret_cast<const float*>(frame->data[0]);
      for (int i = 0; i < frame->nb_samples; ++i)
        pcm.push_back(d[i * step]);
      av_frame_unref(frame.get());
    }
  };
  for (const Packet& p : out.packets) {
    av_new_packet(pkt.get(), static_cast<int>(p.size()));
    std::memcpy(pkt->data, p.data().data(), p.size());
    pkt->pts = p.pts();
    EXPECT_GE(avcodec_send_packet(c.get(), pkt.get()), 0);
    av_packet_unref(pkt.get());
    drain();
  }
  avcodec_send_packet(c.get(), nullptr);
  drain();
  return pcm;
}

// RMS and the frequency (from zero crossings) of pcm[from, from + count).
void ExpectTone(const std::vector<float>& pcm, size_t from, size_t count, int rate) {
  ASSERT_GE(pcm.size(), from + count);
  double energy = 0;
  int crossings = 0;
  int sign = 0;  // with hysteresis, so that coding noise near zero adds no crossings
  for (size_t i = from; i < from + count; ++i) {
    energy += pcm[i] * pcm[i];
    const int now = pcm[i] > 0.1f ? 1 : pcm[i] < -0.1f ? -1 : sign;
    if (sign != 0 && now != sign)
      ++crossings;
    sign = now;
  }
  EXPECT_NEAR(std::sqrt(energy / count), 0.5 / std::sqrt(2.0), 0.05);
  EXPECT_NEAR(crossings / 2.0 * rate / count, kTone, 5.0);
}

void ExpectContinuous(const std::vector<Packet>& packets, int64_t step) {
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_TRUE(packets[i].keyframe());
    EXPECT_EQ(packets[i].dts(), packets[i].pts());
    EXPECT_EQ(packets[i].kind(), MediaKind::kAudio);
    if (i > 0) {
      ASSERT_EQ(packets[i].pts() - packets[i - 1].pts(), step) << "at packet " << i;
    }
  }
}

// 50 blocks of 1000 samples of 44.1 kHz s16 mono, starting at 3 s, to AAC-LC 48 kHz stereo.
Output AacFromS16Mono() {
  auto t = AudioTranscoder::CreateForPcm({1, 44100}, {});
  EXPECT_TRUE(t.ok()) << t.error().message();
  Output out;
  auto sink = [&](Packet p) { out.packets.push_back(std::move(p)); };
  for (int i = 0; i < 50; ++i) {
    const int64_t first = i * 1000;
    EXPECT_TRUE(
        (*t)->Encode(Tone(AV_SAMPLE_FMT_S16, 44100, 1, 1000, first, 132300 + first), sink).ok());
  }
  EXPECT_TRUE((*t)->Flush(sink).ok());
  out.track = (*t)->track();
  out.delay = (*t)->encoder_delay();
  return out;
}

class AudioTranscoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test_media::QuietFFmpeg(); }
};

TEST_F(AudioTranscoderTest, S16MonoToAacLc48kStereo) {
  const Output out = AacFromS16Mono();
  EXPECT_EQ(out.track.codec, CodecId::kAac);
  EXPECT_EQ(out.track.kind, MediaKind::kAudio);
  EXPECT_EQ(out.track.id, 1u);
  EXPECT_EQ(out.track.sample_rate, 48000);
  EXPECT_EQ(out.track.channels, 2);
  EXPECT_EQ(out.track.timebase, (Timebase{1, 48000}));
  auto asc = aac::ParseAudioSpecificConfig(out.track.extradata);
  ASSERT_TRUE(asc.ok()) << asc.error().message();
  EXPECT_EQ(asc->object_type, 2);  // AAC-LC
  EXPECT_EQ(asc->sample_rate, 48000);
  EXPECT_EQ(asc->channels(), 2);

  ASSERT_FALSE(out.packets.empty());
  ExpectContinuous(out.packets, 1024);
  EXPECT_EQ(out.delay, 1024);
  // 3 s into the input clock, minus the encoder priming.
  EXPECT_EQ(out.packets.front().pts(), 3 * 48000 - 1024);
  // 50000 samples at 44.1 kHz = 54422 at 48 kHz, plus priming, plus padding below one frame.
  const int64_t covered = static_cast<int64_t>(out.packets.size()) * 1024;
  EXPECT_GE(covered, 54422 + 1024);
  EXPECT_LT(covered, 54422 + 2 * 1024);

  const std::vector<float> pcm = DecodeChannel0(out);
  ExpectTone(pcm, 4096, 48000, 48000);
}

TEST_F(AudioTranscoderTest, FltpStereoWithMillisecondJitter) {
  auto t = AudioTranscoder::CreateForPcm(kMillis, {.track_id = 3});
  ASSERT_TRUE(t.ok()) << t.error().message();
  Output out;
  auto sink = [&](Packet p) { out.packets.push_back(std::move(p)); };
  for (int i = 0; i < 40; ++i) {
    const int64_t ms = 1000 + 20 * i + (i % 2);  // FLV-style jitter
    ASSERT_TRUE((*t)->Encode(Tone(AV_SAMPLE_FMT_FLTP, 48000, 2, 960, i * 960, ms), sink).ok());
  }
  ASSERT_TRUE((*t)->Flush(sink).ok());
  ExpectContinuous(out.packets, 1024);
  EXPECT_EQ(out.packets.front().pts(), 48000 - 1024);
  EXPECT_EQ(out.packets.front().track_id(), 3u);
  EXPECT_EQ(out.packets.size(), 38u + 1);  // 38400 samples = 37.5 frames, padded, + priming
}

TEST_F(AudioTranscoderTest, AacToOpus) {
  const Output aac = AacFromS16Mono();
  auto t = AudioTranscoder::Create(aac.track, {.codec = CodecId::kOpus, .bitrate = 96'000});
  if (!t.ok() && t.error().message().find("not available") != std::string::npos)
    GTEST_SKIP() << t.error().message();
  ASSERT_TRUE(t.ok()) << t.error().message();
  Output out;
  auto sink = [&](Packet p) { out.packets.push_back(std::move(p)); };
  for (const Packet& p : aac.packets)
    ASSERT_TRUE((*t)->Transcode(p, sink).ok());
  ASSERT_TRUE((*t)->Flush(sink).ok());
  out.track = (*t)->track();
  EXPECT_EQ(out.track.codec, CodecId::kOpus);
  ASSERT_GE(out.track.extradata.size(), 19u);
  EXPECT_EQ(std::string(out.track.extradata.begin(), out.track.extradata.begin() + 8), "OpusHead");
  ExpectContinuous(out.packets, 960);
  // Anchored at the first AAC packet's pts (its priming included), minus Opus's own pre-skip.
  EXPECT_EQ(out.packets.front().pts(), aac.packets.front().pts() - (*t)->encoder_delay());
  EXPECT_EQ((*t)->encoder_delay(), 312);
  ExpectTone(DecodeChannel0(out), 4096, 44000, 48000);  // the tone lasts 1.13 s
}

// MP3 input made with libmp3lame, if this FFmpeg has it.
TEST_F(AudioTranscoderTest, Mp3ToAac) {
  const AVCodec* lame = avcodec_find_encoder_by_name("libmp3lame");
  if (!lame)
    GTEST_SKIP() << "no libmp3lame to make MP3 input";
  AVCodecContextPtr enc(avcodec_alloc_context3(lame));
  enc->sample_rate = 44100;
  enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&enc->ch_layout, 2);
  enc->bit_rate = 128000;
  enc->time_base = {1, 44100};
  ASSERT_GE(avcodec_open2(enc.get(), lame, nullptr), 0);
  TrackInfo mp3;
  mp3.kind = MediaKind::kAudio;
  mp3.codec = CodecId::kMp3;
  mp3.timebase = {1, 44100};
  mp3.sample_rate = 44100;
  mp3.channels = 2;
  std::vector<Packet> input;
  AVPacketPtr pkt(av_packet_alloc());
  auto drain = [&] {
    while (avcodec_receive_packet(enc.get(), pkt.get()) >= 0) {
      input.emplace_back(1, MediaKind::kAudio, CodecId::kMp3,
                         std::vector<uint8_t>(pkt->data, pkt->data + pkt->size), pkt->pts, pkt->dts,
                         mp3.timebase, true);
      av_packet_unref(pkt.get());
    }
  };
  for (int i = 0; i < 40; ++i) {
    const Frame f = Tone(AV_SAMPLE_FMT_FLTP, 44100, 2, enc->frame_size, i * enc->frame_size,
                         44100 + i * enc->frame_size);
    ASSERT_GE(avcodec_send_frame(enc.get(), f.av()), 0);
    drain();
  }
  avcodec_send_frame(enc.get(), nullptr);
  drain();
  ASSERT_GT(input.size(), 30u);

  auto t = AudioTranscoder::Create(mp3, {});
  ASSERT_TRUE(t.ok()) << t.error().message();
  Output out;
  auto sink = [&](Packet p) { out.packets.push_back(std::move(p)); };
  for (const Packet& p : input)
    ASSERT_TRUE((*t)->Transcode(p, sink).ok());
  ASSERT_TRUE((*t)->Flush(sink).ok());
  out.track = (*t)->track();
  ExpectContinuous(out.packets, 1024);
  // The first MP3 packet's pts (LAME's own priming before 1 s), rescaled, minus AAC priming.
  EXPECT_NEAR(out.packets.front().pts(),
              Rescale(input.front().pts(), mp3.timebase, {1, 48000}) - 1024, 2);
  ExpectTone(DecodeChannel0(out), 8192, 24000, 48000);
}

TEST_F(AudioTranscoderTest, FillsSmallGapsAndFollowsJumps) {
  auto t = AudioTranscoder::CreateForPcm({1, 48000}, {});
  ASSERT_TRUE(t.ok());
  std::vector<Packet> packets;
  auto sink = [&](Packet p) { packets.push_back(std::move(p)); };
  int64_t pts = 0;
  auto feed = [&](int blocks) {
    for (int i = 0; i < blocks; ++i, pts += 960)
      ASSERT_TRUE((*t)->Encode(Tone(AV_SAMPLE_FMT_FLTP, 48000, 2, 960, pts, pts), sink).ok());
  };
  feed(10);
  pts += 4800;  // a 100 ms hole: filled with silence
  feed(10);
  pts = 10 * 48000;  // a jump to 10 s: the timeline restarts there
  feed(5);
  pts = 2 * 48000;  // and back to 2 s
  feed(5);
  ASSERT_TRUE((*t)->Flush(sink).ok());

  // Up to the jump: 24000 samples (19200 + 4800 silence) padded to 24 frames, after the priming.
  std::vector<int64_t> want;
  for (int i = -1; i < 24; ++i)
    want.push_back(i * 1024);
  for (int i = 0; i < 5; ++i)  // 4800 samples padded to 5 frames
    want.push_back(10 * 48000 + i * 1024);
  for (int i = 0; i < 5; ++i)
    want.push_back(2 * 48000 + i * 1024);
  std::vector<int64_t> got;
  for (const Packet& p : packets)
    got.push_back(p.pts());
  EXPECT_EQ(got, want);
}

TEST_F(AudioTranscoderTest, RejectsWhatItCannotDo) {
  TrackInfo video;
  video.codec = CodecId::kH264;
  EXPECT_FALSE(AudioTranscoder::Create(video, {}).ok());
  EXPECT_FALSE(
      AudioTranscoder::CreateForPcm(kMillis, {.codec = CodecId::kOpus, .sample_rate = 44100}).ok());
  EXPECT_FALSE(AudioTranscoder::CreateForPcm(kMillis, {.codec = CodecId::kMp3}).ok());
  EXPECT_FALSE(AudioTranscoder::CreateForPcm(kMillis, {.channels = 0}).ok());

  auto pcm = AudioTranscoder::CreateForPcm(kMillis, {});
  ASSERT_TRUE(pcm.ok());
  EXPECT_FALSE((*pcm)->Transcode(Packet(), [](Packet) {}).ok());
  EXPECT_FALSE((*pcm)->Encode(Frame(), [](Packet) {}).ok());
  ASSERT_TRUE((*pcm)->Flush([](Packet) {}).ok());  // nothing in: nothing out
  EXPECT_FALSE((*pcm)->Encode(Tone(AV_SAMPLE_FMT_FLTP, 48000, 2, 960, 0, 0), [](Packet) {}).ok());
}

}  // namespace
}  // namespace strait::ffmpeg
