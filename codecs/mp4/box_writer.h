// BoxWriter: appends ISO BMFF boxes (ISO 14496-12 4.2) to a byte vector: big-endian integers, box
// headers whose 32-bit size is patched when the box ends, and full-box version/flags. Callers
// reserve the vector beforehand when they know the size, so appends never reallocate.
//
// Threads: none. Borrows the vector, which must outlive the writer.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace strait::mp4 {

class BoxWriter {
 public:
  explicit BoxWriter(std::vector<uint8_t>& out) : out_(out) {}

  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) { Put(v, 2); }
  void U24(uint32_t v) { Put(v, 3); }
  void U32(uint32_t v) { Put(v, 4); }
  void U64(uint64_t v) { Put(v, 8); }
  void Zeros(size_t n) { out_.insert(out_.end(), n, uint8_t{0}); }
  // Range insert of bytes: one memmove, no zero-fill first.
  void Bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  // A four-character code, e.g. FourCC("moov").
  void FourCC(const char* code) {
    for (int i = 0; i < 4; ++i)
      out_.push_back(static_cast<uint8_t>(code[i]));
  }

  // Starts a box; returns its offset, to be passed to End.
  size_t Begin(const char* type) {
    const size_t start = out_.size();
    U32(0);
    FourCC(type);
    return start;
  }
  size_t BeginFull(const char* type, uint8_t version, uint32_t flags) {
    const size_t start = Begin(type);
    U8(version);
    U24(flags);
    return start;
  }
  // Patches the size of the box started at `start` to cover everything written since.
  void End(size_t start) { PatchU32(start, static_cast<uint32_t>(out_.size() - start)); }

  void PatchU32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out_[at + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
  size_t size() const { return out_.size(); }

 private:
  void Put(uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }

  std::vector<uint8_t>& out_;
};

}  // namespace strait::mp4
