#include "transport/rtmp/session.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace strait::transport::rtmp {
namespace {

uint32_t Be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
void PutBe32(uint32_t v, uint8_t* p) {
  for (int i = 0; i < 4; ++i)
    p[i] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

constexpr uint16_t kPingRequest = 6;
constexpr uint16_t kPingResponse = 7;

}  // namespace

Session::Session(PublishHandler& handler, SessionOptions options, spdlog::logger* logger)
    : handler_(handler),
      options_(std::move(options)),
      logger_(logger),
      reader_(ChunkReader::Limits{
          std::min(options_.before_publish.max_message_size, options_.limits.max_message_size),
          std::min(options_.before_publish.max_chunk_streams, options_.limits.max_chunk_streams),
          std::min(options_.before_publish.max_buffered_bytes,
                   options_.limits.max_buffered_bytes)}) {}

Session::~Session() {
  Close(Error("connection dropped"));
}

Status Session::OnBytes(std::span<const uint8_t> in, std::vector<uint8_t>* out) {
  if (sink_)
    sink_->OnBytes(in.size());
  if (!handshake_.done()) {
    auto used = handshake_.Consume(in, out);
    if (!used.ok())
      return used.error();
    in = in.subspan(*used);
    if (in.empty())
      return OkStatus();
  }
  bytes_in_ += in.size();
  Status s = reader_.Feed(in, [&](Message&& m) { return Dispatch(std::move(m), out); });
  if (!s.ok())
    return s;
  if (peer_window_ > 0 && bytes_in_ - last_ack_ >= peer_window_) {
    uint8_t seq[4];
    PutBe32(static_cast<uint32_t>(bytes_in_), seq);  // the sequence number wraps, by the spec
    SendControl(kAcknowledgement, seq, out);
    last_ack_ = bytes_in_;
  }
  return OkStatus();
}

void Session::Close(const Status& why) {
  if (sink_) {
    EndPublish(unpublish_announced_ ? OkStatus() : why);
  }
}

void Session::EndPublish(const Status& why) {
  if (!sink_)
    return;
  stats_ = ingest_->stats();
  if (logger_) {
    std::string dropped;
    if (stats_.audio_unsupported > 0) {
      dropped += ", " + std::to_string(stats_.audio_unsupported) +
                 " audio messages in an unsupported format dropped";
    }
    if (stats_.skipped_tracks > 0)
      dropped += ", " + std::to_string(stats_.skipped_tracks) + " multitrack tracks skipped";
    if (stats_.clock_jumps > 0)
      dropped += ", " + std::to_string(stats_.clock_jumps) + " clock jumps";
    logger_->info(
        "rtmp: {} stream {} ended ({}): {} video / {} audio packets, {} timestamp fix-ups{}",
        options_.peer, stream_name_, why.ok() ? "unpublished" : why.error().message(),
        stats_.video_packets, stats_.audio_packets, stats_.dts_fixups, dropped);
  }
  ingest_.reset();
  std::unique_ptr<MediaSink> sink = std::move(sink_);
  sink->OnEnd(why);
  publish_ended_ = true;
}

Status Session::Dispatch(Message&& m, std::vector<uint8_t>* out) {
  switch (m.type) {
    case kAcknowledgement:
    case kSetPeerBandwidth:
      return OkStatus();
    case kWindowAckSize:
    case kUserControl:
      return OnControl(m, out);
    case kAudio:
    case kVideo:
      return OnMedia(m);
    case kAggregate:
      return OnAggregate(m);
    case kDataAmf0:
    case kDataAmf3:
      return OnData(m);
    case kCommandAmf0:
    case kCommandAmf3:
      return OnCommand(m, out);
    default:
      if (logger_)
        logger_->debug("rtmp: {} ignored message type {}", options_.peer, m.type);
      return OkStatus();
  }
}

Status Session::OnControl(const Message& m, std::vector<uint8_t>* out) {
  if (m.type == kWindowAckSize) {
    if (m.payload.size() < 4)
      return Error("short Window Acknowledgement Size message");
    peer_window_ = Be32(m.payload.data());
    return OkStatus();
  }
  if (m.payload.size() < 2)
    return Error("short User Control message");
  const uint16_t event = static_cast<uint16_t>(m.payload[0] << 8 | m.payload[1]);
  if (event == kPingRequest && m.payload.size() >= 6) {
    uint8_t reply[6] = {0, kPingResponse, m.payload[2], m.payload[3], m.payload[4], m.payload[5]};
    SendControl(kUserControl, reply, out);
  }
  return OkStatus();
}

Status Session::OnMedia(const Message& m) {
  if (!ingest_) {
    if (publish_ended_)
      return OkStatus();
    return Error(std::string(m.type == kAudio ? "audio" : "video") + " before publish");
  }
  if (m.payload.empty())
    return OkStatus();  // some encoders send empty keep-alive tags
  Status s = m.type == kAudio ? ingest_->OnAudio(m.timestamp, m.payload)
                              : ingest_->OnVideo(m.timestamp, m.payload);
  return s.ok() ? s : s.error().Context("bad media");
}

// An aggregate message is a run of FLV tags (11-byte header, body, 4-byte previous tag size)
// whose timestamps are offsets from the first one's, rebased on the message timestamp.
Status Session::OnAggregate(const Message& m) {
  std::span<const uint8_t> rest(m.payload);
  bool first = true;
  uint32_t base = 0;
  while (!rest.empty()) {
    if (rest.size() < 11)
      return Error("truncated aggregate message header");
    const uint8_t type = rest[0];
    const size_t size = size_t(rest[1]) << 16 | size_t(rest[2]) << 8 | rest[3];
    const uint32_t ts =
        uint32_t(rest[7]) << 24 | uint32_t(rest[4]) << 16 | uint32_t(rest[5]) << 8 | rest[6];
    if (rest.size() < 11 + size + 4)
      return Error("truncated aggregate message body");
    if (first)
      base = ts;
    first = false;
    if (type == kAudio || type == kVideo) {
      Message sub{m.csid, type, m.stream_id, m.timestamp + (ts - base),
                  std::vector<uint8_t>(rest.begin() + 11, rest.begin() + 11 + size)};
      Status s = OnMedia(sub);
      if (!s.ok())
        return s;
    }
    rest = rest.subspan(11 + size + 4);
  }
  return OkStatus();
}

Status Session::OnData(const Message& m) {
  std::span<const uint8_t> body(m.payload);
  if (m.type == kDataAmf3 && !body.empty() && body[0] == 0)
    body = body.subspan(1);
  auto values = amf0::DecodeAll(body, {.max_depth = 8});
  if (!values.ok()) {
    // Metadata only gives hints (onMetaData) or nothing strait uses (onTextData, onCuePoint,
    // vendor messages): one strait cannot decode (AMF3 values, nesting past the limit) is no
    // reason to end a publish.
    if (logger_) {
      logger_->log(data_undecodable_++ == 0 ? spdlog::level::warn : spdlog::level::debug,
                   "rtmp: {} ignored a data message: {}", options_.peer, values.error().message());
    }
    return OkStatus();
  }
  const std::vector<amf0::Value>& v = *values;
  size_t i = 0;
  if (i < v.size() && v[i].is_string() && v[i].string() == "@setDataFrame")
    ++i;
  if (i + 1 >= v.size() || !v[i].is_string() || v[i].string() != "onMetaData")
    return OkStatus();
  if (!v[i + 1].is_object())
    return OkStatus();
  if (ingest_) {
    ingest_->OnMetaData(v[i + 1]);
  } else {
    pending_metadata_ = std::make_unique<amf0::Value>(v[i + 1]);
  }
  return OkStatus();
}

void Session::SendControl(uint8_t type,
                          std::span<const uint8_t> payload,
                          std::vector<uint8_t>* out) {
  writer_.Write(kControlCsid, type, 0, 0, payload, out);
}

void Session::SendCommand(uint32_t csid,
                          uint32_t stream_id,
                          const std::vector<amf0::Value>& values,
                          std::vector<uint8_t>* out) {
  const std::vector<uint8_t> body = amf0::EncodeAll(values);
  writer_.Write(csid, kCommandAmf0, stream_id, 0, body, out);
}

}  // namespace strait::transport::rtmp
