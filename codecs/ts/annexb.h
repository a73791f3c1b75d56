// Annex B (start-code delimited) video, as MPEG-TS carries it, to the ISO "length-prefixed" form
// strait uses everywhere else: splitting an access unit into NAL units, writing 4-byte lengths,
// and building the avcC / hvcC records from the in-band parameter sets (ISO 14496-15 5.3.3 and
// 8.3.3). The SPS fields come from the codecs/h264 and codecs/hevc parsers plus the HEVC
// profile_tier_level read here. Untrusted input: bounds-checked, errors as Result. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "codecs/result.h"

namespace strait::ts {

using Nal = std::vector<uint8_t>;

// The NAL units of an Annex B buffer (3- or 4-byte start codes), headers included, escaped.
// Bytes before the first start code and empty NAL units are skipped.
std::vector<std::span<const uint8_t>> SplitAnnexB(std::span<const uint8_t> data);

// Appends the NAL unit to `out` with a 4-byte big-endian length.
void AppendLengthPrefixed(std::span<const uint8_t> nal, std::vector<uint8_t>& out);

// NAL unit type: H.264 (5 bits of byte 0) and HEVC (6 bits of byte 0 >> 1); -1 when empty.
int H264NalType(std::span<const uint8_t> nal);
int HevcNalType(std::span<const uint8_t> nal);

// The NAL units of a length-prefixed access unit (lengths of `length_size` bytes, 1..4), each
// with the offset of its length field in `au`; fewer than `length_size` bytes left at the end are
// ignored. nullopt when a length is 0 or runs past the end.
struct LengthPrefixedNal {
  size_t offset = 0;
  std::span<const uint8_t> nal;
};
std::optional<std::vector<LengthPrefixedNal>> SplitLengthPrefixed(std::span<const uint8_t> au,
                                                                  int length_size);

// Whether a length-prefixed H.264 access unit holds an IDR slice: false for an open GOP's
// recovery-point I picture. nullopt when it does not parse.
std::optional<bool> H264HasIdr(std::span<const uint8_t> au, int length_size);
// The same for an access unit of a track with avcC `avcc` (its NAL length size; 4 when the avcC
// does not parse): false only when it parses and holds no IDR slice.
bool H264AuMayStartDecoding(std::span<const uint8_t> au, std::span<const uint8_t> avcc);

struct VideoSize {
  int width = 0;
  int height = 0;
};

// avcC with 4-byte NAL lengths from at least one SPS and one PPS; the size from the first SPS.
Result<std::vector<uint8_t>> BuildAvcC(const std::vector<Nal>& sps,
                                       const std::vector<Nal>& pps,
                                       VideoSize* size);
// hvcC with 4-byte NAL lengths from at least one VPS, SPS and PPS; general profile / tier / level
// and the chroma format and bit depths from the first SPS, the size from it as well.
Result<std::vector<uint8_t>> BuildHvcC(const std::vector<Nal>& vps,
                                       const std::vector<Nal>& sps,
                                       const std::vector<Nal>& pps,
                                       VideoSize* size);

}  // namespace strait::ts
