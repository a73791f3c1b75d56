#include "codecs/ffmpeg/error.h"

extern "C" {
#include <libavutil/error.h>
}

namespace strait::ffmpeg {

Error AvError(int averror, const std::string& what) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, buf, sizeof(buf));
  return Error(what + ": " + buf);
}

}  // namespace strait::ffmpeg
