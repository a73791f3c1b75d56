#include "transport/http/webhook_sender.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>

#include "transport/http/client.h"

namespace strait::transport::http {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

int64_t SteadyNs(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

const Clock& SystemClockInstance() {
  static const SystemClock clock;
  return clock;
}

bool HasHost(std::string_view url) {
  const size_t start = url.find("://") + 3;
  const size_t end = url.find_first_of("/?#", start);
  std::string_view authority = url.substr(start, end == std::string_view::npos ? end : end - start);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  return !authority.empty() && authority.front() != ':';
}

}  // namespace

std::string WebhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_payload;
  signed_payload.reserve(t.size() + 1 + body.size());
  signed_payload.append(t).append(".").append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_payload.data()), signed_payload.size(), mac,
       &mac_size);
  static const char kHex[] = "0123456789abcdef";
  std::string out = "t=" + t + ",v1=";
  for (unsigned int i = 0; i < mac_size; ++i) {
    out += kHex[mac[i] >> 4];
    out += kHex[mac[i] & 15];
  }
  return out;
}

bool WebhookRetryable(int status) {
  return status >= 500 || status == 429;
}

std::string RedactUrl(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return std::string(url);
  const size_t start = scheme + 3;
  const size_t end = std::min(url.find('/', start), url.size());
  const size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos)
    return std::string(url);
  return std::string(url.substr(0, start)).append(url.substr(start + at + 1));
}

Result<std::unique_ptr<WebhookSender>> WebhookSender::Start(WebhookOptions options) {
  const std::string shown = RedactUrl(options.url);
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://"))
    return Error("webhook: url must start with http:// or https:// (got '" + shown + "')");
  if (!HasHost(options.url))
    return Error("webhook: url '" + shown + "' has no host");
  auto client = Client::Create();
  if (!client.ok())
    return client.error().Context("webhook " + shown);
  std::unique_ptr<WebhookSender> s(new WebhookSender(std::move(options)));
  s->thread_ = std::thread([raw = s.get(), c = std::move(*client)] { raw->Run(*c); });
  return s;
}

WebhookSender::WebhookSender(WebhookOptions options)
    : options_(std::move(options)),
      target_(RedactUrl(options_.url)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()),
      clock_(options_.clock ? *options_.clock : SystemClockInstance()),
      deadline_ns_(kNoDeadline) {}

WebhookSender::~WebhookSender() {
  Stop(SteadyClock::now());
}

void WebhookSender::Send(WebhookDelivery delivery) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      ++stats_.dropped;
      return;
    }
    if (queue_.size() >= std::max<size_t>(options_.max_queue, 1)) {
      ++stats_.dropped;
      if (burst_dropped_++ == 0) {
        logger_->warn("webhook {}: queue full ({} events): dropping the oldest from now on",
                      target_, queue_.size());
      }
      queue_.pop_front();
    } else if (burst_dropped_ > 0) {
      logger_->warn("webhook {}: queue has room again after dropping {} events", target_,
                    burst_dropped_);
      burst_dropped_ = 0;
    }
    queue_.push_back(std::move(delivery));
  }
  cv_.notify_one();
}

void WebhookSender::Stop(SteadyClock::time_point deadline) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ns_ = SteadyNs(deadline);
    }
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

WebhookStats WebhookSender::Stats() const {
  std::lock_guard lock(mu_);
  WebhookStats s = stats_;
  s.queued = queue_.size() + (in_flight_ ? 1 : 0);
  return s;
}

bool WebhookSender::PastDeadline() const {
  return SteadyNs(SteadyClock::now()) >= deadline_ns_.load();
}

void WebhookSender::Run(Client& client) {
  uint64_t abandoned = 0;  // in flight when the deadline came
  for (;;) {
    WebhookDelivery delivery;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || PastDeadline())
        break;
      delivery = std::move(queue_.front());
      queue_.pop_front();
      in_flight_ = true;
    }
    const Outcome outcome = Deliver(client, delivery);
    abandoned += outcome == Outcome::kDropped ? 1 : 0;
    std::lock_guard lock(mu_);
    in_flight_ = false;
    ++(outcome == Outcome::kDelivered ? stats_.delivered
       : outcome == Outcome::kFailed  ? stats_.failed
                                      : stats_.dropped);
  }
  std::lock_guard lock(mu_);
  if (abandoned + queue_.size() > 0) {
    logger_->warn("webhook {}: shutting down: {} events not sent", target_,
                  abandoned + queue_.size());
  }
  stats_.dropped += queue_.size();
  queue_.clear();
}

WebhookSender::Outcome WebhookSender::Deliver(Client& client, const WebhookDelivery& delivery) {
  ClientRequest request;
  request.method = "POST";
  request.url = options_.url;
  request.body = delivery.body;
  request.has_body = true;
  request.abort = [this] { return PastDeadline(); };
  auto backoff = options_.first_backoff;
  std::string why;
  for (int attempt = 0;; ++attempt) {
    const int64_t left_ns = deadline_ns_.load() == kNoDeadline
                                ? kNoDeadline
                                : deadline_ns_.load() - SteadyNs(SteadyClock::now());
    if (left_ns <= 0)
      return Outcome::kDropped;
    // While stopping, no attempt outlasts the deadline (the abort check runs about once a second).
    request.timeout =
        std::min(options_.timeout,
                 std::chrono::ceil<std::chrono::milliseconds>(std::chrono::nanoseconds(left_ns)));
    request.headers = {"Content-Type: application/json", "User-Agent: strait-webhooks/1",
                       "Strait-Event: " + delivery.type, "Strait-Delivery: " + delivery.id,
                       "Expect:"};
    if (!options_.secret.empty()) {
      const int64_t t =
          std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch())
              .count();
      request.headers.push_back("Strait-Signature: " +
                                WebhookSignature(options_.secret, t, delivery.body));
    }
    const Result<int> status = client.Send(request);
    if (status.ok() && *status >= 200 && *status < 300)
      return Outcome::kDelivered;
    if (PastDeadline())
      return Outcome::kDropped;  // shutting down: not the endpoint's fault
    why = status.ok() ? "HTTP " + std::to_string(*status) : status.error().message();
    const bool retry = !status.ok() || WebhookRetryable(*status);
    if (!retry || attempt >= options_.retries) {
      std::string note;
      if (failure_log_.Allow(&note)) {
        logger_->warn("webhook {}: {} {} not delivered after {} {}: {}{}", target_, delivery.type,
                      delivery.id, attempt + 1, attempt ? "tries" : "try", why, note);
      }
      return Outcome::kFailed;
    }
    // Back off; Stop cuts the wait short at its deadline.
    const SteadyClock::time_point until = SteadyClock::now() + backoff;
    std::unique_lock lock(mu_);
    while (!PastDeadline() && SteadyClock::now() < until) {
      const SteadyClock::time_point deadline{std::chrono::nanoseconds(deadline_ns_.load())};
      cv_.wait_until(lock, std::min(until, deadline));
    }
    if (PastDeadline())
      return Outcome::kDropped;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace strait::transport::http
