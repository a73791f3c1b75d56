// The NetConnection/NetStream commands of Session (see session.h).
#include <spdlog/spdlog.h>

#include "transport/rtmp/session.h"
#include "transport/rtmp/stream_key.h"

namespace strait::transport::rtmp {
namespace {

using amf0::Value;

std::string StringArg(const std::vector<Value>& args, size_t i) {
  return i < args.size() && args[i].is_string() ? args[i].string() : std::string();
}

// Enhanced RTMP v2 FourCcInfoMask and CapsExMask.
constexpr int kCanDecode = 1, kCanEncode = 2, kCanForward = 4;
constexpr int kCapsMultitrack = 2, kCapsModEx = 4, kCapsTimestampNanoOffset = 8;

// What strait takes in a publish, said the three ways Enhanced RTMP clients read it: v1's
// fourCcList, v2's FourCC info maps (each codec decoded for the ladder; all but AV1 and MP3
// forwarded into HLS; H.264, AAC and Opus are also what it encodes) and capsEx. Multitrack and
// ModEx messages are parsed (track 0 kept, nanosecond offsets ignored); no Reconnect: strait never
// asks for one.
void AddEnhancedRtmpCaps(std::vector<amf0::Property>* props) {
  constexpr int forward = kCanDecode | kCanForward;
  constexpr int all = kCanDecode | kCanEncode | kCanForward;
  props->push_back(
      {"fourCcList",
       Value::StrictArray({Value::String("avc1"), Value::String("hvc1"), Value::String("av01"),
                           Value::String("mp4a"), Value::String("Opus"), Value::String(".mp3")})});
  // AV1 is decoded for the ladder but neither muxer carries it; MP3 only TS does: decode only.
  props->push_back({"videoFourCcInfoMap", Value::Object({{"avc1", Value::Number(all)},
                                                         {"hvc1", Value::Number(forward)},
                                                         {"av01", Value::Number(kCanDecode)}})});
  props->push_back({"audioFourCcInfoMap", Value::Object({{"mp4a", Value::Number(all)},
                                                         {"Opus", Value::Number(all)},
                                                         {".mp3", Value::Number(kCanDecode)}})});
  props->push_back(
      {"capsEx", Value::Number(kCapsMultitrack | kCapsModEx | kCapsTimestampNanoOffset)});
}

}  // namespace

Status Session::OnCommand(const Message& m, std::vector<uint8_t>* out) {
  std::span<const uint8_t> body(m.payload);
  if (m.type == kCommandAmf3 && !body.empty() && body[0] == 0)
    body = body.subspan(1);
  auto decoded = amf0::DecodeAll(body, {.max_depth = 8});
  if (!decoded.ok())
    return decoded.error().Context("bad AMF0 command");
  const std::vector<Value>& args = *decoded;
  if (args.empty() || !args[0].is_string())
    return Error("command without a name");
  const std::string& name = args[0].string();
  const double txn = args.size() > 1 && args[1].is_number() ? args[1].number() : 0;

  if (name == "connect") {
    OnConnect(txn, args, out);
  } else if (name == "FCUnpublish") {
    // No reply: FFmpeg closes right after deleteStream, and unread reply bytes make its kernel
    // send a RST that can destroy the deleteStream still in our receive queue. The announcement
    // alone makes a following disconnect a clean end.
    unpublish_announced_ = true;
  } else if (name == "releaseStream" || name == "getStreamLength") {
    SendCommand(kCommandCsid, 0,
                {Value::String("_result"), Value::Number(txn), Value::Null(), Value::Undefined()},
                out);
  } else if (name == "FCPublish") {
    SendCommand(kCommandCsid, 0,
                {Value::String("onFCPublish"), Value::Number(0), Value::Null(),
                 Value::Object({{"code", Value::String("NetStream.Publish.Start")},
                                {"description", Value::String("FCPublish")}})},
                out);
  } else if (name == "createStream") {
    SendCommand(kCommandCsid, 0,
                {Value::String("_result"), Value::Number(txn), Value::Null(),
                 Value::Number(next_stream_id_++)},
                out);
  } else if (name == "publish") {
    return OnPublish(txn, args, m.stream_id, out);
  } else if (name == "deleteStream" || name == "closeStream") {
    EndPublish(OkStatus());
  } else if (name == "play" || name == "play2") {
    SendStatus(m.stream_id, "error", "NetStream.Play.Failed", "playback is not served over RTMP",
               out);
    return Error("client tried to play; this server only ingests");
  } else if (logger_) {
    logger_->debug("rtmp: {} ignored command '{}'", options_.peer, name);
  }
  return OkStatus();
}

void Session::OnConnect(double txn, const std::vector<Value>& args, std::vector<uint8_t>* out) {
  const Value* obj = args.size() > 2 && args[2].is_object() ? &args[2] : nullptr;
  if (obj) {
    app_ = obj->GetString("app").value_or("");
    tc_url_ = obj->GetString("tcUrl").value_or("");
  }
  connected_ = true;

  uint8_t window[5];
  for (int i = 0; i < 4; ++i)
    window[i] = static_cast<uint8_t>(options_.window_ack_size >> (24 - 8 * i));
  window[4] = 2;  // dynamic limit
  SendControl(kWindowAckSize, std::span<const uint8_t>(window, 4), out);
  SendControl(kSetPeerBandwidth, window, out);
  uint8_t chunk[4];
  for (int i = 0; i < 4; ++i)
    chunk[i] = static_cast<uint8_t>(options_.chunk_size >> (24 - 8 * i));
  SendControl(kSetChunkSize, chunk, out);
  writer_.set_chunk_size(options_.chunk_size);

  std::vector<amf0::Property> props = {{"fmsVer", Value::String("FMS/3,0,1,123")},
                                       {"capabilities", Value::Number(31)},
                                       {"mode", Value::Number(1)}};
  // Enhanced RTMP (v1 clients send fourCcList, v2 clients the info maps and capsEx): say what
  // strait accepts.
  if (obj && (obj->Find("fourCcList") || obj->Find("videoFourCcInfoMap") ||
              obj->Find("audioFourCcInfoMap") || obj->Find("capsEx"))) {
    AddEnhancedRtmpCaps(&props);
  }
  // AMF0 whatever the client offers (it may offer AMF3, which this server does not speak).
  Value info = Value::Object({{"level", Value::String("status")},
                              {"code", Value::String("NetConnection.Connect.Success")},
                              {"description", Value::String("Connection succeeded.")},
                              {"objectEncoding", Value::Number(0)}});
  SendCommand(kCommandCsid, 0,
              {Value::String("_result"), Value::Number(txn), Value::Object(std::move(props)),
               std::move(info)},
              out);
}

Status Session::OnPublish(double txn,
                          const std::vector<Value>& args,
                          uint32_t stream_id,
                          std::vector<uint8_t>* out) {
  if (!connected_)
    return Error("publish before connect");
  if (sink_)
    return Error("second publish on one connection");
  auto target = ParsePublishTarget(app_, tc_url_, StringArg(args, 3));
  PublishDecision decision;
  if (!target.ok()) {
    decision.refusal = PublishRefusal::kUnknownKey;
    decision.message = target.error().message();
  } else {
    decision = handler_.Publish(
        {.protocol = "rtmp", .app = target->app, .key = target->key, .peer = options_.peer});
    if (decision.refusal == PublishRefusal::kNone && !decision.sink) {
      decision.refusal = PublishRefusal::kInternal;
      decision.message = "no sink for the stream";
    }
  }
  if (decision.refusal != PublishRefusal::kNone) {
    const std::string why = decision.message.empty() ? "publish refused" : decision.message;
    // GStreamer's rtmp2 reads BadName as "stream already exists" and Denied as permission
    // denied; librtmp (OBS) and FFmpeg close on either and print the description.
    const char* code = decision.refusal == PublishRefusal::kAlreadyLive
                           ? "NetStream.Publish.BadName"
                       : decision.refusal == PublishRefusal::kInternal ? "NetStream.Failed"
                                                                       : "NetStream.Publish.Denied";
    SendStatus(stream_id, "error", code, why, out);
    return Error("publish refused: " + why);
  }
  sink_ = std::move(decision.sink);
  reader_.set_limits(options_.limits);  // media from here on
  stream_name_ = decision.stream_name;
  ingest_ = std::make_unique<MediaIngest>(*sink_, logger_,
                                          "rtmp: " + options_.peer + " stream " + stream_name_);
  publish_stream_id_ = stream_id;
  if (pending_metadata_) {
    ingest_->OnMetaData(*pending_metadata_);
    pending_metadata_.reset();
  }
  const uint8_t begin[6] = {0,
                            0,
                            uint8_t(stream_id >> 24),
                            uint8_t(stream_id >> 16),
                            uint8_t(stream_id >> 8),
                            uint8_t(stream_id)};  // Stream Begin
  SendControl(kUserControl, begin, out);
  SendStatus(stream_id, "status", "NetStream.Publish.Start", stream_name_ + " is now published",
             out);
  if (logger_)
    logger_->info("rtmp: {} publishing stream {}", options_.peer, stream_name_);
  return OkStatus();
}

void Session::SendStatus(uint32_t stream_id,
                         const char* level,
                         const char* code,
                         const std::string& description,
                         std::vector<uint8_t>* out) {
  SendCommand(kStatusCsid, stream_id,
              {Value::String("onStatus"), Value::Number(0), Value::Null(),
               Value::Object({{"level", Value::String(level)},
                              {"code", Value::String(code)},
                              {"description", Value::String(description)}})},
              out);
}

}  // namespace strait::transport::rtmp
