#include "codecs/ffmpeg/log.h"

#include <cstdarg>
#include <string>

extern "C" {
#include <libavutil/log.h>
}

namespace strait::ffmpeg {
namespace {

// Set once by RouteLogs before FFmpeg runs on other threads; read-only afterwards.
LogSink* g_sink = nullptr;

LogSeverity SeverityOf(int level) {
  if (level <= AV_LOG_ERROR)
    return LogSeverity::kError;
  if (level <= AV_LOG_WARNING)
    return LogSeverity::kWarning;
  if (level <= AV_LOG_INFO)
    return LogSeverity::kInfo;
  return LogSeverity::kDebug;
}

int LevelOf(LogSeverity s) {
  switch (s) {
    case LogSeverity::kError:
      return AV_LOG_ERROR;
    case LogSeverity::kWarning:
      return AV_LOG_WARNING;
    case LogSeverity::kInfo:
      return AV_LOG_INFO;
    case LogSeverity::kDebug:
      return AV_LOG_DEBUG;
  }
  return AV_LOG_WARNING;
}

void Callback(void* avcl, int level, const char* fmt, va_list args) {
  if (level > av_log_get_level() || !g_sink)
    return;
  // FFmpeg may emit a line in pieces; collect per thread until the newline.
  thread_local std::string pending;
  thread_local int print_prefix = 1;
  char buf[1024];
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, fmt, copy, buf, sizeof(buf), &print_prefix);
  va_end(copy);
  pending += buf;
  if (pending.empty() || pending.back() != '\n')
    return;
  pending.pop_back();
  (*g_sink)(SeverityOf(level), "ffmpeg: " + pending);
  pending.clear();
}

}  // namespace

void RouteLogs(LogSink sink, LogSeverity min) {
  static LogSink stored;
  stored = std::move(sink);
  g_sink = &stored;
  av_log_set_level(LevelOf(min));
  av_log_set_callback(Callback);
}

}  // namespace strait::ffmpeg
