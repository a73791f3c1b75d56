#include "codecs/id3/id3.h"

namespace strait::id3 {

namespace {

constexpr uint32_t kMaxSyncsafe = (1u << 28) - 1;

void PutSyncsafe(std::vector<uint8_t>& out, uint32_t v) {
  for (int shift = 21; shift >= 0; shift -= 7)
    out.push_back(static_cast<uint8_t>((v >> shift) & 0x7f));
}

}  // namespace

Result<std::vector<uint8_t>> TxxxTag(
    const std::vector<std::pair<std::string_view, std::string_view>>& frames) {
  uint64_t body = 0;
  for (const auto& [description, value] : frames)
    body += 10 + 1 + description.size() + 1 + value.size();  // header, encoding, text, NUL, text
  if (body > kMaxSyncsafe)
    return Error("id3: tag of " + std::to_string(body) + " bytes is over the 2^28 - 1 limit");
  std::vector<uint8_t> out;
  out.reserve(10 + body);
  out.insert(out.end(), {'I', 'D', '3', 4, 0, 0});  // version 2.4.0, no flags
  PutSyncsafe(out, static_cast<uint32_t>(body));
  for (const auto& [description, value] : frames) {
    out.insert(out.end(), {'T', 'X', 'X', 'X'});
    PutSyncsafe(out, static_cast<uint32_t>(1 + description.size() + 1 + value.size()));
    out.insert(out.end(), {0, 0});  // frame flags
    out.push_back(3);               // UTF-8
    out.insert(out.end(), description.begin(), description.end());
    out.push_back(0);
    out.insert(out.end(), value.begin(), value.end());
  }
  return out;
}

}  // namespace strait::id3
