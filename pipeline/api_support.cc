#include "pipeline/api_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

namespace strait::pipeline {

namespace fs = std::filesystem;
namespace http = transport::http;
using json = nlohmann::json;

namespace api {

http::Response JsonResponse(int status, const json& body) {
  // Error messages quote the request's path, which may not be UTF-8: replaced, never thrown.
  auto r = http::Response::Text(
      status, body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
  r.cache_control = "no-store";
  return r;
}

http::Response ErrorResponse(const ApiError& e) {
  json err = {{"status", e.status}, {"message", e.message}};
  if (!e.field.empty())
    err["field"] = e.field;
  auto r = JsonResponse(e.status, {{"error", err}});
  if (e.status == 401)
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"strait\"");
  return r;
}

// "price.currency: \"XYZ\" is not ..." → field "price.currency", message "\"XYZ\" is not ...".
ApiError FromStatus(int status, const Error& error) {
  std::string m = error.message();
  // The renderer's own context ("card t4: position: ...") names the card the URL already names.
  if (m.starts_with("card ")) {
    if (const size_t colon = m.find(": "); colon != std::string::npos)
      m.erase(0, colon + 2);
  }
  ApiError e{status, "", m};
  const size_t colon = m.find(": ");
  if (colon != std::string::npos && colon < 40 &&
      m.find_first_not_of("abcdefghijklmnopqrstuvwxyz_.") == colon) {
    e.field = m.substr(0, colon);
    e.message = m.substr(colon + 2);
  }
  return e;
}

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 64)
    return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos)
      j = path.size();
    if (j > i)
      parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

bool WriteFileAtomically(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush())
      return false;
  }
  fs::rename(tmp, path, ec);
  return !ec;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace api

using api::ErrorResponse;
using api::ReadFile;

std::optional<http::Response> ApiRefusal(int status,
                                         std::string_view target,
                                         const std::string& why,
                                         size_t max_image_bytes) {
  if (!target.starts_with("/api/"))
    return std::nullopt;
  const std::string_view path = target.substr(0, target.find('?'));
  // .../streams/{name}/images/{id}: the limit the caller can act on is the image's.
  if (status == 413 && path.find("/images/") != std::string_view::npos) {
    return ErrorResponse(
        {413, "image", "images are limited to " + std::to_string(max_image_bytes) + " bytes"});
  }
  return ErrorResponse({status, "", why});
}

Result<std::string> ApiToken(const std::string& configured, const std::string& data_dir) {
  if (!configured.empty())
    return configured;
  const fs::path path = fs::path(data_dir) / "api.token";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::string token = ReadFile(path);
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r'))
      token.pop_back();
    if (token.size() >= 16)
      return token;
  }
  std::random_device rd;
  std::string token;
  static const char* kHex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i)
    token += kHex[rd() % 16];
  fs::create_directories(path.parent_path(), ec);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    return Error("cannot create " + path.string() + " for the API token");
  const std::string line = token + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok)
    return Error("cannot write " + path.string());
  return token;
}

}  // namespace strait::pipeline
