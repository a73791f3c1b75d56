// PushPublisher: mirrors a server's HLS output to an external HTTP origin or CDN ingest with PUT
// (and DELETE for segments that left the window), the way ffmpeg's `-method PUT` feeds Akamai MSL
// or nginx's dav module. An OutputObserver: objects are queued in order and uploaded by one
// thread of its own through libcurl with keep-alive, so a slow or failing target never stalls
// packaging or the local origin.
//
// Policy: uploads go in queue order (a segment before the playlist naming it). A failed upload is
// retried with exponential backoff (`retries` times), then dropped and counted. The queue is
// bounded: a newer version of a queued playlist replaces the older one, and when the queue is
// still full the oldest object is dropped (counted). Timeouts bound every request.
//
// Threads: OnObject from any writer thread (never blocks); the upload thread is owned here;
// Stats from any thread. The destructor stops the thread (pending uploads are abandoned).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "codecs/result.h"
#include "transport/hls/output_observer.h"
#include "transport/http/client.h"

namespace spdlog {
class logger;
}

namespace strait::transport::hls {

struct PushOptions {
  std::string url;  // base, e.g. "http://ingest.example:8080/live/"; objects go to url + path
  std::chrono::milliseconds timeout{5000};
  int retries = 4;                               // after the first try
  std::chrono::milliseconds first_backoff{200};  // doubles per retry, capped at 3 s
  size_t max_queue = 256;                        // objects waiting
  std::shared_ptr<spdlog::logger> logger;
};

struct PushStats {
  uint64_t uploaded = 0;  // PUTs that succeeded
  uint64_t deleted = 0;   // DELETEs that succeeded (or found nothing to delete)
  uint64_t failed = 0;    // objects given up after all retries
  uint64_t dropped = 0;   // objects dropped because the queue was full
  uint64_t bytes = 0;     // bytes uploaded
  size_t queued = 0;      // waiting now
  double lag_s = 0;       // age of the oldest waiting object
};

class PushPublisher final : public OutputObserver {
 public:
  // Checks the URL (http:// or https://) and starts the upload thread.
  static Result<std::shared_ptr<PushPublisher>> Start(PushOptions options);
  ~PushPublisher() override;
  PushPublisher(const PushPublisher&) = delete;
  PushPublisher& operator=(const PushPublisher&) = delete;

  void OnObject(const std::string& path,
                std::shared_ptr<const std::vector<uint8_t>> bytes) override;

  PushStats Stats() const;
  const std::string& url() const { return options_.url; }

 private:
  struct Job {
    std::string path;
    std::shared_ptr<const std::vector<uint8_t>> bytes;  // null: DELETE
    std::chrono::steady_clock::time_point queued_at;
  };
  explicit PushPublisher(PushOptions options);
  void Run(http::Client& client);
  bool Upload(http::Client& client, const Job& job, std::string* why);

  const PushOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;   // guarded by mu_
  bool stop_ = false;       // guarded by mu_
  bool in_flight_ = false;  // guarded by mu_: the upload thread holds a job
  std::chrono::steady_clock::time_point in_flight_since_;  // guarded by mu_
  PushStats stats_;  // guarded by mu_ (queued / lag computed in Stats)
  std::thread thread_;
};

}  // namespace strait::transport::hls
