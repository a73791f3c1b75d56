// blend.h: whole blends — every SIMD table against the scalar one on random pictures, the scalar
// blend against a double-precision model of the documented semantics, exact alpha 0/255,
// clipping (nothing outside card ∩ frame changes), the prepared runs. The row kernels alone are
// in blend_kernels_test.cc.
#include "overlays/blend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "overlays/blend_kernels.h"
#include "overlays/blend_planes.h"
#include "overlays/blend_test_isa.h"

namespace strait::overlays {

namespace {

// ---- Pictures in plain memory ----

struct Picture {
  PixelFormat format = PixelFormat::kYuv420p;
  int width = 0, height = 0;
  std::vector<uint8_t> planes[3];
  int strides[3] = {};

  int bytes() const { return format == PixelFormat::kYuv420p10 ? 2 : 1; }
  int max() const { return format == PixelFormat::kYuv420p10 ? 1023 : 255; }
  int plane_count() const { return format == PixelFormat::kNv12 ? 2 : 3; }
  int cw() const { return (width + 1) / 2; }
  int ch() const { return (height + 1) / 2; }
  int rows(int plane) const { return plane ? ch() : height; }
  int row_bytes(int plane) const {
    return plane ? cw() * bytes() * (format == PixelFormat::kNv12 ? 2 : 1) : width * bytes();
  }

  // Component 0 = Y, 1 = Cb, 2 = Cr at sample (x, y) of that component's grid.
  size_t Offset(int comp, int x, int y) const {
    if (format == PixelFormat::kNv12 && comp > 0)
      return size_t(y) * strides[1] + 2 * x + (comp - 1);
    return size_t(y) * strides[comp] + size_t(x) * bytes();
  }
  int Get(int comp, int x, int y) const {
    const int plane = format == PixelFormat::kNv12 && comp > 0 ? 1 : comp;
    const uint8_t* p = &planes[plane][Offset(comp, x, y)];
    return bytes() == 2 ? p[0] | p[1] << 8 : p[0];
  }

  BlendTarget Target(Matrix m, Range r, ChromaSiting s) {
    BlendTarget t;
    t.format = format;
    t.width = width;
    t.height = height;
    for (int i = 0; i < plane_count(); ++i) {
      t.planes[i] = planes[i].data();
      t.strides[i] = strides[i];
    }
    t.matrix = m;
    t.range = r;
    t.siting = s;
    return t;
  }
};

Picture RandomPicture(PixelFormat format, int w, int h, std::mt19937& rng) {
  Picture p;
  p.format = format;
  p.width = w;
  p.height = h;
  for (int i = 0; i < p.plane_count(); ++i) {
    p.strides[i] = p.row_bytes(i) + 2 * int(rng() % 9);  // padding that must stay untouched
    p.planes[i].resize(size_t(p.strides[i]) * p.rows(i));
    for (size_t b = 0; b < p.planes[i].size(); b += p.bytes()) {
      const int v = int(rng() % (p.max() + 1));
      p.planes[i][b] = uint8_t(v);
      if (p.bytes() == 2)
        p.planes[i][b + 1] = uint8_t(v >> 8);
    }
  }
  return p;
}

// ---- Cards ----

struct Card {
  int width = 0, height = 0;
  std::vector<uint8_t> rgba;
  RgbaView view() const { return {rgba.data(), width, height, width * 4}; }
  const uint8_t* px(int x, int y) const { return &rgba[(size_t(y) * width + x) * 4]; }
};

// Premultiplied: mostly transparent / opaque / in between, colours <= alpha, a few invalid.
Card RandomCard(int w, int h, std::mt19937& rng) {
  Card c{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    const int kind = int(rng() % 10);
    const int a = kind < 3 ? 0 : kind < 6 ? 255 : int(rng() % 256);
    const bool invalid = rng() % 20 == 0;
    for (int k = 0; k < 3; ++k)
      c.rgba[4 * i + k] = uint8_t(rng() % ((invalid ? 255 : a) + 1));
    c.rgba[4 * i + 3] = uint8_t(a);
  }
  return c;
}

// What rendered cards look like: a translucent panel with opaque blocks (an image: noisy; a
// badge: flat), transparent holes and noisy strokes (text), so that every run kind appears.
Card PanelCard(int w, int h, std::mt19937& rng) {
  Card c{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
  auto fill = [&](int x0, int y0, int x1, int y1, auto colour) {
    for (int y = std::max(y0, 0); y < std::min(y1, h); ++y) {
      for (int x = std::max(x0, 0); x < std::min(x1, w); ++x) {
        const uint32_t v = colour();
        uint8_t* p = &c.rgba[(size_t(y) * w + x) * 4];
        const uint8_t a = uint8_t(v >> 24);
        p[0] = uint8_t(std::min<uint32_t>(v & 255, a));
        p[1] = uint8_t(std::min<uint32_t>(v >> 8 & 255, a));
        p[2] = uint8_t(std::min<uint32_t>(v >> 16 & 255, a));
        p[3] = a;
      }
    }
  };
  const uint32_t panel = uint32_t(rng()) | uint32_t(1 + rng() % 254) << 24;
  fill(0, 0, w, h, [&] { return panel; });
  for (int i = 0; i < 8; ++i) {
    const int x0 = int(rng() % w) - 4, y0 = int(rng() % h) - 4;
    const int x1 = x0 + 1 + int(rng() % 48), y1 = y0 + 1 + int(rng() % 12);
    const uint32_t flat = uint32_t(rng()) | (rng() % 2 ? 0xffu : uint32_t(rng() % 256)) << 24;
    switch (i % 4) {
      case 0:
        fill(x0, y0, x1, y1, [&] { return flat; });
        break;
      case 1:
        fill(x0, y0, x1, y1, [&] { return uint32_t(rng()) | 0xffu << 24; });
        break;
      case 2:  // black text: full-range luma is 0 at any alpha, only alpha differs
        fill(x0, y0, x1, y1, [&] { return uint32_t(rng() % 256) << 24; });
        break;
      default:
        fill(x0, y0, x1, y1, [&] { return uint32_t(rng()); });
    }
  }
  return c;
}

Card UniformCard(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  Card c{w, h, std::vector<uint8_t>(size_t(w) * h * 4)};
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    c.rgba[4 * i] = r, c.rgba[4 * i + 1] = g, c.rgba[4 * i + 2] = b, c.rgba[4 * i + 3] = a;
  }
  return c;
}

PreparedCard Prepare(const Card& c) {
  auto p = PreparedCard::Create(c.view());
  EXPECT_TRUE(p.ok());
  return std::move(p.value());
}

// ---- A double-precision model of blend.h's semantics, written from the straight colour ----

struct Model {
  double kr, kb;
  double y_off, y_scale, c_off, c_scale;
  int max;
};

Model ModelFor(Matrix m, Range r, int depth) {
  Model mo{};
  mo.kr = m == Matrix::kBt601 ? 0.299 : 0.2126;
  mo.kb = m == Matrix::kBt601 ? 0.114 : 0.0722;
  mo.max = depth == 10 ? 1023 : 255;
  const bool lim = r == Range::kLimited;
  if (depth == 8) {
    mo.y_off = lim ? 16 : 0, mo.y_scale = lim ? 219 : 255;
    mo.c_off = 128, mo.c_scale = lim ? 224 : 255;
  } else {
    mo.y_off = lim ? 64 : 0, mo.y_scale = lim ? 876 : 1023;
    mo.c_off = 512, mo.c_scale = lim ? 896 : 1023;
  }
  return mo;
}

// Component `comp` of card pixel (cx, cy) times alpha / 255, and alpha; zeros outside the card.
void CardSample(const Card& card,
                const Model& m,
                int cx,
                int cy,
                int comp,
                double* value,
                double* alpha) {
  *value = *alpha = 0;
  if (cx < 0 || cy < 0 || cx >= card.width || cy >= card.height)
    return;
  const uint8_t* p = card.px(cx, cy);
  const double a = p[3];
  if (a == 0)
    return;
  const double r = std::min(p[0], p[3]) / a, g = std::min(p[1], p[3]) / a,
               b = std::min(p[2], p[3]) / a;  // straight, 0..1
  const double y = m.kr * r + (1 - m.kr - m.kb) * g + m.kb * b;
  double v = comp == 0   ? m.y_off + m.y_scale * y
             : comp == 1 ? m.c_off + m.c_scale * (b - y) / (2 * (1 - m.kb))
                         : m.c_off + m.c_scale * (r - y) / (2 * (1 - m.kr));
  v = std::clamp(v, 0.0, double(m.max));
  *value = v * a / 255;
  *alpha = a;
}

struct Placement {
  int x, y;
  Matrix matrix;
  Range range;
  ChromaSiting siting;
};

// Checks `after` (= `before` blended with `card` at `pl` by the scalar kernels) against the model:
// within 1 code where the card is visible, bit-exact where its alpha is 0 and everywhere else.
void ExpectMatchesModel(const Picture& before,
                        const Picture& after,
                        const Card& card,
                        const Placement& pl) {
  const Model m = ModelFor(pl.matrix, pl.range, before.bytes() == 2 ? 10 : 8);
  const int vx0 = std::max(pl.x, 0), vx1 = std::min(pl.x + card.width, before.width);
  const int vy0 = std::max(pl.y, 0), vy1 = std::min(pl.y + card.height, before.height);
  auto visible = [&](int X, int Y) { return X >= vx0 && X < vx1 && Y >= vy0 && Y < vy1; };
  int bad = 0;
  auto check = [&](int comp, int sx, int sy, bool written, double value, double alpha) {
    const int d = before.Get(comp, sx, sy), got = after.Get(comp, sx, sy);
    if (!written || alpha == 0) {
      if (got != d && bad++ < 10)
        ADD_FAILURE() << "comp " << comp << " (" << sx << "," << sy << ") changed " << d << " -> "
                      << got;
      return;
    }
    const double ref = value + std::min(d, m.max) * (255 - alpha) / 255;
    if (std::abs(got - std::lround(ref)) > 1 && bad++ < 10)
      ADD_FAILURE() << "comp " << comp << " (" << sx << "," << sy << "): " << got << ", model "
                    << ref << " (dst " << d << ", alpha " << alpha << ")";
  };
  for (int Y = 0; Y < before.height; ++Y) {
    for (int X = 0; X < before.width; ++X) {
      double v, a;
      CardSample(card, m, X - pl.x, Y - pl.y, 0, &v, &a);
      check(0, X, Y, visible(X, Y), v, a);
    }
  }
  const bool left = pl.siting == ChromaSiting::kLeft;
  for (int comp = 1; comp <= 2; ++comp) {
    for (int cy = 0; cy < before.ch(); ++cy) {
      for (int cx = 0; cx < before.cw(); ++cx) {
        bool written = false;
        double v = 0, a = 0, total = 0;
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = left ? -1 : 0; dx <= 1; ++dx) {
            const int X = 2 * cx + dx, Y = 2 * cy + dy;
            const double w = left && dx == 0 ? 2 : 1;
            double sv, sa;
            CardSample(card, m, X - pl.x, Y - pl.y, comp, &sv, &sa);
            v += w * sv, a += w * sa, total += w;
            written |= visible(X, Y);
          }
        }
        check(comp, cx, cy, written, v / total, a / total);
      }
    }
  }
  // Row padding past the samples.
  for (int i = 0; i < before.plane_count(); ++i) {
    for (int r = 0; r < before.rows(i); ++r) {
      for (int b = before.row_bytes(i); b < before.strides[i]; ++b) {
        const size_t o = size_t(r) * before.strides[i] + b;
        if (before.planes[i][o] != after.planes[i][o] && bad++ < 10)
          ADD_FAILURE() << "plane " << i << " row " << r << " padding byte " << b << " changed";
      }
    }
  }
}

Placement RandomPlacement(const Picture& p, const Card& c, std::mt19937& rng) {
  Placement pl;
  pl.x = -c.width - 2 + int(rng() % (p.width + c.width + 5));
  pl.y = -c.height - 2 + int(rng() % (p.height + c.height + 5));
  pl.matrix = rng() % 2 ? Matrix::kBt601 : Matrix::kBt709;
  pl.range = rng() % 2 ? Range::kLimited : Range::kFull;
  pl.siting = rng() % 2 ? ChromaSiting::kLeft : ChromaSiting::kCenter;
  return pl;
}

PixelFormat RandomFormat(std::mt19937& rng) {
  static constexpr PixelFormat kFormats[] = {PixelFormat::kYuv420p, PixelFormat::kNv12,
                                             PixelFormat::kYuv420p10};
  return kFormats[rng() % 3];
}

std::string Describe(const Picture& p, const Card& c, const Placement& pl) {
  static const char* kNames[] = {"yuv420p", "nv12", "yuv420p10"};
  return std::string(kNames[int(p.format)]) + " " + std::to_string(p.width) + "x" +
         std::to_string(p.height) + ", card " + std::to_string(c.width) + "x" +
         std::to_string(c.height) + " at " + std::to_string(pl.x) + "," + std::to_string(pl.y) +
         (pl.matrix == Matrix::kBt601 ? " bt601" : " bt709") +
         (pl.range == Range::kFull ? " full" : " limited") +
         (pl.siting == ChromaSiting::kLeft ? " left" : " center");
}

// ---- Whole blends ----

TEST_P(BlendIsaTest, MatchesScalarOnRandomPictures) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 400; ++trial) {
    const bool big = trial % 4 == 0;  // long rows for the vector loops
    const int w = 1 + int(rng() % (big ? 300 : 70)), h = 1 + int(rng() % (big ? 40 : 70));
    const int cw = 1 + int(rng() % (big ? 200 : 50)), ch = 1 + int(rng() % 40);
    const Card card = trial % 2 ? PanelCard(cw, ch, rng) : RandomCard(cw, ch, rng);
    Picture want = RandomPicture(RandomFormat(rng), w, h, rng), got = want;
    const Placement pl = RandomPlacement(want, card, rng);
    PreparedCard prepared = Prepare(card);
    ASSERT_TRUE(
        BlendWith(Isa::kScalar, prepared, pl.x, pl.y, want.Target(pl.matrix, pl.range, pl.siting))
            .ok());
    ASSERT_TRUE(
        BlendWith(GetParam(), prepared, pl.x, pl.y, got.Target(pl.matrix, pl.range, pl.siting))
            .ok());
    for (int i = 0; i < want.plane_count(); ++i)
      ASSERT_EQ(got.planes[i], want.planes[i]) << "plane " << i << ": " << Describe(want, card, pl);
  }
}

TEST_P(BlendIsaTest, TransparentCardLeavesThePictureBitExact) {
  std::mt19937 rng(0);
  Card card = RandomCard(37, 23, rng);
  for (size_t i = 3; i < card.rgba.size(); i += 4)
    card.rgba[i] = 0;  // colours stay: invalid premultiplied values, clamped to 0
  PreparedCard prepared = Prepare(card);
  for (int f = 0; f < 3; ++f) {
    const Picture before = RandomPicture(PixelFormat(f), 64, 48, rng);
    Picture after = before;
    ASSERT_TRUE(BlendWith(GetParam(), prepared, 11, 9,
                          after.Target(Matrix::kBt709, Range::kFull, ChromaSiting::kLeft))
                    .ok());
    for (int i = 0; i < before.plane_count(); ++i)
      EXPECT_EQ(after.planes[i], before.planes[i]) << "format " << f << " plane " << i;
  }
}

TEST_P(BlendIsaTest, OpaqueCardWritesExactlyTheConversion) {
  std::mt19937 rng(255);
  for (int trial = 0; trial < 48; ++trial) {
    const PixelFormat format = PixelFormat(trial % 3);
    const Matrix matrix = trial / 3 % 2 ? Matrix::kBt601 : Matrix::kBt709;
    const Range range = trial / 6 % 2 ? Range::kFull : Range::kLimited;
    const ChromaSiting siting = trial / 12 % 2 ? ChromaSiting::kCenter : ChromaSiting::kLeft;
    const int depth = format == PixelFormat::kYuv420p10 ? 10 : 8;
    // Luma: any opaque colours.
    Card card = RandomCard(29, 17, rng);
    for (size_t i = 0; i < card.rgba.size(); i += 4)
      card.rgba[i + 3] = 255;
    PreparedCard prepared = Prepare(card);
    Picture pic = RandomPicture(format, 50, 40, rng);
    const int x = 3 + trial % 2, y = 5 + trial / 24;
    ASSERT_TRUE(BlendWith(GetParam(), prepared, x, y, pic.Target(matrix, range, siting)).ok());
    for (int cy = 0; cy < card.height; ++cy) {
      for (int cx = 0; cx < card.width; ++cx) {
        const uint8_t* p = card.px(cx, cy);
        ASSERT_EQ(pic.Get(0, x + cx, y + cy),
                  ConvertOpaque(p[0], p[1], p[2], matrix, range, depth).y)
            << cx << "," << cy << " trial " << trial;
      }
    }
    // Chroma: a uniform colour, at the samples whose footprint lies inside the card.
    const uint8_t r = uint8_t(rng()), g = uint8_t(rng()), b = uint8_t(rng());
    PreparedCard uniform = Prepare(UniformCard(29, 17, r, g, b, 255));
    ASSERT_TRUE(BlendWith(GetParam(), uniform, x, y, pic.Target(matrix, range, siting)).ok());
    const Yuv want = ConvertOpaque(r, g, b, matrix, range, depth);
    for (int cy = (y + 1) / 2; 2 * cy + 1 < y + 17; ++cy) {
      for (int cx = (x + 2) / 2; 2 * cx + 1 < x + 29; ++cx) {
        ASSERT_EQ(pic.Get(1, cx, cy), want.u) << cx << "," << cy << " trial " << trial;
        ASSERT_EQ(pic.Get(2, cx, cy), want.v) << cx << "," << cy << " trial " << trial;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas,
                         BlendIsaTest,
                         testing::Values(Isa::kScalar, Isa::kSse41, Isa::kAvx2, Isa::kAvx512),
                         [](const testing::TestParamInfo<Isa>& info) {
                           return std::string(info.param == Isa::kScalar  ? "Scalar"
                                              : info.param == Isa::kSse41 ? "Sse41"
                                              : info.param == Isa::kAvx2  ? "Avx2"
                                                                          : "Avx512");
                         });

TEST(BlendTest, ScalarMatchesTheDoubleModel) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const int cw = 1 + int(rng() % 60), ch = 1 + int(rng() % 30);
    const Card card = trial % 2 ? PanelCard(cw, ch, rng) : RandomCard(cw, ch, rng);
    const Picture before =
        RandomPicture(RandomFormat(rng), 1 + int(rng() % 60), 1 + int(rng() % 50), rng);
    Picture after = before;
    const Placement pl = RandomPlacement(before, card, rng);
    PreparedCard prepared = Prepare(card);
    ASSERT_TRUE(
        BlendWith(Isa::kScalar, prepared, pl.x, pl.y, after.Target(pl.matrix, pl.range, pl.siting))
            .ok());
    SCOPED_TRACE(Describe(before, card, pl));
    ExpectMatchesModel(before, after, card, pl);
    if (HasFailure())
      return;
  }
}

TEST(BlendTest, PanelsBecomeFlatAndCopyRuns) {
  // 10 bits, runs of elements. 128 x 8: transparent left edge, a panel, an opaque block, the
  // panel again.
  Card card = UniformCard(128, 8, 200, 200, 200, 230);
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 128; ++x) {
      uint8_t* p = &card.rgba[(size_t(y) * 128 + x) * 4];
      if (x < 3)
        p[0] = p[1] = p[2] = p[3] = 0;
      else if (x >= 48 && x < 96)
        p[0] = uint8_t(x), p[1] = 9, p[2] = 99, p[3] = 255;
    }
  }
  PreparedCard prepared = Prepare(card);
  PreparedCard::PlanesKey key;
  key.bit_depth = 10;
  const PreparedCard::Planes& luma = prepared.GetPlanes(key);
  ASSERT_EQ(luma.row_runs.size(), 9u);
  ASSERT_EQ(luma.row_runs[1], 3);
  EXPECT_EQ(luma.runs[0].begin, 3);  // the transparent edge is skipped
  EXPECT_EQ(luma.runs[0].kind, RunKind::kFlat);
  EXPECT_EQ(luma.runs[1].begin, 48);
  EXPECT_EQ(luma.runs[1].kind, RunKind::kCopy);
  EXPECT_EQ(luma.runs[2].kind, RunKind::kFlat);
  EXPECT_EQ(luma.runs[2].end, 128);
  key.chroma = true;
  const PreparedCard::Planes& u = prepared.GetPlanes(key);
  // Chroma (left siting; sample j stands for columns 2j - 1 .. 2j + 1): sample 0 is transparent
  // (skipped); sample 1, straddling the edge, is blended and grown to 16 samples so that no blend
  // run is shorter than a SIMD window, which leaves too little of the panel to stay flat; the
  // opaque block's inside is copied; the samples after it (its edge, 15 of panel, the last one
  // past the card's right edge) are too short to be anything but blended.
  const std::vector<PlaneRun> want = {
      {1, 25, RunKind::kBlend}, {25, 48, RunKind::kCopy}, {48, 65, RunKind::kBlend}};
  ASSERT_EQ(u.row_runs[1], int(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(u.runs[i].begin, want[i].begin) << i;
    EXPECT_EQ(u.runs[i].end, want[i].end) << i;
    EXPECT_EQ(u.runs[i].kind, want[i].kind) << i;
  }
}

TEST(BlendTest, EightBitRunsAreTheBlocksWithAVisibleSample) {
  // 320 x 4: a transparent left edge, a panel, an opaque block on the second 64-element block, a
  // transparent third block, the panel on the fourth, transparent from 256 on.
  static_assert(kBlock8 == 64, "the layout below is drawn for 64-element blocks");
  Card card = UniformCard(320, 4, 200, 200, 200, 230);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 320; ++x) {
      uint8_t* p = &card.rgba[(size_t(y) * 320 + x) * 4];
      if (x < 3 || (x >= 128 && x < 192) || x >= 256)
        p[0] = p[1] = p[2] = p[3] = 0;
      else if (x >= 64 && x < 128)
        p[0] = uint8_t(x), p[1] = 9, p[2] = 99, p[3] = 255;
    }
  }
  PreparedCard prepared = Prepare(card);
  auto expect_runs = [](const PreparedCard::Planes& pl, const std::vector<PlaneRun>& want) {
    ASSERT_EQ(pl.row_runs.size(), size_t(pl.height) + 1);
    for (int y = 0; y < pl.height; ++y) {
      ASSERT_EQ(pl.row_runs[y + 1] - pl.row_runs[y], int(want.size())) << "row " << y;
      for (size_t i = 0; i < want.size(); ++i) {
        const PlaneRun& r = pl.runs[pl.row_runs[y] + i];
        EXPECT_EQ(r.begin, want[i].begin) << "row " << y << " run " << i;
        EXPECT_EQ(r.end, want[i].end) << "row " << y << " run " << i;
        EXPECT_EQ(r.kind, want[i].kind) << "row " << y << " run " << i;
      }
    }
  };
  PreparedCard::PlanesKey key;
  // Luma: the edge, panel and opaque blocks are one blended run; the transparent blocks are
  // skipped.
  expect_runs(prepared.GetPlanes(key), {{0, 128, RunKind::kBlend}, {192, 256, RunKind::kBlend}});
  // nv12 chroma, left siting: U, V pairs for samples 0..160 (322 elements). Sample j stands for
  // columns 2j - 1 .. 2j + 1, so every block up to element 320 holds a visible sample (the third
  // one, samples 64..95, sees column 127); the last block (sample 160, columns 319..321) is
  // transparent.
  key.chroma = true;
  key.interleaved = true;
  expect_runs(prepared.GetPlanes(key), {{0, 320, RunKind::kBlend}});
}

TEST(BlendTest, PreparedRowsStartOnCacheLines) {
  // Every configuration's rows are kBlock8 elements apart at least, from a 64-byte boundary, and
  // the padding after a row's last element is transparent and in no run.
  PreparedCard prepared = Prepare(UniformCard(37, 5, 10, 20, 30, 255));
  for (int depth : {8, 10}) {
    for (bool chroma : {false, true}) {
      PreparedCard::PlanesKey key;
      key.bit_depth = depth;
      key.chroma = chroma;
      const PreparedCard::Planes& pl = prepared.GetPlanes(key);
      SCOPED_TRACE(std::to_string(depth) + (chroma ? "-bit chroma" : "-bit luma"));
      EXPECT_EQ(pl.stride % kBlock8, 0);
      EXPECT_GE(pl.stride, pl.width);
      const void* rows = depth == 8 ? static_cast<const void*>(pl.p8[0].data()) : pl.p10[0].data();
      const void* alpha = depth == 8 ? static_cast<const void*>(pl.ia8.data()) : pl.ia10.data();
      EXPECT_EQ(reinterpret_cast<uintptr_t>(rows) % 64, 0u);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(alpha) % 64, 0u);
      for (int y = 0; y < pl.height; ++y) {
        const size_t pad = size_t(y) * pl.stride + pl.width;
        EXPECT_EQ(depth == 8 ? pl.ia8[pad] : pl.ia10[pad], pl.full()) << "row " << y;
        for (int r = pl.row_runs[y]; r < pl.row_runs[y + 1]; ++r)
          EXPECT_LE(pl.runs[r].end, pl.width) << "row " << y;
      }
    }
  }
}

TEST(BlendTest, CardsOffTheFrameWriteNothing) {
  std::mt19937 rng(1);
  PreparedCard prepared = Prepare(UniformCard(20, 10, 200, 100, 50, 255));
  const Picture before = RandomPicture(PixelFormat::kYuv420p, 33, 21, rng);
  const int xs[] = {-20, 33, 0, 0, INT_MIN, INT_MAX, -21, 40};
  const int ys[] = {0, 0, -10, 21, INT_MIN, INT_MAX, -11, 30};
  for (int i = 0; i < 8; ++i) {
    Picture after = before;
    ASSERT_TRUE(Blend(prepared, xs[i], ys[i],
                      after.Target(Matrix::kBt709, Range::kLimited, ChromaSiting::kLeft))
                    .ok());
    for (int p = 0; p < 3; ++p)
      EXPECT_EQ(after.planes[p], before.planes[p]) << xs[i] << "," << ys[i];
  }
}

TEST(BlendTest, ConvertOpaqueKnownColours) {
  auto expect = [](uint8_t r, uint8_t g, uint8_t b, Matrix m, Range range, int depth, Yuv want) {
    const Yuv got = ConvertOpaque(r, g, b, m, range, depth);
    EXPECT_EQ(got.y, want.y) << int(r) << "," << int(g) << "," << int(b);
    EXPECT_EQ(got.u, want.u) << int(r) << "," << int(g) << "," << int(b);
    EXPECT_EQ(got.v, want.v) << int(r) << "," << int(g) << "," << int(b);
  };
  for (Matrix m : {Matrix::kBt601, Matrix::kBt709}) {
    expect(255, 255, 255, m, Range::kLimited, 8, {235, 128, 128});
    expect(0, 0, 0, m, Range::kLimited, 8, {16, 128, 128});
    expect(255, 255, 255, m, Range::kFull, 8, {255, 128, 128});
    expect(0, 0, 0, m, Range::kFull, 8, {0, 128, 128});
    expect(255, 255, 255, m, Range::kLimited, 10, {940, 512, 512});
    expect(0, 0, 0, m, Range::kLimited, 10, {64, 512, 512});
    expect(255, 255, 255, m, Range::kFull, 10, {1023, 512, 512});
  }
  expect(255, 0, 0, Matrix::kBt709, Range::kLimited, 8, {63, 102, 240});
  expect(255, 0, 0, Matrix::kBt601, Range::kLimited, 8, {81, 90, 240});
  expect(0, 0, 255, Matrix::kBt601, Range::kLimited, 8, {41, 240, 110});
  expect(0, 255, 0, Matrix::kBt709, Range::kLimited, 8, {173, 42, 26});
  expect(255, 0, 0, Matrix::kBt709, Range::kLimited, 10, {250, 409, 960});
}

TEST(BlendTest, PicksTheBestSupportedIsaOnce) {
  const Isa best = BestIsa();
  EXPECT_TRUE(IsaSupported(best));
  EXPECT_TRUE(IsaSupported(Isa::kScalar));
  if (IsaSupported(Isa::kAvx512)) {
    EXPECT_EQ(best, Isa::kAvx512);
  } else if (IsaSupported(Isa::kAvx2)) {
    EXPECT_EQ(best, Isa::kAvx2);
  }
  EXPECT_EQ(BestIsa(), best);
}

TEST(BlendTest, RejectsBadCardsAndTargets) {
  uint8_t px[16] = {};
  EXPECT_FALSE(PreparedCard::Create({nullptr, 1, 1, 4}).ok());
  EXPECT_FALSE(PreparedCard::Create({px, 0, 1, 4}).ok());
  EXPECT_FALSE(PreparedCard::Create({px, 2, 1, 7}).ok());
  EXPECT_FALSE(PreparedCard::Create({px, 9000, 1, 36000}).ok());
  PreparedCard card = Prepare(UniformCard(2, 2, 1, 2, 3, 255));
  std::mt19937 rng(3);
  Picture pic = RandomPicture(PixelFormat::kYuv420p, 8, 8, rng);
  BlendTarget t = pic.Target(Matrix::kBt709, Range::kLimited, ChromaSiting::kLeft);
  BlendTarget no_plane = t;
  no_plane.planes[2] = nullptr;
  EXPECT_FALSE(Blend(card, 0, 0, no_plane).ok());
  BlendTarget short_stride = t;
  short_stride.strides[0] = 7;
  EXPECT_FALSE(Blend(card, 0, 0, short_stride).ok());
  BlendTarget empty = t;
  empty.height = 0;
  EXPECT_FALSE(Blend(card, 0, 0, empty).ok());
  EXPECT_TRUE(Blend(card, 0, 0, t).ok());
}

TEST(BlendTest, TargetForFrameDescribesEachLayout) {
  const Frame::Layout layouts[] = {Frame::Layout::kYuv420p, Frame::Layout::kNv12,
                                   Frame::Layout::kYuv420p10};
  const PixelFormat formats[] = {PixelFormat::kYuv420p, PixelFormat::kNv12,
                                 PixelFormat::kYuv420p10};
  for (int i = 0; i < 3; ++i) {
    auto frame = Frame::AllocateVideo(64, 36, layouts[i]);
    ASSERT_TRUE(frame.ok());
    ASSERT_EQ(frame->layout(), layouts[i]);
    auto t = TargetForFrame(*frame);
    ASSERT_TRUE(t.ok()) << t.error().message();
    EXPECT_EQ(t->format, formats[i]);
    EXPECT_EQ(t->width, 64);
    EXPECT_EQ(t->height, 36);
    EXPECT_EQ(t->planes[0], frame->data(0));
    EXPECT_EQ(t->strides[1], frame->linesize(1));
    // Unspecified colour: BT.601 under 720 lines, limited range, left siting.
    EXPECT_EQ(t->matrix, Matrix::kBt601);
    EXPECT_EQ(t->range, Range::kLimited);
    EXPECT_EQ(t->siting, ChromaSiting::kLeft);
  }
  auto rgba = Frame::AllocateVideo(8, 8, Frame::Layout::kRgba);
  ASSERT_TRUE(rgba.ok());
  EXPECT_FALSE(TargetForFrame(*rgba).ok());
  auto hd = Frame::AllocateVideo(1280, 720, Frame::Layout::kYuv420p);
  ASSERT_TRUE(hd.ok());
  auto t = TargetForFrame(*hd);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->matrix, Matrix::kBt709);
  // Blending through it writes the frame.
  PreparedCard card = Prepare(UniformCard(4, 4, 255, 255, 255, 255));
  ASSERT_TRUE(Blend(card, 10, 20, *t).ok());
  EXPECT_EQ(hd->data(0)[20 * hd->linesize(0) + 10], 235);
}

}  // namespace
}  // namespace strait::overlays
