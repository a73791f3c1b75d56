#include "transport/hls/push_publisher.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

namespace strait::transport::hls {

namespace {

using Clock = std::chrono::steady_clock;

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::optional<std::string> UrlPart(CURLU* url, CURLUPart part, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(url, part, &out, flags) != CURLUE_OK || !out)
    return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

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

size_t Discard(char*, size_t size, size_t n, void*) {
  return size * n;
}

}  // namespace

Result<PushUrl> ParsePushUrl(const std::string& url) {
  std::string scheme_part = url.substr(0, url.find("://") + 3);
  std::transform(scheme_part.begin(), scheme_part.end(), scheme_part.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme_part != "http://" && scheme_part != "https://")
    return Error("must start with http:// or https://");
  // RFC 3986 has no place for these; libcurl would send some of them as they are.
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
      return Error(
          "holds a space, a line break or another control or non-ASCII character "
          "(percent-encode it)");
    if (std::strchr("\"\\<>^`{|}", c))
      return Error(std::string("holds '") + c + "', which a URL cannot (percent-encode it)");
  }
  if (url.size() == scheme_part.size() || url[scheme_part.size()] == '/')
    return Error("has no host");  // libcurl would take "http:///live/" as the host "live"
  UrlHandle u(curl_url());
  if (!u)
    return Error("libcurl could not parse it (out of memory)");
  if (const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK)
    return Error(std::string("is not a valid URL: ") + curl_url_strerror(rc));
  const std::optional<std::string> host = UrlPart(u.get(), CURLUPART_HOST);
  if (!host || host->empty())
    return Error("has no host");
  if (UrlPart(u.get(), CURLUPART_FRAGMENT))
    return Error("has a #fragment, which is never sent to the server");

  PushUrl out;
  std::string path = UrlPart(u.get(), CURLUPART_PATH).value_or("/");
  if (!path.ends_with('/'))
    path += '/';
  if (const std::optional<std::string> query = UrlPart(u.get(), CURLUPART_QUERY))
    out.query = "?" + *query;
  curl_url_set(u.get(), CURLUPART_PATH, path.c_str(), 0);
  curl_url_set(u.get(), CURLUPART_QUERY, nullptr, 0);
  out.base = UrlPart(u.get(), CURLUPART_URL).value_or("");

  UrlHandle shown(curl_url_dup(u.get()));
  if (UrlPart(shown.get(), CURLUPART_PASSWORD))
    curl_url_set(shown.get(), CURLUPART_PASSWORD, "***", 0);
  else if (UrlPart(shown.get(), CURLUPART_USER))
    curl_url_set(shown.get(), CURLUPART_USER, "***", 0);  // a lone user name is often a token
  out.display = UrlPart(shown.get(), CURLUPART_URL).value_or("") + out.query;

  UrlHandle key(curl_url_dup(u.get()));
  curl_url_set(key.get(), CURLUPART_USER, nullptr, 0);
  curl_url_set(key.get(), CURLUPART_PASSWORD, nullptr, 0);
  std::string lower_host = *host;
  std::transform(lower_host.begin(), lower_host.end(), lower_host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  curl_url_set(key.get(), CURLUPART_HOST, lower_host.c_str(), 0);
  out.key = UrlPart(key.get(), CURLUPART_URL, CURLU_NO_DEFAULT_PORT).value_or("") + out.query;
  if (out.base.empty() || out.display.empty() || out.key.empty())
    return Error("is not a valid URL");
  return out;
}

// One request slot: an easy handle reused for request after request (the multi handle keeps the
// connections alive between them).
struct PushPublisher::Transfer {
  CURL* easy = nullptr;
  bool busy = false;
  PushQueue::Job job;  // holds the body while the request runs
  std::string url;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  char error[CURL_ERROR_SIZE] = {};
};

Result<std::shared_ptr<PushPublisher>> PushPublisher::Start(PushOptions options) {
  Result<PushUrl> url = ParsePushUrl(options.url);
  if (!url.ok())
    return url.error().Context("publish: url");
  options.connections = std::clamp(options.connections, 1, 64);
  static const bool curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  if (!curl_ready)
    return Error("publish: libcurl failed to initialise");
  CURLM* multi = curl_multi_init();
  if (!multi)
    return Error("publish: libcurl failed to make a multi handle");
  // At most `connections` sockets to the target, all kept for the next requests.
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.connections));
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.connections));
  std::shared_ptr<PushPublisher> p(new PushPublisher(std::move(options), std::move(*url), multi));
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
  return p;
}

PushPublisher::PushPublisher(PushOptions options, PushUrl url, void* multi)
    : options_(std::move(options)),
      url_(std::move(url)),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()),
      multi_(multi),
      queue_({.max_queue = options_.max_queue,
              .retries = options_.retries,
              .first_backoff = options_.first_backoff,
              .max_held_bytes = options_.max_held_bytes}) {}

PushPublisher::~PushPublisher() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (thread_.joinable())
    thread_.join();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void PushPublisher::OnObject(const std::string& path,
                             std::shared_ptr<const std::vector<uint8_t>> bytes) {
  std::optional<std::string> dropped;
  uint64_t dropped_total = 0;
  {
    std::lock_guard lock(mu_);
    if (stop_)
      return;
    dropped = queue_.Add(path, std::move(bytes), Clock::now());
    if (dropped)
      dropped_total = queue_.GetStats(Clock::now()).dropped;
  }
  curl_multi_wakeup(static_cast<CURLM*>(multi_));
  if (dropped && dropped_total % 100 == 1) {
    logger_->warn("publish {}: queue full, dropping {} ({} dropped so far)", url_.display, *dropped,
                  dropped_total);
  }
}

PushStats PushPublisher::Stats() const {
  std::lock_guard lock(mu_);
  const PushQueue::Stats q = queue_.GetStats(Clock::now());
  return {.uploaded = q.uploaded,
          .deleted = q.deleted,
          .failed = q.failed,
          .dropped = q.dropped,
          .resent = q.resent,
          .bytes = q.bytes,
          .queued = q.queued,
          .held = q.held,
          .lag_s = q.lag_s};
}

void PushPublisher::Begin(Transfer& t, PushQueue::Job job) {
  t.job = std::move(job);
  t.busy = true;
  t.url = url_.Join(t.job.path);
  t.error[0] = '\0';
  CURL* curl = t.easy;
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<int64_t>(options_.timeout.count(), 2000)));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Discard);
  if (!options_.ca_file.empty())
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  t.headers.reset();
  if (t.job.bytes) {
    t.headers.reset(curl_slist_append(nullptr, ContentType(t.job.path)));
    // No "Expect: 100-continue" round trip (a server that ignores it costs a 1 s wait per PUT).
    curl_slist_append(t.headers.get(), "Expect:");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, t.headers.get());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, t.job.bytes->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(t.job.bytes->size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "DELETE");  // and read whatever body comes
  }
  curl_multi_add_handle(static_cast<CURLM*>(multi_), curl);
}

void PushPublisher::Finish(Transfer& t, int curl_code) {
  bool ok = false;
  std::string why;
  if (curl_code != CURLE_OK) {
    why = t.error[0] ? t.error : curl_easy_strerror(static_cast<CURLcode>(curl_code));
  } else {
    long status = 0;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &status);
    ok = (status >= 200 && status < 300) || (!t.job.bytes && status == 404);  // 404: already gone
    why = "HTTP " + std::to_string(status);
    if (status >= 300 && status < 400)
      why += " (redirects are not followed: point the url at where it redirects to)";
  }
  PushQueue::Job job = std::move(t.job);
  t.busy = false;
  t.headers.reset();
  PushQueue::Outcome out;
  uint64_t failed = 0;
  {
    std::lock_guard lock(mu_);
    out = queue_.Done(job, ok, Clock::now());
    if (out.gave_up)
      failed = queue_.GetStats(Clock::now()).failed;
  }
  if (out.gave_up && job.resend) {
    logger_->warn("publish {}{}: sending it again failed: {}{}", url_.display, job.path, why,
                  out.held ? "; tried again later" : "");
  } else if (out.gave_up && failed % 20 == 1) {
    logger_->warn("publish {}{}: gave up after {} tries: {} ({} given up so far){}", url_.display,
                  job.path, job.attempt, why, failed,
                  out.held ? "; sent again once the target answers" : "");
  }
  if (out.evicted) {
    logger_->warn("publish {}: {} given-up objects no longer kept to send again (over {} MiB)",
                  url_.display, out.evicted, options_.max_held_bytes >> 20);
  }
  if (out.resent)
    logger_->debug("publish {}{}: sent again", url_.display, job.path);
}

void PushPublisher::Run() {
  CURLM* multi = static_cast<CURLM*>(multi_);
  std::vector<Transfer> transfers(static_cast<size_t>(options_.connections));
  bool ready = true;
  for (Transfer& t : transfers)
    ready = (t.easy = curl_easy_init()) != nullptr && ready;
  if (!ready)
    logger_->error("publish {}: libcurl failed to make a handle; nothing is uploaded",
                   url_.display);
  while (ready) {
    std::vector<PushQueue::Job> jobs;
    std::optional<Clock::time_point> due;
    {
      std::lock_guard lock(mu_);
      if (stop_)
        break;
      const auto now = Clock::now();
      size_t idle = std::count_if(transfers.begin(), transfers.end(),
                                  [](const Transfer& t) { return !t.busy; });
      for (; idle > 0; --idle) {
        std::optional<PushQueue::Job> job = queue_.Next(now);
        if (!job)
          break;
        jobs.push_back(std::move(*job));
      }
      due = queue_.NextDue(now);
    }
    auto slot = transfers.begin();
    for (PushQueue::Job& job : jobs) {
      slot = std::find_if(slot, transfers.end(), [](const Transfer& t) { return !t.busy; });
      Begin(*slot, std::move(job));
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    bool finished = false;
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE)
        continue;
      CURL* easy = m->easy_handle;
      const CURLcode result = m->data.result;
      Transfer* t = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
      curl_multi_remove_handle(multi, easy);
      Finish(*t, result);
      finished = true;
    }
    if (finished)
      continue;  // slots are free: take the next jobs first
    int wait_ms = 1000;
    if (due) {
      const auto until = std::chrono::ceil<std::chrono::milliseconds>(*due - Clock::now());
      wait_ms = static_cast<int>(std::clamp<int64_t>(until.count(), 0, 1000));
    }
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);  // OnObject wakes it
  }
  for (Transfer& t : transfers) {
    if (t.busy)
      curl_multi_remove_handle(multi, t.easy);
    if (t.easy)
      curl_easy_cleanup(t.easy);
  }
}

}  // namespace strait::transport::hls
