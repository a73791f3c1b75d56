// Webhooks: strait's event notifications to the configured `webhooks` targets. Emit gives an event
// its id (a UUIDv7) and time once — the same at every target — renders its document
// (webhook_events.h) and hands it to the sender of each target that wants its type
// (transport/http/webhook_sender.h: per target, one delivery thread, a bounded queue, retries).
//
// Who emits: the stream registry's publish sessions (publish_started at the first media packet,
// publish_ended at the end) and the card service's change observer (card_shown, card_hidden), as
// the App wires them.
//
// Threads: Emit and Stats from any thread; Emit never waits for the network (each sender's queue
// takes one mutex). Shutdown from one thread, after ingest stopped. Ownership: the App owns it
// through a shared_ptr that the event sinks it hands out hold too, so a publish session that
// outlives the App's shutdown still emits safely (the events are then dropped and counted).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "codecs/clock.h"
#include "pipeline/config.h"
#include "pipeline/webhook_events.h"
#include "transport/http/webhook_sender.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

class Webhooks : public std::enable_shared_from_this<Webhooks> {
 public:
  // One sender per target; a target whose sender cannot start is logged and skipped.
  static std::shared_ptr<Webhooks> Start(const std::vector<WebhookTarget>& targets,
                                         const Clock& clock,
                                         std::shared_ptr<spdlog::logger> logger);
  ~Webhooks();
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  // Queues the event at every target that wants its type; nothing when no target does.
  void Emit(const WebhookEvent& event);
  // A sink that emits here (holding this object), or an empty one when there are no targets.
  WebhookSink Sink();
  // Gives the events still queued until `grace` from now to go, then drops the rest (counted).
  void Shutdown(std::chrono::milliseconds grace);
  // Per target: its label (the URL without credentials or query) and counters.
  std::vector<std::pair<std::string, transport::http::WebhookStats>> Stats() const;

 private:
  struct Target {
    std::vector<std::string> events;
    std::unique_ptr<transport::http::WebhookSender> sender;
  };
  Webhooks(const Clock& clock, std::vector<Target> targets);
  std::string NewId();

  const Clock& clock_;
  std::vector<Target> targets_;  // fixed after Start
  std::mutex rng_mu_;
  std::mt19937_64 rng_;  // guarded by rng_mu_: event ids
};

}  // namespace strait::pipeline
