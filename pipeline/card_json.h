// Card JSON: the control API's card documents (pipeline/card_api.h) read strictly into
// overlays::Card — unknown fields, wrong types and bad values refused with the field's name
// ("price.amount", "theme.text") — plus RFC 3339 times and RFC 7396 JSON merge patches.
//
// Pure functions, any thread.
#pragma once

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "codecs/frame.h"
#include "codecs/result.h"
#include "overlays/card.h"

namespace strait::pipeline {

// A refusal: HTTP status, the field it is about (may be empty), a message for people.
struct ApiError {
  int status = 400;
  std::string field;
  std::string message;
};

// An RFC 3339 time ("2026-12-03T20:00:00Z", "...T20:00:00.250+09:00"); nullopt when malformed
// or outside the years kMinRfc3339Year..kMaxRfc3339Year.
inline constexpr int kMinRfc3339Year = 1970, kMaxRfc3339Year = 2200;
std::optional<overlays::WallTime> ParseRfc3339(const std::string& text);
// UTC with milliseconds: "2026-12-03T20:00:00.250Z".
std::string FormatRfc3339(overlays::WallTime t);

// The decoded picture of an uploaded image id, or why there is none.
using ImageLookup = std::function<Result<Frame>(const std::string& id)>;
// Fills `card` (its id already set) from a card document; the refusal (422, field, message)
// otherwise. Checks shapes and types only: Card::Validate checks the values.
std::optional<ApiError> CardFromJson(const nlohmann::json& document,
                                     const ImageLookup& images,
                                     overlays::Card& card);

// RFC 7396: `patch` merged into `target` (null members delete).
void MergePatch(nlohmann::json& target, const nlohmann::json& patch);

}  // namespace strait::pipeline
