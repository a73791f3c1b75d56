#include "transport/rtmp/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "transport/address_counts.h"
#include "transport/endpoint.h"
#include "transport/log_limiter.h"
#include "transport/rtmp/session.h"

namespace strait::transport::rtmp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class Connection;

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(asio::io_context& io, ServerOptions o, PublishHandler& h)
      : io(io), opts(std::move(o)), handler(h), acceptor(asio::make_strand(io)) {}

  void Accept();
  void OnAccept(const boost::system::error_code& ec, tcp::socket socket);
  void Remove(uint64_t id, const std::string& ip) {
    std::lock_guard lock(mu);
    connections.erase(id);
    per_ip.Remove(ip);
  }

  asio::io_context& io;
  const ServerOptions opts;
  PublishHandler& handler;
  std::shared_ptr<spdlog::logger> logger;
  tcp::acceptor acceptor;  // used on its strand only, after Start
  std::atomic<bool> stopped{false};

  mutable std::mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections;  // guarded by mu
  AddressCounts per_ip;                                                 // guarded by mu
  uint64_t next_id = 1;                                                 // guarded by mu
  LogLimiter peer_lines;
};

namespace {


}  // namespace

// One client connection: socket I/O, timeouts and the Session, all on one strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::State> state,
             tcp::socket socket,
             uint64_t id,
             std::string peer,
             std::string ip)
      : state_(std::move(state)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        id_(id),
        peer_(std::move(peer)),
        ip_(std::move(ip)),
        session_(state_->handler, MakeOptions(*state_, peer_), state_->logger.get()),
        buffer_(64 * 1024) {}

  void Start() {
    asio::dispatch(socket_.get_executor(), [self = shared_from_this()] {
      self->started_ = std::chrono::steady_clock::now();
      self->last_read_ = self->started_;
      self->ArmTimer();
      self->Read();
    });
  }

  // Thread-safe: closes the connection on its strand.
  void Shutdown(const std::string& why) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), why] { self->Close(why); });
  }

 private:
  static SessionOptions MakeOptions(const Server::State& state, const std::string& peer) {
    SessionOptions o;
    o.peer = peer;
    o.chunk_size = state.opts.chunk_size;
    o.limits.max_message_size = state.opts.max_message_size;
    o.limits.max_buffered_bytes = 2 * state.opts.max_message_size;
    return o;
  }

  void Read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                              self->OnRead(ec, n);
                            });
  }

  void OnRead(const boost::system::error_code& ec, size_t n) {
    if (closed_)
      return;
    if (ec) {
      Close(ec == asio::error::eof ? "peer closed the connection" : "read error: " + ec.message());
      return;
    }
    if (state_->stopped) {
      Close("server stopping");
      return;
    }
    last_read_ = std::chrono::steady_clock::now();
    bytes_in_ += n;
    std::vector<uint8_t> out;
    const bool had_handshake = session_.handshake_done();
    Status s = session_.OnBytes({buffer_.data(), n}, &out);
    if (!had_handshake && session_.handshake_done())
      ArmTimer();  // from the handshake's deadline to the idle one
    if (!out.empty()) {
      Send(std::move(out));
      if (closed_) {
        return;
      }
    }
    if (!s.ok()) {
      // Let the reply (e.g. a publish refusal) go out first; the timer bounds the wait.
      if (writes_.empty()) {
        Close(s.error().message());
      } else {
        close_after_write_ = s.error().message();
      }
      return;
    }
    Read();
  }

  void Send(std::vector<uint8_t> bytes) {
    // Replies are small; a peer that sends pings but never reads must not grow this forever.
    queued_ += bytes.size();
    if (queued_ > kMaxQueuedBytes) {
      Close("peer is not reading what the server sends");
      return;
    }
    writes_.push_back(std::move(bytes));
    if (writes_.size() == 1)
      WriteFront();
  }

  void WriteFront() {
    asio::async_write(
        socket_, asio::buffer(writes_.front()),
        [self = shared_from_this()](boost::system::error_code ec, size_t) { self->OnWrite(ec); });
  }

  void OnWrite(const boost::system::error_code& ec) {
    if (closed_)
      return;
    if (ec) {
      Close("write error: " + ec.message());
      return;
    }
    queued_ -= writes_.front().size();
    writes_.pop_front();
    if (!writes_.empty()) {
      WriteFront();
    } else if (!close_after_write_.empty()) {
      Close(close_after_write_);
    }
  }

  // Until the publish: the publish deadline too (published_ stays true once it was reached).
  bool AwaitingPublish() {
    published_ = published_ || session_.publishing();
    return !published_;
  }

  static constexpr std::chrono::milliseconds kRecheck{20};

  bool BytesWaiting() {
    boost::system::error_code ec;
    return socket_.available(ec) > 0 && !ec;
  }

  void ArmTimer() {
    const auto& o = state_->opts;
    auto deadline =
        session_.handshake_done() ? last_read_ + o.idle_timeout : started_ + o.handshake_timeout;
    if (AwaitingPublish())
      deadline = std::min(deadline, started_ + o.publish_timeout);
    // Past already (the peer's bytes wait for this busy strand): look again shortly.
    timer_.expires_at(std::max(deadline, std::chrono::steady_clock::now() + kRecheck));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_)
        return;
      const auto now = std::chrono::steady_clock::now();
      const auto& o = self->state_->opts;
      if (!self->session_.handshake_done() && now >= self->started_ + o.handshake_timeout) {
        self->Close("handshake timeout");
      } else if (self->AwaitingPublish() && now >= self->started_ + o.publish_timeout) {
        self->Close("no publish within " + std::to_string(o.publish_timeout.count()) + " ms");
      } else if (self->session_.handshake_done() && now >= self->last_read_ + o.idle_timeout &&
                 !self->BytesWaiting()) {  // not idle: this strand was busy, not the peer
        self->Close("idle timeout: nothing received for " + std::to_string(o.idle_timeout.count()) +
                    " ms");
      } else {
        self->ArmTimer();
      }
    });
  }

  void Close(const std::string& why) {
    if (closed_)
      return;
    closed_ = true;
    const bool clean = !session_.publishing();
    session_.Close(Error(why));
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    const std::string& name = session_.stream_name();
    if (AwaitingPublish()) {  // never published: anyone can cause this line
      if (std::string note; state_->peer_lines.Allow(&note)) {
        state_->logger->info("rtmp: {} closed: {} (stream -, {} bytes in, {:.1f} s){}", peer_, why,
                             bytes_in_, seconds, note);
      }
    } else {
      state_->logger->log(clean ? spdlog::level::info : spdlog::level::warn,
                          "rtmp: {} closed: {} (stream {}, {} bytes in, {:.1f} s)", peer_, why,
                          name.empty() ? "-" : name, bytes_in_, seconds);
    }
    state_->Remove(id_, ip_);
  }

  std::shared_ptr<Server::State> state_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  const uint64_t id_;
  const std::string peer_;
  const std::string ip_;  // the source address, for State::per_ip
  Session session_;
  std::vector<uint8_t> buffer_;
  std::deque<std::vector<uint8_t>> writes_;
  static constexpr size_t kMaxQueuedBytes = 1 << 20;
  size_t queued_ = 0;  // bytes in writes_
  std::string close_after_write_;
  bool closed_ = false;
  bool published_ = false;  // a publish was accepted on this connection
  uint64_t bytes_in_ = 0;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_read_;
};

void Server::State::Accept() {
  acceptor.async_accept(
      asio::make_strand(io),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void Server::State::OnAccept(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopped || ec == asio::error::operation_aborted)
    return;
  if (ec) {
    logger->warn("rtmp: accept failed: {}", ec.message());
    Accept();
    return;
  }
  const std::string peer = PeerName(socket);
  boost::system::error_code ep_ec;
  const std::string ip = socket.remote_endpoint(ep_ec).address().to_string();
  std::shared_ptr<Connection> conn;
  std::string refused;
  {
    std::lock_guard lock(mu);
    if (stopped)
      return;  // checked under mu: Stop() sees every registered connection
    if (connections.size() >= opts.max_connections) {
      refused = "too many connections (limit " + std::to_string(opts.max_connections) + ")";
    } else if (!per_ip.Add(ip, opts.max_connections_per_ip)) {
      refused = "too many connections from " + ip + " (limit " +
                std::to_string(opts.max_connections_per_ip) + ")";
    } else {
      const uint64_t id = next_id++;
      conn = std::make_shared<Connection>(shared_from_this(), std::move(socket), id, peer, ip);
      connections.emplace(id, conn);
    }
  }
  if (conn) {
    conn->Start();
  } else {
    boost::system::error_code ignored;
    socket.close(ignored);
    if (std::string note; peer_lines.Allow(&note))  // a peer can cause it at will
      logger->warn("rtmp: {} closed: {}{}", peer, refused, note);
  }
  Accept();
}

Result<std::unique_ptr<Server>> Server::Start(asio::io_context& io,
                                              ServerOptions opts,
                                              PublishHandler& handler) {
  auto endpoint = ParseListenAddress(opts.listen);
  if (!endpoint.ok())
    return endpoint.error().Context("rtmp");
  auto state = std::make_shared<State>(io, std::move(opts), handler);
  state->logger = state->opts.logger ? state->opts.logger : spdlog::default_logger();
  boost::system::error_code ec;
  tcp::acceptor& a = state->acceptor;
  if (!a.open(endpoint->protocol(), ec) &&
      !a.set_option(asio::socket_base::reuse_address(true), ec) && !a.bind(*endpoint, ec) &&
      !a.listen(asio::socket_base::max_listen_connections, ec)) {
    const uint16_t port = a.local_endpoint(ec).port();
    if (!ec) {
      state->logger->info("rtmp: listening on {} (port {})", state->opts.listen, port);
      state->Accept();
      return std::unique_ptr<Server>(new Server(std::move(state), port));
    }
  }
  return Error("rtmp: listen on " + state->opts.listen + ": " + ec.message());
}

Server::~Server() {
  Stop();
}

void Server::Stop() {
  if (state_->stopped.exchange(true))
    return;
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(state_->mu);
    for (auto& [id, weak] : state_->connections) {
      if (auto conn = weak.lock())
        open.push_back(std::move(conn));
    }
  }
  for (auto& conn : open)
    conn->Shutdown("server stopping");
}

size_t Server::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->connections.size();
}

}  // namespace strait::transport::rtmp
