// The control API's plumbing, shared by its handlers (card_api.cc) and the App: answers and errors
// in one JSON shape ({"error": {"status", "field", "message"}}), the HTTP server's own refusals
// under /api/ in that shape, the path and id rules, small files written atomically, and the bearer
// token. Functions of their arguments (and the data dir), any thread.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/result.h"
#include "pipeline/card_json.h"
#include "transport/http/message.h"

namespace strait::pipeline {

namespace api {

// `body` with `status`, as application/json, never cached. Text that is not UTF-8 is replaced.
transport::http::Response JsonResponse(int status, const nlohmann::json& body);
// The error document (401: with WWW-Authenticate).
transport::http::Response ErrorResponse(const ApiError& e);
// "price.currency: \"XYZ\" is not ..." → field "price.currency", message "\"XYZ\" is not ...".
ApiError FromStatus(int status, const Error& error);
// A card or image id: 1-64 of A-Z a-z 0-9 - _.
bool ValidId(std::string_view id);
// "/api/v1/streams/x" → {"api", "v1", "streams", "x"} (empty segments skipped).
std::vector<std::string> SplitPath(std::string_view path);
// Write-then-rename (parents created); false on failure.
bool WriteFileAtomically(const std::filesystem::path& path, std::string_view bytes);
std::string ReadFile(const std::filesystem::path& path);  // "" if unreadable

}  // namespace api

// The API's JSON error (the shape of every API answer's) for a request under /api/ that the HTTP
// server refused before the API saw it (http::ServerOptions::refusal): a body over the server's
// limit — an image upload's named as the field "image", over `max_image_bytes` — too many
// requests, headers too large. nullopt for any other path (plain text there).
std::optional<transport::http::Response> ApiRefusal(int status,
                                                    std::string_view target,
                                                    const std::string& why,
                                                    size_t max_image_bytes);

// The token to use: `configured`, else the one kept in DATA_DIR/api.token (made on first use,
// 32 random hex characters, mode 0600).
Result<std::string> ApiToken(const std::string& configured, const std::string& data_dir);

}  // namespace strait::pipeline
