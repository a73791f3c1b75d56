// YamlReader: the checked accessors config parsing uses (internal to pipeline/; include only from
// config parsing .cc files). Every failure is an Error "FILE:LINE:COL: message" pointing at the
// offending node. No state beyond the source name; main thread, start-up only.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>
#include <sstream>
#include <string>

#include "codecs/result.h"
#include "pipeline/config.h"  // ValidateListenAddress

namespace strait::pipeline::yaml {

// Error at a node's position: "file:line:col: message".
inline Error At(const std::string& source, const YAML::Node& node, const std::string& message) {
  const YAML::Mark mark = node.Mark();
  std::ostringstream out;
  out << source;
  if (mark.line >= 0)
    out << ":" << mark.line + 1 << ":" << mark.column + 1;
  out << ": " << message;
  return Error(out.str());
}

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  // Checks that `node` is a map whose keys are all in `allowed`.
  Status Map(const YAML::Node& node,
             const std::string& what,
             const std::set<std::string>& allowed) {
    if (!node.IsMap())
      return At(source_, node, what + " must be a mapping");
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      // yaml-cpp keeps both and node[key] finds the first: a second one would be ignored quietly.
      if (!seen.insert(key).second)
        return At(source_, kv.first, "'" + key + "' appears twice in " + what);
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed)
          list += (list.empty() ? "" : ", ") + a;
        return At(source_, kv.first,
                  "unknown key '" + key + "' in " + what + " (expected one of: " + list + ")");
      }
    }
    return OkStatus();
  }

  Status String(const YAML::Node& node, const std::string& what, std::string& out) {
    if (!node.IsScalar())
      return At(source_, node, what + " must be a string");
    out = node.Scalar();
    return OkStatus();
  }

  Status Bool(const YAML::Node& node, const std::string& what, bool& out) {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      return At(source_, node, what + " must be true or false");
    }
    out = value;
    return OkStatus();
  }

  Status Int(const YAML::Node& node, const std::string& what, int lo, int hi, int& out) {
    int value = 0;
    if (!node.IsScalar() || !YAML::convert<int>::decode(node, value)) {
      return At(source_, node, what + " must be an integer");
    }
    if (value < lo || value > hi) {
      return At(source_, node,
                what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                    ", got " + std::to_string(value));
    }
    out = value;
    return OkStatus();
  }

  Status Double(const YAML::Node& node,
                const std::string& what,
                double lo,
                double hi,
                double& out) {
    double value = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      return At(source_, node, what + " must be a number");
    }
    if (value < lo || value > hi) {
      std::ostringstream msg;
      msg << what << " must be between " << lo << " and " << hi << ", got " << value;
      return At(source_, node, msg.str());
    }
    out = value;
    return OkStatus();
  }

  Status Address(const YAML::Node& node, const std::string& what, std::string& out) {
    if (auto s = String(node, what, out); !s)
      return s;
    if (auto s = ValidateListenAddress(out); !s)
      return At(source_, node, what + ": " + s.error().message());
    return OkStatus();
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

#define STRAIT_TRY(expr)       \
  do {                         \
    if (auto _s = (expr); !_s) \
      return _s.error();       \
  } while (0)

inline bool ValidName(const std::string& s, size_t max_len) {
  if (s.empty() || s.size() > max_len)
    return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok)
      return false;
  }
  return s != "." && s != "..";
}

}  // namespace strait::pipeline::yaml
