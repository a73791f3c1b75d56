// Blending a 600x200 product card onto 1080p yuv420p pictures, 40 px from the bottom-right
// corner: strait's blend (overlays/blend.h: scalar, SSE4.1, AVX2, AVX-512) against FFmpeg's
// `overlay` filter through libavfilter (buffer + buffer(rgba) -> overlay=x:y:format=yuv420 ->
// buffersink, one filter thread), on the same picture and card, in one run. Both sides convert
// the card once (strait: PreparedCard; libavfilter: the overlay input is one frame, then EOF,
// repeated), so an iteration is one blend. Reports Mpixel/s (card pixels blended a second) and,
// at the end, each variant's ratio to libavfilter (the target: 4x).
//
// Two cards: "product", laid out like CardRenderer's product template (a 92 % white panel, an
// opaque product image, antialiased text, a price badge, a QR code), and "noise", every pixel a
// different translucent colour: no transparent block for strait's PreparedCard to skip, every
// sample arithmetic. The filter runs its default straight-alpha path, the one with FFmpeg's own SIMD
// rows (the cards are premultiplied; the work a pixel is the same).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "codecs/frame.h"
#include "overlays/blend.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace strait {
namespace {

constexpr int kWidth = 1920, kHeight = 1080;
constexpr int kCardWidth = 600, kCardHeight = 200;
constexpr int kX = kWidth - kCardWidth - 40, kY = kHeight - kCardHeight - 40;
constexpr double kCardMpixels = kCardWidth * kCardHeight / 1e6;

enum class CardKind { kProduct, kNoise };

// Straight colour + alpha composited over the premultiplied pixel `p` (source over).
void Over(uint8_t* p, int r, int g, int b, double alpha) {
  const int c[3] = {r, g, b};
  for (int k = 0; k < 3; ++k)
    p[k] = uint8_t(std::lround(c[k] * alpha + p[k] * (1 - alpha)));
  p[3] = uint8_t(std::lround(255 * alpha + p[3] * (1 - alpha)));
}

// Premultiplied RGBA, 600x200.
std::vector<uint8_t> MakeCard(CardKind kind) {
  std::vector<uint8_t> rgba(size_t(kCardWidth) * kCardHeight * 4);
  std::mt19937 rng(600200);
  if (kind == CardKind::kNoise) {
    for (size_t i = 0; i < rgba.size(); i += 4) {
      const uint8_t a = uint8_t(1 + rng() % 254);
      for (int k = 0; k < 3; ++k)
        rgba[i + k] = uint8_t(rng() % (a + 1));
      rgba[i + 3] = a;
    }
    return rgba;
  }
  const int radius = 24;
  std::vector<bool> qr(25 * 25);
  for (size_t i = 0; i < qr.size(); ++i)
    qr[i] = rng() % 2;
  for (int y = 0; y < kCardHeight; ++y) {
    for (int x = 0; x < kCardWidth; ++x) {
      uint8_t* p = &rgba[(size_t(y) * kCardWidth + x) * 4];
      // The panel: white at 92 %, rounded corners with an antialiased edge.
      const double cx = std::max({radius - x - 0.5, x + 0.5 - (kCardWidth - radius), 0.0});
      const double cy = std::max({radius - y - 0.5, y + 0.5 - (kCardHeight - radius), 0.0});
      const double inside = std::clamp(radius + 0.5 - std::hypot(cx, cy), 0.0, 1.0);
      Over(p, 255, 255, 255, 235 / 255.0 * inside);
      if (x >= 12 && x < 188 && y >= 12 && y < 188) {  // the product image: a gradient and a disc
        const double disc = std::clamp(60.5 - std::hypot(x - 100.0, y - 100.0), 0.0, 1.0);
        Over(p, int(240 - 100.0 * (y - 12) / 176), int(120 + 60.0 * (x - 12) / 176),
             int(40 + 150.0 * (y - 12) / 176), 1.0);
        Over(p, 250, 250, 250, disc);
      } else if (x >= 200 && x < 430 && ((y >= 24 && y < 52) || (y >= 64 && y < 92))) {
        // Title text: 12 px glyph cells of antialiased strokes, 3 px stems, dark grey.
        const int gx = (x - 200) % 12, gy = (y - 24) % 40, glyph = (x - 200) / 12 + 7 * (y / 40);
        const double stem = std::clamp(2.0 - std::abs(gx - 2.0 - glyph % 5), 0.0, 1.0);
        const double bar = (gy == 4 + glyph % 9 || gy == 5 + glyph % 9) ? 0.8 : 0.0;
        Over(p, 24, 24, 24, std::max(stem, bar));
      } else if (x >= 200 && x < 330 && y >= 112 && y < 160) {  // the price badge
        Over(p, 226, 35, 60, 1.0);
      } else if (x >= 440 && x < 590 && y >= 25 && y < 175) {  // the QR code, 6 px modules
        const bool dark = qr[size_t((y - 25) / 6) * 25 + (x - 440) / 6];
        Over(p, dark ? 0 : 255, dark ? 0 : 255, dark ? 0 : 255, 1.0);
      }
    }
  }
  return rgba;
}

void FillPicture(uint8_t* const data[3], const int linesize[3]) {
  for (int plane = 0; plane < 3; ++plane) {
    const int w = plane ? kWidth / 2 : kWidth, h = plane ? kHeight / 2 : kHeight;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x)
        data[plane][size_t(y) * linesize[plane] + x] = uint8_t(plane ? 128 + (x - y) / 16 : (x + y) / 12);
    }
  }
}

void SetRate(benchmark::State& state) {
  state.counters["Mpixel/s"] =
      benchmark::Counter(kCardMpixels * double(state.iterations()), benchmark::Counter::kIsRate);
}

// strait's side: a picture and the card, converted once (the first blend).
struct StraitBlend {
  Frame frame;
  std::optional<overlays::PreparedCard> card;
  overlays::BlendTarget target;
  overlays::Isa isa = overlays::Isa::kScalar;

  // Empty, or what went wrong.
  std::string Setup(overlays::Isa which, CardKind kind) {
    isa = which;
    if (!overlays::IsaSupported(isa))
      return std::string("this CPU has no ") + overlays::IsaName(isa);
    frame = *Frame::AllocateVideo(kWidth, kHeight, Frame::Layout::kYuv420p);
    uint8_t* data[3] = {frame.data(0), frame.data(1), frame.data(2)};
    const int linesize[3] = {frame.linesize(0), frame.linesize(1), frame.linesize(2)};
    FillPicture(data, linesize);
    const std::vector<uint8_t> rgba = MakeCard(kind);
    auto prepared =
        overlays::PreparedCard::Create({rgba.data(), kCardWidth, kCardHeight, kCardWidth * 4});
    auto t = overlays::TargetForFrame(frame);
    if (!prepared.ok() || !t.ok())
      return "setup failed";
    card.emplace(std::move(*prepared));
    target = *t;
    return Once() ? "" : "blend failed";  // converts the card, once
  }
  bool Once() { return overlays::BlendWith(isa, *card, kX, kY, target).ok(); }
};

void BlendStrait(benchmark::State& state, overlays::Isa isa, CardKind kind) {
  StraitBlend side;
  if (const std::string why = side.Setup(isa, kind); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state) {
    (void)side.Once();
    benchmark::ClobberMemory();
  }
  SetRate(state);
}

// The cost when a card changes: PreparedCard::Create and the first blend (the conversion of
// luma and chroma for one configuration).
void PrepareCard(benchmark::State& state, CardKind kind) {
  const std::vector<uint8_t> rgba = MakeCard(kind);
  Frame frame = *Frame::AllocateVideo(kWidth, kHeight, Frame::Layout::kYuv420p);
  auto target = overlays::TargetForFrame(frame);
  for (auto _ : state) {
    auto card =
        overlays::PreparedCard::Create({rgba.data(), kCardWidth, kCardHeight, kCardWidth * 4});
    (void)overlays::Blend(*card, kX, kY, *target);
  }
}

struct FilterGraph {
  AVFilterGraph* graph = nullptr;
  AVFilterContext *main = nullptr, *card = nullptr, *sink = nullptr;
  ~FilterGraph() { avfilter_graph_free(&graph); }
};

bool BuildGraph(FilterGraph& g) {
  g.graph = avfilter_graph_alloc();
  if (!g.graph)
    return false;
  g.graph->nb_threads = 1;  // strait's blend is one thread too
  char args[160];
  std::snprintf(args, sizeof args, "video_size=%dx%d:pix_fmt=%d:time_base=1/30:pixel_aspect=1/1",
                kWidth, kHeight, AV_PIX_FMT_YUV420P);
  AVFilterContext* overlay = nullptr;
  if (avfilter_graph_create_filter(&g.main, avfilter_get_by_name("buffer"), "main", args, nullptr,
                                   g.graph) < 0)
    return false;
  std::snprintf(args, sizeof args, "video_size=%dx%d:pix_fmt=%d:time_base=1/30:pixel_aspect=1/1",
                kCardWidth, kCardHeight, AV_PIX_FMT_RGBA);
  if (avfilter_graph_create_filter(&g.card, avfilter_get_by_name("buffer"), "card", args, nullptr,
                                   g.graph) < 0)
    return false;
  std::snprintf(args, sizeof args, "x=%d:y=%d:format=yuv420", kX, kY);
  if (avfilter_graph_create_filter(&overlay, avfilter_get_by_name("overlay"), "overlay", args,
                                   nullptr, g.graph) < 0 ||
      avfilter_graph_create_filter(&g.sink, avfilter_get_by_name("buffersink"), "out", nullptr,
                                   nullptr, g.graph) < 0)
    return false;
  return avfilter_link(g.main, 0, overlay, 0) >= 0 && avfilter_link(g.card, 0, overlay, 1) >= 0 &&
         avfilter_link(overlay, 0, g.sink, 0) >= 0 && avfilter_graph_config(g.graph, nullptr) >= 0;
}

// libavfilter's side: the graph with the card pushed, and one picture that goes round: in,
// blended in place (the graph holds the only reference), out.
struct FilterBlend {
  FilterGraph g;
  Frame picture;
  int64_t pts = 0;

  std::string Setup(CardKind kind) {
    if (!BuildGraph(g))
      return "libavfilter graph failed";
    // The card: one frame, then EOF; overlay's eof_action=repeat draws it on every picture.
    Frame card = *Frame::AllocateVideo(kCardWidth, kCardHeight, Frame::Layout::kRgba);
    const std::vector<uint8_t> rgba = MakeCard(kind);
    for (int y = 0; y < kCardHeight; ++y) {
      std::copy_n(&rgba[size_t(y) * kCardWidth * 4], kCardWidth * 4,
                  card.data(0) + size_t(y) * card.linesize(0));
    }
    card.av()->pts = 0;
    if (av_buffersrc_add_frame(g.card, card.av()) < 0 ||
        av_buffersrc_add_frame(g.card, nullptr) < 0)
      return "card frame refused";
    picture = *Frame::AllocateVideo(kWidth, kHeight, Frame::Layout::kYuv420p);
    FillPicture(picture.av()->data, picture.av()->linesize);
    // The first picture also converts the card (auto-inserted scale to yuva420p).
    return Once() ? "" : "libavfilter produced no picture";
  }
  bool Once() {
    AVFrame* f = picture.av();
    f->pts = pts++;
    return av_buffersrc_add_frame_flags(g.main, f, 0) >= 0 &&
           av_buffersink_get_frame(g.sink, f) >= 0;
  }
};

void BlendLibavfilter(benchmark::State& state, CardKind kind) {
  FilterBlend side;
  if (const std::string why = side.Setup(kind); !why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  for (auto _ : state) {
    if (!side.Once()) {
      state.SkipWithError("libavfilter produced no picture");
      break;
    }
  }
  SetRate(state);
}

// strait's kernels and libavfilter in turn, a batch of kBatch blends each an iteration, each
// batch timed: the VM's slow and fast spells (seconds to minutes) then fall on both alike, which
// separate benchmarks, seconds apart, cannot promise. Reports both sides' microseconds a blend
// and "x_libavfilter", libavfilter's total time over strait's. A batch's first blend finds the
// other side's bytes in the caches (the two together are about the size of the L2 here).
void BlendPaired(benchmark::State& state, overlays::Isa isa, CardKind kind) {
  constexpr int kBatch = 32;
  StraitBlend ours;
  FilterBlend peer;
  std::string why = ours.Setup(isa, kind);
  if (why.empty())
    why = peer.Setup(kind);
  if (!why.empty()) {
    state.SkipWithError(why.c_str());
    return;
  }
  using Clock = std::chrono::steady_clock;
  Clock::duration ours_time{}, peer_time{};
  bool ok = true;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    for (int i = 0; i < kBatch; ++i)
      ok &= ours.Once();
    benchmark::ClobberMemory();
    const auto t1 = Clock::now();
    for (int i = 0; i < kBatch; ++i)
      ok &= peer.Once();
    const auto t2 = Clock::now();
    ours_time += t1 - t0;
    peer_time += t2 - t1;
  }
  if (!ok) {
    state.SkipWithError("a blend failed");
    return;
  }
  const double blends = double(state.iterations()) * kBatch;
  const auto us = [&](Clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count() / blends;
  };
  state.counters["strait_us"] = us(ours_time);
  state.counters["libavfilter_us"] = us(peer_time);
  state.counters["x_libavfilter"] = us(peer_time) / us(ours_time);
}

// Prints, per card, each strait variant's rate against the filter's after the normal report
// (the median when repetitions are asked for).
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      auto it = r.counters.find("Mpixel/s");
      if (it == r.counters.end())
        it = r.counters.find("x_libavfilter");  // paired/*: the ratio itself
      if (r.error_occurred || it == r.counters.end())
        continue;
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (median || (r.run_type == Run::RT_Iteration && !medians_.count(r.run_name.str())))
        rates_[r.run_name.str()] = it->second.value;
      if (median)
        medians_.insert(r.run_name.str());
    }
    ConsoleReporter::ReportRuns(runs);
  }

  void PrintRatios() const {
    for (const char* card : {"product", "noise"}) {
      auto peer = rates_.find(std::string("blend/") + card + "/libavfilter");
      if (peer == rates_.end() || peer->second <= 0)
        continue;
      std::printf("\n%s card 600x200 onto 1080p yuv420p, Mpixel/s (ratio to libavfilter):\n", card);
      for (const char* v : {"libavfilter", "scalar", "sse4.1", "avx2", "avx512"}) {
        auto it = rates_.find(std::string("blend/") + card + "/" + v);
        if (it != rates_.end())
          std::printf("  %-12s %9.1f  %5.2fx\n", v, it->second, it->second / peer->second);
      }
    }
    for (const char* card : {"product", "noise"}) {
      bool header = false;
      for (const char* v : {"scalar", "sse4.1", "avx2", "avx512"}) {
        auto it = rates_.find(std::string("paired/") + card + "/" + v);
        if (it == rates_.end())
          continue;
        if (!header)
          std::printf("\n%s card, blends alternated with libavfilter's (ratio of times):\n", card);
        header = true;
        std::printf("  %-12s %5.2fx\n", v, it->second);
      }
    }
  }

 private:
  std::map<std::string, double> rates_;
  std::set<std::string> medians_;
};

}  // namespace
}  // namespace strait

int main(int argc, char** argv) {
  using strait::CardKind;
  namespace overlays = strait::overlays;
  for (CardKind kind : {CardKind::kProduct, CardKind::kNoise}) {
    const std::string card = kind == CardKind::kProduct ? "product" : "noise";
    for (overlays::Isa isa : {overlays::Isa::kScalar, overlays::Isa::kSse41, overlays::Isa::kAvx2,
                              overlays::Isa::kAvx512}) {
      benchmark::RegisterBenchmark(("blend/" + card + "/" + overlays::IsaName(isa)).c_str(),
                                   strait::BlendStrait, isa, kind);
    }
    benchmark::RegisterBenchmark(("blend/" + card + "/libavfilter").c_str(),
                                 strait::BlendLibavfilter, kind);
    for (overlays::Isa isa : {overlays::Isa::kAvx2, overlays::Isa::kAvx512}) {
      benchmark::RegisterBenchmark(("paired/" + card + "/" + overlays::IsaName(isa)).c_str(),
                                   strait::BlendPaired, isa, kind);
    }
    benchmark::RegisterBenchmark(("prepare/" + card).c_str(), strait::PrepareCard, kind)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  strait::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintRatios();
  benchmark::Shutdown();
  return 0;
}
