#include "transport/http/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <exception>

#include "transport/http/path.h"
#include "transport/http/wire.h"

namespace strait::transport::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr size_t kMaxDrainBytes = 1 << 20;
constexpr std::chrono::milliseconds kMaxLinger{2000};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

const char* ReasonText(int status) {
  switch (status) {
    case 400:
      return "bad request\n";
    case 413:
      return "request body too large\n";
    case 429:
      return "too many requests\n";
    case 431:
      return "request header fields too large\n";
    default:
      return "error\n";
  }
}

}  // namespace

Connection::Connection(std::shared_ptr<Server::State> state,
                       tcp::socket socket,
                       uint64_t id,
                       std::string peer,
                       std::string ip)
    : state_(std::move(state)),
      stream_(std::move(socket)),
      id_(id),
      peer_(std::move(peer)),
      ip_(std::move(ip)),
      bucket_(state_->opts.max_requests_per_second,
              state_->opts.request_burst,
              state_->clock.Now()) {}

Connection::~Connection() {
  if (awaiting_reply_ && !closed_)
    state_->logger->warn("http {}: handler dropped the reply of request {}", peer_, seq_);
  Account();
}

void Connection::Start() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
}

void Connection::Shutdown(std::string why) {
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), why = std::move(why)] { self->Close(why); });
}

// Waits for the first byte of the next request under the idle timeout; a pipelined request
// already buffered goes straight to parsing.
void Connection::WaitForRequest() {
  if (closed_)
    return;
  if (buffer_.size() > 0)
    return ReadHeader();
  stream_.expires_after(state_->opts.idle_timeout);
  stream_.async_read_some(
      buffer_.prepare(kReadChunk), [self = shared_from_this()](beast::error_code ec, size_t n) {
        if (ec == beast::error::timeout)
          return self->Close("idle timeout");
        if (ec)
          return self->Close(ec == asio::error::eof ? "closed by peer" : ec.message());
        self->buffer_.commit(n);
        self->ReadHeader();
      });
}

void Connection::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(state_->opts.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  parser_->body_limit(state_->opts.max_body_bytes);
  stream_.expires_after(state_->opts.request_timeout);  // until the request is complete
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Connection::OnHeader(beast::error_code ec) {
  if (closed_)
    return;
  if (ec)
    return OnRequest(ec);
  const auto& req = parser_->get();
  version_ = req.version() == 10 ? 10 : 11;
  head_ = req.method() == bhttp::verb::head;
  if (!bucket_.Take(state_->clock.Now()))
    return Fail(429, "request rate over limit");
  if (parser_->is_done())
    return OnRequest({});
  if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
    stream_.expires_after(state_->opts.request_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, size_t n) {
                        self->state_->stats.bytes_sent += n;
                        if (ec)
                          return self->Close("write failed: " + ec.message());
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  // The request timeout set in ReadHeader keeps running: it bounds the whole request.
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
}

void Connection::OnRequest(beast::error_code ec) {
  if (closed_)
    return;
  if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow)
    return Fail(431,
                "request header over " + std::to_string(state_->opts.max_header_bytes) + " bytes");
  if (ec == bhttp::error::body_limit)
    return Fail(413, "request body over " + std::to_string(state_->opts.max_body_bytes) + " bytes");
  if (ec == beast::error::timeout)
    return Close("request timeout");
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof)
    return Close("closed by peer");
  if (ec == bhttp::error::partial_message)
    return Close("closed by peer mid-request");
  if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
    return Fail(400, "malformed request: " + ec.message());
  if (ec)
    return Close(ec.message());
  Dispatch(parser_->release());
}

void Connection::Dispatch(BeastRequest req) {
  parser_.reset();
  stream_.expires_never();  // the Handler may take its time; the next read re-arms
  ++seq_;
  version_ = req.version() == 10 ? 10 : 11;
  keep_alive_ = req.keep_alive();
  head_ = req.method() == bhttp::verb::head;
  const std::string_view target(req.target().data(), req.target().size());
  const bool options = req.method() == bhttp::verb::options;
  if (options && target == "*")
    return Send(PreflightResponse(), false);
  Result<Target> normalized = NormalizeTarget(target);
  if (!normalized.ok()) {
    state_->logger->debug("http {}: 400 for target: {}", peer_, normalized.error().message());
    return Send(Response::Text(400, "bad request target\n"), false);
  }
  if (options)
    return Send(PreflightResponse(), false);
  Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(target);
  request.path = std::move(normalized->path);
  request.query = std::move(normalized->query);
  request.peer = peer_;
  for (const auto& field : req)
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  request.body = std::move(req.body());
  CallHandler(std::move(request));
}

void Connection::CallHandler(Request request) {
  awaiting_reply_ = true;
  auto once = std::make_shared<std::atomic<bool>>(false);
  Reply reply = [self = shared_from_this(), ex = stream_.get_executor(), once,
                 seq = seq_](Response response) {
    if (once->exchange(true))
      return;  // answered already
    asio::post(ex, [self, seq, response = std::move(response)]() mutable {
      self->OnReply(seq, std::move(response));
    });
  };
  try {
    state_->handler(request, reply);
  } catch (const std::exception& e) {
    state_->logger->error("http {}: handler threw for {}: {}", peer_, request.target, e.what());
    reply(Response::Text(500, "internal error\n"));
  } catch (...) {
    state_->logger->error("http {}: handler threw for {}", peer_, request.target);
    reply(Response::Text(500, "internal error\n"));
  }
}

void Connection::OnReply(uint64_t seq, Response response) {
  if (closed_ || seq != seq_ || !awaiting_reply_)
    return;  // the connection closed while the Handler worked: drop silently
  awaiting_reply_ = false;
  Send(std::move(response), false);
}

void Connection::Send(Response response, bool close_after) {
  close_after = close_after || !keep_alive_;
  WireOptions wire;
  wire.version = version_;
  wire.keep_alive = !close_after;
  wire.head = head_;
  wire.now = state_->clock.WallNow();
  const int status = ToWire(response, wire, response_);
  body_ = std::move(response.body);  // response_ points into these bytes
  state_->stats.CountResponse(status);
  serializer_.emplace(response_);
  WriteSome(close_after);
}

// Writes in steps, re-arming the idle timeout before each, so that a slow but steady reader of
// a large segment is not cut off; only a reader that stops reading for idle_timeout is.
void Connection::WriteSome(bool close_after) {
  stream_.expires_after(state_->opts.idle_timeout);
  bhttp::async_write_some(stream_, *serializer_,
                          [self = shared_from_this(), close_after](beast::error_code ec, size_t n) {
                            self->state_->stats.bytes_sent += n;
                            if (!ec && !self->closed_ && !self->serializer_->is_done())
                              return self->WriteSome(close_after);
                            self->OnWrite(ec, close_after);
                          });
}

void Connection::OnWrite(beast::error_code ec, bool close_after) {
  serializer_.reset();
  body_.reset();
  if (closed_)
    return;
  if (ec)
    return Close(ec == beast::error::timeout ? "write timeout" : "write failed: " + ec.message());
  if (close_after)
    return Linger();
  WaitForRequest();
}

// Answers a request the server refuses, then closes.
void Connection::Fail(int status, const std::string& why) {
  state_->logger->debug("http {}: {} ({})", peer_, status, why);
  if (parser_ && parser_->is_header_done())
    head_ = parser_->get().method() == bhttp::verb::head;
  // The request line is parsed before any limit can be hit, so the target is known here unless
  // the line itself was over the header limit.
  std::optional<Response> custom;
  if (parser_ && state_->opts.refusal && !parser_->get().target().empty()) {
    const auto target = parser_->get().target();
    custom = state_->opts.refusal(status, std::string_view(target.data(), target.size()), why);
  }
  parser_.reset();
  keep_alive_ = false;
  Response r = custom ? std::move(*custom) : Response::Text(status, ReasonText(status));
  if (status == 429)
    r.headers.emplace_back("Retry-After", std::to_string(bucket_.RetryAfterSeconds()));
  Send(std::move(r), true);
}

// Half-closes and discards what the client still sends, so that closing with unread bytes does
// not reset the connection before the client has read our last response.
void Connection::Linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::min<std::chrono::milliseconds>(kMaxLinger, state_->opts.idle_timeout));
  Drain();
}

void Connection::Drain() {
  buffer_.clear();
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->drained_ += n;
                            if (ec || self->drained_ > kMaxDrainBytes)
                              return self->Close("closed after response");
                            self->Drain();
                          });
}

void Connection::Close(const std::string& why) {
  if (closed_)
    return;
  closed_ = true;
  state_->logger->debug("http {}: connection closed: {}", peer_, why);
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  Account();
}

void Connection::Account() {
  if (accounted_)
    return;
  accounted_ = true;
  state_->stats.connections_open--;
  std::lock_guard lock(state_->mu);
  state_->connections.erase(id_);
  state_->per_ip.Remove(ip_);
}

}  // namespace strait::transport::http
