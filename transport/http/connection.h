// Internal to the HTTP server (server.cc, connection.cc): the state the listener shares with its
// connections, and Connection, one accepted TCP client. Includes Beast; not for other modules.
//
// A Connection lives on its own strand. It reads one request (idle timeout until the first byte,
// request timeout until the last), answers it (itself, or through the Handler's reply), writes
// the response and only then reads the next, so pipelined requests are answered in order.
// Ownership: pending asynchronous operations and outstanding replies hold shared_ptrs to the
// Connection; Server::State only keeps weak_ptrs, to close them on Stop().
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "transport/address_counts.h"
#include "transport/http/rate_limiter.h"
#include "transport/http/server.h"
#include "transport/log_limiter.h"

namespace strait::transport::http {

class Connection;

struct Server::State {
  State(boost::asio::io_context& io, ServerOptions o, Handler h);

  boost::asio::io_context& io;
  const ServerOptions opts;
  const Handler handler;
  const Clock& clock;
  std::shared_ptr<spdlog::logger> logger;
  Stats stats;
  boost::asio::ip::tcp::acceptor acceptor;  // used on its strand only, after Start

  std::mutex mu;
  bool stopped = false;                                                 // guarded by mu
  std::unordered_map<uint64_t, std::weak_ptr<Connection>> connections;  // guarded by mu
  AddressCounts per_ip;                                                 // guarded by mu
  uint64_t next_id = 1;                                                 // guarded by mu
  LogLimiter refusals;  // the refusal lines: a client can cause them at will
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Server::State> state,
             boost::asio::ip::tcp::socket socket,
             uint64_t id,
             std::string peer,
             std::string ip);
  ~Connection();

  // Both thread-safe: they post onto the connection's strand.
  void Start();
  void Shutdown(std::string why);

 private:
  using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;

  void WaitForRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnRequest(boost::beast::error_code ec);
  void Dispatch(BeastRequest req);
  void CallHandler(Request request);
  void OnReply(uint64_t seq, Response response);
  void Send(Response response, bool close_after);
  void WriteSome(bool close_after);
  void OnWrite(boost::beast::error_code ec, bool close_after);
  void Fail(int status, const std::string& why);
  void Linger();
  void Drain();
  void Close(const std::string& why);
  void Account();

  std::shared_ptr<Server::State> state_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::buffer_body> response_;
  std::optional<boost::beast::http::response_serializer<boost::beast::http::buffer_body>>
      serializer_;                                    // of response_, while it is written
  std::shared_ptr<const std::vector<uint8_t>> body_;  // alive until response_ is written
  const uint64_t id_;
  const std::string peer_;
  const std::string ip_;  // the source address, for State::per_ip
  TokenBucket bucket_;

  uint64_t seq_ = 0;             // current request; replies for others are stale
  bool awaiting_reply_ = false;  // the Handler holds the reply of request seq_
  unsigned version_ = 11;        // of the current request
  bool keep_alive_ = true;
  bool head_ = false;
  bool closed_ = false;
  bool accounted_ = false;  // left connections_open and State::connections
  size_t drained_ = 0;      // bytes discarded while lingering
};

}  // namespace strait::transport::http
