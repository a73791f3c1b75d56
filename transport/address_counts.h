// AddressCounts: the connections open from each source address, for a server's per-address cap
// (RTMP, SRT, HTTP), so that one client cannot take every slot. Not thread-safe: the owning
// server's mutex guards it.
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

namespace strait::transport {

class AddressCounts {
 public:
  size_t count(const std::string& ip) const {
    auto it = counts_.find(ip);
    return it == counts_.end() ? 0 : it->second;
  }
  // One more from `ip`, unless `cap` are open from it already (false); cap 0 = no cap.
  bool Add(const std::string& ip, size_t cap = 0) {
    if (cap > 0 && count(ip) >= cap)
      return false;
    ++counts_[ip];
    return true;
  }
  // One from `ip` closed (an address with none left is forgotten).
  void Remove(const std::string& ip) {
    if (auto it = counts_.find(ip); it != counts_.end() && --it->second == 0)
      counts_.erase(it);
  }

 private:
  std::unordered_map<std::string, size_t> counts_;
};

}  // namespace strait::transport
