#include "transport/http/server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdlib>
#include <vector>

#include "transport/endpoint.h"
#include "transport/http/connection.h"

namespace strait::transport::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

const SystemClock kSystemClock;


void Accept(std::shared_ptr<Server::State> state);

void OnAccept(const std::shared_ptr<Server::State>& state,
              boost::system::error_code ec,
              tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !state->acceptor.is_open())
    return;  // stopped
  if (ec) {
    state->logger->warn("http: accept failed: {}", ec.message());
    return Accept(state);
  }
  state->stats.connections_total++;
  std::string peer = PeerName(socket);
  boost::system::error_code ep_ec;
  std::string ip = socket.remote_endpoint(ep_ec).address().to_string();
  std::shared_ptr<Connection> connection;
  std::string refused;
  {
    std::lock_guard lock(state->mu);
    if (state->stopped)
      return;
    if (state->stats.connections_open.load() >= state->opts.max_connections) {
      state->stats.connections_refused++;
      refused = std::to_string(state->opts.max_connections) + " connections open (the limit)";
    } else if (!state->per_ip.Add(ip, state->opts.max_connections_per_ip)) {
      state->stats.connections_refused_per_ip++;
      refused =
          std::to_string(state->per_ip.count(ip)) + " connections open from " + ip + " (the limit)";
    } else {
      const uint64_t id = state->next_id++;
      state->stats.connections_open++;
      connection = std::make_shared<Connection>(state, std::move(socket), id, std::move(peer), ip);
      state->connections.emplace(id, connection);
    }
  }
  if (!connection) {
    if (std::string note; state->refusals.Allow(&note))
      state->logger->warn("http {}: refused: {}{}", peer, refused, note);
    boost::system::error_code ignored;
    socket.close(ignored);
    return Accept(state);
  }
  connection->Start();
  Accept(state);
}

void Accept(std::shared_ptr<Server::State> state) {
  Server::State& s = *state;
  s.acceptor.async_accept(
      asio::make_strand(s.io),
      [state = std::move(state)](boost::system::error_code ec, tcp::socket socket) {
        OnAccept(state, ec, std::move(socket));
      });
}

}  // namespace

void Stats::CountResponse(int status) {
  if (status < kMinStatus || status > kMaxStatus)
    status = 500;
  by_status_[static_cast<size_t>(status - kMinStatus)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t Stats::Requests(int status) const {
  if (status < kMinStatus || status > kMaxStatus)
    return 0;
  return by_status_[static_cast<size_t>(status - kMinStatus)].load(std::memory_order_relaxed);
}

uint64_t Stats::TotalRequests() const {
  uint64_t total = 0;
  for (const auto& n : by_status_)
    total += n.load(std::memory_order_relaxed);
  return total;
}

std::map<int, uint64_t> Stats::RequestsByStatus() const {
  std::map<int, uint64_t> out;
  for (size_t i = 0; i < by_status_.size(); ++i) {
    if (const uint64_t n = by_status_[i].load(std::memory_order_relaxed))
      out.emplace(kMinStatus + static_cast<int>(i), n);
  }
  return out;
}

Server::State::State(asio::io_context& io, ServerOptions o, Handler h)
    : io(io),
      opts(std::move(o)),
      handler(std::move(h)),
      clock(opts.clock ? *opts.clock : kSystemClock),
      logger(opts.logger ? opts.logger : spdlog::default_logger()),
      acceptor(asio::make_strand(io)) {}

Result<std::unique_ptr<Server>> Server::Start(asio::io_context& io,
                                              ServerOptions opts,
                                              Handler handler) {
  if (!handler)
    return Error("http: no handler");
  Result<tcp::endpoint> endpoint = ParseListenAddress(opts.listen);
  if (!endpoint.ok())
    return endpoint.error();
  auto state = std::make_shared<State>(io, std::move(opts), std::move(handler));
  boost::system::error_code ec;
  state->acceptor.open(endpoint->protocol(), ec);
  if (!ec)
    state->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec)
    state->acceptor.bind(*endpoint, ec);
  if (!ec)
    state->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error("http: cannot listen on " + state->opts.listen + ": " + ec.message());
  const uint16_t port = state->acceptor.local_endpoint(ec).port();
  if (ec)
    return Error("http: " + ec.message());
  state->logger->info("http: listening on {} (port {})", state->opts.listen, port);
  // The acceptor is only touched on its strand from here on.
  asio::post(state->acceptor.get_executor(), [state] { Accept(state); });
  return std::unique_ptr<Server>(new Server(state, port));
}

Server::~Server() {
  Stop();
}

const Stats& Server::stats() const {
  return state_->stats;
}

void Server::Stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopped)
      return;
    state_->stopped = true;
    for (auto& [id, weak] : state_->connections) {
      if (auto c = weak.lock())
        open.push_back(std::move(c));
    }
  }
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    boost::system::error_code ignored;
    state->acceptor.close(ignored);
  });
  for (auto& c : open)
    c->Shutdown("server stopping");
  // `open` releases its references here, outside the lock (a last reference runs ~Connection,
  // which takes the lock).
}

}  // namespace strait::transport::http
