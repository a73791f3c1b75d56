#include "transport/endpoint.h"

#include <cstdlib>

namespace strait::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<tcp::endpoint> ParseListenAddress(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Error("listen address '" + listen + "' has no port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = listen.substr(colon + 1);
  char* end = nullptr;
  const long port = std::strtol(port_text.c_str(), &end, 10);
  if (port_text.empty() || *end != '\0' || port < 0 || port > 65535) {
    return Error("bad port in listen address '" + listen + "'");
  }
  boost::system::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return Error("bad host in listen address '" + listen + "': " + ec.message());
  return tcp::endpoint(addr, static_cast<uint16_t>(port));
}

std::string PeerName(const tcp::socket& socket) {
  boost::system::error_code ec;
  const tcp::endpoint ep = socket.remote_endpoint(ec);
  if (ec) return "unknown-peer";
  const asio::ip::address a = ep.address();
  std::string peer = a.is_v6() ? "[" : "";
  peer += a.to_string();
  peer += a.is_v6() ? "]:" : ":";
  peer += std::to_string(ep.port());
  return peer;
}

}  // namespace strait::transport
