#include "codecs/h264/bit_reader.h"

namespace strait::h264 {

uint64_t BitReader::Bits(int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) {
    v <<= 1;
    if (pos_ < data_.size() * 8) {
      v |= (data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
      ++pos_;
    } else {
      overrun_ = true;
    }
  }
  return v;
}

void BitReader::Skip(size_t n) {
  if (n > bits_left()) {
    overrun_ = true;
    pos_ = data_.size() * 8;
    return;
  }
  pos_ += n;
}

uint32_t BitReader::Ue() {
  int zeros = 0;
  while (!Flag()) {
    if (overrun_ || ++zeros > 31) {
      overrun_ = true;
      return 0;
    }
  }
  if (zeros == 0)
    return 0;
  return static_cast<uint32_t>((uint64_t{1} << zeros) - 1 + Bits(zeros));
}

int32_t BitReader::Se() {
  const uint32_t k = Ue();
  const int64_t magnitude = (static_cast<int64_t>(k) + 1) / 2;
  return static_cast<int32_t>((k & 1) ? magnitude : -magnitude);
}

std::vector<uint8_t> UnescapeRbsp(std::span<const uint8_t> nal) {
  std::vector<uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (uint8_t b : nal) {
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    out.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return out;
}

}  // namespace strait::h264
