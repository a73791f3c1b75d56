#include "pipeline/webhooks.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace strait::pipeline {

std::shared_ptr<Webhooks> Webhooks::Start(const std::vector<WebhookTarget>& targets,
                                          const Clock& clock,
                                          std::shared_ptr<spdlog::logger> logger) {
  std::vector<Target> started;
  for (const WebhookTarget& t : targets) {
    transport::http::WebhookOptions o;
    o.url = t.url;
    o.secret = t.secret;
    o.timeout = std::chrono::milliseconds(t.timeout_ms);
    o.retries = t.retries;
    o.logger = logger;
    o.clock = &clock;
    auto sender = transport::http::WebhookSender::Start(o);
    if (!sender.ok()) {
      logger->error("{}", sender.error().message());
      continue;
    }
    std::string events;
    for (const std::string& e : t.events)
      events += (events.empty() ? "" : ", ") + e;
    logger->info("webhook: {} gets {}{}", (*sender)->target(), events,
                 t.secret.empty() ? " (unsigned)" : " (signed)");
    started.push_back({t.events, std::move(*sender)});
  }
  return std::shared_ptr<Webhooks>(new Webhooks(clock, std::move(started)));
}

Webhooks::Webhooks(const Clock& clock, std::vector<Target> targets)
    : clock_(clock), targets_(std::move(targets)), rng_(std::random_device{}()) {}

Webhooks::~Webhooks() = default;  // each sender stops at once

std::string Webhooks::NewId() {
  std::array<uint8_t, 10> random;
  {
    std::lock_guard lock(rng_mu_);
    const uint64_t a = rng_(), b = rng_();
    for (int i = 0; i < 8; ++i)
      random[i] = static_cast<uint8_t>(a >> (8 * i));
    random[8] = static_cast<uint8_t>(b);
    random[9] = static_cast<uint8_t>(b >> 8);
  }
  return EventId(clock_.WallNow(), random);
}

void Webhooks::Emit(const WebhookEvent& event) {
  auto wants = [&](const Target& t) {
    return std::find(t.events.begin(), t.events.end(), event.type) != t.events.end();
  };
  if (std::none_of(targets_.begin(), targets_.end(), wants))
    return;
  const std::string id = NewId();
  const std::string body = WebhookBody(event, id, clock_.WallNow());
  for (const Target& t : targets_) {
    if (wants(t))
      t.sender->Send({id, event.type, body});
  }
}

WebhookSink Webhooks::Sink() {
  if (targets_.empty())
    return {};
  return [self = shared_from_this()](const WebhookEvent& e) { self->Emit(e); };
}

void Webhooks::Shutdown(std::chrono::milliseconds grace) {
  // One deadline for all: the targets drain side by side, each on its own thread.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (const Target& t : targets_)
    t.sender->Stop(deadline);
}

std::vector<std::pair<std::string, transport::http::WebhookStats>> Webhooks::Stats() const {
  std::vector<std::pair<std::string, transport::http::WebhookStats>> out;
  for (const Target& t : targets_)
    out.emplace_back(t.sender->target(), t.sender->Stats());
  return out;
}

}  // namespace strait::pipeline
