// Session: the server side of one RTMP connection, sans-IO. Bytes from the socket go in; bytes to
// send come out; the PublishHandler is asked when the client publishes and the MediaSink it
// returns is fed through MediaIngest. Implements the handshake, the chunk stream, protocol control
// (Set Chunk Size, Window Acknowledgement Size and Acknowledgements, Set Peer Bandwidth, User
// Control Stream Begin and Ping), and the commands encoders send: connect, releaseStream,
// FCPublish, createStream, publish, FCUnpublish, deleteStream/closeStream, @setDataFrame.
//
// Any error returned means "close this connection" and says why; unknown commands are ignored, and
// so are data messages that cannot be decoded (logged).
// The stream key is never logged: logs use the PublishDecision's stream_name.
// Threads: single-threaded (the connection's strand). Owns the sink; ends it exactly once, with OK
// after deleteStream, with the error passed to Close (or "connection dropped" on destruction)
// otherwise (or OK when the client sent FCUnpublish first). Borrows the handler and the logger,
// which must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codecs/result.h"
#include "transport/ingest.h"
#include "transport/rtmp/amf0.h"
#include "transport/rtmp/chunk_reader.h"
#include "transport/rtmp/chunk_writer.h"
#include "transport/rtmp/handshake.h"
#include "transport/rtmp/media_ingest.h"

namespace spdlog {
class logger;
}

namespace strait::transport::rtmp {

struct SessionOptions {
  std::string peer;                    // "ip:port", for the PublishRequest and logs
  uint32_t chunk_size = 4096;          // announced with Set Chunk Size after connect
  uint32_t window_ack_size = 2500000;  // announced; also sent as Set Peer Bandwidth
  ChunkReader::Limits limits;          // once a publish is accepted
  // Until then (connect, createStream, publish: a few hundred bytes each): a client that has not
  // given a stream key may not make the server hold more than this of partial messages, nor
  // announce larger ones.
  ChunkReader::Limits before_publish{64 << 10, 64, 128 << 10};
};

class Session {
 public:
  Session(PublishHandler& handler, SessionOptions options, spdlog::logger* logger);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Processes bytes received from the peer and appends what must be sent back to `out`. Send
  // `out` even when an error is returned (it may carry the refusal), then close.
  Status OnBytes(std::span<const uint8_t> in, std::vector<uint8_t>* out);
  // The connection is going away: ends the publish, if any, with `why`. Idempotent.
  void Close(const Status& why);

  bool handshake_done() const { return handshake_.done(); }
  bool publishing() const { return sink_ != nullptr; }
  // The public name of the publish (from PublishDecision), empty before one is accepted.
  const std::string& stream_name() const { return stream_name_; }
  // The publish's media counters: live while it runs, its last ones after.
  const MediaIngest::Stats& media_stats() const { return ingest_ ? ingest_->stats() : stats_; }

 private:
  Status Dispatch(Message&& m, std::vector<uint8_t>* out);
  Status OnControl(const Message& m, std::vector<uint8_t>* out);
  Status OnMedia(const Message& m);
  Status OnAggregate(const Message& m);
  Status OnData(const Message& m);
  // session_commands.cc
  Status OnCommand(const Message& m, std::vector<uint8_t>* out);
  void OnConnect(double txn, const std::vector<amf0::Value>& args, std::vector<uint8_t>* out);
  Status OnPublish(double txn,
                   const std::vector<amf0::Value>& args,
                   uint32_t stream_id,
                   std::vector<uint8_t>* out);
  void EndPublish(const Status& why);

  void SendControl(uint8_t type, std::span<const uint8_t> payload, std::vector<uint8_t>* out);
  void SendCommand(uint32_t csid,
                   uint32_t stream_id,
                   const std::vector<amf0::Value>& values,
                   std::vector<uint8_t>* out);
  void SendStatus(uint32_t stream_id,
                  const char* level,
                  const char* code,
                  const std::string& description,
                  std::vector<uint8_t>* out);

  PublishHandler& handler_;
  SessionOptions options_;
  spdlog::logger* logger_;
  Handshake handshake_;
  ChunkReader reader_;
  ChunkWriter writer_;

  uint64_t bytes_in_ = 0;  // after the handshake, for Acknowledgements
  uint64_t last_ack_ = 0;
  uint32_t peer_window_ = 0;  // the peer's Window Acknowledgement Size; 0 = never ack

  bool connected_ = false;
  std::string app_;
  std::string tc_url_;
  uint32_t next_stream_id_ = 1;
  std::unique_ptr<amf0::Value> pending_metadata_;  // onMetaData sent before publish
  uint64_t data_undecodable_ = 0;                  // data messages ignored (the first is a warning)

  std::unique_ptr<MediaSink> sink_;
  std::unique_ptr<MediaIngest> ingest_;
  uint32_t publish_stream_id_ = 0;
  bool unpublish_announced_ = false;  // FCUnpublish seen: a disconnect now is a clean end
  bool publish_ended_ = false;  // a publish ended cleanly: late media is dropped, not an error
  std::string stream_name_;
  MediaIngest::Stats stats_;
};

}  // namespace strait::transport::rtmp
