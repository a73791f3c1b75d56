// ID3v2.4 tags (id3.org, "ID3 tag version 2.4.0 - Main Structure"), as HLS timed metadata carries
// them: in an fMP4 `emsg` box with the scheme "https://aomedia.org/emsg/ID3" (AOM "Carriage of ID3
// Timed Metadata in CMAF") or in an MPEG-TS metadata stream (Apple's "Timed Metadata for HTTP Live
// Streaming"). Players (hls.js, AVPlayer, ExoPlayer) hand the frames to the application in step
// with the media.
//
// Only what strait writes: one tag of TXXX frames (user-defined text: a description and a value,
// UTF-8). Sizes are syncsafe integers (7 bits a byte), so a tag holds at most 2^28 - 1 bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "codecs/result.h"

namespace strait::id3 {

// The tag: a 10-byte header ("ID3", version 4.0, no flags, syncsafe size) and one TXXX frame per
// (description, value) pair, text encoding 3 (UTF-8), the description null-terminated. Errors
// when the tag would exceed the syncsafe limit.
Result<std::vector<uint8_t>> TxxxTag(
    const std::vector<std::pair<std::string_view, std::string_view>>& frames);

// The scheme of an fMP4 `emsg` box whose message_data is an ID3 tag.
inline constexpr std::string_view kEmsgScheme = "https://aomedia.org/emsg/ID3";

}  // namespace strait::id3
