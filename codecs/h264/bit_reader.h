// BitReader: MSB-first bit reader over RBSP bytes, with Exp-Golomb codes, for the H.264 and HEVC
// parameter-set parsers. Reading past the end never touches memory outside the span: it yields
// zeros and sets a sticky `overrun()` flag the caller checks at the end (or at checkpoints).
// Also: UnescapeRbsp removes emulation-prevention bytes (00 00 03 -> 00 00).
// Plain value type, no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace strait::h264 {

class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> data) : data_(data) {}

  uint64_t Bits(int n);  // n <= 64
  bool Flag() { return Bits(1) != 0; }
  void Skip(size_t n);
  uint32_t Ue();  // ue(v); codes longer than 32 bits set overrun
  int32_t Se();   // se(v)

  bool overrun() const { return overrun_; }
  size_t bits_left() const { return pos_ >= data_.size() * 8 ? 0 : data_.size() * 8 - pos_; }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;  // in bits
  bool overrun_ = false;
};

std::vector<uint8_t> UnescapeRbsp(std::span<const uint8_t> nal);

}  // namespace strait::h264
