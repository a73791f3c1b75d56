#include "transport/srt/player.h"

#include <spdlog/spdlog.h>
#include <srt/srt.h>

#include <algorithm>

#include "codecs/ts/ts_muxer.h"

namespace strait::transport::srt {

Player::Player(int sock,
               std::string peer,
               std::string stream_name,
               std::unique_ptr<MediaSource> source,
               Options opts)
    : sock_(sock),
      peer_(std::move(peer)),
      stream_name_(std::move(stream_name)),
      source_(std::move(source)),
      opts_(std::move(opts)),
      started_(std::chrono::steady_clock::now()) {}

Player::~Player() {
  Close("server stopping");
  if (thread_.joinable())
    thread_.join();
  CloseSocket();
}

void Player::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Player::Close(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (why_.empty() && !done_)
      why_ = why;
  }
  stop_ = true;
  CloseSocket();
}

void Player::CloseSocket() {
  std::lock_guard lock(mu_);
  if (!socket_closed_) {
    socket_closed_ = true;
    srt_close(sock_);
  }
}

Status Player::Send(std::span<const uint8_t> bytes) {
  const size_t chunk = static_cast<size_t>(std::max(188, opts_.payload_size / 188 * 188));
  for (size_t pos = 0; pos < bytes.size(); pos += chunk) {
    const size_t n = std::min(chunk, bytes.size() - pos);
    const int sent = srt_sendmsg(sock_, reinterpret_cast<const char*>(bytes.data() + pos),
                                 static_cast<int>(n), -1, 1);
    if (sent < 0) {
      if (srt_getlasterror(nullptr) == SRT_ETIMEOUT || srt_getlasterror(nullptr) == SRT_EASYNCSND)
        return Error("send timed out after " + std::to_string(opts_.send_timeout.count()) +
                     " ms (reader too slow)");
      if (srt_getlasterror(nullptr) == SRT_ECONNLOST || srt_getlasterror(nullptr) == SRT_ENOCONN)
        return Error("reader closed the connection");
      return Error(std::string("send failed: ") + srt_getlasterror_str());
    }
    bytes_out_ += static_cast<uint64_t>(sent);
  }
  return OkStatus();
}

// Waits for the first packet (a keyframe: the source starts readers there), then muxes and sends
// until the stream ends, the reader goes away, or Close.
Status Player::Stream() {
  const auto deadline = std::chrono::steady_clock::now() + opts_.first_packet_timeout;
  std::optional<Packet> first;
  while (!first) {
    if (stop_)
      return OkStatus();
    if (std::chrono::steady_clock::now() > deadline)
      return Error("no media from the stream");
    auto next = source_->Next(std::chrono::milliseconds(200));
    if (!next.ok())
      return next.error();
    first = std::move(*next);
  }
  const std::vector<TrackInfo> tracks = source_->Tracks();
  const bool has_video = std::any_of(
      tracks.begin(), tracks.end(), [](const TrackInfo& t) { return t.kind == MediaKind::kVideo; });
  auto muxer = ts::TsMuxer::Create(tracks);
  if (!muxer.ok())
    return muxer.error().Context("ts mux");
  uint64_t skipped = 0;
  std::optional<Packet> packet = std::move(first);
  while (!stop_) {
    if (packet) {
      // PAT/PMT right before every video keyframe, so a reader can join the TS there.
      if (packet->kind() == MediaKind::kVideo && packet->keyframe()) {
        if (Status s = Send((*muxer)->TakeBytes(/*restart_tables=*/true)); !s.ok())
          return s;
      }
      if (!(*muxer)->Write(*packet).ok())
        ++skipped;  // e.g. a track announced after this reader started: not in its PMT
    }
    // Send at video frames (audio rides along with the next one) or on an idle wait.
    if (!packet || !has_video || packet->kind() == MediaKind::kVideo) {
      if (Status s = Send((*muxer)->TakeBytes(/*restart_tables=*/false)); !s.ok())
        return s;
    }
    auto next = source_->Next(std::chrono::milliseconds(200));
    if (!next.ok())
      return next.error();
    packet = std::move(*next);
  }
  if (skipped > 0)
    opts_.logger->debug("srt: {}: {} packets of unknown tracks skipped", peer_, skipped);
  return OkStatus();
}

void Player::Run() {
  const bool yes = true;
  const int send_ms = static_cast<int>(opts_.send_timeout.count());
  // When the stream ends, what is already queued still reaches the reader (1 s at most).
  const linger linger_on{1, 1};
  Status status = (srt_setsockflag(sock_, SRTO_SNDSYN, &yes, sizeof(yes)) == 0 &&
                   srt_setsockflag(sock_, SRTO_SNDTIMEO, &send_ms, sizeof(send_ms)) == 0 &&
                   srt_setsockflag(sock_, SRTO_LINGER, &linger_on, sizeof(linger_on)) == 0)
                      ? Stream()
                      : Error(std::string("socket options: ") + srt_getlasterror_str());
  std::string why;
  {
    std::lock_guard lock(mu_);
    why = why_;
  }
  if (why.empty())
    why = status.ok() ? "closed" : status.error().message();
  source_.reset();  // unsubscribes
  CloseSocket();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  opts_.logger->info("srt: {} closed: {} (playing stream {}, {} bytes out, {:.1f} s)", peer_, why,
                     stream_name_.empty() ? "-" : stream_name_, bytes_out_.load(), seconds);
  done_ = true;
}

}  // namespace strait::transport::srt
