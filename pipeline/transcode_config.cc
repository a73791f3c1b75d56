#include "pipeline/transcode_config.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "codecs/ffmpeg/scaler.h"
#include "pipeline/yaml_reader.h"

namespace strait::pipeline {

std::vector<RungConfig> DefaultLadder() {
  std::vector<RungConfig> ladder(3);
  ladder[0].name = "720p";
  ladder[0].height = 720;
  ladder[0].bitrate_kbps = 2500;
  ladder[1].name = "480p";
  ladder[1].height = 480;
  ladder[1].bitrate_kbps = 1200;
  ladder[2].name = "360p";
  ladder[2].height = 360;
  ladder[2].bitrate_kbps = 700;
  return ladder;
}

TranscodeConfig DefaultTranscodeConfig() {
  TranscodeConfig c;
  c.ladders["default"] = DefaultLadder();
  return c;
}

std::vector<RungPlan> ResolveLadder(const std::vector<RungConfig>& ladder, int width, int height) {
  std::vector<RungPlan> out;
  const RungConfig* smallest = nullptr;
  for (const RungConfig& rung : ladder) {
    if (rung.passthrough) {
      out.push_back({rung, 0, 0});
      continue;
    }
    if (!smallest || rung.height < smallest->height)
      smallest = &rung;
    if (rung.height > height)
      continue;
    RungPlan plan{rung, ffmpeg::EvenWidthFor(width, height, rung.height), rung.height};
    out.push_back(plan);
  }
  const bool any_encoded =
      std::any_of(out.begin(), out.end(), [](const RungPlan& p) { return !p.config.passthrough; });
  if (!any_encoded && smallest) {  // a source smaller than every rung: encode it at its own size
    RungPlan plan{*smallest, width / 2 * 2, height / 2 * 2};
    plan.config.height = plan.height;
    out.push_back(plan);
  }
  return out;
}

namespace {

using yaml::At;
using yaml::Reader;

Status ParseRung(Reader& r, const YAML::Node& node, const std::string& ladder, RungConfig& rung) {
  STRAIT_TRY(r.Map(node, "a rung of ladder '" + ladder + "'",
                   {"name", "passthrough", "height", "max_fps", "bitrate_kbps", "maxrate_kbps",
                    "bufsize_kbps", "profile", "preset"}));
  if (!node["name"])
    return At(r.source(), node, "rung of ladder '" + ladder + "' is missing 'name'");
  STRAIT_TRY(r.String(node["name"], "rung name", rung.name));
  if (!yaml::ValidName(rung.name, 32))
    return At(r.source(), node["name"], "rung name must be 1-32 of A-Z a-z 0-9 - _ .");
  if (rung.name == "audio")
    return At(r.source(), node["name"], "rung name 'audio' is taken by the audio rendition");
  const std::string what = "rung '" + rung.name + "'";
  if (node["passthrough"])
    STRAIT_TRY(r.Bool(node["passthrough"], what + " passthrough", rung.passthrough));
  if (rung.passthrough) {
    // The source's own size and rate; the encoder settings apply while a card is on.
    for (const char* k : {"height", "max_fps"}) {
      if (node[k])
        return At(r.source(), node[k],
                  what + " is passthrough: '" + k + "' does not apply (it keeps the source's)");
    }
    rung.max_fps = 0;
    if (node["bitrate_kbps"])
      STRAIT_TRY(
          r.Int(node["bitrate_kbps"], what + " bitrate_kbps", 50, 100000, rung.bitrate_kbps));
  } else {
    if (!node["height"] || !node["bitrate_kbps"])
      return At(r.source(), node,
                what + " needs 'height' and 'bitrate_kbps' (or passthrough: true)");
    STRAIT_TRY(r.Int(node["height"], what + " height", 72, 4320, rung.height));
    if (rung.height % 2)
      return At(r.source(), node["height"], what + " height must be even");
    STRAIT_TRY(r.Int(node["bitrate_kbps"], what + " bitrate_kbps", 50, 100000, rung.bitrate_kbps));
  }
  if (node["maxrate_kbps"])
    STRAIT_TRY(r.Int(node["maxrate_kbps"], what + " maxrate_kbps", rung.bitrate_kbps, 200000,
                     rung.maxrate_kbps));
  if (node["bufsize_kbps"])
    STRAIT_TRY(r.Int(node["bufsize_kbps"], what + " bufsize_kbps", 50, 400000, rung.bufsize_kbps));
  if (node["max_fps"])
    STRAIT_TRY(r.Double(node["max_fps"], what + " max_fps", 0, 240, rung.max_fps));
  if (node["profile"]) {
    STRAIT_TRY(r.String(node["profile"], what + " profile", rung.profile));
    if (rung.profile != "baseline" && rung.profile != "main" && rung.profile != "high")
      return At(r.source(), node["profile"], what + " profile must be baseline, main or high");
  }
  if (node["preset"]) {
    STRAIT_TRY(r.String(node["preset"], what + " preset", rung.preset));
    static const std::set<std::string> kPresets = {"ultrafast", "superfast", "veryfast", "faster",
                                                   "fast",      "medium",    "slow"};
    if (!kPresets.count(rung.preset))
      return At(
          r.source(), node["preset"],
          what + " preset must be one of ultrafast superfast veryfast faster fast medium slow");
  }
  return OkStatus();
}

Status ParseLadders(Reader& r, const YAML::Node& node, TranscodeConfig& out) {
  if (!node.IsMap())
    return At(r.source(), node, "transcode.ladders must be a mapping of name → list of rungs");
  for (const auto& kv : node) {
    const std::string name = kv.first.Scalar();
    if (!yaml::ValidName(name, 32))
      return At(r.source(), kv.first, "ladder name must be 1-32 of A-Z a-z 0-9 - _ .");
    if (!kv.second.IsSequence() || kv.second.size() == 0)
      return At(r.source(), kv.second, "ladder '" + name + "' must be a non-empty list of rungs");
    std::vector<RungConfig> rungs;
    std::set<std::string> names;
    for (const auto& item : kv.second) {
      RungConfig rung;
      STRAIT_TRY(ParseRung(r, item, name, rung));
      if (!names.insert(rung.name).second)
        return At(r.source(), item["name"], "duplicate rung name '" + rung.name + "'");
      if (rung.passthrough && std::any_of(rungs.begin(), rungs.end(),
                                          [](const RungConfig& c) { return c.passthrough; }))
        return At(r.source(), item, "ladder '" + name + "' has more than one passthrough rung");
      rungs.push_back(std::move(rung));
    }
    out.ladders[name] = std::move(rungs);
  }
  return OkStatus();
}

}  // namespace

Status ParseTranscode(Reader& r, const YAML::Node& node, TranscodeConfig& out) {
  STRAIT_TRY(r.Map(node, "transcode",
                   {"enabled", "encoder", "scaler", "decoder", "opus", "slate", "slate_after",
                    "input_loss", "ladder", "ladders"}));
  if (node["enabled"])
    STRAIT_TRY(r.Bool(node["enabled"], "transcode.enabled", out.enabled));
  if (node["encoder"]) {
    STRAIT_TRY(r.String(node["encoder"], "transcode.encoder", out.encoder));
    if (out.encoder != "auto" && out.encoder != "x264" && out.encoder != "nvenc")
      return At(r.source(), node["encoder"], "transcode.encoder must be auto, x264 or nvenc");
  }
  if (node["scaler"]) {
    STRAIT_TRY(r.String(node["scaler"], "transcode.scaler", out.scaler));
    if (out.scaler != "cpu" && out.scaler != "cuda")
      return At(r.source(), node["scaler"], "transcode.scaler must be cpu or cuda");
  }
  if (node["opus"])
    STRAIT_TRY(r.Bool(node["opus"], "transcode.opus", out.opus));
  if (node["slate"]) {
    STRAIT_TRY(r.String(node["slate"], "transcode.slate", out.slate));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.slate, ec))
      return At(r.source(), node["slate"], "transcode.slate: no such file '" + out.slate + "'");
  }
  if (node["slate_after"]) {
    STRAIT_TRY(
        r.Double(node["slate_after"], "transcode.slate_after", 0.0, 60.0, out.slate_after_s));
  }
  if (node["input_loss"]) {
    STRAIT_TRY(r.Double(node["input_loss"], "transcode.input_loss", 0.0, 60.0, out.input_loss_s));
    if (out.input_loss_s > 0 && out.input_loss_s < 0.5)
      return At(r.source(), node["input_loss"],
                "transcode.input_loss must be 0 (off) or at least 0.5 seconds");
  }
  if (node["decoder"]) {
    STRAIT_TRY(r.String(node["decoder"], "transcode.decoder", out.decoder));
    if (out.decoder != "cpu" && out.decoder != "cuda")
      return At(r.source(), node["decoder"], "transcode.decoder must be cpu or cuda");
  }
  if (node["ladders"])
    STRAIT_TRY(ParseLadders(r, node["ladders"], out));
  if (node["ladder"]) {
    STRAIT_TRY(r.String(node["ladder"], "transcode.ladder", out.ladder));
    if (!out.ladders.count(out.ladder))
      return At(r.source(), node["ladder"], "unknown ladder '" + out.ladder + "'");
  }
  return OkStatus();
}

}  // namespace strait::pipeline
