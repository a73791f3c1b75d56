// PushPublisher: mirrors a server's HLS output to an external HTTP origin or CDN ingest with PUT
// (and DELETE for objects that left the window), the way ffmpeg's `-method PUT` feeds Akamai MSL
// or nginx's dav module. An OutputObserver: objects are queued and uploaded by one thread of its
// own through a libcurl multi handle — up to `connections` requests at once, kept-alive — so a
// slow or failing target never stalls packaging or the local origin, and a target a long round
// trip away still keeps up with LL-HLS (~30 objects/s for two rungs and audio).
//
// Policy (push_queue.h): concurrent requests keep the order a player needs — an object before any
// playlist that lists it, the renditions' first playlists before the master, a removal after the
// playlist that stopped listing it. Playlists coalesce to the newest ready version and never
// starve. A failed upload is retried with exponential backoff (`retries` times), then given up and
// counted; a given-up object the output still holds is sent again once the target answers again.
// The queue is bounded: when full the oldest object is dropped (counted). Timeouts bound every
// request; redirects are not followed (an upload answered 3xx fails, saying so).
//
// Threads: OnObject from any writer thread (never blocks: a lock and a wake-up); the upload
// thread is owned here; Stats from any thread. The destructor stops the thread (pending uploads
// are abandoned).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "codecs/result.h"
#include "transport/hls/output_observer.h"
#include "transport/hls/push_queue.h"

namespace spdlog {
class logger;
}

namespace strait::transport::hls {

// A target's base URL, checked (http or https, a host, no characters a URL cannot hold) and split
// so that object paths join onto its path with its query kept after them:
// "http://h/q/?token=abc" + "shop1/master.m3u8" = "http://h/q/shop1/master.m3u8?token=abc".
struct PushUrl {
  std::string base;     // scheme://[userinfo@]host[:port]/path/ (always ends with '/')
  std::string query;    // "" or "?..."
  std::string display;  // base + query with the password (or a lone user name) shown as ***
  // What makes two targets the same: scheme, lower-case host, port (default omitted), path and
  // query — no credentials. ".../dup" and ".../dup/" are one target.
  std::string key;
  std::string Join(std::string_view path) const { return base + std::string(path) + query; }
};
// An Error says what is wrong without repeating the URL (it may hold a password).
Result<PushUrl> ParsePushUrl(const std::string& url);

struct PushOptions {
  std::string url;  // base, e.g. "http://ingest.example:8080/live/"; objects go to url + path
  std::chrono::milliseconds timeout{5000};
  int retries = 4;                               // after the first try
  std::chrono::milliseconds first_backoff{200};  // doubles per retry, capped at 3 s
  size_t max_queue = 256;                        // objects waiting
  int connections = 6;                           // requests in flight at most
  size_t max_held_bytes = 64 << 20;              // given-up objects kept to send again
  std::string ca_file;  // PEM bundle to verify an https target with ("": the system's store)
  std::shared_ptr<spdlog::logger> logger;
};

struct PushStats {
  uint64_t uploaded = 0;  // PUTs that succeeded
  uint64_t deleted = 0;   // DELETEs that succeeded (or found nothing to delete)
  uint64_t failed = 0;    // requests given up after all retries
  uint64_t dropped = 0;   // objects dropped because the queue was full
  uint64_t resent = 0;    // given-up objects uploaded after the target answered again
  uint64_t bytes = 0;     // bytes uploaded
  size_t queued = 0;      // waiting or in flight now
  size_t held = 0;        // given up, kept to send again
  double lag_s = 0;       // age of the oldest object waiting or in flight
};

class PushPublisher final : public OutputObserver {
 public:
  // Checks the URL (ParsePushUrl) and starts the upload thread.
  static Result<std::shared_ptr<PushPublisher>> Start(PushOptions options);
  ~PushPublisher() override;
  PushPublisher(const PushPublisher&) = delete;
  PushPublisher& operator=(const PushPublisher&) = delete;

  void OnObject(const std::string& path,
                std::shared_ptr<const std::vector<uint8_t>> bytes) override;

  PushStats Stats() const;
  // The target for logs and metric labels: credentials redacted.
  const std::string& url() const { return url_.display; }

 private:
  struct Transfer;
  PushPublisher(PushOptions options, PushUrl url, void* multi);
  void Run();
  void Begin(Transfer& t, PushQueue::Job job);
  void Finish(Transfer& t, int curl_code);

  const PushOptions options_;
  const PushUrl url_;
  std::shared_ptr<spdlog::logger> logger_;
  void* const multi_;  // CURLM*, owned; curl_multi_wakeup is the only call from other threads
  mutable std::mutex mu_;
  PushQueue queue_;    // guarded by mu_
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace strait::transport::hls
