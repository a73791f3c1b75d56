// Logger construction: one spdlog logger for the process, created at start-up and injected into
// every server (no component reaches for a global). Text for humans, JSON lines for machines.
#pragma once

#include <memory>
#include <string>

#include "codecs/result.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

// format: "text" or "json"; level: trace|debug|info|warn|error. Logs go to stderr.
Result<std::shared_ptr<spdlog::logger>> MakeLogger(const std::string& format,
                                                   const std::string& level);

// Routes FFmpeg's log lines into `logger` (process-wide; call once at start-up, before any FFmpeg
// use). Errors only, unless `level` is debug or trace (then warnings too): garbage input makes
// FFmpeg warn once per probe step.
void RouteFfmpegLogs(std::shared_ptr<spdlog::logger> logger, const std::string& level);

}  // namespace strait::pipeline
