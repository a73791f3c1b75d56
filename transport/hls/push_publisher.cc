#include "transport/hls/push_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace strait::transport::hls {

namespace http = transport::http;

namespace {

const char* ContentType(const std::string& path) {
  if (path.ends_with(".m3u8"))
    return "Content-Type: application/vnd.apple.mpegurl";
  if (path.ends_with(".ts"))
    return "Content-Type: video/mp2t";
  if (path.ends_with(".m4s") || path.ends_with(".mp4")) {
    // The ladder's audio renditions ("audio", "audio-opus") are audio-only, as the origin serves.
    const size_t slash = path.rfind('/');
    const size_t dir =
        slash == std::string::npos || slash == 0 ? 0 : path.rfind('/', slash - 1) + 1;
    return path.compare(dir, 5, "audio") == 0 ? "Content-Type: audio/mp4"
                                              : "Content-Type: video/mp4";
  }
  return "Content-Type: application/octet-stream";
}

bool IsPlaylist(const std::string& path) {
  return path.ends_with(".m3u8");
}

}  // namespace

Result<std::shared_ptr<PushPublisher>> PushPublisher::Start(PushOptions options) {
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://"))
    return Error("publish: url must start with http:// or https:// (got '" + options.url + "')");
  if (!options.url.ends_with("/"))
    options.url += "/";
  auto client = http::Client::Create();
  if (!client.ok())
    return client.error().Context("publish");
  std::shared_ptr<PushPublisher> p(new PushPublisher(std::move(options)));
  p->thread_ = std::thread([raw = p.get(), c = std::move(*client)] { raw->Run(*c); });
  return p;
}

PushPublisher::PushPublisher(PushOptions options)
    : options_(std::move(options)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()) {}

PushPublisher::~PushPublisher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void PushPublisher::OnObject(const std::string& path,
                             std::shared_ptr<const std::vector<uint8_t>> bytes) {
  {
    std::lock_guard lock(mu_);
    if (stop_)
      return;
    if (IsPlaylist(path) && bytes) {
      // Only the newest version of a playlist matters: a queued older one goes, and the new one
      // queues at the back, after the parts and segments it lists (replacing it in place would
      // upload a playlist before them after a backlog).
      auto it = std::find_if(queue_.begin(), queue_.end(),
                             [&](const Job& j) { return j.path == path && j.bytes; });
      if (it != queue_.end())
        queue_.erase(it);
    }
    if (queue_.size() >= options_.max_queue) {
      if (stats_.dropped++ % 100 == 0)
        logger_->warn("publish {}: queue full, dropping {} ({} dropped so far)", options_.url,
                      queue_.front().path, stats_.dropped);
      queue_.pop_front();
    }
    queue_.push_back({path, std::move(bytes), std::chrono::steady_clock::now()});
  }
  cv_.notify_one();
}

PushStats PushPublisher::Stats() const {
  std::lock_guard lock(mu_);
  PushStats s = stats_;
  s.queued = queue_.size() + (in_flight_ ? 1 : 0);
  if (in_flight_ || !queue_.empty()) {
    const auto oldest = in_flight_ ? in_flight_since_ : queue_.front().queued_at;
    s.lag_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - oldest).count();
  }
  return s;
}

bool PushPublisher::Upload(http::Client& client, const Job& job, std::string* why) {
  http::ClientRequest request;
  request.url = options_.url + job.path;
  request.timeout = options_.timeout;
  request.connect_timeout = std::chrono::milliseconds(2000);
  if (job.bytes) {
    request.method = "PUT";
    // No "Expect: 100-continue" round trip (a server that ignores it costs a 1 s wait per PUT).
    request.headers = {ContentType(job.path), "Expect:"};
    request.body =
        std::string_view(reinterpret_cast<const char*>(job.bytes->data()), job.bytes->size());
    request.has_body = true;
  } else {
    request.method = "DELETE";
  }
  const Result<int> status = client.Send(request);
  if (!status.ok()) {
    *why = status.error().message();
    return false;
  }
  if (*status >= 200 && *status < 300)
    return true;
  if (!job.bytes && *status == 404)
    return true;  // already gone
  *why = "HTTP " + std::to_string(*status);
  return false;
}

void PushPublisher::Run(http::Client& client) {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_)
        return;
      job = std::move(queue_.front());
      queue_.pop_front();
      in_flight_ = true;
      in_flight_since_ = job.queued_at;
    }
    std::string why;
    bool ok = Upload(client, job, &why);
    auto backoff = options_.first_backoff;
    for (int attempt = 0; !ok && attempt < options_.retries; ++attempt) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, backoff, [&] { return stop_; }))
          return;
      }
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(3));
      ok = Upload(client, job, &why);
    }
    std::lock_guard lock(mu_);
    in_flight_ = false;
    if (ok) {
      ++(job.bytes ? stats_.uploaded : stats_.deleted);
      stats_.bytes += job.bytes ? job.bytes->size() : 0;
    } else if (stats_.failed++ % 20 == 0) {
      logger_->warn("publish {}{}: gave up after {} tries: {} ({} failed so far)", options_.url,
                    job.path, options_.retries + 1, why, stats_.failed);
    }
  }
}

}  // namespace strait::transport::hls
