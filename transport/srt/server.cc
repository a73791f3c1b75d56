#include "transport/srt/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <srt/srt.h>

#include <atomic>
#include <charconv>
#include <cstring>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "transport/address_counts.h"
#include "transport/endpoint.h"
#include "transport/log_limiter.h"
#include "transport/srt/player.h"
#include "transport/srt/reject.h"
#include "transport/srt/streamid.h"

namespace strait::transport::srt {

namespace {

// Told when libsrt refuses, after the listen callback let it through, a caller it vetted.
class HandshakeObserver {
 public:
  virtual void OnRefusedAfterVetting(const std::string& peer,
                                     const std::string& stream,
                                     std::string_view libsrt_reason) = 0;

 protected:
  ~HandshakeObserver() = default;
};

// libsrt checks a caller's passphrase after the listen callback has let its streamid through, and
// refuses a wrong or missing one without telling the listening application: its own warning
// naming the new socket ("@<id>:newConnection: connection rejected due to: ... BADSECRET") is the
// only sign. PendingHandshakes remembers the sockets the callback let through until they are
// accepted, so that that warning becomes a line of strait's naming the caller and the stream (a
// producer who typed a wrong passphrase into the encoder otherwise found nothing in strait's log).
//
// Threads: any (one mutex); observers are called with it held and must not call back in.
class PendingHandshakes {
 public:
  static PendingHandshakes& Get() {
    static auto* pending = new PendingHandshakes;  // never destroyed: libsrt may log at exit
    return *pending;
  }
  void Add(SRTSOCKET sock, HandshakeObserver* observer, std::string peer, std::string stream) {
    std::lock_guard lock(mu_);
    entries_[sock] = {observer, std::move(peer), std::move(stream), Clock::now()};
  }
  void Remove(SRTSOCKET sock) {
    std::lock_guard lock(mu_);
    entries_.erase(sock);
  }
  // Drops the observer's entries older than a handshake can take (all of them when `all`).
  void Forget(const HandshakeObserver* observer, bool all) {
    std::lock_guard lock(mu_);
    const auto old = Clock::now() - std::chrono::seconds(30);
    std::erase_if(entries_, [&](const auto& e) {
      return e.second.observer == observer && (all || e.second.since < old);
    });
  }
  // One libsrt log line.
  void Inspect(std::string_view line) {
    static constexpr std::string_view kRejected = ":newConnection: connection rejected due to: ";
    const size_t at = line.find(kRejected);
    const size_t id_start = at == std::string_view::npos ? at : line.rfind('@', at);
    if (id_start == std::string_view::npos)
      return;
    SRTSOCKET sock = 0;
    const auto [end, ec] = std::from_chars(line.data() + id_start + 1, line.data() + at, sock);
    if (ec != std::errc() || end != line.data() + at)
      return;
    std::lock_guard lock(mu_);
    auto it = entries_.find(sock);
    if (it == entries_.end())
      return;
    it->second.observer->OnRefusedAfterVetting(it->second.peer, it->second.stream,
                                               line.substr(at + kRejected.size()));
    entries_.erase(it);
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    HandshakeObserver* observer = nullptr;
    std::string peer, stream;
    Clock::time_point since;
  };
  std::mutex mu_;
  std::unordered_map<SRTSOCKET, Entry> entries_;
};

// libsrt's own log lines (warnings and errors: handshake details, packet trouble) go to spdlog's
// default logger at debug level: strait logs one line of its own for every refusal and every
// close, including the refusals libsrt makes itself after the listen callback (PendingHandshakes).
void LogHandler(void*, int, const char*, int, const char*, const char* message) {
  PendingHandshakes::Get().Inspect(message);
  spdlog::default_logger_raw()->debug("libsrt: {}", message);
}

// What a libsrt refusal reason means for the person at the encoder.
std::string Explain(std::string_view libsrt_reason) {
  if (libsrt_reason.find("BADSECRET") != std::string_view::npos)
    return "wrong passphrase";
  if (libsrt_reason.find("UNSECURE") != std::string_view::npos)
    return "passphrase missing or unexpected (one side encrypts, the other does not)";
  return std::string(libsrt_reason);
}

// libsrt keeps its own refcount; this keeps startup/cleanup paired per Server.
Status Startup() {
  static std::once_flag log_once;
  std::call_once(log_once, [] {
    srt_setloghandler(nullptr, &LogHandler);
    srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME | SRT_LOGF_DISABLE_EOL);
  });
  if (srt_startup() < 0)
    return Error(std::string("srt_startup: ") + srt_getlasterror_str());
  return OkStatus();
}

// "ip" and "ip:port" / "[v6]:port" of a socket address.
std::pair<std::string, std::string> Name(const sockaddr* sa) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (sa && sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
    return {ip, std::string(ip) + ":" + std::to_string(ntohs(in->sin_port))};
  }
  if (sa && sa->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
    std::string name = "[";  // built step by step: GCC 12 warns falsely on "[" + string
    name.append(ip).append("]:").append(std::to_string(ntohs(in6->sin6_port)));
    return {ip, name};
  }
  return {"unknown", "unknown-peer"};
}

template <typename T>
bool SetFlag(SRTSOCKET s, SRT_SOCKOPT opt, const T& value) {
  return srt_setsockflag(s, opt, &value, sizeof(value)) == 0;
}

bool SetString(SRTSOCKET s, SRT_SOCKOPT opt, const std::string& value) {
  return srt_setsockflag(s, opt, value.data(), static_cast<int>(value.size())) == 0;
}

}  // namespace

struct Server::State final : HandshakeObserver {
  State(ServerOptions o, PublishHandler& h) : opts(std::move(o)), handler(h) {}
  void OnRefusedAfterVetting(const std::string& peer,
                             const std::string& stream,
                             std::string_view libsrt_reason) override;

  static int OnListen(void* opaque,
                      SRTSOCKET ns,
                      int hsversion,
                      const sockaddr* peer,
                      const char* streamid);
  int Vet(SRTSOCKET ns, const sockaddr* peer, const char* streamid);
  bool AtLimit(const std::string& ip, std::string* why) const;  // needs mu
  Status Listen();
  void AcceptLoop();
  void Accept();
  void Admit(SRTSOCKET sock, const sockaddr* addr);
  void AdmitPlayer(SRTSOCKET sock,
                   const std::string& ip,
                   const std::string& peer,
                   const StreamId& id);
  void Register(uint64_t cid, const std::string& ip);  // needs mu
  void Reap(bool all);

  const ServerOptions opts;
  PublishHandler& handler;
  std::shared_ptr<spdlog::logger> logger;
  SRTSOCKET listener = SRT_INVALID_SOCK;
  int eid = -1;
  std::thread accept_thread;
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  std::map<uint64_t, std::unique_ptr<Connection>> connections;  // guarded by mu
  std::map<uint64_t, std::unique_ptr<Player>> players;          // guarded by mu
  AddressCounts per_ip;                                         // guarded by mu
  LogLimiter refusal_lines;
  std::map<uint64_t, std::string> ip_of;                        // guarded by mu
  uint64_t next_id = 1;                                         // guarded by mu
  std::atomic<uint64_t> passphrase_refusals{0};
};

void Server::State::OnRefusedAfterVetting(const std::string& peer,
                                          const std::string& stream,
                                          std::string_view libsrt_reason) {
  const bool passphrase = libsrt_reason.find("SECRET") != std::string_view::npos ||
                          libsrt_reason.find("UNSECURE") != std::string_view::npos;
  if (passphrase)
    ++passphrase_refusals;
  if (std::string note; refusal_lines.Allow(&note)) {  // a caller can cause it at will
    logger->info("srt: {} refused by libsrt after its streamid was accepted: {}{} ({}){}", peer,
                 Explain(libsrt_reason), stream.empty() ? "" : " for stream " + stream,
                 libsrt_reason, note);
  }
}

int Server::State::OnListen(void* opaque,
                            SRTSOCKET ns,
                            int hsversion,
                            const sockaddr* peer,
                            const char* streamid) {
  auto* state = static_cast<State*>(opaque);
  const int code = state->Vet(ns, peer, streamid);
  if (code == 0)
    return 0;
  srt_setrejectreason(ns, code);
  return -1;
}

bool Server::State::AtLimit(const std::string& ip, std::string* why) const {
  if (connections.size() + players.size() >= opts.max_callers) {
    *why = "too many callers (limit " + std::to_string(opts.max_callers) + ")";
    return true;
  }
  if (per_ip.count(ip) >= opts.max_callers_per_ip) {
    *why =
        "too many callers from " + ip + " (limit " + std::to_string(opts.max_callers_per_ip) + ")";
    return true;
  }
  return false;
}

// Decides on a caller in the listen callback: 0 lets the handshake go on, else a reject code.
int Server::State::Vet(SRTSOCKET ns, const sockaddr* peer_addr, const char* streamid) {
  const auto [ip, peer_name] = Name(peer_addr);
  const std::string& peer = peer_name;  // a lambda may not capture a structured binding (clang 14)
  auto refuse = [&](int code, const std::string& why) {
    if (std::string note; refusal_lines.Allow(&note))  // a caller can cause it at will
      logger->info("srt: {} refused ({}): {}{}", peer, RejectName(code), why, note);
    return code;
  };
  if (stopped)
    return refuse(kRejectOverload, "server stopping");
  {
    std::lock_guard lock(mu);
    std::string why;
    if (AtLimit(ip, &why))
      return refuse(kRejectOverload, why);
  }
  StreamIdProblem problem;
  auto id = ParseStreamId(streamid ? streamid : "", &problem,
                          std::min(opts.max_streamid, kMaxStreamIdBytes));
  if (!id.ok())
    return refuse(RejectCode(problem), id.error().message());
  const bool play = id->mode == StreamMode::kRequest;
  if (play) {
    std::lock_guard lock(mu);
    if (players.size() >= opts.max_readers) {
      return refuse(kRejectOverload,
                    "too many readers (limit " + std::to_string(opts.max_readers) + ")");
    }
  }
  const PublishCheck check = play ? handler.CheckPlay({"srt", id->app, id->key, peer, id->session})
                                  : handler.Check({"srt", id->app, id->key, peer});
  if (check.refusal != PublishRefusal::kNone) {
    std::string what = play ? "play" : "";
    if (!id->app.empty())
      what += (what.empty() ? "app " : ", app ") + id->app;
    return refuse(play ? PlayRejectCode(check.refusal) : RejectCode(check.refusal),
                  what.empty() ? check.message : what + ": " + check.message);
  }
  if (!check.passphrase.empty() && !SetString(ns, SRTO_PASSPHRASE, check.passphrase))
    return refuse(kRejectInternal, std::string("stream passphrase: ") + srt_getlasterror_str());
  PendingHandshakes::Get().Add(ns, this, peer, check.stream_name);
  return 0;
}

Status Server::State::Listen() {
  auto endpoint = ParseListenAddress(opts.listen);
  if (!endpoint.ok())
    return endpoint.error();
  listener = srt_create_socket();
  if (listener == SRT_INVALID_SOCK)
    return Error(std::string("srt_create_socket: ") + srt_getlasterror_str());
  const int connect_ms = static_cast<int>(opts.connect_timeout.count());
  const bool no = false;
  bool ok = SetFlag(listener, SRTO_TRANSTYPE, SRTT_LIVE) &&
            SetFlag(listener, SRTO_LATENCY, opts.latency_ms) &&
            SetFlag(listener, SRTO_RCVLATENCY, opts.latency_ms) &&
            SetFlag(listener, SRTO_PAYLOADSIZE, opts.payload_size) &&
            SetFlag(listener, SRTO_OHEADBW, opts.overhead_percent) &&
            SetFlag(listener, SRTO_CONNTIMEO, connect_ms) && SetFlag(listener, SRTO_RCVSYN, no);
  if (ok && !opts.passphrase.empty()) {
    ok = SetString(listener, SRTO_PASSPHRASE, opts.passphrase) &&
         SetFlag(listener, SRTO_PBKEYLEN, opts.pbkeylen);
  }
  if (!ok)
    return Error(std::string("socket options: ") + srt_getlasterror_str());
  if (srt_bind(listener, endpoint->data(), static_cast<int>(endpoint->size())) != 0) {
    // libsrt says only "unable to create/configure SRT socket": the system's reason is the news.
    int sys_errno = 0;
    srt_getlasterror(&sys_errno);
    return Error("listen on UDP " + opts.listen + ": " +
                 (sys_errno ? std::string(std::strerror(sys_errno)) : srt_getlasterror_str()));
  }
  if (srt_listen_callback(listener, &State::OnListen, this) != 0 || srt_listen(listener, 64) != 0)
    return Error(std::string("listen on ") + opts.listen + ": " + srt_getlasterror_str());
  eid = srt_epoll_create();
  const int events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
  if (eid < 0 || srt_epoll_add_usock(eid, listener, &events) != 0)
    return Error(std::string("srt epoll: ") + srt_getlasterror_str());
  return OkStatus();
}

void Server::State::AcceptLoop() {
  while (!stopped) {
    SRT_EPOLL_EVENT events[8];
    const int n = srt_epoll_uwait(eid, events, 8, 100);
    if (n > 0 && !stopped)
      Accept();
    Reap(false);
    PendingHandshakes::Get().Forget(this, false);
  }
}

// One accept per wakeup: the epoll is level-triggered, so more pending callers wake it again.
void Server::State::Accept() {
  sockaddr_storage addr{};
  int len = sizeof(addr);
  const SRTSOCKET sock = srt_accept(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  if (sock != SRT_INVALID_SOCK) {
    PendingHandshakes::Get().Remove(sock);
    Admit(sock, reinterpret_cast<const sockaddr*>(&addr));
  } else if (srt_getlasterror(nullptr) != SRT_EASYNCRCV) {
    logger->warn("srt: accept failed: {}", srt_getlasterror_str());
  }
}

// A caller passed the listen callback and the handshake: Publish decides for real.
void Server::State::Admit(SRTSOCKET sock, const sockaddr* addr) {
  const auto [ip, peer_name] = Name(addr);
  const std::string& peer = peer_name;  // a lambda may not capture a structured binding (clang 14)
  auto close = [&](const std::string& why) {
    srt_close(sock);
    logger->info("srt: {} closed: {} (stream -)", peer, why);
  };
  char raw[kMaxStreamIdBytes + 1] = {};
  int raw_len = sizeof(raw);
  if (srt_getsockflag(sock, SRTO_STREAMID, raw, &raw_len) != 0)
    return close("no streamid");
  auto id = ParseStreamId(std::string_view(raw, static_cast<size_t>(raw_len)));
  if (!id.ok())
    return close(id.error().message());
  const bool yes = true;
  const int idle_ms = static_cast<int>(opts.idle_timeout.count());
  if (!SetFlag(sock, SRTO_RCVSYN, yes) || !SetFlag(sock, SRTO_RCVTIMEO, idle_ms))
    return close(std::string("socket options: ") + srt_getlasterror_str());
  {
    std::lock_guard lock(mu);
    std::string why;
    if (AtLimit(ip, &why))
      return close(why);
  }
  if (id->mode == StreamMode::kRequest)
    return AdmitPlayer(sock, ip, peer, *id);
  PublishDecision decision = handler.Publish({"srt", id->app, id->key, peer});
  if (!decision.sink)
    return close("publish refused: " + decision.message);
  std::lock_guard lock(mu);
  if (stopped) {  // checked under mu: Stop() sees every registered connection
    decision.sink->OnEnd(Error("server stopping"));
    return close("server stopping");
  }
  const uint64_t cid = next_id++;
  auto conn =
      std::make_unique<Connection>(sock, peer, decision.stream_name, std::move(decision.sink),
                                   Connection::Options{opts.idle_timeout, logger});
  logger->info("srt: {} publishing stream {}", peer, decision.stream_name);
  conn->Start();
  connections.emplace(cid, std::move(conn));
  Register(cid, ip);
}

void Server::State::Register(uint64_t cid, const std::string& ip) {
  per_ip.Add(ip);  // AtLimit checked the cap
  ip_of.emplace(cid, ip);
}

// A reader (m=request) passed the listen callback and the handshake: Play decides for real.
void Server::State::AdmitPlayer(SRTSOCKET sock,
                                const std::string& ip,
                                const std::string& peer,
                                const StreamId& id) {
  auto close = [&](const std::string& why) {
    srt_close(sock);
    logger->info("srt: {} closed: {} (playing stream -)", peer, why);
  };
  PlayDecision decision = handler.Play({"srt", id.app, id.key, peer, id.session});
  if (!decision.source)
    return close("play refused: " + decision.message);
  std::lock_guard lock(mu);
  if (stopped)
    return close("server stopping");
  if (players.size() >= opts.max_readers)  // callers vetted at once: counted again here
    return close("too many readers (limit " + std::to_string(opts.max_readers) + ")");
  const uint64_t cid = next_id++;
  Player::Options popts;
  popts.payload_size = opts.payload_size;
  popts.logger = logger;
  auto player = std::make_unique<Player>(sock, peer, decision.stream_name,
                                         std::move(decision.source), std::move(popts));
  logger->info("srt: {} playing stream {}", peer, decision.stream_name);
  player->Start();
  players.emplace(cid, std::move(player));
  Register(cid, ip);
}

// Joins and drops finished connections (all of them when `all`).
void Server::State::Reap(bool all) {
  std::vector<std::unique_ptr<Connection>> finished;
  std::vector<std::unique_ptr<Player>> finished_players;
  std::unique_lock lock(mu);
  auto sweep = [&](auto& map, auto& out) {
    for (auto it = map.begin(); it != map.end();) {
      if (!all && !it->second->done()) {
        ++it;
        continue;
      }
      per_ip.Remove(ip_of[it->first]);
      ip_of.erase(it->first);
      out.push_back(std::move(it->second));
      it = map.erase(it);
    }
  };
  sweep(connections, finished);
  sweep(players, finished_players);
  lock.unlock();
  finished.clear();  // joins, outside mu
  finished_players.clear();
}

Result<std::unique_ptr<Server>> Server::Start(ServerOptions opts, PublishHandler& handler) {
  if (Status s = Startup(); !s.ok())
    return s.error().Context("srt");
  auto state = std::make_unique<State>(std::move(opts), handler);
  state->logger = state->opts.logger ? state->opts.logger : spdlog::default_logger();
  // From here the Server owns the libsrt reference: its destructor cleans up.
  std::unique_ptr<Server> server(new Server(std::move(state), 0));
  State& st = *server->state_;
  if (Status s = st.Listen(); !s.ok())
    return s.error().Context("srt");
  sockaddr_storage addr{};
  int len = sizeof(addr);
  if (srt_getsockname(st.listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return Error(std::string("srt: getsockname: ") + srt_getlasterror_str());
  server->port_ = addr.ss_family == AF_INET6
                      ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                      : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  st.logger->info("srt: listening on {} (port {}, latency {} ms{})", st.opts.listen, server->port_,
                  st.opts.latency_ms, st.opts.passphrase.empty() ? "" : ", encrypted");
  st.accept_thread = std::thread([&st] { st.AcceptLoop(); });
  return server;
}

Server::Server(std::unique_ptr<State> state, uint16_t port)
    : state_(std::move(state)), port_(port) {}

Server::~Server() {
  Stop();
  state_.reset();
  srt_cleanup();
}

void Server::Stop() {
  State& st = *state_;
  if (st.stopped.exchange(true))
    return;
  if (st.accept_thread.joinable())
    st.accept_thread.join();
  // After srt_close returns, libsrt runs no more listen callbacks for this listener.
  if (st.eid >= 0)
    srt_epoll_release(st.eid);
  if (st.listener != SRT_INVALID_SOCK)
    srt_close(st.listener);
  PendingHandshakes::Get().Forget(&st, true);
  {
    std::lock_guard lock(st.mu);
    for (auto& [id, conn] : st.connections)
      conn->Close("server stopping");
    for (auto& [id, player] : st.players)
      player->Close("server stopping");
  }
  st.Reap(true);
}

size_t Server::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

uint64_t Server::passphrase_refusals() const {
  return state_->passphrase_refusals.load();
}

size_t Server::player_count() const {
  std::lock_guard lock(state_->mu);
  return state_->players.size();
}

std::vector<ConnStats> Server::Stats() const {
  std::vector<ConnStats> out;
  std::lock_guard lock(state_->mu);
  for (const auto& [id, conn] : state_->connections) {
    if (!conn->done())
      out.push_back(conn->Stats());
  }
  return out;
}

}  // namespace strait::transport::srt
