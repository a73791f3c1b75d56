#include "transport/hls/push_publisher.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace strait::transport::hls {

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

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

size_t Discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

}  // namespace

Result<std::shared_ptr<PushPublisher>> PushPublisher::Start(PushOptions options) {
  if (!options.url.starts_with("http://") && !options.url.starts_with("https://"))
    return Error("publish: url must start with http:// or https:// (got '" + options.url + "')");
  if (!options.url.ends_with("/"))
    options.url += "/";
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready)
    return Error("publish: libcurl failed to initialise");
  std::shared_ptr<PushPublisher> p(new PushPublisher(std::move(options)));
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
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

bool PushPublisher::Upload(void* handle, const Job& job, std::string* why) {
  CURL* curl = static_cast<CURL*>(handle);
  const std::string url = options_.url + job.path;
  curl_easy_reset(curl);  // keeps the connection cache: keep-alive across requests
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(options_.timeout.count(), 2000)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  if (job.bytes) {
    headers.reset(curl_slist_append(nullptr, ContentType(job.path)));
    // No "Expect: 100-continue" round trip (a server that ignores it costs a 1 s wait per PUT).
    curl_slist_append(headers.get(), "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, job.bytes->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(job.bytes->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc != CURLE_OK) {
    *why = curl_easy_strerror(rc);
    return false;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300)
    return true;
  if (!job.bytes && status == 404)
    return true;  // already gone
  *why = "HTTP " + std::to_string(status);
  return false;
}

void PushPublisher::Run() {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
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
    bool ok = curl && Upload(curl.get(), job, &why);
    auto backoff = options_.first_backoff;
    for (int attempt = 0; !ok && attempt < options_.retries; ++attempt) {
      {
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, backoff, [&] { return stop_; }))
          return;
      }
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::seconds(3));
      ok = curl && Upload(curl.get(), job, &why);
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
