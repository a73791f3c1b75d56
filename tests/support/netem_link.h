// Test support: a real lossy link with the kernel's netem, as the SRT issue asks for where it can
// run: a network namespace joined to the host by a veth pair, with `tc netem` (loss + delay) on
// both ends. Needs root, `ip`, `tc` and the sch_netem module; Create() says which is missing so the
// test can skip with that reason. The destructor deletes the namespace (and with it the pair).
// Addresses: host side 10.213.X.1, namespace side 10.213.X.2, X from the process id.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace strait::test {

class NetemLink {
 public:
  // nullptr and `*why` when the link cannot be built here. STRAIT_TEST_NETEM_OPTIONAL=1 builds
  // the namespace pair without netem when only the qdisc is missing (to check the plumbing).
  static std::unique_ptr<NetemLink> Create(double loss,
                                           std::chrono::milliseconds one_way_delay,
                                           std::string* why);
  ~NetemLink();
  NetemLink(const NetemLink&) = delete;
  NetemLink& operator=(const NetemLink&) = delete;

  const std::string& host_address() const { return host_ip_; }
  // `command` run inside the namespace (its traffic to host_address() crosses the lossy link).
  std::string InNamespace(const std::string& command) const;
  bool netem_active() const { return netem_; }

 private:
  NetemLink() = default;
  std::string ns_, host_if_, host_ip_;
  bool netem_ = false;
};

}  // namespace strait::test
