// Test support: a real nginx (Debian's nginx-light, dav module) on loopback acting as the external
// origin strait pushes HLS to with PUT/DELETE, with files under root(). Start/Stop/Start restarts
// it on the same port (the "origin went down mid-stream" case). Skips when nginx is missing.
// Every request is logged to access_log(), so tests can check the order objects arrived in.
#pragma once

#include <memory>
#include <string>

#include "tests/support/subprocess.h"

namespace strait::test {

class NginxOrigin {
 public:
  // nullptr and `*why` when nginx cannot run here.
  static std::unique_ptr<NginxOrigin> Create(std::string* why);
  ~NginxOrigin();

  bool Start();
  void Stop();
  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  std::string root() const { return dir_.File("www"); }
  // One line per finished request, "<epoch s.ms> <METHOD> <uri> <status>", in the order nginx
  // answered them (one worker process, so that is the order the files changed on disk).
  std::string access_log() const { return dir_.File("logs/access.log"); }

 private:
  NginxOrigin() = default;
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace strait::test
