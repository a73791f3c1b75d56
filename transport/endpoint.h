// TCP endpoint helpers shared by strait's listeners (RTMP, HTTP): parsing "host:port" listen
// addresses and naming a connected peer for logs. Included only by server .cc files (it pulls in
// Asio). Pure functions; any thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "codecs/result.h"

namespace strait::transport {

// "0.0.0.0:1935", "[::1]:8080", ":8080" (any IPv4); port 0 asks for an ephemeral port.
Result<boost::asio::ip::tcp::endpoint> ParseListenAddress(const std::string& listen);

// "ip:port" or "[v6]:port" of the socket's peer; "unknown-peer" if it is already gone.
std::string PeerName(const boost::asio::ip::tcp::socket& socket);

}  // namespace strait::transport
