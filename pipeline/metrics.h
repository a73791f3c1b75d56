// Prometheus text exposition (format 0.0.4) of strait's metrics. A pure function of snapshots, so
// it is tested without servers. Labels carry public stream names only, never keys.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/stream_registry.h"

namespace strait::pipeline {

// One SRT publisher's link statistics (srt_bstats), labelled by public stream name.
struct SrtLinkView {
  std::string stream;
  double rtt_ms = 0;
  double recv_rate_mbps = 0;
  int64_t packets_received = 0;
  int64_t packets_lost = 0;
  int64_t packets_retransmitted = 0;
  int64_t packets_dropped = 0;
  int recv_buffer_ms = 0;
};

struct PublishTargetView {
  std::string url;
  uint64_t uploaded = 0, deleted = 0, failed = 0, dropped = 0, bytes = 0;
  size_t queued = 0;
  double lag_s = 0;
  uint64_t resent = 0;  // given-up objects uploaded once the target answered again
  size_t held = 0;      // given up, kept to send again
};

struct WebhookTargetView {
  std::string target;  // the URL without credentials or query
  uint64_t delivered = 0, failed = 0, dropped = 0;
  size_t queued = 0;
};

struct ServerView {
  uint64_t rtmp_connections = 0;     // open now
  uint64_t refused_unknown_key = 0;  // publishes refused
  uint64_t refused_already_live = 0;
  uint64_t refused_passphrase = 0;  // SRT callers libsrt refused for their passphrase
  std::map<int, uint64_t> http_requests_by_status;  // status code → count
  uint64_t http_connections = 0;                    // open now
  uint64_t http_refused_full = 0;                   // closed at once: http_max_connections open
  uint64_t http_refused_per_ip = 0;                 // closed at once: the per-address cap
  uint64_t http_bytes_sent = 0;
  std::vector<SrtLinkView> srt;            // live SRT publishers
  std::vector<PublishTargetView> publish;  // push publishing targets
  std::vector<WebhookTargetView> webhooks;
};

std::string RenderMetrics(const std::vector<StreamView>& streams, const ServerView& server);

}  // namespace strait::pipeline
