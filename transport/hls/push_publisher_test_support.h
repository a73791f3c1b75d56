// Test support for push_publisher_test.cc: a real HTTP/1.1 receiver on loopback (keep-alive, one
// thread per connection) that stores what is PUT, removes what is DELETEd, and checks the order a
// player needs as each request arrives — a playlist PUT listing an object it does not have yet, a
// DELETE of an object a stored playlist still lists: each is a violation. Tests make it fail (an
// HTTP status for every request or for paths containing a string, N times), hold requests until
// released (so that what is in flight at once is decided by the test, not by timing) and slow it
// down. Every request is logged in the order it was answered.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace strait::transport::hls::test {

class Receiver {
 public:
  struct Entry {
    std::string method, target, path;  // target: as requested (path and query)
    int status = 0;
    std::string authorization;
  };

  Receiver() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 64);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~Receiver() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      hold_.clear();
    }
    cv_.notify_all();
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      for (int fd : connections_)
        ::shutdown(fd, SHUT_RDWR);
      threads.swap(threads_);
    }
    for (std::thread& t : threads)
      t.join();
  }

  std::string url(const std::string& prefix = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + prefix;
  }

  // Every request is answered `status` (0: normally again).
  void FailAll(int status) {
    std::lock_guard lock(mu_);
    fail_all_ = status;
  }
  // The next `times` requests whose path contains `part` are answered `status`.
  void Fail(const std::string& part, int status, int times) {
    std::lock_guard lock(mu_);
    fail_[part] = {status, times};
  }
  // Requests whose path contains `part` wait until Release (or the receiver ends).
  void Hold(const std::string& part) {
    std::lock_guard lock(mu_);
    hold_.insert(part);
  }
  void Release(const std::string& part) {
    {
      std::lock_guard lock(mu_);
      hold_.erase(part);
    }
    cv_.notify_all();
  }
  void SetDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mu_);
    delay_ = delay;
  }
  // Waits until `n` requests are being held; false after `timeout`.
  bool WaitHeld(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return held_now_ >= n; });
  }
  // Waits until `pred(log)` holds; false after `timeout`.
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(log_); });
  }

  std::vector<Entry> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  std::map<std::string, std::string> store() const {
    std::lock_guard lock(mu_);
    return store_;
  }
  std::vector<std::string> violations() const {
    std::lock_guard lock(mu_);
    return violations_;
  }
  int max_concurrent() const { return max_concurrent_; }

  // What a playlist lists: plain lines and URI="..." of EXT-X-MAP / EXT-X-PART, as store paths.
  static std::vector<std::string> Listed(const std::string& playlist_path,
                                         const std::string& text) {
    const std::string dir = playlist_path.substr(0, playlist_path.rfind('/') + 1);
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("#EXT-X-MAP:") || line.starts_with("#EXT-X-PART:")) {
        const size_t at = line.find("URI=\"");
        if (at != std::string::npos)
          out.push_back(dir + line.substr(at + 5, line.find('"', at + 5) - at - 5));
      } else if (!line.empty() && line[0] != '#') {
        out.push_back(dir + line);
      }
    }
    return out;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0)
        return;
      std::lock_guard lock(mu_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      connections_.insert(fd);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buffer;
    char chunk[65536];
    for (;;) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
          return Close(fd);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      std::istringstream head(buffer.substr(0, head_end));
      Entry e;
      std::string version, line;
      head >> e.method >> e.target >> version;
      std::getline(head, line);
      size_t length = 0;
      while (std::getline(head, line)) {
        std::string name = line.substr(0, line.find(':'));
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        std::string value = line.size() > name.size() + 2 ? line.substr(name.size() + 2) : "";
        if (!value.empty() && value.back() == '\r')
          value.pop_back();
        if (name == "content-length")
          length = std::stoul(value);
        if (name == "authorization")
          e.authorization = value;
      }
      buffer.erase(0, head_end + 4);
      while (buffer.size() < length) {
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0)
          return Close(fd);
        buffer.append(chunk, static_cast<size_t>(n));
      }
      const std::string body = buffer.substr(0, length);
      buffer.erase(0, length);
      e.path = e.target.substr(0, e.target.find('?'));
      e.status = Answer(e, body);
      const std::string response =
          "HTTP/1.1 " + std::to_string(e.status) + " X\r\nContent-Length: 0\r\n\r\n";
      if (::send(fd, response.data(), response.size(), MSG_NOSIGNAL) < 0)
        return Close(fd);
    }
  }

  int Answer(const Entry& request, const std::string& body) {
    const int now = ++concurrent_;
    for (int seen = max_concurrent_;
         now > seen && !max_concurrent_.compare_exchange_weak(seen, now);)
      ;
    std::unique_lock lock(mu_);
    auto held = [&] {
      return std::any_of(hold_.begin(), hold_.end(), [&](const std::string& p) {
        return request.path.find(p) != std::string::npos;
      });
    };
    if (held()) {
      ++held_now_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return stopping_ || !held(); });
      --held_now_;
    }
    if (delay_.count() > 0) {
      lock.unlock();
      std::this_thread::sleep_for(delay_);
      lock.lock();
    }
    Entry e = request;
    e.status = Status(request, body);
    log_.push_back(e);
    --concurrent_;
    cv_.notify_all();
    return e.status;
  }

  // Under mu_: the answer, the store and the checks.
  int Status(const Entry& r, const std::string& body) {
    if (fail_all_)
      return fail_all_;
    for (auto& [part, rule] : fail_) {
      if (rule.second > 0 && r.path.find(part) != std::string::npos) {
        --rule.second;
        return rule.first;
      }
    }
    if (r.method == "PUT") {
      if (r.path.ends_with(".m3u8")) {
        for (const std::string& listed : Listed(r.path, body)) {
          if (!store_.contains(listed))
            violations_.push_back("PUT " + r.path + " lists " + listed + ", not here yet");
        }
      }
      store_[r.path] = body;
      return 201;
    }
    if (r.method == "DELETE") {
      for (const auto& [path, text] : store_) {
        if (path.ends_with(".m3u8")) {
          for (const std::string& listed : Listed(path, text)) {
            if (listed == r.path)
              violations_.push_back("DELETE " + r.path + " while " + path + " lists it");
          }
        }
      }
      return store_.erase(r.path) ? 204 : 404;
    }
    return 405;
  }

  void Close(int fd) {
    std::lock_guard lock(mu_);
    connections_.erase(fd);
    ::close(fd);
  }

  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread accept_thread_;
  std::atomic<int> concurrent_{0}, max_concurrent_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::set<int> connections_;
  std::vector<std::thread> threads_;
  int fail_all_ = 0;
  std::map<std::string, std::pair<int, int>> fail_;  // path part -> (status, times left)
  std::set<std::string> hold_;
  size_t held_now_ = 0;
  std::chrono::milliseconds delay_{0};
  std::vector<Entry> log_;
  std::map<std::string, std::string> store_;
  std::vector<std::string> violations_;
};

}  // namespace strait::transport::hls::test
