// The row kernels behind PlaneScaler (plane_scaler.h): a horizontal pass, source row → 15-bit row
// of the row cache, and a vertical pass, cache rows → output row. Internal to codecs/scale/.
//
// Scalar (plane_scaler.cc, the reference) and AVX2 (plane_scaler_avx2.cc, built with -mavx2;
// call it only where the CPU has AVX2): bit-exact with each other. The filter arrives as a view
// of plain pointers, and this header has no inline functions, so that nothing compiled with
// -mavx2 can be the copy the linker keeps for the whole program.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strait::scale::kernels {

// How the AVX2 horizontal pass reads a group of 8 outputs.
enum class HMode : uint8_t {
  kScalar,   // no group fits the schemes below: every output scalar
  kShuffle,  // one 16-byte source window a 128-bit lane, taps picked by pshufb, pmaddwd
  kGeneric,  // an 8-byte load per output and 8-tap chunk (wide filters, ratios above ~3)
};

struct FilterView {
  int src_w, src_h, dst_w, dst_h;
  // Horizontal: h_taps taps an output from h_pos[i] on, coefficients summing to 1 << 14.
  int h_taps;
  const int32_t* h_pos;   // dst_w
  const int16_t* h_coef;  // dst_w * h_taps
  // Vertical: v_taps rows an output row from v_pos[y] on, coefficients summing to 1 << 12.
  // v_single: swscale's one-row case (yuv2plane1: (x + 64) >> 7).
  int v_taps;
  bool v_single;
  const int32_t* v_pos;   // dst_h
  const int16_t* v_coef;  // dst_h * v_taps
  // AVX2 horizontal tables (plane_scaler.cc: BuildAvx2Tables).
  HMode h_mode;
  int h_groups;      // groups of 8 outputs done in SIMD; the rest scalar
  int h_chunks;      // kShuffle: tap pairs; kGeneric: 8-tap chunks
  bool h_broadcast;  // kShuffle: one window for all 8 outputs of a group
  int h_periodic_lo, h_periodic_hi, h_periodic_step;  // groups with the same table, a fixed step
  const int32_t* h_base;   // kShuffle: 2 a group, each lane's window start
  const uint8_t* h_table;  // per group (see BuildAvx2Tables)
};

// Output elements [from, dst_w) of one row.
void HRowScalar(const FilterView& f, const uint8_t* src, int16_t* out, int from);
void VRowScalar(const FilterView& f, const int16_t* const* rows, int y, uint8_t* dst, int from);

void HRowAvx2(const FilterView& f, const uint8_t* src, int16_t* out);
// Two source rows a pass over the tables (rows a and b).
void HRow2Avx2(const FilterView& f,
               const uint8_t* a,
               const uint8_t* b,
               int16_t* out_a,
               int16_t* out_b);
void VRowAvx2(const FilterView& f, const int16_t* const* rows, int y, uint8_t* dst);

}  // namespace strait::scale::kernels
