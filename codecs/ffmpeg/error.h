// Turns an AVERROR code into a strait::Error: AVERROR values never leave codecs/.
#pragma once

#include <string>

#include "codecs/result.h"

namespace strait::ffmpeg {

Error AvError(int averror, const std::string& what);

}  // namespace strait::ffmpeg
