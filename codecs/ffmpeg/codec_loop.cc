#include "codecs/ffmpeg/codec_loop.h"

#include <cstring>
#include <type_traits>

#include "codecs/ffmpeg/error.h"

namespace strait::ffmpeg {
namespace {

// In and Out are AVPacket/AVFrame (decoding) or AVFrame/AVPacket (encoding); the libavcodec
// functions for both directions share one shape.
template <typename In, typename Out>
Status Pump(AVCodecContext* codec,
            const In* in,
            Out* out,
            int (*send)(AVCodecContext*, const In*),
            int (*receive)(AVCodecContext*, Out*),
            const std::function<Status(Out*)>& sink,
            const std::string& what) {
  // A codec that refuses input (EAGAIN) has output ready; after draining it once more the send
  // must succeed, so two refusals in a row are a codec bug, not a reason to spin.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int sent = send(codec, in);
    const bool again = sent == AVERROR(EAGAIN);
    if (sent < 0 && !again && !(in == nullptr && sent == AVERROR_EOF))
      return AvError(sent, what);
    for (;;) {
      const int got = receive(codec, out);
      if (got == AVERROR(EAGAIN) || got == AVERROR_EOF)
        break;
      if (got < 0)
        return AvError(got, what);
      Status s = sink(out);
      if constexpr (std::is_same_v<Out, AVFrame>)
        av_frame_unref(out);
      else
        av_packet_unref(out);
      if (!s)
        return s;
    }
    if (!again)
      return OkStatus();
  }
  return Error(what + ": codec accepts no input after draining");
}

}  // namespace

Status DecodeLoop(AVCodecContext* codec,
                  const AVPacket* packet,
                  AVFrame* scratch,
                  const FrameOut& sink,
                  const std::string& what) {
  return Pump<AVPacket, AVFrame>(codec, packet, scratch, &avcodec_send_packet,
                                 &avcodec_receive_frame, sink, what);
}

Status EncodeLoop(AVCodecContext* codec,
                  const AVFrame* frame,
                  AVPacket* scratch,
                  const PacketOut& sink,
                  const std::string& what) {
  return Pump<AVFrame, AVPacket>(codec, frame, scratch, &avcodec_send_frame,
                                 &avcodec_receive_packet, sink, what);
}

Status SetExtradata(AVCodecContext* codec, const uint8_t* data, size_t size) {
  av_freep(&codec->extradata);
  codec->extradata_size = 0;
  if (size == 0)
    return OkStatus();
  if (size > (1u << 24))
    return Error("extradata too large: " + std::to_string(size) + " bytes");
  codec->extradata = static_cast<uint8_t*>(av_mallocz(size + AV_INPUT_BUFFER_PADDING_SIZE));
  if (!codec->extradata)
    return Error("out of memory");
  std::memcpy(codec->extradata, data, size);
  codec->extradata_size = static_cast<int>(size);
  return OkStatus();
}

}  // namespace strait::ffmpeg
