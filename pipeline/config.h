// Config: strait's configuration, parsed once at start-up from YAML into validated structs.
//
// Every value has a built-in default, so `strait serve` with no file runs; a file may set any
// subset. Unknown keys, wrong types and impossible values are rejected with "FILE:LINE:COL: ..."
// messages. Plain values; parse on the main thread, then share read-only.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "codecs/result.h"
#include "pipeline/transcode_config.h"

namespace strait::pipeline {

struct StreamConfig {
  std::string name;        // public: appears in playback URLs, logs and metrics
  std::string key;         // secret: used only to publish; never logged
  std::string passphrase;  // SRT encryption passphrase for this stream; empty = srt.passphrase
  std::string read_key;    // secret a SRT reader (m=request) must give; empty = readers need none
  std::string ladder;      // a transcode.ladders name; empty = transcode.ladder
  std::string hls;         // "ll-cmaf", "ts" or "both"; empty = hls.variants
};

struct SrtConfig {
  int latency_ms = 120;       // receiver latency (SRTO_RCVLATENCY)
  std::string passphrase;     // server-wide default; empty = no encryption required
  int pbkeylen = 16;          // 16, 24 or 32 (AES-128/192/256)
  int payload_size = 1316;    // 7 × 188-byte TS packets
  int overhead_percent = 25;  // bandwidth overhead for retransmissions
  int connect_timeout_ms = 3000;
};

struct HlsConfig {
  double segment_duration_s = 2.0;  // target; segments are cut at the next keyframe after it
  // Sliding window of the media playlist: 20 s, so that LL-HLS delta updates (CAN-SKIP-UNTIL =
  // 6 target durations) skip something.
  int window_segments = 10;
  // "ll-cmaf" (Low-Latency HLS: CMAF parts, blocking reload), "ts" (MPEG-TS segments) or "both"
  // (CMAF at master.m3u8, TS at master-ts.m3u8 with renditions "{name}-ts").
  std::string variants = "ll-cmaf";
  double part_target_s = 0.334;  // LL-HLS part target (EXT-X-PART-INF)
  // A publisher that drops and comes back within this window continues the same playlists and
  // timeline (no 404, no EXT-X-ENDLIST, no discontinuity when its parameters are unchanged).
  double reconnect_grace_s = 10.0;
  bool write_to_disk = false;  // also write segments and playlists under data_dir/live/
};

// An external origin / CDN ingest that gets every HLS object by HTTP PUT (and DELETE).
struct PublishTarget {
  std::string url;  // http:// or https:// base; objects go to its path + "{stream}/..."
  int timeout_ms = 5000;
  int retries = 4;
  int connections = 6;  // requests in flight at once
  std::string ca_file;  // PEM CA bundle for an https target ("": the system's trust store)
};

// An HTTP endpoint that gets strait's event notifications (pipeline/webhooks.h) by POST.
struct WebhookTarget {
  std::string url;                  // http:// or https://
  std::vector<std::string> events;  // the event types it gets (kWebhookEventTypes); all by default
  std::string secret;               // signs each request (Strait-Signature); empty: unsigned
  int timeout_ms = 5000;            // per attempt
  int retries = 4;                  // on network errors, 5xx and 429
};

// Every event type a webhook can get, in the order they are documented.
inline const std::vector<std::string> kWebhookEventTypes = {"publish_started", "publish_ended",
                                                            "card_shown", "card_hidden"};

// The control API (/api/v1, product cards) and the console.
struct ApiConfig {
  // Bearer token every API call must carry. Empty: one is generated on first start and kept in
  // DATA_DIR/api.token (mode 0600); the start-up banner prints the console URL with it.
  std::string token;
  // Where cards are drawn: "source" (once on the source picture, scaled with it into every rung)
  // or "per_rendition" (rendered at each rung's size after scaling: crisp text, more CPU).
  std::string card_render = "source";
};

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error
  std::string format = "text";  // text or json
};

struct Config {
  std::string rtmp_listen = "0.0.0.0:1935";
  std::string http_listen = "0.0.0.0:8080";
  std::string srt_listen = "0.0.0.0:9000";
  std::string data_dir = "data";
  int io_threads = 0;  // 0: one per core, at least 2
  // The operator console's files (index.html, hls.min.js); empty = `console` beside the strait
  // executable, where the build puts them (pipeline/console.h).
  std::string console_dir;
  // Open HTTP connections (LL-HLS players hold one or two blocking requests each); the soft
  // RLIMIT_NOFILE is raised to fit at start.
  int http_max_connections = 8192;
  // Of them, from one source address (one client cannot hold them all); 0 = no cap. A CDN shield
  // or a large NAT opens many to an origin: keep it well above what they need.
  int http_max_connections_per_ip = 1024;
  // Per-connection request rate limit (429 above it); 0 = none. A CDN edge multiplexes many
  // viewers' requests over a few keep-alive connections: raise it, or 0, for origin-only use.
  double http_requests_per_second = 200;
  HlsConfig hls;
  SrtConfig srt;
  LogConfig log;
  ApiConfig api;
  TranscodeConfig transcode = DefaultTranscodeConfig();
  std::vector<PublishTarget> publish;
  std::vector<WebhookTarget> webhooks;
  std::vector<StreamConfig> streams;
  // True when no file was given: the app then creates the `demo` stream with a persisted key.
  bool builtin_default = false;
  // `strait serve --demo`: the App publishes a synthetic test stream to `demo` (pipeline/demo.h).
  bool demo = false;
};

// Parses YAML text; `source_name` prefixes error messages (usually the file path).
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name);
Result<Config> LoadConfigFile(const std::string& path);
// The built-in defaults (no streams yet: see EnsureDemoStream).
Config DefaultConfig();

// Checks an address of the form HOST:PORT ("0.0.0.0:1935", "[::1]:8080", "127.0.0.1:0").
Status ValidateListenAddress(const std::string& address);

// For the built-in default: adds stream `demo`, whose random key is generated on first start and
// kept in DATA_DIR/demo.key (mode 0600) so OBS settings survive restarts.
Status EnsureDemoStream(Config& config);

// `--demo`: sets config.demo and adds stream `demo` (key kept in DATA_DIR/demo.key) unless the
// config has one. With the built-in default it also adds `studio` (DATA_DIR/studio.key), the
// stream OBS pushes to while the synthetic publisher holds `demo`. Call after EnsureDemoStream.
Status EnableDemo(Config& config);

}  // namespace strait::pipeline
