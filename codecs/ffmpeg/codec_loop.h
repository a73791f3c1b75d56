// The libavcodec send/receive loop, written once for decoders (packet in, frames out) and
// encoders (frame in, packets out): send, then hand every output the codec has ready to `sink`,
// retrying the send when the codec asked to be drained first (EAGAIN). A null input drains the
// codec (end of stream); AVERROR_EOF then ends the loop quietly.
//
// Internal to codecs/ffmpeg. Threads: none; called by the codec's one owner. The sink borrows the
// output (the loop unrefs it afterwards): move or ref it to keep it.
#pragma once

#include <functional>
#include <string>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/result.h"

namespace strait::ffmpeg {

using FrameOut = std::function<Status(AVFrame* frame)>;
using PacketOut = std::function<Status(AVPacket* packet)>;

// `scratch` is a reusable, empty output object; `what` prefixes errors ("h264 decode").
Status DecodeLoop(AVCodecContext* codec,
                  const AVPacket* packet,
                  AVFrame* scratch,
                  const FrameOut& sink,
                  const std::string& what);
Status EncodeLoop(AVCodecContext* codec,
                  const AVFrame* frame,
                  AVPacket* scratch,
                  const PacketOut& sink,
                  const std::string& what);

// Copies `data` into codec->extradata with the zeroed padding FFmpeg's parsers read past the end.
Status SetExtradata(AVCodecContext* codec, const uint8_t* data, size_t size);

}  // namespace strait::ffmpeg
