#include "pipeline/metrics.h"

#include <sstream>

namespace strait::pipeline {
namespace {

class Writer {
 public:
  void Family(const char* name, const char* type, const char* help) {
    out_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  }
  template <typename T>
  void Sample(const char* name, const std::string& labels, T value) {
    out_ << name;
    if (!labels.empty())
      out_ << "{" << labels << "}";
    out_ << " " << value << "\n";
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

// Stream names are validated to [A-Za-z0-9._-], so they need no escaping; escape anyway.
std::string Label(const char* key, const std::string& value) {
  std::string v;
  for (char c : value) {
    if (c == '\\' || c == '"')
      v += '\\';
    if (c == '\n') {
      v += "\\n";
      continue;
    }
    v += c;
  }
  return std::string(key) + "=\"" + v + "\"";
}

const std::string& StreamOf(const StreamView& s) {
  return s.name;
}
const std::string& StreamOf(const SrtLinkView& l) {
  return l.stream;
}

// One metric family with a sample per row, labelled by the row's public stream name.
template <typename Row, typename Fn>
void PerStream(Writer& w,
               const std::vector<Row>& rows,
               const char* name,
               const char* type,
               const char* help,
               Fn value) {
  w.Family(name, type, help);
  for (const Row& r : rows)
    w.Sample(name, Label("stream", StreamOf(r)), value(r));
}

// One family with a sample per (stream, rung) of the live transcode graphs.
template <typename Fn>
void PerRung(Writer& w,
             const std::vector<StreamView>& streams,
             const char* name,
             const char* type,
             const char* help,
             Fn value) {
  w.Family(name, type, help);
  for (const StreamView& s : streams) {
    for (const auto& [rung, stats] : s.rungs)
      w.Sample(name, Label("stream", s.name) + "," + Label("rung", rung), value(stats));
  }
}

void RungFamilies(Writer& w, const std::vector<StreamView>& streams) {
  PerRung(w, streams, "strait_rung_frames_encoded_total", "counter", "Pictures encoded per rung",
          [](const RungStats& r) { return r.frames_encoded; });
  PerRung(w, streams, "strait_rung_frames_dropped_total", "counter",
          "Pictures a rung dropped behind realtime (whole GOP-aligned chunks)",
          [](const RungStats& r) { return r.frames_dropped; });
  PerRung(w, streams, "strait_rung_gops_dropped_total", "counter",
          "GOP-aligned chunks a rung dropped behind realtime",
          [](const RungStats& r) { return r.gops_dropped; });
  PerRung(w, streams, "strait_rung_frames_governed_total", "counter",
          "Pictures skipped by the governor's lowered frame rate (a rung behind realtime)",
          [](const RungStats& r) { return r.frames_governed; });
  PerRung(w, streams, "strait_rung_governor_level", "gauge",
          "0 = full frame rate; n = the rung runs at 1/2^n of it to keep up",
          [](const RungStats& r) { return r.slow_level; });
  PerRung(w, streams, "strait_rung_frames_capped_total", "counter",
          "Pictures dropped by the rung's max_fps",
          [](const RungStats& r) { return r.frames_capped; });
  PerRung(w, streams, "strait_rung_output_bytes_total", "counter", "Encoded video bytes per rung",
          [](const RungStats& r) { return r.bytes_out; });
  PerRung(w, streams, "strait_rung_zero_copy", "gauge",
          "1 = the rung's pictures stay on the GPU from NVDEC through scaling into NVENC",
          [](const RungStats& r) { return r.zero_copy ? 1 : 0; });
  PerRung(w, streams, "strait_rung_source_switches_total", "counter",
          "Passthrough rung: switches between copying the source and encoding it (a card on or "
          "the publisher away)",
          [](const RungStats& r) { return r.source_switches; });
  PerStream(w, streams, "strait_transcode_input_dropped_total", "counter",
            "Packets the transcoder dropped (to the next keyframe) when its input queue was full",
            [](auto& s) { return s.transcode_input_dropped; });
  PerStream(w, streams, "strait_transcode_decode_errors_total", "counter",
            "Video packets the decoder refused (corrupt, or a failing NVDEC)",
            [](auto& s) { return s.transcode_decode_errors; });
  PerStream(w, streams, "strait_transcode_pictures_damaged_total", "counter",
            "Pictures decoded with concealed errors (a corrupt or lossy input: artefacts likely)",
            [](auto& s) { return s.transcode_pictures_damaged; });
  PerStream(w, streams, "strait_transcode_input_losses_total", "counter",
            "Times the connected publisher sent nothing for transcode.input_loss (the filler ran)",
            [](auto& s) { return s.transcode_input_losses; });
  PerStream(w, streams, "strait_transcode_nvdec", "gauge",
            "1 = NVDEC decodes the stream's video now (0: the CPU decoder)",
            [](auto& s) { return s.transcode_nvdec ? 1 : 0; });
  PerStream(w, streams, "strait_transcode_nvdec_to_cpu_total", "counter",
            "Times NVDEC failed packet after packet and the CPU decoder took over",
            [](auto& s) { return s.transcode_nvdec_to_cpu; });
}

// family(name, type, help, value): one sample a target, labelled target="label(t)".
template <typename Target, typename LabelFn>
auto PerTarget(Writer& w, const std::vector<Target>& targets, LabelFn label) {
  return [&w, &targets, label](const char* name, const char* type, const char* help, auto value) {
    w.Family(name, type, help);
    for (const Target& t : targets)
      w.Sample(name, Label("target", label(t)), value(t));
  };
}

void PublishFamilies(Writer& w, const std::vector<PublishTargetView>& targets) {
  auto family = PerTarget(w, targets, [](const PublishTargetView& t) { return t.url; });
  family("strait_publish_uploaded_total", "counter", "HLS objects PUT to the target",
         [](auto& t) { return t.uploaded; });
  family("strait_publish_deleted_total", "counter", "Expired segments DELETEd on the target",
         [](auto& t) { return t.deleted; });
  family("strait_publish_failed_total", "counter", "Objects given up after every retry",
         [](auto& t) { return t.failed; });
  family("strait_publish_dropped_total", "counter", "Objects dropped from a full upload queue",
         [](auto& t) { return t.dropped; });
  family("strait_publish_bytes_total", "counter", "Bytes uploaded",
         [](auto& t) { return t.bytes; });
  family("strait_publish_queued", "gauge", "Objects waiting to be uploaded",
         [](auto& t) { return t.queued; });
  family("strait_publish_lag_seconds", "gauge", "Age of the oldest object not yet uploaded",
         [](auto& t) { return t.lag_s; });
  family("strait_publish_resent_total", "counter",
         "Given-up objects uploaded again once the target answered again",
         [](auto& t) { return t.resent; });
  family("strait_publish_held", "gauge",
         "Given-up objects still in the output, kept to upload once the target answers",
         [](auto& t) { return t.held; });
}

void WebhookFamilies(Writer& w, const std::vector<WebhookTargetView>& targets) {
  auto family = PerTarget(w, targets, [](const WebhookTargetView& t) { return t.target; });
  family("strait_webhook_delivered_total", "counter", "Events the endpoint answered 2xx",
         [](auto& t) { return t.delivered; });
  family("strait_webhook_failed_total", "counter",
         "Events given up: refused (4xx) or failing after every retry",
         [](auto& t) { return t.failed; });
  family("strait_webhook_dropped_total", "counter",
         "Events never sent: the queue was full, or strait was shutting down",
         [](auto& t) { return t.dropped; });
  family("strait_webhook_queued", "gauge", "Events waiting or in flight",
         [](auto& t) { return t.queued; });
}

void SrtFamilies(Writer& w, const std::vector<SrtLinkView>& links) {
  PerStream(w, links, "strait_srt_rtt_ms", "gauge", "SRT round-trip time",
            [](auto& l) { return l.rtt_ms; });
  PerStream(w, links, "strait_srt_receive_rate_mbps", "gauge", "SRT receive rate",
            [](auto& l) { return l.recv_rate_mbps; });
  PerStream(w, links, "strait_srt_packets_received_total", "counter", "SRT packets received",
            [](auto& l) { return l.packets_received; });
  PerStream(w, links, "strait_srt_packets_lost_total", "counter", "SRT packets detected lost",
            [](auto& l) { return l.packets_lost; });
  PerStream(w, links, "strait_srt_packets_retransmitted_total", "counter",
            "SRT retransmitted packets received", [](auto& l) { return l.packets_retransmitted; });
  PerStream(w, links, "strait_srt_packets_dropped_total", "counter",
            "SRT packets dropped too late to play", [](auto& l) { return l.packets_dropped; });
  PerStream(w, links, "strait_srt_receive_buffer_ms", "gauge", "SRT receive buffer span",
            [](auto& l) { return l.recv_buffer_ms; });
}

}  // namespace

std::string RenderMetrics(const std::vector<StreamView>& streams, const ServerView& server) {
  Writer w;
  PerStream(w, streams, "strait_stream_publishing", "gauge",
            "1 while a publisher is live on the stream", [](auto& s) { return s.live ? 1 : 0; });
  PerStream(w, streams, "strait_stream_publishes_total", "counter", "Accepted publishes",
            [](auto& s) { return s.publishes; });
  PerStream(w, streams, "strait_stream_ingest_bytes_total", "counter",
            "Bytes received from publishers", [](auto& s) { return s.bytes; });
  w.Family("strait_stream_ingest_packets_total", "counter", "Media packets received");
  for (const StreamView& s : streams) {
    w.Sample("strait_stream_ingest_packets_total",
             Label("stream", s.name) + "," + Label("kind", "video"), s.video_packets);
    w.Sample("strait_stream_ingest_packets_total",
             Label("stream", s.name) + "," + Label("kind", "audio"), s.audio_packets);
  }
  PerStream(w, streams, "strait_stream_ingest_bitrate_bps", "gauge",
            "Ingest bitrate over the last second", [](auto& s) { return s.bitrate_bps; });
  PerStream(w, streams, "strait_stream_packet_errors_total", "counter",
            "Packets the packager rejected", [](auto& s) { return s.packet_errors; });
  PerStream(w, streams, "strait_stream_readers", "gauge", "SRT readers (m=request) now",
            [](auto& s) { return s.readers; });
  PerStream(w, streams, "strait_stream_reader_dropped_packets_total", "counter",
            "Packets dropped (whole GOPs) for readers too slow to keep up",
            [](auto& s) { return s.reader_dropped_packets; });
  PerStream(w, streams, "strait_hls_segments_total", "counter", "HLS segments produced",
            [](auto& s) { return s.hls.segments_total; });
  PerStream(w, streams, "strait_hls_bytes_held", "gauge", "Segment bytes held in memory",
            [](auto& s) { return s.hls.bytes_held; });

  w.Family("strait_publish_refused_total", "counter", "Refused publish attempts by reason");
  w.Sample("strait_publish_refused_total", Label("reason", "unknown_key"),
           server.refused_unknown_key);
  w.Sample("strait_publish_refused_total", Label("reason", "already_live"),
           server.refused_already_live);
  w.Sample("strait_publish_refused_total", Label("reason", "passphrase"),
           server.refused_passphrase);
  w.Family("strait_rtmp_connections", "gauge", "Open RTMP connections");
  w.Sample("strait_rtmp_connections", "", server.rtmp_connections);
  SrtFamilies(w, server.srt);
  PublishFamilies(w, server.publish);
  WebhookFamilies(w, server.webhooks);
  RungFamilies(w, streams);
  w.Family("strait_http_requests_total", "counter", "HTTP responses by status code");
  for (const auto& [code, count] : server.http_requests_by_status) {
    w.Sample("strait_http_requests_total", Label("code", std::to_string(code)), count);
  }
  w.Family("strait_http_connections", "gauge", "Open HTTP connections");
  w.Sample("strait_http_connections", "", server.http_connections);
  w.Family("strait_http_connections_refused_total", "counter",
           "HTTP connections closed at once: the server full, or too many from one address");
  w.Sample("strait_http_connections_refused_total", Label("reason", "server_full"),
           server.http_refused_full);
  w.Sample("strait_http_connections_refused_total", Label("reason", "per_address"),
           server.http_refused_per_ip);
  w.Family("strait_http_sent_bytes_total", "counter", "HTTP body and header bytes sent");
  w.Sample("strait_http_sent_bytes_total", "", server.http_bytes_sent);
  return w.str();
}

}  // namespace strait::pipeline
