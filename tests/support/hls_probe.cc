#include "tests/support/hls_probe.h"

#include <fstream>
#include <sstream>

#include "tests/support/subprocess.h"

namespace strait::test {

namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, sep))
    out.push_back(item);
  return out;
}

}  // namespace

std::vector<double> RenditionProbe::KeyframePts() const {
  std::vector<double> out;
  for (const VideoPacket& p : video)
    if (p.key)
      out.push_back(p.pts);
  return out;
}

double RenditionProbe::VideoKbps() const {
  if (video.size() < 2)
    return 0;
  double bits = 0;
  for (const VideoPacket& p : video)
    bits += p.size * 8.0;
  const double frame = (video.back().pts - video.front().pts) / (video.size() - 1);
  return bits / (video.back().pts - video.front().pts + frame) / 1000;
}

RenditionProbe ProbeRendition(const std::string& dir) {
  RenditionProbe r;
  const std::string playlist = ReadFile(dir + "/playlist.m3u8");
  if (playlist.empty()) {
    r.error = "no " + dir + "/playlist.m3u8";
    return r;
  }
  for (const std::string& line : Lines(playlist)) {
    if (line.rfind("#EXTINF:", 0) == 0)
      r.segment_durations.push_back(std::stod(line.substr(8)));
    else if (!line.empty() && line[0] != '#')
      r.segments.push_back(line);
  }
  for (const std::string& seg : r.segments) {
    const std::string path = dir + "/" + seg;
    auto v = RunCommand(
        "ffprobe -v error -select_streams v:0 -show_entries packet=pts_time,flags,size "
        "-of csv=p=0 " +
        path);
    auto a = RunCommand(
        "ffprobe -v error -select_streams a:0 -show_entries "
        "packet=pts_time,duration_time -of csv=p=0 " +
        path);
    if (v.exit_code != 0 || a.exit_code != 0) {
      r.error = "ffprobe " + path + ": " + v.output + a.output;
      return r;
    }
    bool first = true;
    for (const std::string& line : Lines(v.output)) {
      auto f = Split(line, ',');
      if (f.size() < 3 || f[0] == "N/A")
        continue;
      VideoPacket p{std::stod(f[0]), f[2].find('K') != std::string::npos, std::stoi(f[1])};
      if (first) {
        r.segment_first_video.push_back(p.pts);
        r.segment_starts_key.push_back(p.key);
        first = false;
      }
      r.video.push_back(p);
    }
    for (const std::string& line : Lines(a.output)) {
      auto f = Split(line, ',');
      if (f.size() < 2 || f[0] == "N/A")
        continue;
      r.audio_pts.push_back(std::stod(f[0]));
      r.audio_last_end = std::stod(f[0]) + (f[1] == "N/A" ? 0 : std::stod(f[1]));
    }
  }
  if (!r.segments.empty()) {
    auto s = RunCommand(
        "ffprobe -v error -select_streams v:0 -show_entries "
        "stream=width,height,pix_fmt,profile -of default=nw=1 " +
        dir + "/" + r.segments.front());
    for (const std::string& line : Lines(s.output)) {
      if (line.rfind("width=", 0) == 0)
        r.width = std::stoi(line.substr(6));
      else if (line.rfind("height=", 0) == 0)
        r.height = std::stoi(line.substr(7));
      else if (line.rfind("pix_fmt=", 0) == 0)
        r.pix_fmt = line.substr(8);
      else if (line.rfind("profile=", 0) == 0)
        r.profile = line.substr(8);
    }
  }
  return r;
}

}  // namespace strait::test
