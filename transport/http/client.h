// Client: strait's outgoing one-at-a-time HTTP requests (webhooks; push publishing runs its own
// libcurl multi handle, several requests in flight) through one libcurl easy handle, so that one
// thread's requests to one target reuse its connection (keep-alive). Send
// answers with the response status, or an Error when no response came (DNS, refused, reset, TLS,
// timeout, aborted); the response body is read and discarded. What a status means (retry, give
// up) is the caller's policy.
//
// Threads: a Client is used by one thread at a time (libcurl's rule for an easy handle); make one
// per sending thread. Ownership: the Client owns its handle; a request borrows the caller's body
// for the duration of Send.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/result.h"

namespace strait::transport::http {

struct ClientRequest {
  std::string method = "GET";  // "PUT", "POST", "DELETE", ...
  std::string url;
  std::vector<std::string> headers;  // "Name: value"; "Name:" removes one libcurl would add
  // Sent as the request body when `has_body` (borrowed until Send returns); no body otherwise.
  std::string_view body;
  bool has_body = false;
  std::chrono::milliseconds timeout{5000};          // the whole request
  std::chrono::milliseconds connect_timeout{2000};  // of it, the TCP (and TLS) connect
  // Polled while the request runs (at least once a second): true aborts it (an Error).
  std::function<bool()> abort;
};

class Client {
 public:
  // Creates the easy handle (initialising libcurl once per process); an Error when libcurl fails.
  static Result<std::unique_ptr<Client>> Create();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs the request; the HTTP status of the response, or why there was none.
  Result<int> Send(const ClientRequest& request);

 private:
  explicit Client(void* curl) : curl_(curl) {}
  void* curl_;  // CURL*, owned
};

}  // namespace strait::transport::http
