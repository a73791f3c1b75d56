#include "tests/support/nginx_origin.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <thread>

namespace strait::test {

namespace {

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

}  // namespace

std::unique_ptr<NginxOrigin> NginxOrigin::Create(std::string* why) {
  if (!HaveTool("nginx")) {
    *why = "nginx not installed (scripts/install-deps.sh installs nginx-light)";
    return nullptr;
  }
  std::unique_ptr<NginxOrigin> n(new NginxOrigin());
  n->port_ = FreePort();
  RunCommand("mkdir -p " + n->dir_.File("www") + " " + n->dir_.File("tmp") + " " +
             n->dir_.File("logs"));
  std::ofstream conf(n->dir_.File("nginx.conf"));
  conf << (::geteuid() == 0 ? "user root;\n" : "") << "daemon off;\nmaster_process off;\n"
       << "pid " << n->dir_.File("nginx.pid") << ";\nerror_log " << n->dir_.File("logs/error.log")
       << ";\nevents { worker_connections 64; }\nhttp {\n"
       << "  log_format requests '$msec $request_method $request_uri $status';\n"
       << "  access_log " << n->access_log() << " requests;\n"
       << "  client_body_temp_path " << n->dir_.File("tmp") << ";\n"
       << "  server {\n    listen 127.0.0.1:" << n->port_ << ";\n    root " << n->root()
       << ";\n    location / {\n      dav_methods PUT DELETE;\n      create_full_put_path on;\n"
       << "      dav_access user:rw group:r all:r;\n      client_max_body_size 64m;\n    }\n"
       << "  }\n}\n";
  conf.close();
  if (!n->Start()) {
    *why = "nginx did not start: " + ReadFile(n->dir_.File("logs/error.log")) +
           ReadFile(n->dir_.File("nginx.log"));
    return nullptr;
  }
  return n;
}

bool NginxOrigin::Start() {
  process_ = std::make_unique<BackgroundProcess>(
      "nginx -p " + dir_.path() + " -c " + dir_.File("nginx.conf"), dir_.File("nginx.log"));
  for (int i = 0; i < 50; ++i) {
    if (RunCommand("curl -s -o /dev/null -w '%{http_code}' " + url()).output == "404" ||
        RunCommand("curl -s -o /dev/null -w '%{http_code}' " + url()).output == "403")
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void NginxOrigin::Stop() {
  if (process_)
    process_->Signal(SIGQUIT);  // nginx: graceful stop
  if (process_ && process_->Wait(std::chrono::seconds(5)) < 0)
    process_->Signal(SIGKILL);
  process_.reset();
}

NginxOrigin::~NginxOrigin() {
  Stop();
}

}  // namespace strait::test
