#include "transport/hls/playlist.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace strait::transport::hls {
namespace {

void AppendF(std::string& out, const char* fmt, auto... args) {
  char buf[256];
  const int n = std::snprintf(buf, sizeof(buf), fmt, args...);
  if (n > 0)
    out.append(buf, static_cast<size_t>(std::min<int>(n, sizeof(buf) - 1)));
}

}  // namespace

std::string FormatIso8601Millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const int64_t ms = duration_cast<milliseconds>(t.time_since_epoch()).count();
  int64_t secs = ms / 1000, frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];  // ample for any int fields (keeps -Wformat-truncation quiet)
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frac));
  return buf;
}

std::string RenderMediaPlaylist(const MediaPlaylist& p) {
  std::string out;
  out.reserve(128 + p.segments.size() * 96);
  out += "#EXTM3U\n#EXT-X-VERSION:3\n";
  AppendF(out, "#EXT-X-TARGETDURATION:%d\n", p.target_duration_s);
  const uint64_t first = p.segments.empty() ? 0 : p.segments.front().sequence;
  AppendF(out, "#EXT-X-MEDIA-SEQUENCE:%llu\n", static_cast<unsigned long long>(first));
  if (p.discontinuity_sequence > 0) {
    AppendF(out, "#EXT-X-DISCONTINUITY-SEQUENCE:%llu\n",
            static_cast<unsigned long long>(p.discontinuity_sequence));
  }
  out += "#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const SegmentEntry& s : p.segments) {
    if (s.discontinuity)
      out += "#EXT-X-DISCONTINUITY\n";
    out += "#EXT-X-PROGRAM-DATE-TIME:";
    out += FormatIso8601Millis(s.program_date_time);
    AppendF(out, "\n#EXTINF:%.3f,\nseg%llu.ts\n", s.duration_s,
            static_cast<unsigned long long>(s.sequence));
  }
  if (p.ended)
    out += "#EXT-X-ENDLIST\n";
  return out;
}

namespace {

void AppendVariant(std::string& out,
                   const VariantInfo& v,
                   int64_t extra_bandwidth,
                   int64_t extra_average,
                   const std::string& extra_codecs,
                   const char* audio_group) {
  AppendF(out, "#EXT-X-STREAM-INF:BANDWIDTH=%lld",
          static_cast<long long>(v.bandwidth + extra_bandwidth));
  if (v.average_bandwidth > 0) {
    AppendF(out, ",AVERAGE-BANDWIDTH=%lld",
            static_cast<long long>(v.average_bandwidth + extra_average));
  }
  if (v.width > 0 && v.height > 0)
    AppendF(out, ",RESOLUTION=%dx%d", v.width, v.height);
  if (v.frame_rate > 0)
    AppendF(out, ",FRAME-RATE=%.3f", v.frame_rate);
  std::string codecs = v.codecs;
  if (!extra_codecs.empty() && codecs.find(extra_codecs) == std::string::npos)
    codecs += (codecs.empty() ? "" : ",") + extra_codecs;
  if (!codecs.empty())
    out += ",CODECS=\"" + codecs + "\"";
  if (audio_group)
    out += std::string(",AUDIO=\"") + audio_group + "\"";
  out += '\n';
  out += v.uri;
  out += '\n';
}

constexpr const char* kHeader = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n";

}  // namespace

std::string RenderMasterPlaylist(std::span<const VariantInfo> variants) {
  std::string out = kHeader;
  for (const VariantInfo& v : variants)
    AppendVariant(out, v, 0, 0, "", nullptr);
  return out;
}

std::string RenderMasterPlaylist(std::span<const VariantInfo> video,
                                 std::span<const VariantInfo> audio) {
  if (audio.empty())
    return RenderMasterPlaylist(video);
  std::string out = kHeader;
  int64_t audio_peak = 0, audio_average = 0;
  std::string audio_codecs;
  for (size_t i = 0; i < audio.size(); ++i) {
    const VariantInfo& a = audio[i];
    const std::string name = a.uri.substr(0, a.uri.find('/'));
    out += "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"" + name +
           "\",DEFAULT=" + (i == 0 ? "YES" : "NO") + ",AUTOSELECT=YES";
    if (a.channels > 0)
      AppendF(out, ",CHANNELS=\"%d\"", a.channels);
    out += ",URI=\"" + a.uri + "\"\n";
    if (a.bandwidth > audio_peak) {
      audio_peak = a.bandwidth;
      audio_average = a.average_bandwidth;
      audio_codecs = a.codecs;
    }
  }
  for (const VariantInfo& v : video)
    AppendVariant(out, v, audio_peak, audio_average, audio_codecs, "audio");
  return out;
}

}  // namespace strait::transport::hls
