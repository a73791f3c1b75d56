// `strait transcode IN OUTDIR` as a user runs it, on real clips made by ffmpeg, and its HLS output
// checked with ffprobe: the ABR ladder's sizes and bitrates, IDRs at identical PTS on every rung,
// every segment starting with an IDR, A/V sync, and the awkward inputs real encoders send
// (resolution change mid-stream, 10-bit, odd sizes, 60 fps, no audio, audio only, MP3 audio).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "tests/support/hls_probe.h"
#include "tests/support/subprocess.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::ProbeRendition;
using test::RenditionProbe;
using test::RunCommand;
using test::TempDir;

// A clip made once per build tree (the name is the recipe); rename makes concurrent makes safe.
std::string Fixture(const std::string& name, const std::string& ffmpeg_args) {
  const std::string path = std::string(STRAIT_FIXTURE_DIR) + "/" + name;
  if (RunCommand("test -s " + path).exit_code == 0)
    return path;
  const std::string ext = name.substr(name.rfind('.'));
  const std::string tmp = path + "." + std::to_string(::getpid()) + ext;
  auto r = RunCommand("mkdir -p " + std::string(STRAIT_FIXTURE_DIR) + " && ffmpeg -v error -y " +
                          ffmpeg_args + " " + tmp + " && mv " + tmp + " " + path,
                      180s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return path;
}

// 10 s of 1080p30 with motion and noise (x264 gets real work) + 48 kHz stereo AAC.
std::string Clip1080p() {
  return Fixture("clip-1080p-10s-v1.mp4",
                 "-f lavfi -i testsrc2=size=1920x1080:rate=30,noise=alls=12:allf=t "
                 "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 10 "
                 "-c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -b:v 8M "
                 "-c:a aac -b:a 128k");
}

struct TranscodeRun {
  int exit_code = -1;
  std::string output;
  std::string dir;
};

TranscodeRun Transcode(const TempDir& tmp,
                       const std::string& input,
                       const std::string& config_yaml = "") {
  TranscodeRun run;
  run.dir = tmp.File("out");
  std::string cmd = test::StraitBinary() + " transcode " + input + " " + run.dir;
  if (!config_yaml.empty()) {
    std::ofstream(tmp.File("c.yaml")) << config_yaml;
    cmd += " --config " + tmp.File("c.yaml");
  }
  auto r = RunCommand(cmd, 180s);
  run.exit_code = r.exit_code;
  run.output = r.output;
  return run;
}

TEST(TranscodeTest, LadderFrom1080pHasAlignedIdrsAndTargetBitrates) {
  TempDir tmp;
  TranscodeRun run = Transcode(tmp, Clip1080p());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string master = test::ReadFile(run.dir + "/master.m3u8");
  struct Rung {
    const char* name;
    int width, height, kbps;
  } rungs[] = {{"720p", 1280, 720, 2500}, {"480p", 854, 480, 1200}, {"360p", 640, 360, 700}};
  // One audio rendition (the AAC passed through once) is every rung's audio group.
  EXPECT_NE(master.find("#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"audio\",DEFAULT=YES,"
                        "AUTOSELECT=YES,CHANNELS=\"2\",URI=\"audio/playlist.m3u8\""),
            std::string::npos)
      << master;
  const RenditionProbe audio = ProbeRendition(run.dir + "/audio");
  ASSERT_EQ(audio.error, "");
  ASSERT_FALSE(audio.audio_pts.empty());
  EXPECT_TRUE(audio.video.empty());
  EXPECT_NEAR(audio.audio_last_end - audio.audio_pts.front(), 10.0, 0.05);
  std::vector<double> reference_idrs;
  for (const Rung& rung : rungs) {
    SCOPED_TRACE(rung.name);
    // The master playlist describes the rung from its real output.
    std::smatch m;
    const std::regex variant(
        std::string("#EXT-X-STREAM-INF:BANDWIDTH=(\\d+),AVERAGE-BANDWIDTH=(\\d+),"
                    "RESOLUTION=") +
        std::to_string(rung.width) + "x" + std::to_string(rung.height) +
        ",FRAME-RATE=30.000,CODECS=\"avc1\\.[0-9a-f]{6},mp4a\\.40\\.2\",AUDIO=\"audio\"\n" +
        rung.name + "/playlist\\.m3u8");
    ASSERT_TRUE(std::regex_search(master, m, variant)) << master;
    EXPECT_GE(std::stoll(m[1]), std::stoll(m[2]));

    const RenditionProbe r = ProbeRendition(run.dir + "/" + rung.name);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.width, rung.width);
    EXPECT_EQ(r.height, rung.height);
    EXPECT_EQ(r.video.size(), 300u);
    EXPECT_NEAR(r.VideoKbps(), rung.kbps, rung.kbps * 0.2) << "bitrate within ±20% of target";
    ASSERT_EQ(r.segments.size(), 5u);
    for (size_t i = 0; i < r.segments.size(); ++i) {
      EXPECT_TRUE(r.segment_starts_key[i]) << r.segments[i] << " starts with a non-IDR frame";
      EXPECT_NEAR(r.segment_durations[i], 2.0, 0.05) << r.segments[i];
    }
    // IDRs only at segment boundaries, at the same PTS on every rung.
    const std::vector<double> idrs = r.KeyframePts();
    EXPECT_EQ(idrs, r.segment_first_video);
    if (reference_idrs.empty())
      reference_idrs = idrs;
    EXPECT_EQ(idrs, reference_idrs) << "keyframes not aligned with the first rung";
    // A/V: the first audio and video samples less than a frame apart; the rung itself is video.
    EXPECT_TRUE(r.audio_pts.empty());
    EXPECT_LT(std::abs(audio.audio_pts.front() - r.video.front().pts), 1 / 30.0);
  }
  EXPECT_NE(run.output.find("realtime"), std::string::npos) << run.output;
}

// 60 s of MP3 audio (decoded, resampled and encoded to AAC once) with small video: audio and video
// end where the input's do (no drift), and start together.
TEST(TranscodeTest, AvSyncHoldsOverAMinuteOfTranscodedAudio) {
  TempDir tmp;
  const std::string in =
      Fixture("clip-180p-60s-mp3-v1.ts",
              "-f lavfi -i testsrc2=size=320x180:rate=30 -f lavfi -i sine=frequency=300:"
              "sample_rate=44100 -t 60 -c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p "
              "-c:a libmp3lame -b:a 96k -f mpegts");
  TranscodeRun run =
      Transcode(tmp, in,
                "transcode:\n  ladder: small\n  ladders:\n    small:\n"
                "      - {name: 180p, height: 180, bitrate_kbps: 300, preset: ultrafast}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const RenditionProbe r = ProbeRendition(run.dir + "/180p");
  ASSERT_EQ(r.error, "");
  const RenditionProbe a = ProbeRendition(run.dir + "/audio");
  ASSERT_EQ(a.error, "");
  ASSERT_FALSE(a.audio_pts.empty());
  auto in_audio = RunCommand(
      "ffprobe -v error -select_streams a:0 -show_entries "
      "packet=pts_time,duration_time -of csv=p=0 " +
      in + " | tail -1");
  auto in_video = RunCommand(
      "ffprobe -v error -select_streams v:0 -show_entries "
      "packet=pts_time -of csv=p=0 " +
      in + " | sort -n | tail -1");
  const double in_audio_end =
      std::stod(in_audio.output) + std::stod(in_audio.output.substr(in_audio.output.find(',') + 1));
  const double in_video_last = std::stod(in_video.output);
  double out_video_last = 0;
  for (const auto& p : r.video)
    out_video_last = std::max(out_video_last, p.pts);
  EXPECT_NEAR(out_video_last, in_video_last, 0.001);
  // AAC frames are 1024 samples (21 ms) and the tail is padded to a whole frame.
  EXPECT_NEAR(a.audio_last_end, in_audio_end, 0.020 + 1024 / 48000.0);
  const double drift = (a.audio_last_end - out_video_last) - (in_audio_end - in_video_last);
  EXPECT_LT(std::abs(drift), 0.020 + 1024 / 48000.0) << "A/V drift after 60 s";
  EXPECT_LT(std::abs(a.audio_pts.front() - r.video.front().pts), 1 / 30.0 + 1024 / 48000.0);
}

// OBS changed its output size mid-stream: 640x360, then 960x540 (new SPS in the same TS).
TEST(TranscodeTest, ResolutionChangeMidStreamKeepsTheRungsGoing) {
  TempDir tmp;
  const std::string a = tmp.File("a.ts"), b = tmp.File("b.ts"), in = tmp.File("in.ts");
  const std::string common =
      " -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac -f mpegts ";
  ASSERT_EQ(RunCommand("ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i "
                       "sine=sample_rate=48000 -t 3" +
                       common + a)
                .exit_code,
            0);
  ASSERT_EQ(RunCommand("ffmpeg -v error -f lavfi -i testsrc2=size=960x540:rate=30 -f lavfi -i "
                       "sine=sample_rate=48000 -t 3 -output_ts_offset 3" +
                       common + b)
                .exit_code,
            0);
  ASSERT_EQ(RunCommand("cat " + a + " " + b + " > " + in).exit_code, 0);
  TranscodeRun run = Transcode(tmp, in);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const RenditionProbe r = ProbeRendition(run.dir + "/360p");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.width, 640);
  EXPECT_GE(r.video.size(), 170u) << "frames after the change are encoded too";
  EXPECT_GT(r.video.back().pts, 5.5);
  auto decode = RunCommand(
      "cd " + run.dir + "/360p && cat " +
      [&] {
        std::string all;
        for (const auto& s : r.segments)
          all += s + " ";
        return all;
      }() +
      "| ffprobe -v error -select_streams v -show_entries frame=width -of csv=p=0 - 2>&1 "
      ">/dev/null");  // decodes every picture; reports only errors
  EXPECT_EQ(decode.exit_code, 0);
  EXPECT_EQ(decode.output, "") << "decode errors";
  auto sizes = RunCommand(
      "ffprobe -v error -select_streams v -show_entries frame=width,height -of "
      "csv=p=0 " +
      run.dir + "/360p/" + r.segments.back() + " | sort -u");
  EXPECT_EQ(sizes.output, "640,360\n");
}

// Inputs encoders really send: 10-bit 4:4:4, odd dimensions, 60 fps (capped to 30 per rung), no
// audio.
TEST(TranscodeTest, TenBitOddSizedSixtyFpsWithoutAudio) {
  TempDir tmp;
  const std::string in =
      Fixture("clip-odd-60fps-10bit-v2.mp4",
              "-f lavfi -i testsrc2=size=641x361:rate=60 -t 4 -c:v libx264 -preset ultrafast -g 60 "
              "-pix_fmt yuv444p10le");  // 4:2:0 cannot have odd sizes; 4:4:4 can
  TranscodeRun run = Transcode(tmp, in);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string master = test::ReadFile(run.dir + "/master.m3u8");
  EXPECT_NE(master.find("RESOLUTION=640x360,FRAME-RATE=30.000,CODECS=\"avc1."), std::string::npos)
      << master;
  EXPECT_EQ(master.find("mp4a"), std::string::npos) << "no audio in, none out";
  const RenditionProbe r = ProbeRendition(run.dir + "/360p");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.pix_fmt, "yuv420p");
  EXPECT_EQ(r.width, 640);
  EXPECT_NEAR(static_cast<double>(r.video.size()), 120, 2) << "60 fps capped to 30";
  EXPECT_TRUE(r.audio_pts.empty());
  for (bool key : r.segment_starts_key)
    EXPECT_TRUE(key);
}

// `scaler: cuda` + `decoder: cuda` use the GPU kernel and NVDEC where a device exists; elsewhere
// they say so and run on the CPU — the output is the same ladder either way.
TEST(TranscodeTest, CudaScalerRunsOrFallsBackToTheCpu) {
  TempDir tmp;
  const std::string in = tmp.File("in.mp4");
  ASSERT_EQ(RunCommand("ffmpeg -v error -f lavfi -i testsrc2=size=640x360:rate=30 -t 2 -c:v "
                       "libx264 -preset ultrafast -pix_fmt yuv420p " +
                       in)
                .exit_code,
            0);
  TranscodeRun run = Transcode(tmp, in, "transcode:\n  scaler: cuda\n  decoder: cuda\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const RenditionProbe r = ProbeRendition(run.dir + "/360p");
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(r.width, 640);
  EXPECT_EQ(r.video.size(), 60u);
  if (run.output.find("scaling on the CPU") != std::string::npos ||
      run.output.find("decoding on the CPU") != std::string::npos)
    GTEST_SKIP() << "no CUDA here; the CPU fallback produced the ladder: " << run.output;
}

// 2 s of black 720p (H.264) and a 200x100 opaque white card (PNG).
bool MakeBlackClipAndWhiteCard(const std::string& clip, const std::string& card) {
  return RunCommand(
             "ffmpeg -v error -f lavfi -i color=c=black:size=1280x720:rate=30 -t 2 -c:v "
             "libx264 -preset ultrafast -pix_fmt yuv420p " +
             clip)
                 .exit_code == 0 &&
         RunCommand("ffmpeg -v error -f lavfi -i color=c=white:size=200x100 -frames:v 1 " + card)
                 .exit_code == 0;
}

// The GPU end to end: decoder: cuda + scaler: cuda + encoder: nvenc keeps pictures on the GPU from
// NVDEC through the card (the CUDA blend) and the CUDA scaler into NVENC. Where that is not
// possible each step says so and the CPU path makes the same ladder: every rung, every picture,
// the card burned in (a GPU without NVENC: the GPU-scaled pictures go to libx264).
double MeanLuma(const std::string& ts, const std::string& crop);
TEST(TranscodeTest, ZeroCopyGpuPathOrItsFallbackMakesTheLadderWithTheCard) {
  TempDir tmp;
  const std::string in = tmp.File("in.mp4"), card = tmp.File("card.png");
  ASSERT_TRUE(MakeBlackClipAndWhiteCard(in, card));
  std::ofstream(tmp.File("c.yaml"))
      << "transcode:\n  decoder: cuda\n  scaler: cuda\n  encoder: nvenc\n";
  const std::string out = tmp.File("out");
  auto run = RunCommand(test::StraitBinary() + " transcode " + in + " " + out + " --config " +
                            tmp.File("c.yaml") + " --overlay " + card,
                        120s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const auto& [rung, width] : {std::pair{"720p", 1280}, {"480p", 854}, {"360p", 640}}) {
    SCOPED_TRACE(rung);
    const RenditionProbe r = ProbeRendition(out + "/" + rung);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.width, width);
    EXPECT_EQ(r.video.size(), 60u);
  }
  EXPECT_GT(MeanLuma(out + "/720p/seg0.ts", "180:80:1050:590"), 225);
  EXPECT_LT(MeanLuma(out + "/720p/seg0.ts", "200:100:100:100"), 25);
  EXPECT_GT(MeanLuma(out + "/360p/seg0.ts", "80:40:525:295"), 225);
  size_t gpu_rungs = 0;
  for (size_t at = 0; (at = run.output.find("encode on the GPU", at)) != std::string::npos; ++at)
    ++gpu_rungs;
  if (gpu_rungs == 0) {
    EXPECT_TRUE(run.output.find("decoding on the CPU") != std::string::npos ||
                run.output.find("zero copy unavailable") != std::string::npos ||
                run.output.find("NVENC unavailable") != std::string::npos ||  // e.g. Hopper
                run.output.find("scaling on the CPU") != std::string::npos)
        << "the fallback must say why: " << run.output;
    GTEST_SKIP() << "no GPU path here; the CPU fallback made the ladder";
  }
  EXPECT_EQ(gpu_rungs, 3u) << run.output;
  EXPECT_NE(run.output.find("pictures kept on the GPU"), std::string::npos) << run.output;
}

// Average PSNR (dB) of rendition `a`'s pictures against rendition `b`'s ("inf" when identical).
std::string LadderPsnr(const TempDir& tmp, const std::string& a, const std::string& b) {
  auto r = RunCommand("cat " + a + "/seg*.ts >" + tmp.File("a.ts") + " && cat " + b + "/seg*.ts >" +
                      tmp.File("b.ts") + " && ffmpeg -v info -i " + tmp.File("a.ts") + " -i " +
                      tmp.File("b.ts") + " -lavfi psnr -f null -");
  const size_t at = r.output.rfind(" average:");
  if (at == std::string::npos)
    return "none: " + r.output;
  const size_t begin = at + 9;
  return r.output.substr(begin, r.output.find(' ', begin) - begin);
}

// decoder: cuda + scaler: cuda + encoder: x264: the pictures stay on the GPU through the card
// (PictureBlender: the CUDA blend) and each rung's CUDA scaler, which hands libx264 its scaled
// NV12 picture. NVDEC is bit-exact and the CUDA scaler and blend compute the CPU's bytes, so the
// ladder is the CPU path's (over 45 dB on every rung; identical pictures expected). Where there
// is no GPU the fallback says why and the test skips.
TEST(TranscodeTest, GpuPicturesForX264MakeTheCpuPathsLadder) {
  TempDir tmp;
  const std::string in = tmp.File("in.mp4"), card = tmp.File("card.png");
  const std::string clip =
      "ffmpeg -v error -f lavfi -i testsrc2=size=1280x720:rate=30 -t 2 -c:v libx264 -preset "
      "ultrafast -pix_fmt yuv420p ";
  ASSERT_EQ(RunCommand(clip + in).exit_code, 0);
  ASSERT_EQ(
      RunCommand("ffmpeg -v error -f lavfi -i testsrc2=size=240x100 -frames:v 1 " + card).exit_code,
      0);
  std::string outputs[2], logs[2];
  const char* configs[2] = {"transcode:\n  decoder: cuda\n  scaler: cuda\n  encoder: x264\n",
                            "transcode:\n  encoder: x264\n"};
  for (int i = 0; i < 2; ++i) {
    outputs[i] = tmp.File(i ? "cpu" : "gpu");
    std::ofstream(tmp.File("c.yaml")) << configs[i];
    auto run = RunCommand(test::StraitBinary() + " transcode " + in + " " + outputs[i] +
                              " --config " + tmp.File("c.yaml") + " --overlay " + card,
                          120s);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    logs[i] = run.output;
  }
  for (const char* rung : {"720p", "480p", "360p"}) {
    SCOPED_TRACE(rung);
    const RenditionProbe g = ProbeRendition(outputs[0] + "/" + rung);
    const RenditionProbe c = ProbeRendition(outputs[1] + "/" + rung);
    ASSERT_EQ(g.error, "");
    EXPECT_EQ(g.width, c.width);
    EXPECT_EQ(g.video.size(), 60u);
  }
  if (logs[0].find("pictures kept on the GPU") == std::string::npos) {
    EXPECT_NE(logs[0].find("decoding on the CPU"), std::string::npos)
        << "the fallback must say why: " << logs[0];
    GTEST_SKIP() << "no GPU here; the CPU fallback made the ladder";
  }
  EXPECT_EQ(logs[0].find("GPU pictures come down"), std::string::npos) << logs[0];
  // NVDEC opened and decoded the (8-bit H.264) clip itself: FFmpeg did not fall back.
  EXPECT_EQ(logs[0].find("decoding on the CPU"), std::string::npos) << logs[0];
  size_t gpu_scaled = 0;
  for (size_t at = 0; (at = logs[0].find("pictures scaled on the GPU", at)) != std::string::npos;
       ++at)
    ++gpu_scaled;
  EXPECT_EQ(gpu_scaled, 3u) << logs[0];
  for (const char* rung : {"720p", "480p", "360p"}) {
    const std::string db = LadderPsnr(tmp, outputs[0] + "/" + rung, outputs[1] + "/" + rung);
    EXPECT_TRUE(db == "inf" || std::atof(db.c_str()) > 45) << rung << ": " << db << " dB";
  }
}

// The mean luma of a region of the first picture of a segment.
double MeanLuma(const std::string& ts, const std::string& crop) {
  auto r = RunCommand("ffmpeg -v error -i " + ts + " -frames:v 1 -vf crop=" + crop +
                      ",format=gray -f rawvideo - | od -An -tu1 -v");
  double sum = 0;
  int n = 0;
  std::istringstream in(r.output);
  for (int v; in >> v; ++n)
    sum += v;
  return n ? sum / n : -1;
}

// --overlay: an opaque white card is burned into every rung, 40 px from the bottom-right corner,
// once per picture before scaling; the rest of the picture is left alone.
TEST(TranscodeTest, OverlayCardIsBurnedIntoEveryRung) {
  TempDir tmp;
  const std::string in = tmp.File("in.mp4"), card = tmp.File("card.png");
  ASSERT_TRUE(MakeBlackClipAndWhiteCard(in, card));
  TempDir out;
  auto run = RunCommand(
      test::StraitBinary() + " transcode " + in + " " + out.path() + " --overlay " + card, 120s);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // 720p: the card covers x 1040..1239, y 580..679; 360p: half of that.
  EXPECT_GT(MeanLuma(out.File("720p/seg0.ts"), "180:80:1050:590"), 225);
  EXPECT_LT(MeanLuma(out.File("720p/seg0.ts"), "200:100:100:100"), 25);
  EXPECT_GT(MeanLuma(out.File("360p/seg0.ts"), "80:40:525:295"), 225);
  EXPECT_LT(MeanLuma(out.File("360p/seg0.ts"), "80:40:50:50"), 25);
  auto bad = RunCommand(test::StraitBinary() + " transcode " + in + " " + out.File("x") +
                        " --overlay " + tmp.File("missing.png"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("--overlay"), std::string::npos) << bad.output;
}

// `strait transcode` of a 320x180 clip that ffmpeg makes with `video_args` (into in.mp4), through
// a ladder of a passthrough rung and 144p, with a white 60x30 card on throughout.
TranscodeRun TranscodePassthroughWithCard(const TempDir& tmp, const std::string& video_args) {
  TranscodeRun run;
  const std::string in = tmp.File("in.mp4"), card = tmp.File("card.png");
  auto made = RunCommand(
      "ffmpeg -v error -f lavfi -i testsrc2=size=320x180:rate=30 " + video_args + " " + in +
      " && ffmpeg -v error -f lavfi -i color=c=white:size=60x30 -frames:v 1 " + card);
  if (made.exit_code != 0) {
    run.output = made.output;
    return run;
  }
  std::ofstream(tmp.File("c.yaml")) << "transcode:\n  ladder: l\n  ladders:\n    l:\n"
                                       "      - {name: src, passthrough: true}\n"
                                       "      - {name: 144p, height: 144, bitrate_kbps: 200}\n";
  run.dir = tmp.File("out");
  auto r = RunCommand(test::StraitBinary() + " transcode " + in + " " + run.dir + " --config " +
                          tmp.File("c.yaml") + " --overlay " + card,
                      120s);
  run.exit_code = r.exit_code;
  run.output = r.output;
  return run;
}

// A passthrough rung with the card on throughout encodes every source picture. The source is an
// open-GOP x264 stream with B-pictures: its first IDR is two pictures ahead of decode order, its
// later keyframes three; the encoded rendition keeps the first delay, so its decode timestamps
// still rise (they went back at the second keyframe and the muxer refused pictures).
TEST(TranscodeTest, PassthroughWithACardKeepsEveryPictureOfAnOpenGopSource) {
  TempDir tmp;
  const TranscodeRun run = TranscodePassthroughWithCard(
      tmp, "-t 4 -c:v libx264 -preset veryfast -bf 3 -g 30 -x264-params open-gop=1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.find("warn"), std::string::npos) << run.output;
  auto keyframes = RunCommand(
      "ffprobe -v error -select_streams v -show_entries packet=pts,dts,flags -of csv=p=0 " +
      tmp.File("in.mp4") + " | grep K");
  ASSERT_NE(keyframes.output.find("0,-1024,K"), std::string::npos) << keyframes.output;
  ASSERT_NE(keyframes.output.find("15360,14336,K"), std::string::npos)
      << "the fixture's second keyframe should carry more delay: " << keyframes.output;
  auto packets =
      RunCommand("ffprobe -v error -select_streams v -show_entries packet=pts,dts -of csv=p=0 " +
                 run.dir + "/src/playlist.m3u8");
  ASSERT_EQ(packets.exit_code, 0) << packets.output;
  std::istringstream lines(packets.output);
  std::string line;
  std::set<long> pts;
  long last_dts = std::numeric_limits<long>::min();
  int count = 0, dts_back = 0;
  while (std::getline(lines, line)) {
    long p = 0, d = 0;
    if (std::sscanf(line.c_str(), "%ld,%ld", &p, &d) != 2)
      continue;
    ++count;
    pts.insert(p);
    dts_back += d <= last_dts;
    last_dts = d;
  }
  EXPECT_EQ(count, 120) << "every source picture, once";
  EXPECT_EQ(pts.size(), 120u);
  EXPECT_EQ(dts_back, 0) << "decode timestamps strictly rising";
  EXPECT_GT(MeanLuma(run.dir + "/src/seg0.ts", "50:20:225:115"), 225) << "the card, bottom right";
}

// An HEVC source's passthrough with the card on is encoded in HEVC (libx265 here, hevc_nvenc where
// a GPU is), so the rendition never changes codec and its CODECS names HEVC only.
TEST(TranscodeTest, PassthroughOfAnHevcSourceKeepsHevcWithTheCard) {
  TempDir tmp;
  const TranscodeRun run = TranscodePassthroughWithCard(
      tmp, "-t 3 -c:v libx265 -preset ultrafast -x265-params log-level=error -tag:v hvc1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("libx265: 90 frames encoded"), std::string::npos) << run.output;
  const std::string master = test::ReadFile(run.dir + "/master.m3u8");
  const size_t uri = master.find("src/playlist.m3u8");
  ASSERT_NE(uri, std::string::npos) << master;
  const size_t entry_at = master.rfind("#EXT-X-STREAM-INF", uri);
  ASSERT_NE(entry_at, std::string::npos) << master;
  const std::string entry = master.substr(entry_at, uri - entry_at);
  EXPECT_NE(entry.find("CODECS=\"hvc1."), std::string::npos) << entry;
  EXPECT_EQ(entry.find("avc1"), std::string::npos) << entry;
  auto codecs =
      RunCommand("ffprobe -v error -select_streams v -show_entries stream=codec_name -of csv=p=0 " +
                 run.dir + "/src/playlist.m3u8 | grep . | sort -u");
  EXPECT_EQ(codecs.output, "hevc\n");
  EXPECT_GT(MeanLuma(run.dir + "/src/seg0.ts", "50:20:225:115"), 225) << "the card, bottom right";
}

// Variable frame rate (a phone app dropping frames unevenly): output PTS are the source's, and the
// segments still cut every 2 s of source time with an IDR, on every rung alike.
TEST(TranscodeTest, VariableFrameRateKeepsSourceTimestampsAndTheSegmentGrid) {
  TempDir tmp;
  const std::string in = tmp.File("vfr.mp4");
  ASSERT_EQ(RunCommand("ffmpeg -v error -f lavfi -i testsrc2=size=854x480:rate=30 -t 6 -vf "
                       "\"select='not(mod(n\\,3))+not(mod(n\\,7))'\" -fps_mode vfr -c:v libx264 "
                       "-preset ultrafast -pix_fmt yuv420p " +
                       in)
                .exit_code,
            0);
  auto in_pts = RunCommand(
      "ffprobe -v error -select_streams v -show_entries packet=pts_time -of "
      "csv=p=0 " +
      in + " | sort -n");
  std::vector<double> source;
  std::istringstream lines(in_pts.output);
  for (double t; lines >> t;)
    source.push_back(t);
  ASSERT_GT(source.size(), 60u);
  ASSERT_LT(source.size(), 120u) << "the input should have dropped frames";
  TranscodeRun run = Transcode(tmp, in);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::vector<double> reference;
  for (const char* rung : {"480p", "360p"}) {
    SCOPED_TRACE(rung);
    const RenditionProbe r = ProbeRendition(run.dir + "/" + rung);
    ASSERT_EQ(r.error, "");
    ASSERT_EQ(r.video.size(), source.size()) << "one output frame per source frame";
    // The output keeps the source's spacing (the muxer's constant offset aside).
    const double offset = r.video.front().pts - source.front();
    for (size_t i = 0; i < source.size(); ++i)
      ASSERT_NEAR(r.video[i].pts - offset, source[i], 0.0015) << "frame " << i;
    for (bool key : r.segment_starts_key)
      EXPECT_TRUE(key);
    EXPECT_EQ(r.segments.size(), 3u);
    if (reference.empty())
      reference = r.KeyframePts();
    EXPECT_EQ(r.KeyframePts(), reference);
  }
}

TEST(TranscodeTest, AudioOnlyInputGivesAnAudioRendition) {
  TempDir tmp;
  const std::string in = tmp.File("a.m4a");
  ASSERT_EQ(RunCommand("ffmpeg -v error -f lavfi -i sine=sample_rate=48000 -t 5 -c:a aac " + in)
                .exit_code,
            0);
  TranscodeRun run = Transcode(tmp, in);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const RenditionProbe r = ProbeRendition(run.dir + "/audio");
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.video.empty());
  EXPECT_NEAR(r.audio_last_end - r.audio_pts.front(), 5.0, 0.1);
}

TEST(TranscodeTest, BadInputsFailWithAClearMessage) {
  TempDir tmp;
  TranscodeRun missing = Transcode(tmp, tmp.File("nope.mp4"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("nope.mp4"), std::string::npos) << missing.output;
  std::ofstream(tmp.File("junk.ts")) << std::string(100000, 'x');
  TranscodeRun junk = Transcode(tmp, tmp.File("junk.ts"));
  EXPECT_EQ(junk.exit_code, 1) << junk.output;
  EXPECT_NE(junk.output.find("strait: "), std::string::npos) << junk.output;
}

}  // namespace
}  // namespace strait
