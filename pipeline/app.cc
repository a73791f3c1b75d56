#include "pipeline/app.h"
#include "pipeline/logging.h"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "codecs/ffmpeg/log.h"
#include "overlays/card_stage.h"
#include "pipeline/api_support.h"
#include "pipeline/card_api.h"
#include "pipeline/console.h"
#include "pipeline/demo.h"
#include "pipeline/demo_cards.h"
#include "pipeline/metrics.h"
#include "pipeline/stream_registry.h"
#include "pipeline/webhooks.h"
#include "transport/hls/catalog.h"
#include "transport/hls/http_handler.h"
#include "transport/hls/push_publisher.h"
#include "transport/http/server.h"
#include "transport/rtmp/server.h"
#include "transport/srt/server.h"

namespace strait::pipeline {
namespace {

namespace asio = boost::asio;
namespace http = transport::http;

// How long queued webhook events may still take to go at shutdown.
constexpr std::chrono::milliseconds kWebhookShutdownGrace{2000};

// One PushPublisher per `publish` target (a target that fails to start is logged and skipped).
std::vector<std::shared_ptr<transport::hls::PushPublisher>> StartPublishers(
    const Config& config,
    const std::shared_ptr<spdlog::logger>& logger) {
  std::vector<std::shared_ptr<transport::hls::PushPublisher>> out;
  for (const PublishTarget& t : config.publish) {
    transport::hls::PushOptions o;
    o.url = t.url;
    o.timeout = std::chrono::milliseconds(t.timeout_ms);
    o.retries = t.retries;
    o.connections = t.connections;
    o.ca_file = t.ca_file;
    o.logger = logger;
    auto p = transport::hls::PushPublisher::Start(o);
    if (!p.ok()) {
      logger->error("{}", p.error().message());
      continue;
    }
    logger->info("publish: every HLS object also goes to {} (HTTP PUT, {} connections)",
                 (*p)->url(), t.connections);
    out.push_back(std::move(*p));
  }
  return out;
}

// Every HTTP connection is a descriptor: lift the soft limit (often 1024) towards what the
// configured connections need, up to the hard limit.
void RaiseFileLimit(int wanted, spdlog::logger& logger) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= static_cast<rlim_t>(wanted))
    return;
  const rlim_t before = lim.rlim_cur;
  lim.rlim_cur = std::min<rlim_t>(static_cast<rlim_t>(wanted), lim.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur < static_cast<rlim_t>(wanted)) {
    logger.warn("open files limited to {} (hard limit): fewer than {} HTTP connections fit",
                static_cast<uint64_t>(lim.rlim_cur), wanted - 256);
  } else {
    logger.info("open files limit raised from {} to {}", static_cast<uint64_t>(before),
                static_cast<uint64_t>(lim.rlim_cur));
  }
}

// DATA_DIR/hls-sequence: the next media sequence number no rendition has used yet.
std::filesystem::path SequenceFloorPath(const std::string& data_dir) {
  return std::filesystem::path(data_dir) / "hls-sequence";
}

}  // namespace

uint64_t SequenceFromWallClock(std::chrono::system_clock::time_point now) {
  constexpr int64_t k2025 = 1735689600;  // 2025-01-01T00:00:00Z, seconds since the epoch
  const int64_t half_seconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() / 500 -
      2 * k2025;
  return static_cast<uint64_t>(std::max<int64_t>(0, half_seconds));
}

namespace {

uint64_t ReadSequenceFloor(const std::string& data_dir) {
  std::ifstream in(SequenceFloorPath(data_dir));
  uint64_t n = 0;
  return in >> n ? n : 0;
}

transport::hls::RenditionOptions HlsOptions(
    const Config& config,
    const Clock& clock,
    const std::vector<std::shared_ptr<transport::hls::PushPublisher>>& publishers) {
  transport::hls::RenditionOptions o;
  if (!publishers.empty()) {
    o.observer = std::make_shared<transport::hls::ObserverList>(
        std::vector<std::shared_ptr<transport::hls::OutputObserver>>(publishers.begin(),
                                                                     publishers.end()));
  }
  o.window_segments = static_cast<size_t>(config.hls.window_segments);
  // RFC 8216 6.2.2: a segment removed from the playlist "MUST remain available ... for a period
  // of time equal to the duration of the segment plus the duration of the longest Playlist file
  // ... containing that segment": a player that read the playlist just before may play from its
  // first segment on.
  o.extra_segments = o.window_segments + 1;
  o.segment_target_s = config.hls.segment_duration_s;
  o.part_target_s = config.hls.part_target_s;
  o.reconnect_grace =
      std::chrono::milliseconds(static_cast<int64_t>(config.hls.reconnect_grace_s * 1000));
  if (config.hls.write_to_disk)
    o.data_dir = config.data_dir;
  // Never reuse a segment URI across restarts (CDNs cache segments as immutable): start above
  // both the wall clock in half seconds since 2025 (covers a crash: no segment is shorter than
  // hls.segment_duration's minimum, 0.5 s) and the highest number the last run handed out,
  // persisted at shutdown (covers a clock that went back). Half seconds since 2025 stay below
  // 2^31 until 2059: players that parse EXT-X-MEDIA-SEQUENCE into a 32-bit int (GStreamer's
  // hlsdemux warns and renumbers from 0 above it) read the real numbers.
  o.first_sequence =
      std::max(SequenceFromWallClock(clock.WallNow()), ReadSequenceFloor(config.data_dir));
  return o;
}

class AppImpl final : public App {
 public:
  AppImpl(Config config, std::shared_ptr<spdlog::logger> logger, const Clock& clock)
      : config_(std::move(config)),
        logger_(std::move(logger)),
        clock_(clock),
        webhooks_(Webhooks::Start(config_.webhooks, clock_, logger_)),
        publishers_(StartPublishers(config_, logger_)),
        catalog_(HlsOptions(config_, clock, publishers_)),
        registry_(config_, clock, catalog_, logger_) {}

  ~AppImpl() override { Stop(); }

  Status Start() {
    // Product cards first: each stream's compositor stage must be in place before a publish.
    auto token = ApiToken(config_.api.token, config_.data_dir);
    if (!token.ok())
      return token.error().Context("api");
    api_token_ = *token;
    CardServiceOptions card_options;
    card_options.data_dir = config_.data_dir;
    card_options.token = api_token_;
    card_options.per_rendition = config_.api.card_render == "per_rendition";
    std::vector<std::string> names;
    for (const StreamConfig& sc : config_.streams)
      names.push_back(sc.name);
    auto cards = CardService::Create(card_options, names, clock_, &catalog_, logger_);
    if (!cards.ok())
      return cards.error();
    cards_ = std::move(*cards);
    for (const std::string& name : names)
      registry_.SetOverlay(name, cards_->Stage(name));
    cards_->SetLiveProbe([this](const std::string& name) { return registry_.IsLive(name); });
    WireWebhooks();

    transport::rtmp::ServerOptions rtmp;
    rtmp.listen = config_.rtmp_listen;
    rtmp.logger = logger_;
    auto rtmp_server = transport::rtmp::Server::Start(io_, rtmp, registry_);
    if (!rtmp_server.ok())
      return rtmp_server.error().Context("rtmp listen " + config_.rtmp_listen);
    rtmp_ = std::move(rtmp_server.value());

    transport::srt::ServerOptions srt;
    srt.listen = config_.srt_listen;
    srt.latency_ms = config_.srt.latency_ms;
    srt.passphrase = config_.srt.passphrase;
    srt.pbkeylen = config_.srt.pbkeylen;
    srt.payload_size = config_.srt.payload_size;
    srt.overhead_percent = config_.srt.overhead_percent;
    srt.connect_timeout = std::chrono::milliseconds(config_.srt.connect_timeout_ms);
    srt.logger = logger_;
    auto srt_server = transport::srt::Server::Start(srt, registry_);
    if (!srt_server.ok())
      return srt_server.error().Context("srt listen " + config_.srt_listen);
    srt_ = std::move(srt_server.value());

    http::ServerOptions web;
    web.listen = config_.http_listen;
    web.logger = logger_;
    web.max_connections = static_cast<size_t>(config_.http_max_connections);
    web.max_connections_per_ip = static_cast<size_t>(config_.http_max_connections_per_ip);
    web.max_requests_per_second = config_.http_requests_per_second;
    web.request_burst = 2 * config_.http_requests_per_second;
    // The body limit is the largest the API takes (an image); its refusals under /api/ are JSON.
    web.max_body_bytes = CardServiceOptions{}.max_image_bytes;
    web.refusal = [](int status, std::string_view target, const std::string& why) {
      return ApiRefusal(status, target, why, CardServiceOptions{}.max_image_bytes);
    };
    RaiseFileLimit(config_.http_max_connections + 256, *logger_);
    auto http_server = http::Server::Start(io_, web, MakeHandler());
    if (!http_server.ok())
      return http_server.error().Context("http listen " + config_.http_listen);
    http_ = std::move(http_server.value());

    int threads = config_.io_threads;
    if (threads <= 0)
      threads = std::max(2u, std::thread::hardware_concurrency());
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
    logger_->info("{} io threads, {} configured stream(s)", threads, config_.streams.size());
    if (config_.streams.empty() && !config_.demo)
      logger_->warn("no streams configured: nothing can publish (add a streams: list)");
    if (config_.demo)
      return StartDemo();
    return OkStatus();
  }

  uint16_t rtmp_port() const override { return rtmp_->port(); }
  uint16_t http_port() const override { return http_->port(); }
  uint16_t srt_port() const override { return srt_->port(); }
  std::string api_token() const override { return api_token_; }

  std::string MetricsText() const override {
    ServerView server;
    server.rtmp_connections = rtmp_ ? rtmp_->connection_count() : 0;
    if (srt_) {
      server.refused_passphrase = srt_->passphrase_refusals();
      for (const auto& c : srt_->Stats()) {
        server.srt.push_back({c.stream_name, c.rtt_ms, c.recv_rate_mbps, c.packets_received,
                              c.packets_lost, c.packets_retransmitted, c.packets_dropped,
                              c.recv_buffer_ms});
      }
    }
    for (const auto& p : publishers_) {
      const transport::hls::PushStats ps = p->Stats();
      server.publish.push_back({p->url(), ps.uploaded, ps.deleted, ps.failed, ps.dropped, ps.bytes,
                                ps.queued, ps.lag_s, ps.resent, ps.held});
    }
    for (const auto& [target, ws] : webhooks_->Stats())
      server.webhooks.push_back({target, ws.delivered, ws.failed, ws.dropped, ws.queued});
    server.refused_unknown_key = registry_.refused(transport::PublishRefusal::kUnknownKey);
    server.refused_already_live = registry_.refused(transport::PublishRefusal::kAlreadyLive);
    if (http_) {
      const http::Stats& s = http_->stats();
      server.http_requests_by_status = s.RequestsByStatus();
      server.http_connections = s.connections_open.load();
      server.http_refused_full = s.connections_refused.load();
      server.http_refused_per_ip = s.connections_refused_per_ip.load();
      server.http_bytes_sent = s.bytes_sent.load();
    }
    return RenderMetrics(registry_.Streams(), server);
  }

  void Stop() override {
    std::lock_guard lock(stop_mu_);
    if (stopped_)
      return;
    stopped_ = true;
    // Ingest first: live publishes end, and their sinks flush the last segment.
    demo_.reset();
    if (rtmp_)
      rtmp_->Stop();
    if (srt_)
      srt_->Stop();
    if (http_)
      http_->Stop();
    io_.stop();
    for (auto& t : threads_)
      t.join();
    threads_.clear();
    // The publish_ended of the publishes just closed, and anything else still queued, get a
    // short chance to go.
    webhooks_->Shutdown(kWebhookShutdownGrace);
    WriteSequenceFloor();
    if (started_)
      logger_->info("stopped");
  }

 private:
  // Persists one past the highest media sequence number any rendition reached (best effort).
  void WriteSequenceFloor() {
    uint64_t next = 0;
    for (const std::string& name : catalog_.Names()) {
      const std::shared_ptr<transport::hls::Stream> stream = catalog_.Find(name);
      if (!stream)
        continue;
      for (const std::string& r : stream->RenditionNames()) {
        if (const transport::hls::Rendition* rendition = stream->FindRendition(r))
          next = std::max(next, rendition->Stats().next_sequence);
      }
    }
    if (next == 0)
      return;
    const std::filesystem::path path = SequenceFloorPath(config_.data_dir);
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    {
      std::ofstream out(path.string() + ".tmp", std::ios::trunc);
      out << next << "\n";
    }
    std::filesystem::rename(path.string() + ".tmp", path, ec);
    if (ec)
      logger_->warn("cannot keep the media sequence in {}: {}", path.string(), ec.message());
  }

  // Publish sessions and card changes → webhooks. A card change is reported on the stream's
  // decode thread: the program date time comes from the graph's anchor without blocking it.
  void WireWebhooks() {
    WebhookSink sink = webhooks_->Sink();
    if (!sink)
      return;
    registry_.SetWebhookSink(sink);
    cards_->SetChangeObserver([this, sink](const CardChange& change) {
      sink(CardChangeEvent(change, registry_.ProgramDateTime(change.stream, change.media_90k)));
    });
  }

  // `--demo`: the synthetic publisher on stream `demo` (EnableDemo put it in the config).
  Status StartDemo() {
    DemoOptions o;
    for (const StreamConfig& s : config_.streams) {
      if (s.name == "demo")
        o.key = s.key;
    }
    o.gop_seconds = config_.hls.segment_duration_s;
    o.logger = logger_;
    // A new sample card every ~8 s (every 4 segments of 2 s).
    o.on_gop = DemoCardRotation(
        *cards_, "demo",
        std::max(1, static_cast<int>(std::lround(8 / config_.hls.segment_duration_s))), logger_);
    auto demo = DemoPublisher::Start(registry_, std::move(o), clock_);
    if (!demo.ok())
      return demo.error();
    demo_ = std::move(*demo);
    return OkStatus();
  }

  http::Handler MakeHandler() {
    http::Handler hls = transport::hls::MakeHlsHandler(catalog_);
    http::Handler console = MakeConsoleHandler(config_.console_dir.empty()
                                                   ? DefaultConsoleDir()
                                                   : std::filesystem::path(config_.console_dir));
    return [this, hls, console](const http::Request& req, http::Reply reply) {
      if (req.path == "/healthz") {
        reply(http::Response::Text(200, "ok\n"));
      } else if (req.path == "/metrics") {
        auto r = http::Response::Text(200, MetricsText(), "text/plain; version=0.0.4");
        r.cache_control = "no-store";
        reply(std::move(r));
      } else if (req.path.rfind("/live/", 0) == 0) {
        hls(req, std::move(reply));
      } else if (req.path.rfind("/api/", 0) == 0) {
        cards_->Handle(req, std::move(reply));
      } else if (req.path == "/console" || req.path.rfind("/console/", 0) == 0) {
        console(req, std::move(reply));
      } else {
        reply(http::Response::Text(404, "not found\n"));
      }
    };
  }

  const Config config_;
  std::shared_ptr<spdlog::logger> logger_;
  const Clock& clock_;
  // Before everything that emits events (publish sessions, card stages), so it outlives them.
  std::shared_ptr<Webhooks> webhooks_;
  // Before the catalog: its streams hold them as observers.
  std::vector<std::shared_ptr<transport::hls::PushPublisher>> publishers_;
  transport::hls::Catalog catalog_;
  // After the catalog (its stages write timed metadata there), before the registry (whose
  // transcode graphs hold the stages).
  std::unique_ptr<CardService> cards_;
  std::string api_token_;
  StreamRegistry registry_;
  // Publishes into registry_: declared after it, so it is destroyed (stopped) first.
  std::unique_ptr<DemoPublisher> demo_;
  asio::io_context io_;
  std::unique_ptr<transport::rtmp::Server> rtmp_;
  std::unique_ptr<transport::srt::Server> srt_;
  std::unique_ptr<http::Server> http_;
  std::vector<std::thread> threads_;

  std::mutex stop_mu_;
  bool stopped_ = false;

 public:
  bool started_ = false;  // App::Start succeeded (a failed start logs no "stopped")

 private:
};

// The host part to print in URLs: the listen host, or for a wildcard this machine's first
// non-loopback IPv4 address (what a streamer on the LAN would type), else 127.0.0.1.
std::string PrintableHost(const std::string& listen) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host != "0.0.0.0" && host != "[::]" && !host.empty())
    return host;
  std::string found = "127.0.0.1";
  ifaddrs* addrs = nullptr;
  if (::getifaddrs(&addrs) != 0)
    return found;
  for (ifaddrs* a = addrs; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK))
      continue;
    char buf[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof(buf))) {
      found = buf;
      break;
    }
  }
  ::freeifaddrs(addrs);
  return found;
}

void PrintBanner(const Config& config, const App& app) {
  const std::string rtmp_host = PrintableHost(config.rtmp_listen);
  const std::string http_host = PrintableHost(config.http_listen);
  std::printf("strait is live.\n");
  for (const StreamConfig& s : config.streams) {
    // --demo: `demo` is the synthetic publisher's; OBS pushes to `studio` (built-in default).
    const bool synthetic = config.demo && s.name == "demo";
    if (synthetic) {
      std::printf("  Demo          a test pattern and a 440 Hz tone, published by strait itself\n");
    } else if (config.builtin_default) {
      // Printed once to the terminal, never to the log: the key is a secret.
      std::printf("  OBS → Settings → Stream: Service \"Custom…\"\n");
      std::printf("    Server      rtmp://%s:%u/live\n", rtmp_host.c_str(), app.rtmp_port());
      std::printf("    Stream Key  %s   (kept in %s/%s.key)\n", s.key.c_str(),
                  config.data_dir.c_str(), s.name.c_str());
      // OBS hands SRT URLs to FFmpeg, whose `latency` is in microseconds.
      std::printf("  or over SRT (OBS Server, Stream Key empty):\n");
      std::printf("    srt://%s:%u?streamid=publish:%s&latency=%d\n", rtmp_host.c_str(),
                  app.srt_port(), s.key.c_str(), config.srt.latency_ms * 1000);
    }
    std::printf("  Playback      http://%s:%u/live/%s/master.m3u8\n", http_host.c_str(),
                app.http_port(), s.name.c_str());
  }
  if (!config.builtin_default) {
    std::printf("  Publish to    rtmp://%s:%u/live with each stream's key\n", rtmp_host.c_str(),
                app.rtmp_port());
    std::printf("           or   srt://%s:%u?streamid=publish:KEY\n", rtmp_host.c_str(),
                app.srt_port());
  }
  std::printf("  Console       http://%s:%u/console#token=%s\n", http_host.c_str(), app.http_port(),
              app.api_token().c_str());
  std::printf("  Card API      http://%s:%u/api/v1/streams   (Authorization: Bearer %s)\n",
              http_host.c_str(), app.http_port(), app.api_token().c_str());
  std::printf("  Metrics       http://%s:%u/metrics\n", http_host.c_str(), app.http_port());
  std::fflush(stdout);
}

}  // namespace

Result<std::unique_ptr<App>> App::Start(Config config,
                                        std::shared_ptr<spdlog::logger> logger,
                                        const Clock& clock) {
  auto app = std::make_unique<AppImpl>(std::move(config), std::move(logger), clock);
  if (Status s = app->Start(); !s)
    return s.error();  // the half-started app stops quietly: the caller logs why
  app->started_ = true;
  return std::unique_ptr<App>(std::move(app));
}

int RunServer(Config config, std::shared_ptr<spdlog::logger> logger) {
  // Block the shutdown signals in every thread (IO threads inherit the mask), then wait for one
  // here: no async-signal-safety concerns, no handler touching server state.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // FFmpeg's warnings about bad input go through our logger (one format, one destination).
  RouteFfmpegLogs(logger, config.log.level);

  static const SystemClock clock;
  auto app = App::Start(config, logger, clock);
  if (!app.ok()) {
    logger->error("start-up failed: {}", app.error().message());
    return 1;
  }
  PrintBanner(config, **app);
  int sig = 0;
  sigwait(&signals, &sig);
  logger->info("{}: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*app)->Stop();
  return 0;
}

}  // namespace strait::pipeline
