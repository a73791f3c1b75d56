// Fuzzes a whole server Session after a canned handshake: chunk stream, commands, publish (an
// accepting handler), metadata and media all see the fuzzed bytes. Small limits keep runs fast.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "transport/rtmp/session.h"

using namespace strait;
using namespace strait::transport;
using namespace strait::transport::rtmp;

namespace {

class Sink : public MediaSink {
 public:
  void OnTrack(const TrackInfo&) override {}
  void OnPacket(const Packet& p) override {
    if (p.pts() < p.dts())
      __builtin_trap();  // the server promises pts >= dts
  }
  void OnEnd(const Status&) override {}
};

class Handler : public PublishHandler {
 public:
  PublishDecision Publish(const PublishRequest& req) override {
    PublishDecision d;
    if (req.key == "deny") {
      d.refusal = PublishRefusal::kUnknownKey;
      d.message = "denied";
      return d;
    }
    d.sink = std::make_unique<Sink>();
    d.stream_name = "fuzz";
    return d;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16)
    return 0;
  Handler handler;
  SessionOptions options;
  options.peer = "fuzz";
  options.limits = {
      .max_message_size = 1 << 16, .max_chunk_streams = 16, .max_buffered_bytes = 1 << 17};
  Session session(handler, options, nullptr);
  std::vector<uint8_t> hello(1 + 2 * kHandshakeSize, 0);
  hello[0] = 3;
  std::vector<uint8_t> out;
  if (!session.OnBytes(hello, &out).ok())
    __builtin_trap();
  // Two reads, so split points inside chunks are covered too.
  const size_t cut = size / 2;
  if (session.OnBytes({data, cut}, &out).ok())
    (void)session.OnBytes({data + cut, size - cut}, &out);
  return 0;
}
