// VideoDecoder on streams made in-process by VideoEncoder: every frame comes back with its pts
// and picture, a resolution change (in-band or through UpdateTrack) shows up as frames of the new
// size, 10-bit input stays 10-bit, HEVC works with hvcC, and garbage does not wedge the decoder.
#include "codecs/ffmpeg/video_decoder.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/test_media.h"
#include "codecs/ffmpeg/video_encoder.h"

namespace strait::ffmpeg {
namespace {

using test_media::Picture;

struct Encoded {
  TrackInfo track;
  std::vector<Packet> packets;
  std::vector<Frame> sources;
};

Encoded Encode(int width,
               int height,
               int count,
               int64_t first_pts,
               std::set<int> idr,
               VideoEncoderOptions o = {}) {
  o.width = width;
  o.height = height;
  o.timebase = kMillis;
  o.fps = 25;
  Encoded e;
  auto enc = VideoEncoder::Create(o);
  EXPECT_TRUE(enc.ok()) << enc.error().message();
  if (!enc.ok())
    return e;
  e.track = (*enc)->track();
  auto sink = [&](Packet p) { e.packets.push_back(std::move(p)); };
  const int format = o.pixel_format < 0 ? AV_PIX_FMT_YUV420P : o.pixel_format;
  for (int i = 0; i < count; ++i) {
    e.sources.push_back(Picture(width, height, first_pts + i * 40, i, format));
    EXPECT_TRUE((*enc)->Encode(e.sources.back(), idr.count(i) > 0, sink).ok());
  }
  EXPECT_TRUE((*enc)->Flush(sink).ok());
  return e;
}

class VideoDecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test_media::QuietFFmpeg(); }

  Status DecodeAll(VideoDecoder& dec, const std::vector<Packet>& packets) {
    for (const Packet& p : packets) {
      if (Status s = dec.Decode(p, sink_); !s)
        return s;
    }
    return OkStatus();
  }

  // The same packets through a GPU decoder (`options`) and the CPU one: returns the GPU's frames,
  // leaves the CPU's in frames_. Sets `why` (and returns nothing) when the GPU decoder does not
  // open here.
  static VideoDecoderOptions Nvdec(bool keep_on_device) {
    VideoDecoderOptions o;
    o.hardware = VideoDecoderOptions::Hardware::kCuda;
    o.keep_on_device = keep_on_device;
    return o;
  }

  std::vector<Frame> DecodeOnGpuAndCpu(const Encoded& e,
                                       const VideoDecoderOptions& options,
                                       std::string* why) {
    auto gpu = VideoDecoder::Create(e.track, options);
    if (!gpu.ok()) {
      *why = gpu.error().message();
      return {};
    }
    EXPECT_TRUE(DecodeAll(**gpu, e.packets).ok());
    EXPECT_TRUE((*gpu)->Flush(sink_).ok());
    gpu_fallback_ = (*gpu)->fallback();
    std::vector<Frame> gpu_frames = std::move(frames_);
    frames_.clear();
    auto cpu = VideoDecoder::Create(e.track);
    EXPECT_TRUE(cpu.ok());
    if (cpu.ok()) {
      EXPECT_TRUE(DecodeAll(**cpu, e.packets).ok());
      EXPECT_TRUE((*cpu)->Flush(sink_).ok());
    }
    return gpu_frames;
  }

  std::string gpu_fallback_;  // DecodeOnGpuAndCpu's GPU decoder's fallback()
  std::vector<Frame> frames_;
  VideoDecoder::FrameSink sink_ = [this](Frame f) { frames_.push_back(std::move(f)); };
};

TEST_F(VideoDecoderTest, RoundTripKeepsPtsAndPictures) {
  const Encoded e = Encode(320, 240, 20, 500, {0, 10});
  auto dec = VideoDecoder::Create(e.track);  // threads = auto: frame threading delays output
  ASSERT_TRUE(dec.ok()) << dec.error().message();
  ASSERT_TRUE(DecodeAll(**dec, e.packets).ok());
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 20u);
  for (size_t i = 0; i < frames_.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i));
    EXPECT_EQ(frames_[i].width(), 320);
    EXPECT_EQ(frames_[i].height(), 240);
    EXPECT_EQ(frames_[i].av()->format, AV_PIX_FMT_YUV420P);
    EXPECT_EQ(frames_[i].pts(), 500 + static_cast<int64_t>(i) * 40);
    EXPECT_LT(test_media::LumaDifference(frames_[i], e.sources[i]), 6.0);
  }
  // Wrong source frame: the comparison must be able to fail.
  EXPECT_GT(test_media::LumaDifference(frames_[3], e.sources[12]), 6.0);
  // After Flush the decoder takes a stream again, from a keyframe.
  frames_.clear();
  ASSERT_TRUE(DecodeAll(**dec, std::vector<Packet>(e.packets.begin() + 10, e.packets.end())).ok());
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 10u);
  EXPECT_EQ(frames_[0].pts(), 900);
}

// A stream damaged in transit (bytes of a P picture's slice overwritten) decodes with concealment:
// those pictures say so (Frame::damaged, counted by the transcoder); an intact one has none.
TEST_F(VideoDecoderTest, ConcealedPicturesAreMarkedDamaged) {
  const Encoded e = Encode(320, 240, 20, 0, {0, 10});
  auto count_damaged = [&](const std::vector<Packet>& packets) {
    frames_.clear();
    auto dec = VideoDecoder::Create(e.track);
    EXPECT_TRUE(dec.ok());
    (void)DecodeAll(**dec, packets);
    (void)(*dec)->Flush(sink_);
    return std::count_if(frames_.begin(), frames_.end(),
                         [](const Frame& f) { return f.damaged(); });
  };
  EXPECT_EQ(count_damaged(e.packets), 0);
  std::vector<Packet> damaged = e.packets;
  const Packet& p = damaged[3];
  std::vector<uint8_t> bytes(p.data().begin(), p.data().end());
  ASSERT_GT(bytes.size(), 40u);
  for (size_t i = bytes.size() / 2; i < bytes.size(); ++i)
    bytes[i] = static_cast<uint8_t>(i * 37);
  damaged[3] = Packet(p.track_id(), p.kind(), p.codec(), std::move(bytes), p.pts(), p.dts(),
                      p.timebase(), p.keyframe());
  EXPECT_GE(count_damaged(damaged), 1);
}

// NVDEC where an NVIDIA GPU exists, checked against the CPU decoder (the reference); elsewhere
// Create says why and the test skips.
TEST_F(VideoDecoderTest, NvdecMatchesTheCpuDecoder) {
  const Encoded e = Encode(320, 240, 10, 0, {0});
  std::string why;
  const std::vector<Frame> gpu_frames = DecodeOnGpuAndCpu(e, Nvdec(false), &why);
  if (!why.empty()) {
    EXPECT_NE(why.find("CUDA"), std::string::npos) << why;
    GTEST_SKIP() << why;
  }
  EXPECT_EQ(gpu_fallback_, "");
  ASSERT_EQ(gpu_frames.size(), frames_.size());
  for (size_t i = 0; i < frames_.size(); ++i) {
    EXPECT_EQ(gpu_frames[i].pts(), frames_[i].pts());
    EXPECT_EQ(gpu_frames[i].av()->format, AV_PIX_FMT_NV12);
    EXPECT_LT(test_media::LumaDifference(gpu_frames[i], frames_[i]), 1.0);
  }
}

// keep_on_device: the same pictures, left in GPU memory until someone downloads them.
TEST_F(VideoDecoderTest, NvdecCanKeepPicturesOnTheGpu) {
  const Encoded e = Encode(320, 240, 10, 0, {0});
  std::string why;
  const std::vector<Frame> gpu_frames = DecodeOnGpuAndCpu(e, Nvdec(true), &why);
  if (!why.empty())
    GTEST_SKIP() << why;
  EXPECT_EQ(gpu_fallback_, "");
  ASSERT_EQ(gpu_frames.size(), frames_.size());
  for (size_t i = 0; i < frames_.size(); ++i) {
    ASSERT_TRUE(gpu_frames[i].on_device());
    EXPECT_EQ(gpu_frames[i].av()->format, AV_PIX_FMT_CUDA);
    EXPECT_EQ(gpu_frames[i].layout(), Frame::Layout::kOther);  // no CPU pixels
    auto host = gpu_frames[i].Download();
    ASSERT_TRUE(host.ok()) << host.error().message();
    EXPECT_FALSE(host->on_device());
    EXPECT_EQ(host->pts(), frames_[i].pts());
    EXPECT_EQ(host->av()->format, AV_PIX_FMT_NV12);
    EXPECT_LT(test_media::LumaDifference(*host, frames_[i]), 1.0);
  }
}

// NVDEC has no 10-bit H.264 (High 10): libavcodec does not offer it the stream, the CPU decoder
// decodes it (10-bit pictures in system memory, the same as without kCuda), and fallback() says so.
TEST_F(VideoDecoderTest, NvdecFallsBackToTheCpuForTenBitH264AndSaysSo) {
  VideoEncoderOptions o;
  o.pixel_format = AV_PIX_FMT_YUV420P10LE;
  o.profile = "high10";
  const Encoded e = Encode(320, 240, 4, 0, {0}, o);
  std::string why;
  const std::vector<Frame> gpu_frames = DecodeOnGpuAndCpu(e, Nvdec(true), &why);
  if (!why.empty())
    GTEST_SKIP() << why;
  EXPECT_NE(gpu_fallback_, "");
  ASSERT_EQ(gpu_frames.size(), frames_.size());
  for (size_t i = 0; i < frames_.size(); ++i) {
    EXPECT_FALSE(gpu_frames[i].on_device());
    EXPECT_EQ(gpu_frames[i].av()->format, AV_PIX_FMT_YUV420P10LE);
    const AVFrame* a = gpu_frames[i].av();
    const AVFrame* b = frames_[i].av();
    for (int row = 0; row < a->height; ++row)  // the same decoder: the same 16-bit luma samples
      ASSERT_EQ(std::memcmp(a->data[0] + row * a->linesize[0], b->data[0] + row * b->linesize[0],
                            size_t(a->width) * 2),
                0);
  }
}

TEST_F(VideoDecoderTest, SystemMemoryPicturesAreNotOnTheGpu) {
  const Encoded e = Encode(64, 48, 2, 0, {0});
  auto cpu = VideoDecoder::Create(e.track);
  ASSERT_TRUE(cpu.ok());
  ASSERT_TRUE(DecodeAll(**cpu, e.packets).ok());
  ASSERT_TRUE((*cpu)->Flush(sink_).ok());
  ASSERT_FALSE(frames_.empty());
  EXPECT_FALSE(frames_[0].on_device());
  auto down = frames_[0].Download();
  ASSERT_FALSE(down.ok());
  EXPECT_NE(down.error().message().find("not a GPU picture"), std::string::npos);
  EXPECT_FALSE(Frame().on_device());
}

TEST_F(VideoDecoderTest, SingleThreadDecodesEachPacketAtOnce) {
  const Encoded e = Encode(160, 120, 5, 0, {0});
  auto dec = VideoDecoder::Create(e.track, {.threads = 1});
  ASSERT_TRUE(dec.ok()) << dec.error().message();
  for (size_t i = 0; i < e.packets.size(); ++i) {
    ASSERT_TRUE((*dec)->Decode(e.packets[i], sink_).ok());
    EXPECT_EQ(frames_.size(), i + 1);
  }
}

TEST_F(VideoDecoderTest, TimestampsInAnotherTimebaseAreRescaledToTheTrack) {
  const Encoded e = Encode(160, 120, 3, 1000, {0});
  auto dec = VideoDecoder::Create(e.track, {.threads = 1});
  ASSERT_TRUE(dec.ok());
  for (const Packet& p : e.packets) {
    const Packet p90 = Packet(p.track_id(), p.kind(), p.codec(),
                              std::vector<uint8_t>(p.data().begin(), p.data().end()), p.pts() * 90,
                              p.dts() * 90, kMpegTs, p.keyframe());
    ASSERT_TRUE((*dec)->Decode(p90, sink_).ok());
  }
  ASSERT_EQ(frames_.size(), 3u);
  EXPECT_EQ(frames_[2].pts(), 1080);  // milliseconds, the track's timebase
}

TEST_F(VideoDecoderTest, ResolutionChangeWithInBandParameterSets) {
  const Encoded a = Encode(320, 240, 6, 0, {0});
  const Encoded b = Encode(160, 120, 6, 240, {0});
  auto dec = VideoDecoder::Create(a.track);
  ASSERT_TRUE(dec.ok());
  ASSERT_TRUE(DecodeAll(**dec, a.packets).ok());
  ASSERT_TRUE(DecodeAll(**dec, b.packets).ok());  // no UpdateTrack: the SPS in the IDR suffices
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 12u);
  for (size_t i = 0; i < frames_.size(); ++i) {
    EXPECT_EQ(frames_[i].width(), i < 6 ? 320 : 160) << i;
    EXPECT_EQ(frames_[i].height(), i < 6 ? 240 : 120) << i;
    EXPECT_EQ(frames_[i].pts(), static_cast<int64_t>(i) * 40) << i;
  }
  EXPECT_LT(test_media::LumaDifference(frames_[8], b.sources[2]), 6.0);
}

TEST_F(VideoDecoderTest, ResolutionChangeThroughANewSequenceHeader) {
  VideoEncoderOptions out_of_band;
  out_of_band.parameter_sets_in_keyframes = false;  // as an FLV publisher sends it
  const Encoded a = Encode(320, 240, 4, 0, {0}, out_of_band);
  const Encoded b = Encode(176, 144, 4, 160, {0}, out_of_band);
  auto dec = VideoDecoder::Create(a.track, {.threads = 1});
  ASSERT_TRUE(dec.ok());
  ASSERT_TRUE(DecodeAll(**dec, a.packets).ok());
  ASSERT_TRUE((*dec)->UpdateTrack(b.track).ok());
  ASSERT_TRUE(DecodeAll(**dec, b.packets).ok());
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 8u);
  EXPECT_EQ(frames_[3].width(), 320);
  EXPECT_EQ(frames_[4].width(), 176);
  EXPECT_EQ(frames_[4].height(), 144);
  EXPECT_EQ(frames_[7].pts(), 280);
  EXPECT_EQ((*dec)->track().width, 176);

  TrackInfo hevc = b.track;
  hevc.codec = CodecId::kHevc;
  EXPECT_FALSE((*dec)->UpdateTrack(hevc).ok());
}

TEST_F(VideoDecoderTest, TenBitStaysTenBit) {
  VideoEncoderOptions o;
  o.pixel_format = AV_PIX_FMT_YUV420P10LE;
  o.profile = "high10";
  const Encoded e = Encode(320, 240, 4, 0, {0}, o);
  ASSERT_EQ(e.packets.size(), 4u);
  auto dec = VideoDecoder::Create(e.track);
  ASSERT_TRUE(dec.ok());
  ASSERT_TRUE(DecodeAll(**dec, e.packets).ok());
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 4u);
  for (const Frame& f : frames_) {
    EXPECT_EQ(f.av()->format, AV_PIX_FMT_YUV420P10LE);
    EXPECT_EQ(f.width(), 320);
  }
}

TEST_F(VideoDecoderTest, HevcFromHvcC) {
  VideoEncoderOptions o;
  o.codec = "libx265";
  o.width = o.height = 64;
  if (!VideoEncoder::Create(o).ok())
    GTEST_SKIP() << "no libx265 to make an HEVC stream";
  const Encoded e = Encode(320, 240, 6, 0, {0, 3}, o);
  ASSERT_EQ(e.track.codec, CodecId::kHevc);
  auto dec = VideoDecoder::Create(e.track);
  ASSERT_TRUE(dec.ok()) << dec.error().message();
  ASSERT_TRUE(DecodeAll(**dec, e.packets).ok());
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 6u);
  EXPECT_EQ(frames_[5].width(), 320);
  EXPECT_EQ(frames_[5].pts(), 200);
  EXPECT_LT(test_media::LumaDifference(frames_[4], e.sources[4]), 6.0);
}

// AV1 (OBUs, as MP4 and enhanced RTMP carry them) made with libaom, decoded with libdav1d; the
// extradata here is libaom's global header, a bare sequence header OBU.
TEST_F(VideoDecoderTest, Av1) {
  const AVCodec* aom = avcodec_find_encoder_by_name("libaom-av1");
  if (!aom)
    GTEST_SKIP() << "no libaom-av1 to make an AV1 stream";
  AVCodecContextPtr enc(avcodec_alloc_context3(aom));
  enc->width = 160;
  enc->height = 96;
  enc->pix_fmt = AV_PIX_FMT_YUV420P;
  enc->time_base = {1, 1000};
  enc->framerate = {25, 1};
  enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "usage", "realtime", 0);
  av_dict_set(&opts, "cpu-used", "8", 0);
  const int opened = avcodec_open2(enc.get(), aom, &opts);
  av_dict_free(&opts);
  ASSERT_GE(opened, 0);
  TrackInfo track;
  track.codec = CodecId::kAv1;
  track.timebase = kMillis;
  track.extradata.assign(enc->extradata, enc->extradata + enc->extradata_size);
  std::vector<Packet> packets;
  AVPacketPtr pkt(av_packet_alloc());
  auto drain = [&] {
    while (avcodec_receive_packet(enc.get(), pkt.get()) >= 0) {
      packets.emplace_back(0, MediaKind::kVideo, CodecId::kAv1,
                           std::vector<uint8_t>(pkt->data, pkt->data + pkt->size), pkt->pts,
                           pkt->dts, kMillis, (pkt->flags & AV_PKT_FLAG_KEY) != 0);
      av_packet_unref(pkt.get());
    }
  };
  for (int i = 0; i < 4; ++i) {
    const Frame f = Picture(160, 96, 40 * i, i);
    ASSERT_GE(avcodec_send_frame(enc.get(), f.av()), 0);
    drain();
  }
  avcodec_send_frame(enc.get(), nullptr);
  drain();
  ASSERT_EQ(packets.size(), 4u);

  auto dec = VideoDecoder::Create(track);
  ASSERT_TRUE(dec.ok()) << dec.error().message();
  ASSERT_TRUE(DecodeAll(**dec, packets).ok());
  ASSERT_TRUE((*dec)->Flush(sink_).ok());
  ASSERT_EQ(frames_.size(), 4u);
  EXPECT_EQ(frames_[3].width(), 160);
  EXPECT_EQ(frames_[3].height(), 96);
  EXPECT_EQ(frames_[3].pts(), 120);
}

TEST_F(VideoDecoderTest, GarbageIsAnErrorOrNothingAndTheNextKeyframeDecodes) {
  const Encoded e = Encode(160, 120, 4, 0, {0, 2});
  auto dec = VideoDecoder::Create(e.track, {.threads = 1});
  ASSERT_TRUE(dec.ok());
  std::vector<uint8_t> junk = {0, 0, 0, 8, 0x65, 0xff, 0x13, 0x37, 0, 1, 2, 3};
  (void)(*dec)->Decode(Packet(0, MediaKind::kVideo, CodecId::kH264, junk, 0, 0, kMillis, true),
                       sink_);
  frames_.clear();
  ASSERT_TRUE((*dec)->Decode(e.packets[2], sink_).ok());
  ASSERT_TRUE((*dec)->Decode(e.packets[3], sink_).ok());
  ASSERT_EQ(frames_.size(), 2u);
  EXPECT_EQ(frames_[0].pts(), 80);
}

TEST_F(VideoDecoderTest, RejectsTracksItCannotDecode) {
  TrackInfo t;
  t.codec = CodecId::kAac;
  EXPECT_FALSE(VideoDecoder::Create(t).ok());
  t.codec = CodecId::kH264;
  t.timebase = {1, 0};
  EXPECT_FALSE(VideoDecoder::Create(t).ok());
}

}  // namespace
}  // namespace strait::ffmpeg
