#include "codecs/ffmpeg/image_reader.h"

#include <fstream>
#include <vector>

#include "codecs/ffmpeg/codec_loop.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"
#include "codecs/image_header.h"

namespace strait::ffmpeg {

Result<Frame> ReadImageRgba(const std::string& path, int64_t max_pixels) {
  // The size a PNG/JPEG header declares, checked before libavformat's probe decodes a picture of
  // that size (a 249 KB PNG declaring 16000x16000 took 2.5 s and 256 MB to be refused after).
  {
    std::vector<uint8_t> head(64 << 10);
    std::ifstream file(path, std::ios::binary);
    file.read(reinterpret_cast<char*>(head.data()), std::streamsize(head.size()));
    head.resize(size_t(file.gcount()));
    if (auto declared = ImageHeaderSize(head);
        declared && int64_t{declared->width} * declared->height > max_pixels) {
      return Error(path + ": declares " + std::to_string(declared->width) + "x" +
                   std::to_string(declared->height) + ", over the limit of " +
                   std::to_string(max_pixels) + " pixels");
    }
  }
  AVFormatContext* raw = nullptr;
  if (int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr); ret < 0)
    return AvError(ret, path);
  AVFormatInputPtr format(raw);
  if (int ret = avformat_find_stream_info(format.get(), nullptr); ret < 0)
    return AvError(ret, path);
  const int index = av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0)
    return Error(path + ": not an image");
  const AVCodecParameters* par = format->streams[index]->codecpar;
  if (int64_t{par->width} * par->height > max_pixels || par->width <= 0 || par->height <= 0)
    return Error(path + ": image size " + std::to_string(par->width) + "x" +
                 std::to_string(par->height) + " out of bounds");
  const AVCodec* codec = avcodec_find_decoder(par->codec_id);
  if (!codec)
    return Error(path + ": no decoder for this image format");
  AVCodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_parameters_to_context(ctx.get(), par) < 0)
    return Error(path + ": decoder setup failed");
  if (int ret = avcodec_open2(ctx.get(), codec, nullptr); ret < 0)
    return AvError(ret, path + ": open decoder");

  AVPacketPtr packet(av_packet_alloc());
  AVFramePtr scratch(av_frame_alloc());
  AVFramePtr decoded;
  auto keep = [&](AVFrame* f) -> Status {
    if (!decoded)
      decoded.reset(av_frame_clone(f));
    return OkStatus();
  };
  while (!decoded && av_read_frame(format.get(), packet.get()) >= 0) {
    if (packet->stream_index == index) {
      if (Status s = DecodeLoop(ctx.get(), packet.get(), scratch.get(), keep, path); !s.ok())
        return s.error();
    }
    av_packet_unref(packet.get());
  }
  if (!decoded)
    (void)DecodeLoop(ctx.get(), nullptr, scratch.get(), keep, path);  // drain
  if (!decoded)
    return Error(path + ": no picture decoded");

  auto out = Frame::AllocateVideo(decoded->width, decoded->height, AV_PIX_FMT_RGBA);
  if (!out.ok())
    return out.error();
  SwsContextPtr sws(sws_getContext(
      decoded->width, decoded->height, static_cast<AVPixelFormat>(decoded->format), decoded->width,
      decoded->height, AV_PIX_FMT_RGBA, SWS_POINT, nullptr, nullptr, nullptr));
  if (!sws)
    return Error(path + ": cannot convert its pixel format to RGBA");
  sws_scale(sws.get(), decoded->data, decoded->linesize, 0, decoded->height, out->av()->data,
            out->av()->linesize);
  return out;
}

}  // namespace strait::ffmpeg
