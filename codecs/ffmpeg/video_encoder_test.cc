// VideoEncoder on real libx264 output: forced IDRs land exactly where asked and carry SPS/PPS,
// packets are length-prefixed with dts == pts in the input timebase, and track() describes the
// stream with a parseable avcC. h264_nvenc is tried and skipped without an NVIDIA GPU.
#include "codecs/ffmpeg/video_encoder.h"

#include <gtest/gtest.h>

#include <set>

#include "codecs/cuda/scaler.h"
#include "codecs/ffmpeg/scaler.h"
#include "codecs/ffmpeg/test_media.h"
#include "codecs/ffmpeg/video_decoder.h"
#include "codecs/h264/avc_config.h"
#include "codecs/hevc/hevc_config.h"

namespace strait::ffmpeg {
namespace {

using test_media::Contains;
using test_media::NalTypes;
using test_media::Picture;

VideoEncoderOptions Options(int width = 320, int height = 240) {
  VideoEncoderOptions o;
  o.width = width;
  o.height = height;
  o.timebase = kMillis;
  o.fps = 30;
  o.bitrate = 300'000;
  o.maxrate = 300'000;
  o.bufsize = 600'000;
  return o;
}

std::vector<Packet> EncodeFrames(VideoEncoder& enc,
                                 int count,
                                 const std::set<int>& idr,
                                 int width = 320,
                                 int height = 240) {
  std::vector<Packet> out;
  auto sink = [&](Packet p) { out.push_back(std::move(p)); };
  for (int i = 0; i < count; ++i) {
    const Frame f = Picture(width, height, 1000 + i * 33, i);
    EXPECT_TRUE(enc.Encode(f, idr.count(i) > 0, sink).ok());
  }
  EXPECT_TRUE(enc.Flush(sink).ok());
  return out;
}

class VideoEncoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test_media::QuietFFmpeg(); }
};

TEST_F(VideoEncoderTest, ForcedIdrsAreTheOnlyKeyframesAndCarrySpsPps) {
  auto enc = VideoEncoder::Create(Options());
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  const std::set<int> forced = {0, 7, 19, 20};
  const std::vector<Packet> packets = EncodeFrames(**enc, 30, forced);
  ASSERT_EQ(packets.size(), 30u);
  for (size_t i = 0; i < packets.size(); ++i) {
    const Packet& p = packets[i];
    SCOPED_TRACE("packet " + std::to_string(i));
    const std::vector<int> types = NalTypes(p);
    ASSERT_FALSE(types.empty()) << "not length-prefixed";
    EXPECT_EQ(p.pts(), 1000 + static_cast<int64_t>(i) * 33);
    EXPECT_EQ(p.dts(), p.pts());
    EXPECT_EQ(p.timebase(), kMillis);
    EXPECT_EQ(p.codec(), CodecId::kH264);
    EXPECT_EQ(p.kind(), MediaKind::kVideo);
    const bool want_key = forced.count(static_cast<int>(i)) > 0;
    EXPECT_EQ(p.keyframe(), want_key);
    EXPECT_EQ(Contains(types, 5), want_key);  // IDR slice
    EXPECT_EQ(Contains(types, 7), want_key);  // SPS
    EXPECT_EQ(Contains(types, 8), want_key);  // PPS
    if (want_key) {
      // Parameter sets precede the slice.
      EXPECT_LT(std::find(types.begin(), types.end(), 7) - types.begin(),
                std::find(types.begin(), types.end(), 5) - types.begin());
    } else {
      EXPECT_TRUE(Contains(types, 1));  // a non-IDR slice
    }
  }
}

// More than one thread: x264 encodes whole frames in parallel, not slices of one (zerolatency's
// choice): each extra thread holds one picture back, and forced IDRs still land exactly.
TEST_F(VideoEncoderTest, SeveralThreadsEncodeFramesInParallelWithForcedIdrsInPlace) {
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    VideoEncoderOptions o = Options();
    o.threads = threads;
    auto enc = VideoEncoder::Create(o);
    ASSERT_TRUE(enc.ok()) << enc.error().message();
    std::vector<Packet> out;
    auto sink = [&](Packet p) { out.push_back(std::move(p)); };
    const std::set<int> forced = {0, 10, 25};
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(
          (*enc)->Encode(Picture(320, 240, 1000 + i * 33, i), forced.count(i) > 0, sink).ok());
      if (i >= threads - 1)  // one picture behind per extra thread, no more
        EXPECT_EQ(out.size(), static_cast<size_t>(i - threads + 2)) << "after picture " << i;
      else
        EXPECT_TRUE(out.empty()) << "after picture " << i;
    }
    ASSERT_TRUE((*enc)->Flush(sink).ok());
    ASSERT_EQ(out.size(), 30u);
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i].pts(), 1000 + static_cast<int64_t>(i) * 33);
      EXPECT_EQ(out[i].keyframe(), forced.count(static_cast<int>(i)) > 0) << i;
      EXPECT_EQ(Contains(NalTypes(out[i]), 5), forced.count(static_cast<int>(i)) > 0) << i;
    }
  }
}

// x264's defaults would insert a keyframe every 250 frames and at scene cuts; live segmenting
// needs keyframes only where the caller forces them.
TEST_F(VideoEncoderTest, NoPeriodicOrSceneCutKeyframes) {
  auto enc = VideoEncoder::Create(Options(160, 120));
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  std::vector<Packet> out;
  for (int i = 0; i < 300; ++i) {
    Frame f = Picture(160, 120, i * 33, i);
    if (i >= 150)  // an abrupt cut to different content
      test_media::FillPlane(f, 0, i % 2 ? 40 : 220);
    ASSERT_TRUE((*enc)->Encode(f, i == 0, [&](Packet p) { out.push_back(std::move(p)); }).ok());
  }
  ASSERT_EQ(out.size(), 300u);
  for (size_t i = 1; i < out.size(); ++i)
    ASSERT_FALSE(out[i].keyframe()) << "unforced keyframe at " << i;
}

TEST_F(VideoEncoderTest, TrackCarriesAvcCForTheConfiguredStream) {
  VideoEncoderOptions o = Options(640, 360);
  o.profile = "main";
  o.track_id = 7;
  auto enc = VideoEncoder::Create(o);
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  const TrackInfo& t = (*enc)->track();
  EXPECT_EQ(t.id, 7u);
  EXPECT_EQ(t.kind, MediaKind::kVideo);
  EXPECT_EQ(t.codec, CodecId::kH264);
  EXPECT_EQ(t.timebase, kMillis);
  EXPECT_EQ(t.width, 640);
  EXPECT_EQ(t.height, 360);
  EXPECT_DOUBLE_EQ(t.frame_rate, 30);
  EXPECT_EQ(t.bitrate, 300'000);
  auto avcc = h264::ParseAvcConfig(t.extradata);
  ASSERT_TRUE(avcc.ok()) << avcc.error().message();
  EXPECT_EQ(avcc->profile_idc, 77);  // Main
  EXPECT_EQ(avcc->nal_length_size, 4);
  EXPECT_EQ(avcc->first_sps.width, 640);
  EXPECT_EQ(avcc->first_sps.height, 360);

  std::vector<Packet> out;
  ASSERT_TRUE((*enc)->Encode(Picture(640, 360, 0), true, [&](Packet p) { out.push_back(p); }).ok());
  ASSERT_TRUE((*enc)->Flush([&](Packet p) { out.push_back(p); }).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].track_id(), 7u);
}

TEST_F(VideoEncoderTest, WithoutInBandParameterSetsOnlyTheAvcCHasThem) {
  VideoEncoderOptions o = Options();
  o.parameter_sets_in_keyframes = false;
  auto enc = VideoEncoder::Create(o);
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  const std::vector<Packet> packets = EncodeFrames(**enc, 12, {0, 6});
  ASSERT_EQ(packets.size(), 12u);
  EXPECT_TRUE(packets[6].keyframe());
  EXPECT_TRUE(Contains(NalTypes(packets[6]), 5));
  EXPECT_FALSE(Contains(NalTypes(packets[6]), 7));
}

TEST_F(VideoEncoderTest, DoesNotModifyTheSharedInputFrame) {
  auto enc = VideoEncoder::Create(Options());
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  const Frame f = Picture(320, 240, 5);
  const Frame shared = f;  // what another rendition's encoder would hold
  ASSERT_TRUE((*enc)->Encode(f, true, [](Packet) {}).ok());
  EXPECT_EQ(shared.av()->pict_type, AV_PICTURE_TYPE_NONE);
  EXPECT_EQ(f.av()->pict_type, AV_PICTURE_TYPE_NONE);
  EXPECT_EQ(f.pts(), 5);
}

// `nv12`: the same pictures with interleaved chroma (what a GPU picture downloads as) encode to
// the same bitstream as in yuv420p (libx264 keeps chroma interleaved itself); a yuv420p picture
// is then refused.
TEST_F(VideoEncoderTest, Nv12InputEncodesLikeTheSamePicturesInYuv420p) {
  VideoEncoderOptions nv12_options = Options();
  nv12_options.nv12 = true;
  auto planar = VideoEncoder::Create(Options());
  auto nv12 = VideoEncoder::Create(nv12_options);
  ASSERT_TRUE(planar.ok()) << planar.error().message();
  ASSERT_TRUE(nv12.ok()) << nv12.error().message();
  ScalerOptions so;
  so.width = 320;
  so.height = 240;
  so.nv12 = true;
  auto interleave = Scaler::Create(so);  // same size: only the chroma layout changes
  ASSERT_TRUE(interleave.ok()) << interleave.error().message();
  std::vector<Packet> a, b;
  for (int i = 0; i < 20; ++i) {
    const Frame f = Picture(320, 240, 1000 + i * 33, i);
    auto g = (*interleave)->Scale(f);
    ASSERT_TRUE(g.ok()) << g.error().message();
    ASSERT_EQ(g->layout(), Frame::Layout::kNv12);
    ASSERT_TRUE((*planar)->Encode(f, i % 10 == 0, [&](Packet p) { a.push_back(p); }).ok());
    auto s = (*nv12)->Encode(*g, i % 10 == 0, [&](Packet p) { b.push_back(p); });
    ASSERT_TRUE(s.ok()) << s.error().message();
  }
  ASSERT_TRUE((*planar)->Flush([&](Packet p) { a.push_back(p); }).ok());
  ASSERT_TRUE((*nv12)->Flush([&](Packet p) { b.push_back(p); }).ok());
  ASSERT_EQ(a.size(), 20u);
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(b[i].pts(), a[i].pts());
    EXPECT_TRUE(
        std::equal(a[i].data().begin(), a[i].data().end(), b[i].data().begin(), b[i].data().end()));
  }
  EXPECT_FALSE((*nv12)->Encode(Picture(320, 240, 0), false, [](Packet) {}).ok());
}

TEST_F(VideoEncoderTest, RejectsBadOptionsAndMismatchedFrames) {
  VideoEncoderOptions o = Options();
  o.codec = "libfoo";
  EXPECT_FALSE(VideoEncoder::Create(o).ok());
  o = Options(321, 240);  // odd width cannot be 4:2:0
  EXPECT_FALSE(VideoEncoder::Create(o).ok());
  o = Options();
  o.fps = 0;
  EXPECT_FALSE(VideoEncoder::Create(o).ok());

  auto enc = VideoEncoder::Create(Options());
  ASSERT_TRUE(enc.ok()) << enc.error().message();
  auto s = (*enc)->Encode(Picture(160, 120, 0), false, [](Packet) {});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("160x120"), std::string::npos) << s.error().message();
  EXPECT_FALSE((*enc)->Encode(Frame(), false, [](Packet) {}).ok());
  EXPECT_TRUE((*enc)->Flush([](Packet) {}).ok());
  EXPECT_FALSE((*enc)->Encode(Picture(320, 240, 0), false, [](Packet) {}).ok());
}

TEST_F(VideoEncoderTest, X265ProducesHvcCAndIdrKeyframes) {
  VideoEncoderOptions o = Options();
  o.codec = "libx265";
  auto enc = VideoEncoder::Create(o);
  if (!enc.ok())
    GTEST_SKIP() << "libx265 unavailable: " << enc.error().message();
  auto hvcc = hevc::ParseHevcConfig((*enc)->track().extradata);
  ASSERT_TRUE(hvcc.ok()) << hvcc.error().message();
  EXPECT_EQ(hvcc->width, 320);
  EXPECT_EQ(hvcc->height, 240);
  const std::vector<Packet> packets = EncodeFrames(**enc, 8, {0, 5});
  ASSERT_EQ(packets.size(), 8u);
  for (size_t i = 0; i < packets.size(); ++i) {
    const std::vector<int> types = NalTypes(packets[i], /*hevc=*/true);
    ASSERT_FALSE(types.empty());
    const bool key = i == 0 || i == 5;
    EXPECT_EQ(packets[i].keyframe(), key) << i;
    EXPECT_EQ(Contains(types, 19) || Contains(types, 20), key) << i;  // IDR_W_RADL / IDR_N_LP
    EXPECT_EQ(Contains(types, 33), key) << i;                         // SPS
    EXPECT_EQ(packets[i].dts(), packets[i].pts());
  }
}

// No CUDA device on CI machines: the encoder must fail to open with a clear error, and the test
// skips. Where a GPU is present it must behave like libx264.
TEST_F(VideoEncoderTest, NvencOpensOrSaysWhy) {
  VideoEncoderOptions o = Options();
  o.codec = "h264_nvenc";
  auto enc = VideoEncoder::Create(o);
  if (!enc.ok()) {
    EXPECT_NE(enc.error().message().find("h264_nvenc"), std::string::npos);
    GTEST_SKIP() << "h264_nvenc cannot open here: " << enc.error().message();
  }
  const std::vector<Packet> packets = EncodeFrames(**enc, 10, {0, 4});
  ASSERT_EQ(packets.size(), 10u);
  for (size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(packets[i].keyframe(), i == 0 || i == 4) << i;
    EXPECT_EQ(Contains(NalTypes(packets[i]), 5), i == 0 || i == 4) << i;
  }
}

// Zero copy: NVENC reads GPU frames of the CUDA scaler's frames context in place; forced IDRs
// and the pictures survive (decoded back on the CPU).
TEST_F(VideoEncoderTest, NvencReadsGpuFramesInPlace) {
  std::string why;
  if (!cuda::DeviceAvailable(&why))
    GTEST_SKIP() << why;
  VideoEncoderOptions o = Options();
  auto uploader = cuda::Scaler::Create(o.width, o.height);
  ASSERT_TRUE(uploader.ok()) << uploader.error().message();
  auto frames = (*uploader)->DeviceFrames(nullptr);
  ASSERT_TRUE(frames.ok()) << frames.error().message();
  o.codec = "h264_nvenc";
  o.device_frames = *frames;
  auto enc = VideoEncoder::Create(o);
  if (!enc.ok())
    GTEST_SKIP() << "h264_nvenc cannot open on GPU frames here: " << enc.error().message();
  auto nv12 = Scaler::Create({o.width, o.height, ScaleFilter::kBilinear, true});
  ASSERT_TRUE(nv12.ok());
  std::vector<Packet> packets;
  std::vector<Frame> sources;
  for (int i = 0; i < 10; ++i) {
    sources.push_back(test_media::Picture(o.width, o.height, i * 40, i));
    auto host = (*nv12)->Scale(sources.back());
    ASSERT_TRUE(host.ok());
    auto gpu = (*uploader)->Upload(*host);
    ASSERT_TRUE(gpu.ok()) << gpu.error().message();
    ASSERT_TRUE(
        (*enc)
            ->Encode(*gpu, i == 0 || i == 4, [&](Packet p) { packets.push_back(std::move(p)); })
            .ok());
  }
  ASSERT_TRUE((*enc)->Flush([&](Packet p) { packets.push_back(std::move(p)); }).ok());
  ASSERT_EQ(packets.size(), 10u);
  for (size_t i = 0; i < packets.size(); ++i)
    EXPECT_EQ(Contains(NalTypes(packets[i]), 5), i == 0 || i == 4) << i;
  auto dec = VideoDecoder::Create((*enc)->track());
  ASSERT_TRUE(dec.ok());
  std::vector<Frame> decoded;
  for (const Packet& p : packets)
    ASSERT_TRUE((*dec)->Decode(p, [&](Frame f) { decoded.push_back(std::move(f)); }).ok());
  ASSERT_TRUE((*dec)->Flush([&](Frame f) { decoded.push_back(std::move(f)); }).ok());
  ASSERT_EQ(decoded.size(), sources.size());
  for (size_t i = 0; i < decoded.size(); ++i)
    EXPECT_LT(test_media::LumaDifference(decoded[i], sources[i]), 6.0) << i;
}

}  // namespace
}  // namespace strait::ffmpeg
