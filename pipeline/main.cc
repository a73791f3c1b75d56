// strait: the command-line entry point.
//   strait serve [--config F] [--rtmp-listen A] [--srt-listen A] [--http-listen A] [--data-dir D]
//                [--log-format F] [--log-level L] [--demo]
//   strait check-config F
//   strait transcode IN OUTDIR [--config F] [--overlay IMAGE] [--log-level L]
// Parses flags and config, then hands over to App. Exceptions stop here.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "codecs/ffmpeg/image_reader.h"
#include "overlays/image_overlay.h"
#include "pipeline/app.h"
#include "pipeline/config.h"
#include "pipeline/logging.h"
#include "pipeline/transcode_file.h"

namespace {

using strait::pipeline::Config;

struct ServeFlags {
  std::string config_path;
  std::string rtmp_listen;
  std::string http_listen;
  std::string srt_listen;
  std::string data_dir;
  std::string log_format;
  std::string log_level;
  bool demo = false;
};

int CheckConfig(const std::string& path) {
  auto config = strait::pipeline::LoadConfigFile(path);
  if (!config.ok()) {
    std::fprintf(stderr, "strait: %s\n", config.error().message().c_str());
    return 1;
  }
  std::printf("%s: OK (%zu stream%s; rtmp %s, srt %s, http %s)\n", path.c_str(),
              config->streams.size(), config->streams.size() == 1 ? "" : "s",
              config->rtmp_listen.c_str(), config->srt_listen.c_str(), config->http_listen.c_str());
  if (config->streams.empty())
    std::fprintf(stderr, "strait: warning: %s lists no streams: nothing can publish\n",
                 path.c_str());
  return 0;
}

int Transcode(const std::string& input,
              const std::string& output_dir,
              const std::string& config_path,
              const std::string& log_level,
              const std::string& overlay_path) {
  auto config = config_path.empty() ? strait::Result<Config>(strait::pipeline::DefaultConfig())
                                    : strait::pipeline::LoadConfigFile(config_path);
  if (!config.ok()) {
    std::fprintf(stderr, "strait: %s\n", config.error().message().c_str());
    return 1;
  }
  auto logger = strait::pipeline::MakeLogger("text", log_level.empty() ? "warn" : log_level);
  if (!logger.ok()) {
    std::fprintf(stderr, "strait: %s\n", logger.error().message().c_str());
    return 1;
  }
  strait::pipeline::RouteFfmpegLogs(*logger, log_level.empty() ? "warn" : log_level);
  strait::pipeline::TranscoderOptions extra;
  if (!overlay_path.empty()) {
    auto image = strait::ffmpeg::ReadImageRgba(overlay_path);
    auto overlay =
        image.ok() ? strait::overlays::ImageOverlay::Create(*image, {})
                   : strait::Result<std::unique_ptr<strait::overlays::ImageOverlay>>(image.error());
    if (!overlay.ok()) {
      std::fprintf(stderr, "strait: --overlay: %s\n", overlay.error().message().c_str());
      return 1;
    }
    extra.overlay = std::move(*overlay);
  }
  auto summary =
      strait::pipeline::TranscodeFile(input, output_dir, *config, *logger, std::move(extra));
  if (!summary.ok()) {
    std::fprintf(stderr, "strait: %s\n", summary.error().message().c_str());
    return 1;
  }
  const double speed =
      summary->wall_seconds > 0 ? summary->media_seconds / summary->wall_seconds : 0;
  std::printf("%s: %.2f s of media in %.2f s (%.2fx realtime), %llu frames decoded\n",
              output_dir.c_str(), summary->media_seconds, summary->wall_seconds, speed,
              static_cast<unsigned long long>(summary->stats.frames_decoded));
  for (const auto& [name, rung] : summary->stats.rungs) {
    if (rung.encoder.empty()) {  // a passthrough rung that only copied the source
      std::printf("  %-8s the source copied: %llu kB\n", name.c_str(),
                  static_cast<unsigned long long>(rung.bytes_out / 1000));
      continue;
    }
    std::printf("  %-8s %s%s: %llu frames encoded, %llu capped, %llu kB\n", name.c_str(),
                rung.encoder.c_str(), rung.zero_copy ? " (GPU frames, zero copy)" : "",
                static_cast<unsigned long long>(rung.frames_encoded),
                static_cast<unsigned long long>(rung.frames_capped),
                static_cast<unsigned long long>(rung.bytes_out / 1000));
  }
  return 0;
}

strait::Status ApplyFlags(const ServeFlags& flags, Config& config) {
  using strait::pipeline::ValidateListenAddress;
  if (!flags.rtmp_listen.empty()) {
    if (auto s = ValidateListenAddress(flags.rtmp_listen); !s)
      return s.error().Context("--rtmp-listen");
    config.rtmp_listen = flags.rtmp_listen;
  }
  if (!flags.http_listen.empty()) {
    if (auto s = ValidateListenAddress(flags.http_listen); !s)
      return s.error().Context("--http-listen");
    config.http_listen = flags.http_listen;
  }
  if (!flags.srt_listen.empty()) {
    if (auto s = ValidateListenAddress(flags.srt_listen); !s)
      return s.error().Context("--srt-listen");
    config.srt_listen = flags.srt_listen;
  }
  if (!flags.data_dir.empty())
    config.data_dir = flags.data_dir;
  if (!flags.log_format.empty())
    config.log.format = flags.log_format;
  if (!flags.log_level.empty())
    config.log.level = flags.log_level;
  return strait::OkStatus();
}

int Serve(const ServeFlags& flags) {
  Config config = strait::pipeline::DefaultConfig();
  if (!flags.config_path.empty()) {
    auto loaded = strait::pipeline::LoadConfigFile(flags.config_path);
    if (!loaded.ok()) {
      std::fprintf(stderr, "strait: %s\n", loaded.error().message().c_str());
      return 1;
    }
    config = std::move(loaded.value());
  }
  if (auto s = ApplyFlags(flags, config); !s) {
    std::fprintf(stderr, "strait: %s\n", s.error().message().c_str());
    return 1;
  }
  if (flags.config_path.empty()) {
    if (auto s = strait::pipeline::EnsureDemoStream(config); !s) {
      std::fprintf(stderr, "strait: %s\n", s.error().message().c_str());
      return 1;
    }
  }
  if (flags.demo) {
    if (auto s = strait::pipeline::EnableDemo(config); !s) {
      std::fprintf(stderr, "strait: --demo: %s\n", s.error().message().c_str());
      return 1;
    }
  }
  auto logger = strait::pipeline::MakeLogger(config.log.format, config.log.level);
  if (!logger.ok()) {
    std::fprintf(stderr, "strait: %s\n", logger.error().message().c_str());
    return 1;
  }
  return strait::pipeline::RunServer(std::move(config), *logger);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"strait: live-commerce video origin (RTMP in, HLS out)"};
  app.set_version_flag("--version", std::string("strait ") + STRAIT_VERSION);
  app.require_subcommand(1);

  ServeFlags flags;
  CLI::App* serve = app.add_subcommand("serve", "Run the server");
  serve->add_option("--config", flags.config_path, "YAML config file (default: built-in)");
  serve->add_option("--rtmp-listen", flags.rtmp_listen,
                    "RTMP listen address (default 0.0.0.0:1935)");
  serve->add_option("--srt-listen", flags.srt_listen, "SRT listen address (default 0.0.0.0:9000)");
  serve->add_option("--http-listen", flags.http_listen,
                    "HTTP listen address (default 0.0.0.0:8080)");
  serve->add_option("--data-dir", flags.data_dir, "Data directory (default ./data)");
  serve->add_option("--log-format", flags.log_format, "Log format: text or json")
      ->check(CLI::IsMember({"text", "json"}));
  serve->add_option("--log-level", flags.log_level, "Log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  serve->add_flag("--demo", flags.demo,
                  "Publish a synthetic test stream (moving pattern + tone) to stream `demo`");

  std::string check_path;
  CLI::App* check = app.add_subcommand("check-config", "Validate a config file and exit");
  check->add_option("file", check_path, "Config file")->required();

  std::string transcode_in, transcode_out, transcode_config, transcode_log_level;
  CLI::App* transcode =
      app.add_subcommand("transcode", "Transcode a file into the HLS ladder in OUTDIR and exit");
  transcode->add_option("input", transcode_in, "Input media file")->required();
  transcode->add_option("outdir", transcode_out, "Output directory")->required();
  transcode->add_option("--config", transcode_config, "YAML config (transcode ladder, hls)");
  std::string transcode_overlay;
  transcode->add_option(
      "--overlay", transcode_overlay,
      "Image (PNG, JPEG) blended onto every picture, 40 px from the bottom-right");
  transcode->add_option("--log-level", transcode_log_level, "Log level (default warn)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  // CLI11 answers "A subcommand is required" to a misspelt one: say which word it did not know.
  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' && first != "serve" && first != "check-config" &&
      first != "transcode") {
    std::fprintf(stderr, "strait: unknown command '%s' (serve, check-config, transcode; --help)\n",
                 argv[1]);
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (*check)
    return CheckConfig(check_path);
  if (*transcode)
    return Transcode(transcode_in, transcode_out, transcode_config, transcode_log_level,
                     transcode_overlay);
  return Serve(flags);
}
