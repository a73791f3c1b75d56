// Prometheus text exposition (format 0.0.4) of strait's metrics. A pure function of snapshots, so
// it is tested without servers. Labels carry public stream names only, never keys.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/stream_registry.h"

namespace strait::pipeline {

struct ServerView {
  uint64_t rtmp_connections = 0;     // open now
  uint64_t refused_unknown_key = 0;  // publishes refused
  uint64_t refused_already_live = 0;
  std::map<int, uint64_t> http_requests_by_status;  // status code → count
  uint64_t http_connections = 0;                    // open now
  uint64_t http_bytes_sent = 0;
};

std::string RenderMetrics(const std::vector<StreamView>& streams, const ServerView& server);

}  // namespace strait::pipeline
