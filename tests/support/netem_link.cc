#include "tests/support/netem_link.h"

#include <unistd.h>

#include <cstdlib>

#include "tests/support/subprocess.h"

namespace strait::test {

namespace {

bool Run(const std::string& command, std::string* why) {
  CommandResult r = RunCommand(command, std::chrono::seconds(10));
  if (r.exit_code != 0 && why)
    *why = "`" + command + "` failed: " + r.output;
  return r.exit_code == 0;
}

}  // namespace

std::unique_ptr<NetemLink> NetemLink::Create(double loss,
                                             std::chrono::milliseconds one_way_delay,
                                             std::string* why) {
  if (::geteuid() != 0) {
    *why = "needs root (network namespaces and tc)";
    return nullptr;
  }
  if (!HaveTool("ip") || !HaveTool("tc")) {
    *why = "needs `ip` and `tc` (iproute2)";
    return nullptr;
  }
  const int x = static_cast<int>(::getpid() % 250) + 1;
  std::unique_ptr<NetemLink> link(new NetemLink());
  link->ns_ = "strait-netem-" + std::to_string(::getpid());
  link->host_if_ = "stn" + std::to_string(::getpid() % 100000) + "h";
  const std::string peer_if = "stn" + std::to_string(::getpid() % 100000) + "n";
  const std::string net = "10.213." + std::to_string(x) + ".";
  link->host_ip_ = net + "1";
  if (!Run("ip netns add " + link->ns_, why))
    return nullptr;                                    // nothing to clean up
  std::unique_ptr<NetemLink> guard = std::move(link);  // the destructor now deletes the namespace
  const std::string& ns = guard->ns_;
  if (!Run("ip link add " + guard->host_if_ + " type veth peer name " + peer_if + " netns " + ns,
           why) ||
      !Run("ip addr add " + net + "1/30 dev " + guard->host_if_ + " && ip link set " +
               guard->host_if_ + " up",
           why) ||
      !Run("ip -n " + ns + " addr add " + net + "2/30 dev " + peer_if + " && ip -n " + ns +
               " link set " + peer_if + " up && ip -n " + ns + " link set lo up",
           why)) {
    return nullptr;
  }
  const std::string netem = " root netem delay " + std::to_string(one_way_delay.count()) +
                            "ms loss " + std::to_string(loss * 100) + "%";
  std::string netem_why;
  if (Run("tc qdisc add dev " + guard->host_if_ + netem, &netem_why) &&
      Run("ip netns exec " + ns + " tc qdisc add dev " + peer_if + netem, &netem_why)) {
    guard->netem_ = true;
  } else if (const char* opt = std::getenv("STRAIT_TEST_NETEM_OPTIONAL"); !opt || *opt != '1') {
    *why = "the kernel has no netem qdisc (sch_netem): " + netem_why;
    return nullptr;
  }
  return guard;
}

NetemLink::~NetemLink() {
  RunCommand("ip link del " + host_if_ + " 2>/dev/null; ip netns del " + ns_,
             std::chrono::seconds(10));
}

std::string NetemLink::InNamespace(const std::string& command) const {
  return "ip netns exec " + ns_ + " " + command;
}

}  // namespace strait::test
