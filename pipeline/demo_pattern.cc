#include "pipeline/demo_pattern.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

namespace strait::pipeline::demo {
namespace {

struct Yuv {
  uint8_t y, u, v;
};

// 75% colour bars, BT.709 limited range: white, yellow, cyan, green, magenta, red, blue, black.
constexpr Yuv kBars[] = {{180, 128, 128}, {168, 44, 136}, {145, 147, 44}, {133, 63, 52},
                         {63, 193, 204},  {51, 109, 212}, {28, 212, 120}, {16, 128, 128}};
constexpr Yuv kBackground{40, 128, 128};
constexpr Yuv kBox{149, 55, 184};  // orange
constexpr Yuv kText{235, 128, 128};

// Seven-segment glyphs: bit 0..6 = segments a (top), b, c, d (bottom), e, f, g (middle).
constexpr uint8_t kDigits[] = {0x3F, 0x06, 0x5B, 0x4F, 0x66, 0x6D, 0x7D, 0x07, 0x7F, 0x6F};

class Painter {
 public:
  explicit Painter(Frame& f) : f_(f), w_(f.width()), h_(f.height()) {}

  // Fills [x0, x1) x [y0, y1), clipped to the picture; chroma covers the 2x2 blocks it touches.
  void Rect(int x0, int y0, int x1, int y1, Yuv c) {
    x0 = std::clamp(x0, 0, w_), x1 = std::clamp(x1, 0, w_);
    y0 = std::clamp(y0, 0, h_), y1 = std::clamp(y1, 0, h_);
    if (x0 >= x1 || y0 >= y1)
      return;
    for (int y = y0; y < y1; ++y)
      std::memset(f_.data(0) + size_t(y) * f_.linesize(0) + x0, c.y, x1 - x0);
    for (int y = y0 / 2; y < (y1 + 1) / 2; ++y) {
      std::memset(f_.data(1) + size_t(y) * f_.linesize(1) + x0 / 2, c.u, (x1 + 1) / 2 - x0 / 2);
      std::memset(f_.data(2) + size_t(y) * f_.linesize(2) + x0 / 2, c.v, (x1 + 1) / 2 - x0 / 2);
    }
  }

  // Bars shifted left by `offset` px over rows [0, y1).
  void Bars(int offset, int y1) {
    std::vector<uint8_t> row_y(w_), row_u(w_ / 2), row_v(w_ / 2);
    for (int x = 0; x < w_; ++x) {
      const Yuv& c = kBars[((x + offset) % w_) * 8 / w_];
      row_y[x] = c.y;
      if (x % 2 == 0)
        row_u[x / 2] = c.u, row_v[x / 2] = c.v;
    }
    for (int y = 0; y < y1; ++y)
      std::memcpy(f_.data(0) + size_t(y) * f_.linesize(0), row_y.data(), w_);
    for (int y = 0; y < y1 / 2; ++y) {
      std::memcpy(f_.data(1) + size_t(y) * f_.linesize(1), row_u.data(), w_ / 2);
      std::memcpy(f_.data(2) + size_t(y) * f_.linesize(2), row_v.data(), w_ / 2);
    }
  }

  // One glyph at (x, y) in units of `u` px: digits are 6u x 10u. Returns the advance.
  int Glyph(char ch, int x, int y, int u) {
    if (ch == ':' || ch == '.') {
      if (ch == ':')
        Rect(x, y + 3 * u, x + u, y + 4 * u, kText);
      Rect(x, y + 8 * u, x + u, y + 9 * u, kText);
      return 3 * u;
    }
    uint8_t seg = 0;
    if (ch >= '0' && ch <= '9')
      seg = kDigits[ch - '0'];
    else if (ch == '-')
      seg = 0x40;
    const int r = x + 6 * u, m = y + 5 * u, b = y + 10 * u;
    if (seg & 0x01) Rect(x, y, r, y + u, kText);                // a
    if (seg & 0x02) Rect(r - u, y, r, m, kText);                // b
    if (seg & 0x04) Rect(r - u, m, r, b, kText);                // c
    if (seg & 0x08) Rect(x, b - u, r, b, kText);                // d
    if (seg & 0x10) Rect(x, m, x + u, b, kText);                // e
    if (seg & 0x20) Rect(x, y, x + u, m, kText);                // f
    if (seg & 0x40) Rect(x, m - u / 2, r, m + u - u / 2, kText);  // g
    return 8 * u;
  }

  int TextWidth(std::string_view text, int u) const {
    int w = 0;
    for (char ch : text)
      w += (ch == ':' || ch == '.') ? 3 * u : 8 * u;
    return w;
  }

 private:
  Frame& f_;
  const int w_, h_;
};

}  // namespace

Status DrawTestPattern(Frame& frame, int64_t index, std::string_view text) {
  if (frame.layout() != Frame::Layout::kYuv420p || !frame.writable())
    return Error("demo pattern: needs a writable yuv420p picture");
  const int w = frame.width(), h = frame.height();
  if (w < 64 || h < 64 || w % 2 || h % 2)
    return Error("demo pattern: picture too small or odd-sized");
  Painter p(frame);
  const int split = (h * 2 / 3) & ~1;
  p.Bars(static_cast<int>((index * 6) % w), split);
  p.Rect(0, split, w, h, kBackground);

  // The box bounces between the edges (a triangle wave of its x position).
  const int box = (h - split) * 3 / 4;
  const int travel = std::max(1, w - box);
  const int64_t phase = (index * 9) % (2 * travel);
  const int bx = static_cast<int>(phase < travel ? phase : 2 * travel - phase);
  const int by = split + (h - split - box) / 2;
  p.Rect(bx, by, bx + box, by + box, kBox);

  const int u = std::max(1, h / 120);
  int x = (w - p.TextWidth(text, u)) / 2;
  const int y = split + (h - split - 10 * u) / 2;
  for (char ch : text)
    x += p.Glyph(ch, x, y, u);
  return OkStatus();
}

void FillTone(Frame& pcm,
              int samples,
              int channels,
              int sample_rate,
              int64_t first_sample,
              int hz,
              float amplitude) {
  const double step = 2 * std::numbers::pi * hz / sample_rate;
  // A whole-Hz tone repeats every second: the phase from the sample number modulo one second
  // stays exact however long the demo runs.
  const int64_t period = sample_rate;
  for (int ch = 0; ch < channels; ++ch) {
    auto* out = reinterpret_cast<float*>(pcm.data(ch));
    if (!out)
      return;
    for (int i = 0; i < samples; ++i) {
      const int64_t n = (first_sample + i) % period;
      out[i] = amplitude * static_cast<float>(std::sin(step * static_cast<double>(n)));
    }
  }
}

}  // namespace strait::pipeline::demo
