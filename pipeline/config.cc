#include "pipeline/config.h"

#include "pipeline/yaml_reader.h"
#include "transport/hls/push_publisher.h"

#include <yaml-cpp/yaml.h>

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace strait::pipeline {
namespace {

using yaml::At;
using yaml::Reader;
using yaml::ValidName;

Status ParseServer(Reader& r, const YAML::Node& node, Config& config) {
  STRAIT_TRY(r.Map(
      node, "server",
      {"rtmp_listen", "http_listen", "srt_listen", "data_dir", "io_threads", "http_max_connections",
       "http_max_connections_per_ip", "http_requests_per_second", "console_dir"}));
  if (node["srt_listen"])
    STRAIT_TRY(r.Address(node["srt_listen"], "server.srt_listen", config.srt_listen));
  if (node["rtmp_listen"])
    STRAIT_TRY(r.Address(node["rtmp_listen"], "server.rtmp_listen", config.rtmp_listen));
  if (node["http_listen"])
    STRAIT_TRY(r.Address(node["http_listen"], "server.http_listen", config.http_listen));
  if (node["data_dir"]) {
    STRAIT_TRY(r.String(node["data_dir"], "server.data_dir", config.data_dir));
    if (config.data_dir.empty())
      return At(r.source(), node["data_dir"], "server.data_dir must not be empty");
  }
  if (node["io_threads"])
    STRAIT_TRY(r.Int(node["io_threads"], "server.io_threads", 0, 64, config.io_threads));
  if (node["console_dir"]) {
    STRAIT_TRY(r.String(node["console_dir"], "server.console_dir", config.console_dir));
    if (config.console_dir.empty())
      return At(r.source(), node["console_dir"], "server.console_dir must not be empty");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(config.console_dir) / "index.html",
                                          ec)) {
      return At(r.source(), node["console_dir"],
                "server.console_dir: no index.html in '" + config.console_dir + "'");
    }
  }
  if (node["http_requests_per_second"]) {
    STRAIT_TRY(r.Double(node["http_requests_per_second"], "server.http_requests_per_second", 0,
                        1e6, config.http_requests_per_second));
  }
  if (node["http_max_connections"]) {
    STRAIT_TRY(r.Int(node["http_max_connections"], "server.http_max_connections", 16, 1000000,
                     config.http_max_connections));
  }
  if (node["http_max_connections_per_ip"]) {
    STRAIT_TRY(r.Int(node["http_max_connections_per_ip"], "server.http_max_connections_per_ip", 0,
                     1000000, config.http_max_connections_per_ip));
  }
  return OkStatus();
}

Status HlsVariants(Reader& r, const YAML::Node& node, const std::string& what, std::string& out) {
  STRAIT_TRY(r.String(node, what, out));
  if (out != "ll-cmaf" && out != "ts" && out != "both")
    return At(r.source(), node, what + " must be ll-cmaf, ts or both, got '" + out + "'");
  return OkStatus();
}

Status ParseHls(Reader& r, const YAML::Node& node, Config& config) {
  STRAIT_TRY(r.Map(node, "hls",
                   {"segment_duration", "window", "write_to_disk", "variants", "part_target",
                    "reconnect_grace"}));
  if (node["segment_duration"]) {
    STRAIT_TRY(r.Double(node["segment_duration"], "hls.segment_duration", 0.5, 30.0,
                        config.hls.segment_duration_s));
  }
  if (node["window"])
    STRAIT_TRY(r.Int(node["window"], "hls.window", 3, 100, config.hls.window_segments));
  if (node["write_to_disk"])
    STRAIT_TRY(r.Bool(node["write_to_disk"], "hls.write_to_disk", config.hls.write_to_disk));
  if (node["variants"])
    STRAIT_TRY(HlsVariants(r, node["variants"], "hls.variants", config.hls.variants));
  if (node["part_target"]) {
    STRAIT_TRY(
        r.Double(node["part_target"], "hls.part_target", 0.1, 1.0, config.hls.part_target_s));
  }
  if (node["reconnect_grace"]) {
    STRAIT_TRY(r.Double(node["reconnect_grace"], "hls.reconnect_grace", 0.0, 600.0,
                        config.hls.reconnect_grace_s));
  }
  if (config.hls.part_target_s * 2 > config.hls.segment_duration_s) {
    return At(r.source(), node, "hls.part_target must be at most half of hls.segment_duration");
  }
  return OkStatus();
}

// SRT passphrases are 10-79 characters (libsrt's rule); checked here so a bad one fails at start.
Status CheckPassphrase(Reader& r,
                       const YAML::Node& node,
                       const std::string& what,
                       const std::string& value) {
  if (!value.empty() && (value.size() < 10 || value.size() > 79)) {
    return At(r.source(), node, what + " must be 10-79 characters (SRT's rule)");
  }
  return OkStatus();
}

Status ParseSrt(Reader& r, const YAML::Node& node, Config& config) {
  STRAIT_TRY(r.Map(node, "srt",
                   {"latency_ms", "passphrase", "pbkeylen", "payload_size", "overhead_percent",
                    "connect_timeout_ms"}));
  SrtConfig& srt = config.srt;
  if (node["latency_ms"])
    STRAIT_TRY(r.Int(node["latency_ms"], "srt.latency_ms", 20, 8000, srt.latency_ms));
  if (node["passphrase"]) {
    STRAIT_TRY(r.String(node["passphrase"], "srt.passphrase", srt.passphrase));
    STRAIT_TRY(CheckPassphrase(r, node["passphrase"], "srt.passphrase", srt.passphrase));
  }
  if (node["pbkeylen"]) {
    STRAIT_TRY(r.Int(node["pbkeylen"], "srt.pbkeylen", 16, 32, srt.pbkeylen));
    if (srt.pbkeylen != 16 && srt.pbkeylen != 24 && srt.pbkeylen != 32) {
      return At(r.source(), node["pbkeylen"], "srt.pbkeylen must be 16, 24 or 32");
    }
  }
  if (node["payload_size"]) {
    STRAIT_TRY(r.Int(node["payload_size"], "srt.payload_size", 188, 1456, srt.payload_size));
    if (srt.payload_size % 188 != 0) {
      return At(r.source(), node["payload_size"], "srt.payload_size must be a multiple of 188");
    }
  }
  if (node["overhead_percent"]) {
    STRAIT_TRY(
        r.Int(node["overhead_percent"], "srt.overhead_percent", 5, 100, srt.overhead_percent));
  }
  if (node["connect_timeout_ms"]) {
    STRAIT_TRY(r.Int(node["connect_timeout_ms"], "srt.connect_timeout_ms", 500, 60000,
                     srt.connect_timeout_ms));
  }
  return OkStatus();
}

Status ParsePublish(Reader& r, const YAML::Node& node, Config& config) {
  if (!node.IsSequence())
    return At(r.source(), node, "publish must be a list of targets");
  std::map<std::string, size_t> targets;  // PushUrl::key -> index: one target listed twice
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string what = "publish[" + std::to_string(i) + "]";
    STRAIT_TRY(r.Map(item, what, {"url", "timeout_ms", "retries", "connections", "ca_file"}));
    PublishTarget t;
    if (!item["url"])
      return At(r.source(), item, what + " is missing 'url'");
    STRAIT_TRY(r.String(item["url"], what + ".url", t.url));
    const Result<transport::hls::PushUrl> url = transport::hls::ParsePushUrl(t.url);
    if (!url.ok())
      return At(r.source(), item["url"], what + ".url " + url.error().message());
    if (auto [it, fresh] = targets.emplace(url->key, i); !fresh) {
      return At(r.source(), item["url"],
                what + ".url is the same target as publish[" + std::to_string(it->second) +
                    "].url (" + url->display + "): every object would be uploaded twice");
    }
    if (item["timeout_ms"])
      STRAIT_TRY(r.Int(item["timeout_ms"], what + ".timeout_ms", 100, 60000, t.timeout_ms));
    if (item["retries"])
      STRAIT_TRY(r.Int(item["retries"], what + ".retries", 0, 20, t.retries));
    if (item["connections"])
      STRAIT_TRY(r.Int(item["connections"], what + ".connections", 1, 16, t.connections));
    if (item["ca_file"]) {
      STRAIT_TRY(r.String(item["ca_file"], what + ".ca_file", t.ca_file));
      std::error_code ec;
      if (!std::filesystem::is_regular_file(t.ca_file, ec)) {
        return At(r.source(), item["ca_file"], what + ".ca_file: no such file '" + t.ca_file + "'");
      }
    }
    config.publish.push_back(std::move(t));
  }
  return OkStatus();
}

Status ParseWebhookEvents(Reader& r,
                          const YAML::Node& node,
                          const std::string& what,
                          std::vector<std::string>& out) {
  if (!node.IsSequence() || node.size() == 0)
    return At(r.source(), node, what + " must be a non-empty list of event types");
  std::string known;
  for (const std::string& t : kWebhookEventTypes)
    known += (known.empty() ? "" : ", ") + t;
  out.clear();
  for (const auto& item : node) {
    std::string type;
    STRAIT_TRY(r.String(item, what + " entry", type));
    if (std::find(kWebhookEventTypes.begin(), kWebhookEventTypes.end(), type) ==
        kWebhookEventTypes.end()) {
      return At(r.source(), item,
                what + ": unknown event type '" + type + "' (expected one of: " + known + ")");
    }
    if (std::find(out.begin(), out.end(), type) != out.end())
      return At(r.source(), item, what + " lists '" + type + "' twice");
    out.push_back(type);
  }
  return OkStatus();
}

// Like a publish target, plus the events it wants and the secret that signs them.
Status ParseWebhooks(Reader& r, const YAML::Node& node, Config& config) {
  if (!node.IsSequence())
    return At(r.source(), node, "webhooks must be a list of targets");
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const std::string what = "webhooks[" + std::to_string(i) + "]";
    STRAIT_TRY(r.Map(item, what, {"url", "events", "secret", "timeout_ms", "retries"}));
    WebhookTarget t;
    t.events = kWebhookEventTypes;
    if (!item["url"])
      return At(r.source(), item, what + " is missing 'url'");
    STRAIT_TRY(r.String(item["url"], what + ".url", t.url));
    const size_t host = t.url.find("://") + 3;
    if ((!t.url.starts_with("http://") && !t.url.starts_with("https://")) || host >= t.url.size() ||
        t.url[host] == '/' || t.url[host] == ':') {
      return At(r.source(), item["url"],
                what + ".url must be an http:// or https:// URL with a host");
    }
    if (item["events"])
      STRAIT_TRY(ParseWebhookEvents(r, item["events"], what + ".events", t.events));
    if (item["secret"]) {
      STRAIT_TRY(r.String(item["secret"], what + ".secret", t.secret));
      if (t.secret.size() < 16)
        return At(r.source(), item["secret"], what + ".secret must be at least 16 characters");
    }
    if (item["timeout_ms"])
      STRAIT_TRY(r.Int(item["timeout_ms"], what + ".timeout_ms", 100, 60000, t.timeout_ms));
    if (item["retries"])
      STRAIT_TRY(r.Int(item["retries"], what + ".retries", 0, 20, t.retries));
    config.webhooks.push_back(std::move(t));
  }
  return OkStatus();
}

Status ParseApi(Reader& r, const YAML::Node& node, Config& config) {
  STRAIT_TRY(r.Map(node, "api", {"token", "card_render"}));
  if (node["card_render"]) {
    STRAIT_TRY(r.String(node["card_render"], "api.card_render", config.api.card_render));
    if (config.api.card_render != "source" && config.api.card_render != "per_rendition") {
      return At(r.source(), node["card_render"], "api.card_render must be source or per_rendition");
    }
  }
  if (node["token"]) {
    STRAIT_TRY(r.String(node["token"], "api.token", config.api.token));
    if (config.api.token.size() < 16) {
      return At(r.source(), node["token"],
                "api.token must be at least 16 characters (or absent: one is generated)");
    }
    for (char c : config.api.token) {
      if (c <= ' ' || c > '~')
        return At(r.source(), node["token"], "api.token must be printable ASCII without spaces");
    }
  }
  return OkStatus();
}

Status ParseLog(Reader& r, const YAML::Node& node, Config& config) {
  STRAIT_TRY(r.Map(node, "log", {"level", "format"}));
  if (node["level"]) {
    STRAIT_TRY(r.String(node["level"], "log.level", config.log.level));
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
    if (!kLevels.count(config.log.level)) {
      return At(r.source(), node["level"],
                "log.level must be one of trace, debug, info, warn, error");
    }
  }
  if (node["format"]) {
    STRAIT_TRY(r.String(node["format"], "log.format", config.log.format));
    if (config.log.format != "text" && config.log.format != "json") {
      return At(r.source(), node["format"], "log.format must be text or json");
    }
  }
  return OkStatus();
}

Status ParseStreams(Reader& r, const YAML::Node& node, Config& config) {
  if (!node.IsSequence())
    return At(r.source(), node, "streams must be a list");
  std::set<std::string> names, keys;
  for (const auto& item : node) {
    STRAIT_TRY(r.Map(item, "a stream", {"name", "key", "passphrase", "read_key", "ladder", "hls"}));
    StreamConfig stream;
    if (!item["name"])
      return At(r.source(), item, "stream is missing 'name'");
    if (!item["key"])
      return At(r.source(), item, "stream is missing 'key'");
    STRAIT_TRY(r.String(item["name"], "stream name", stream.name));
    STRAIT_TRY(r.String(item["key"], "stream key", stream.key));
    if (item["passphrase"]) {
      STRAIT_TRY(r.String(item["passphrase"], "stream passphrase", stream.passphrase));
      STRAIT_TRY(CheckPassphrase(r, item["passphrase"], "passphrase of '" + stream.name + "'",
                                 stream.passphrase));
    }
    if (!ValidName(stream.name, 64)) {
      return At(r.source(), item["name"],
                "stream name '" + stream.name + "' must be 1-64 characters of A-Z a-z 0-9 - _ .");
    }
    if (!ValidName(stream.key, 128) || stream.key.size() < 6) {
      return At(
          r.source(), item["key"],
          "stream key of '" + stream.name + "' must be 6-128 characters of A-Z a-z 0-9 - _ .");
    }
    if (item["hls"])
      STRAIT_TRY(HlsVariants(r, item["hls"], "stream hls", stream.hls));
    if (item["ladder"]) {
      STRAIT_TRY(r.String(item["ladder"], "stream ladder", stream.ladder));
      if (!config.transcode.ladders.count(stream.ladder))
        return At(r.source(), item["ladder"], "unknown ladder '" + stream.ladder + "'");
    }
    if (item["read_key"]) {
      STRAIT_TRY(r.String(item["read_key"], "stream read_key", stream.read_key));
      if (!ValidName(stream.read_key, 128) || stream.read_key.size() < 6 ||
          stream.read_key == stream.key) {
        return At(r.source(), item["read_key"],
                  "read_key of '" + stream.name +
                      "' must be 6-128 characters of A-Z a-z 0-9 - _ . and differ from the key");
      }
    }
    if (stream.key == stream.name) {
      return At(
          r.source(), item["key"],
          "stream key of '" + stream.name + "' must differ from its name (the name is public)");
    }
    if (!names.insert(stream.name).second) {
      return At(r.source(), item["name"], "duplicate stream name '" + stream.name + "'");
    }
    if (!keys.insert(stream.key).second) {
      return At(r.source(), item["key"],
                "stream '" + stream.name + "' reuses another stream's key");
    }
    config.streams.push_back(std::move(stream));
  }
  return OkStatus();
}

}  // namespace

Config DefaultConfig() {
  return Config{};
}

Status ValidateListenAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error("'" + address + "' is not HOST:PORT");
  }
  std::string host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3)
      return Error("'" + address + "': bad IPv6 host");
    host = host.substr(1, host.size() - 2);
  }
  // The listeners bind an address, not a name (as `serve` does: it refused "localhost" at start).
  in6_addr v6;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) != 1 && inet_pton(AF_INET6, host.c_str(), &v6) != 1) {
    return Error("'" + address + "': the host must be an IP address (0.0.0.0: every interface, " +
                 "127.0.0.1: this machine only), not '" + host + "'");
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return Error("'" + address + "': port must be 0-65535");
  }
  return OkStatus();
}

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    std::ostringstream out;
    out << source_name << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg;
    return Error(out.str());
  }
  Config config = DefaultConfig();
  if (root.IsNull())
    return config;  // an empty file: all defaults
  Reader r(source_name);
  try {
    STRAIT_TRY(r.Map(
        root, "the top level",
        {"server", "hls", "srt", "log", "api", "transcode", "publish", "webhooks", "streams"}));
    if (root["server"])
      STRAIT_TRY(ParseServer(r, root["server"], config));
    if (root["hls"])
      STRAIT_TRY(ParseHls(r, root["hls"], config));
    if (root["srt"])
      STRAIT_TRY(ParseSrt(r, root["srt"], config));
    if (root["log"])
      STRAIT_TRY(ParseLog(r, root["log"], config));
    if (root["api"])
      STRAIT_TRY(ParseApi(r, root["api"], config));
    if (root["transcode"])  // before streams, which name its ladders
      STRAIT_TRY(ParseTranscode(r, root["transcode"], config.transcode));
    if (root["publish"])
      STRAIT_TRY(ParsePublish(r, root["publish"], config));
    if (root["webhooks"])
      STRAIT_TRY(ParseWebhooks(r, root["webhooks"], config));
    if (root["streams"])
      STRAIT_TRY(ParseStreams(r, root["streams"], config));
  } catch (const YAML::Exception& e) {
    return Error(source_name + ": " + e.what());
  }
  return config;
}

Result<Config> LoadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Error(path + ": cannot open config file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

namespace {

// The key of built-in stream `name`: DATA_DIR/{name}.key, generated (random, mode 0600) if absent.
Result<std::string> PersistedKey(const std::string& data_dir, const std::string& name) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec)
    return Error("data dir " + data_dir + ": " + ec.message());
  const fs::path key_path = fs::path(data_dir) / (name + ".key");
  std::string key;
  if (std::ifstream in(key_path); in) {
    std::getline(in, key);
  }
  if (!ValidName(key, 128) || key.size() < 6) {
    std::random_device rd;
    static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    key = "sk_";
    for (int i = 0; i < 20; ++i)
      key += kAlphabet[rd() % (sizeof(kAlphabet) - 1)];
    const fs::path tmp = key_path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << key << "\n";
      if (!out)
        return Error("cannot write " + tmp.string());
    }
    ::chmod(tmp.c_str(), 0600);
    fs::rename(tmp, key_path, ec);
    if (ec)
      return Error("cannot write " + key_path.string() + ": " + ec.message());
  }
  return key;
}

bool HasStream(const Config& config, const std::string& name) {
  return std::any_of(config.streams.begin(), config.streams.end(),
                     [&](const StreamConfig& s) { return s.name == name; });
}

Status AddBuiltinStream(Config& config, const std::string& name) {
  Result<std::string> key = PersistedKey(config.data_dir, name);
  if (!key.ok())
    return key.error();
  StreamConfig stream;
  stream.name = name;
  stream.key = std::move(*key);
  config.streams.push_back(std::move(stream));
  return OkStatus();
}

}  // namespace

Status EnsureDemoStream(Config& config) {
  STRAIT_TRY(AddBuiltinStream(config, "demo"));
  config.builtin_default = true;
  return OkStatus();
}

Status EnableDemo(Config& config) {
  config.demo = true;
  if (!HasStream(config, "demo"))
    STRAIT_TRY(AddBuiltinStream(config, "demo"));
  if (config.builtin_default && !HasStream(config, "studio"))
    STRAIT_TRY(AddBuiltinStream(config, "studio"));
  return OkStatus();
}

}  // namespace strait::pipeline
