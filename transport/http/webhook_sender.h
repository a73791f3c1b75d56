// WebhookSender: delivers event notifications to one HTTP endpoint of a platform's (the way SRS
// http_hooks, nginx-rtmp on_publish or Mux webhooks do). The pipeline makes the JSON bodies
// (pipeline/webhook_events.h); this class only sends them: `POST url` with
//   Content-Type: application/json
//   Strait-Event: <type>          Strait-Delivery: <event id, the same on every retry>
//   Strait-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>  (with a secret)
// the signature made afresh for each attempt (Stripe's scheme: a receiver checks that t is recent).
//
// Policy: events go one at a time in queue order, so the endpoint sees them in the order they
// happened. A 2xx is delivered. A network error (refused, reset, timeout), a 5xx or a 429 is
// retried with backoff (first_backoff doubling, capped at max_backoff) up to `retries` times, then
// the event is given up (failed); any other status (a 4xx: the endpoint refuses it) is given up at
// once. The queue is bounded: when it is full the oldest waiting event is dropped (counted; logged
// once per burst of drops). Stop gives the events still waiting until a deadline to go (the one in
// flight is aborted at the deadline), then drops the rest (counted).
//
// Threads: Send and Stats from any thread (never block on the network: Send takes one mutex);
// the delivery thread is owned here. Stop (or the destructor, which stops at once) from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "codecs/clock.h"
#include "codecs/result.h"
#include "transport/log_limiter.h"

namespace spdlog {
class logger;
}

namespace strait::transport::http {

class Client;

struct WebhookOptions {
  std::string url;                          // http:// or https://
  std::string secret;                       // empty: no Strait-Signature header
  std::chrono::milliseconds timeout{5000};  // per attempt
  int retries = 4;                          // after the first attempt
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{8000};
  size_t max_queue = 1000;  // events waiting
  std::shared_ptr<spdlog::logger> logger;
  const Clock* clock = nullptr;  // the signatures' time; null: the system clock. Outlives us.
};

// One event as the pipeline made it.
struct WebhookDelivery {
  std::string id;    // unique per event (Strait-Delivery): a receiver drops a repeat by it
  std::string type;  // "publish_started", ... (Strait-Event)
  std::string body;  // the JSON document
};

struct WebhookStats {
  uint64_t delivered = 0;  // answered 2xx
  uint64_t failed = 0;     // given up: refused (4xx) or still failing after every retry
  uint64_t dropped = 0;    // never sent: the queue was full, or strait was shutting down
  size_t queued = 0;       // waiting or in flight now
};

class WebhookSender {
 public:
  // Checks the URL (http:// or https:// and a host) and starts the delivery thread.
  static Result<std::unique_ptr<WebhookSender>> Start(WebhookOptions options);
  ~WebhookSender();  // Stop(now)
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues one event (dropping the oldest waiting one when the queue is full). After Stop: dropped.
  void Send(WebhookDelivery delivery);
  // Lets the waiting events go until `deadline`, then drops what is left and joins the thread.
  void Stop(std::chrono::steady_clock::time_point deadline);
  WebhookStats Stats() const;
  // The URL without credentials, query or fragment: the metric label and what logs show.
  const std::string& target() const { return target_; }

 private:
  enum class Outcome { kDelivered, kFailed, kDropped };
  explicit WebhookSender(WebhookOptions options);
  void Run(Client& client);
  Outcome Deliver(Client& client, const WebhookDelivery& delivery);
  bool PastDeadline() const;

  const WebhookOptions options_;
  const std::string target_;
  std::shared_ptr<spdlog::logger> logger_;
  const Clock& clock_;
  LogLimiter failure_log_{1};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WebhookDelivery> queue_;  // guarded by mu_
  bool stopping_ = false;              // guarded by mu_
  bool in_flight_ = false;             // guarded by mu_
  uint64_t burst_dropped_ = 0;         // guarded by mu_: drops since the queue last had room
  WebhookStats stats_;                 // guarded by mu_ (queued computed in Stats)
  // Steady-clock nanoseconds after which nothing more is tried (Stop); max while running.
  std::atomic<int64_t> deadline_ns_;
  std::thread thread_;
};

// The Strait-Signature value: "t=<unix_seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".
std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);
// Whether an answer with this status is worth another try: 5xx and 429.
bool WebhookRetryable(int status);
// `url` without "user:password@", "?query" and "#fragment" (for labels and logs).
std::string RedactUrl(std::string_view url);

}  // namespace strait::transport::http
