// Routes FFmpeg's own log output (libavformat/libavcodec warnings about input) into strait's
// logger instead of raw stderr, so `--log-format json` stays one JSON object per line.
// FFmpeg's log callback is process-wide: call RouteLogs once at start-up, before any FFmpeg use
// on other threads. The sink is then called from whichever thread FFmpeg logs on.
#pragma once

#include <functional>
#include <string_view>

namespace strait::ffmpeg {

enum class LogSeverity { kDebug, kInfo, kWarning, kError };

using LogSink = std::function<void(LogSeverity severity, std::string_view line)>;

// Lines below `min` are discarded; each delivered line has no trailing newline.
void RouteLogs(LogSink sink, LogSeverity min);

}  // namespace strait::ffmpeg
