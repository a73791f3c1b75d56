// blend_kernels.h, checkasm style: each SIMD table's row kernels against the scalar ones on
// random and exhaustive inputs, and the scalar 8-bit kernel against the exact blend.
#include "overlays/blend_kernels.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "overlays/blend_test_isa.h"

namespace strait::overlays {
namespace {

TEST_P(BlendIsaTest, Row8MatchesScalarOnRandomRows) {
  std::mt19937 rng(8);
  const kernels::RowKernels& k = kernels::KernelsFor(GetParam());
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = int(rng() % 200), off = int(rng() % 64), guard = 70;
    std::vector<uint8_t> dst(off + n + guard), ia(n), p(n);
    for (auto& d : dst)
      d = uint8_t(rng());
    for (int i = 0; i < n; ++i) {
      ia[i] = uint8_t(rng() % 4 == 0 ? (rng() % 2) * 255 : rng());
      p[i] = uint8_t(rng() % (255 - ia[i] + 1));
    }
    std::vector<uint8_t> want = dst;
    kernels::kScalar.row8(want.data() + off, p.data(), ia.data(), n);
    k.row8(dst.data() + off, p.data(), ia.data(), n);
    ASSERT_EQ(dst, want) << "n " << n << ", offset " << off;
  }
}

TEST_P(BlendIsaTest, Row8MatchesScalarExhaustively) {
  const kernels::RowKernels& k = kernels::KernelsFor(GetParam());
  // Every (dst, 255 - alpha) pair with the smallest and largest allowed p.
  std::vector<uint8_t> dst, ia, p, want;
  for (int d = 0; d < 256; ++d) {
    for (int a = 0; a < 256; ++a) {
      for (int top = 0; top < 2; ++top) {
        dst.push_back(uint8_t(d));
        ia.push_back(uint8_t(a));
        p.push_back(uint8_t(top * (255 - a)));
      }
    }
  }
  want = dst;
  kernels::kScalar.row8(want.data(), p.data(), ia.data(), int(p.size()));
  k.row8(dst.data(), p.data(), ia.data(), int(p.size()));
  ASSERT_EQ(dst, want);
}

TEST(BlendTest, Row8IsWithinOneOfTheExactBlend) {
  // The scalar kernel against p + d * ia / 255 in real numbers, for every (d, ia, p) with
  // p <= 255 - ia: Scale8 is d * ia / 255 rounded to within 0.506 (it rounds the other way only
  // where that lies within 0.006 of a half), and alpha 0 and 255 are exact.
  std::vector<uint8_t> dst(256), ia(256), p(256);
  for (int a = 0; a < 256; ++a) {
    for (int v = 0; v <= 255 - a; ++v) {
      for (int d = 0; d < 256; ++d) {
        dst[d] = uint8_t(d);
        ia[d] = uint8_t(a);
        p[d] = uint8_t(v);
      }
      kernels::kScalar.row8(dst.data(), p.data(), ia.data(), 256);
      for (int d = 0; d < 256; ++d) {
        const double exact = v + d * a / 255.0;
        ASSERT_LE(std::abs(dst[d] - exact), 0.506) << "d " << d << " ia " << a << " p " << v;
        if (a == 0) {
          ASSERT_EQ(dst[d], v);
        }
        if (a == 255) {
          ASSERT_EQ(dst[d], d);
        }
      }
    }
  }
}

TEST_P(BlendIsaTest, Row10MatchesScalarOnRandomRows) {
  std::mt19937 rng(10);
  const kernels::RowKernels& k = kernels::KernelsFor(GetParam());
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = int(rng() % 100), off = int(rng() % 16), guard = 20;
    std::vector<uint16_t> dst(off + n + guard), ia(n);
    std::vector<uint32_t> p(n);
    for (auto& d : dst)  // now and then an invalid sample above 1023 (read as 1023)
      d = uint16_t(rng() % 50 == 0 ? rng() : rng() % 1024);
    for (int i = 0; i < n; ++i) {
      ia[i] = uint16_t(rng() % 4 == 0 ? (rng() % 2) * 2040 : rng() % 2041);
      p[i] = uint32_t(rng() % (1023 * (2040 - ia[i]) + 1) + 1020);
    }
    std::vector<uint16_t> want = dst;
    kernels::kScalar.row10(want.data() + off, p.data(), ia.data(), n);
    k.row10(dst.data() + off, p.data(), ia.data(), n);
    ASSERT_EQ(dst, want) << "n " << n << ", offset " << off;
  }
}

TEST_P(BlendIsaTest, Row10MatchesScalarOverTheWholeSumRange) {
  // With dst 0 the kernel's sum is p itself: every value the division can see.
  const kernels::RowKernels& k = kernels::KernelsFor(GetParam());
  const int n = 1023 * 2040 + 1;
  std::vector<uint16_t> dst(n, 0), ia(n, 0), want(n, 0);
  std::vector<uint32_t> p(n);
  for (int i = 0; i < n; ++i)
    p[i] = uint32_t(i + 1020);
  kernels::kScalar.row10(want.data(), p.data(), ia.data(), n);
  k.row10(dst.data(), p.data(), ia.data(), n);
  ASSERT_EQ(dst, want);
}

TEST_P(BlendIsaTest, Flat10MatchesScalarOnRandomRows) {
  std::mt19937 rng(1010);
  const kernels::RowKernels& k = kernels::KernelsFor(GetParam());
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = int(rng() % 100), off = int(rng() % 16);
    std::vector<uint16_t> dst(off + n + 20);
    for (auto& d : dst)
      d = uint16_t(rng() % 50 == 0 ? rng() : rng() % 1024);
    const uint16_t ia = uint16_t(trial % 7 == 0 ? 0 : rng() % 2041);
    const uint32_t p0 = uint32_t(rng() % (1023 * (2040 - ia) + 1) + 1020);
    const uint32_t p1 = trial % 2 ? p0 : uint32_t(rng() % (1023 * (2040 - ia) + 1) + 1020);
    std::vector<uint16_t> want = dst;
    kernels::kScalar.flat10(want.data() + off, p0, p1, ia, n);
    k.flat10(dst.data() + off, p0, p1, ia, n);
    ASSERT_EQ(dst, want) << "n " << n << ", offset " << off;
  }
}

TEST_P(BlendIsaTest, Runs8MatchesScalarOnRandomRows) {
  // A few rows of random runs (short and long, some opaque or transparent samples), one or two
  // planes, clipped to a random visible part: short runs take the SIMD kernels' masked window,
  // which stores back the samples around them; picture rows are further apart than prepared
  // rows, with padding that must stay untouched.
  std::mt19937 rng(808);
  const kernels::RowKernels& k = kernels::KernelsFor(GetParam());
  for (int trial = 0; trial < 2000; ++trial) {
    const int width = 1 + int(rng() % 300), planes = 1 + int(rng() % 2);
    const int height = 1 + int(rng() % 4), stride = width + int(rng() % 40);
    std::vector<PlaneRun> runs;
    std::vector<int> row_runs = {0};
    std::vector<uint8_t> ia(size_t(width) * height, 255), p[2];
    for (int i = 0; i < planes; ++i)
      p[i].assign(ia.size(), 0);
    for (int y = 0; y < height; ++y) {
      const size_t row = size_t(y) * width;
      for (int e = int(rng() % 4); e < width;) {
        const int end = std::min(width, e + 1 + int(rng() % (rng() % 3 ? 12 : 140)));
        for (int j = e; j < end; ++j) {
          ia[row + j] = uint8_t(rng() % 4 == 0 ? (rng() % 2) * 255 : rng());
          for (int i = 0; i < planes; ++i)
            p[i][row + j] = uint8_t(rng() % (255 - ia[row + j] + 1));
        }
        runs.push_back({e, end, RunKind::kBlend});
        e = end + int(rng() % 3);  // gaps: transparent, not covered by a run
      }
      row_runs.push_back(int(runs.size()));
    }
    const int lo = int(rng() % width), hi = lo + 1 + int(rng() % (width - lo));
    std::vector<uint8_t> pictures[2], want[2];
    kernels::Runs8Job job{};
    job.planes = planes;
    job.ia = ia.data();
    job.stride = width;
    job.runs = runs.data();
    job.row_runs = row_runs.data();
    job.rows = height;
    job.lo = lo;
    job.hi = hi;
    kernels::Runs8Job ref = job;
    for (int i = 0; i < planes; ++i) {
      pictures[i].resize(size_t(stride) * height);
      for (auto& d : pictures[i])
        d = uint8_t(rng());
      want[i] = pictures[i];
      job.dst[i] = pictures[i].data();
      ref.dst[i] = want[i].data();
      job.dst_stride[i] = ref.dst_stride[i] = stride;
      job.p[i] = ref.p[i] = p[i].data();
    }
    kernels::kScalar.runs8(ref);
    k.runs8(job);
    for (int i = 0; i < planes; ++i)
      ASSERT_EQ(pictures[i], want[i])
          << "trial " << trial << ", width " << width << ", rows " << height << ", visible " << lo
          << ".." << hi << ", plane " << i;
  }
}

}  // namespace
}  // namespace strait::overlays
