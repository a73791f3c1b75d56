#include "pipeline/logging.h"

#include "codecs/ffmpeg/log.h"
#include "codecs/json_escape.h"
#include "transport/log_limiter.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace strait::pipeline {
namespace {

// %* : the message, escaped as a JSON string body.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg,
              const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string escaped =
        JsonEscape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

Result<std::shared_ptr<spdlog::logger>> MakeLogger(const std::string& format,
                                                   const std::string& level) {
  const spdlog::level::level_enum lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off")
    return Error("unknown log level '" + level + "'");
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>("strait", sink);
  if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonMessageFlag>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else if (format == "text") {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  } else {
    return Error("unknown log format '" + format + "' (text or json)");
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::info);
  return logger;
}

void RouteFfmpegLogs(std::shared_ptr<spdlog::logger> logger, const std::string& level) {
  // A damaged stream makes FFmpeg's decoders complain about every slice (1,200 lines in 40 s of
  // a corrupt publish, 2,500 for garbage parameter sets), and its lines do not say which stream:
  // two a second, the rest counted in the next line let through.
  auto limiter = std::make_shared<transport::LogLimiter>(2);
  ffmpeg::RouteLogs(
      [logger, limiter](ffmpeg::LogSeverity severity, std::string_view text) {
        std::string note;
        if (severity != ffmpeg::LogSeverity::kDebug && !limiter->Allow(&note))
          return;
        const std::string line = std::string(text) + note;
        switch (severity) {
          case ffmpeg::LogSeverity::kError:
            logger->error("{}", line);
            break;
          case ffmpeg::LogSeverity::kWarning:
            logger->warn("{}", line);
            break;
          case ffmpeg::LogSeverity::kInfo:
            logger->info("{}", line);
            break;
          case ffmpeg::LogSeverity::kDebug:
            logger->debug("{}", line);
            break;
        }
      },
      level == "debug" || level == "trace" ? ffmpeg::LogSeverity::kWarning
                                           : ffmpeg::LogSeverity::kError);
}

}  // namespace strait::pipeline
