// Product cards end to end: ffmpeg pushes a plain-coloured 720p picture over RTMP, the ladder
// runs, a `curl PUT` of a card arrives mid-stream, and then
//   - every rung's decoded pictures show the card in the region the renderer puts it (scaled to
//     the rung), from one picture on and on every later picture, never before;
//   - every rendition's playlist (LL-HLS CMAF and TS) carries an EXT-X-DATERANGE of class
//     com.strait.card whose START-DATE is the program date time of that first picture;
//   - the card is on the first pictures processed after the PUT returned;
//   - a DELETE takes it off again and closes the range with an END-DATE.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "overlays/card.h"
#include "overlays/card_renderer.h"
#include "tests/support/live_fixture.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::HttpFetch;
using test::kKey;
using test::RunCommand;
using Wall = std::chrono::system_clock::time_point;

constexpr char kToken[] = "cards-live-test-token-42";
constexpr char kCard[] = R"({"template": "product", "title": "Red sneakers",
  "price": {"amount": "19.99", "currency": "USD"}, "discount_label": "-30%", "locale": "en-US",
  "position": {"anchor": "top-left", "margin_x": 0.05, "margin_y": 0.08},
  "theme": {"background": "#ffffff", "text": "#101010"}, "animation": {"kind": "none"}})";

// "2026-12-03T18:00:00.123Z" → wall time.
std::optional<Wall> ParseDate(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d.%3dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::milliseconds(ms);
}

std::string Attribute(const std::string& line, const std::string& name) {
  const size_t at = line.find(name + "=\"");
  if (at == std::string::npos)
    return "";
  const size_t begin = at + name.size() + 2;
  return line.substr(begin, line.find('"', begin) - begin);
}

std::vector<std::string> DateRanges(const std::string& playlist) {
  std::vector<std::string> out;
  for (const std::string& line : test::Lines(playlist))
    if (line.rfind("#EXT-X-DATERANGE:", 0) == 0)
      out.push_back(line);
  return out;
}

struct Picture {
  double pts = 0;
  double card_luma = 0;  // mean luma inside the card's region
  double free_luma = 0;  // ... and in a region no card covers
};

// Parameter: api.card_render ("source": one blend before scaling; "per_rendition": each rung
// renders the card at its own size after scaling).
class CardsLiveTest : public test::LiveServerTest,
                      public ::testing::WithParamInterface<const char*> {
 protected:
  void Configure(pipeline::Config& config) override {
    config.transcode.enabled = true;
    config.transcode.encoder = "x264";
    config.hls.variants = "both";
    config.api.token = kToken;
    config.api.card_render = GetParam();
  }

  // ffmpeg pushing `seconds` of the lavfi picture `video` at 1280x720, 30 fps (a GOP every 2 s)
  // and a tone, paced like a live encoder; `x264`: more encoder options.
  std::string Push(const std::string& video, int seconds, const std::string& x264) {
    const char* more = video.find('=') == std::string::npos ? "=" : ":";  // options so far?
    return "ffmpeg -v error -re -f lavfi -i " + video + more +
           "s=1280x720:r=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t " +
           std::to_string(seconds) + " -c:v libx264 -preset veryfast " + x264 +
           " -g 60 -pix_fmt yuv420p -c:a aac -f flv " + RtmpUrl(kKey);
  }
  static constexpr char kFlat[] = "color=c=0x3c5a78";  // one flat colour, Y ~ 90

  // curl, as a user would; returns the HTTP status.
  int Curl(const std::string& method, const std::string& path, const std::string& body = "") {
    const std::string file = dir_.File("body.json");
    std::ofstream(file) << body;
    auto r = RunCommand("curl -s -o " + dir_.File("answer.json") + " -w '%{http_code}' -X " +
                        method + " -H 'Authorization: Bearer " + kToken +
                        "' -H 'Content-Type: application/json'" +
                        (body.empty() ? "" : " --data-binary @" + file) + " " + HttpUrl(path));
    return std::atoi(r.output.c_str());
  }
};

TEST_P(CardsLiveTest, CurlPutShowsTheCardOnEveryRenditionWithAMatchingDateRange) {
  // 16 s of one flat colour (Y ~ 90) with a tone, paced like a live encoder.
  test::BackgroundProcess push(Push(kFlat, 16, "-tune zerolatency"), dir_.File("push.log"));
  ASSERT_EQ(WaitFor("/live/shop1/720p/playlist.m3u8", "#EXT-X-PART:", 20s).status, 200);
  std::this_thread::sleep_for(3s);  // a few segments without the card
  const Wall before_put = std::chrono::system_clock::now();
  ASSERT_EQ(Curl("PUT", "/api/v1/streams/shop1/cards/sneakers", kCard), 201);
  const Wall after_put = std::chrono::system_clock::now();
  std::this_thread::sleep_for(5s);
  ASSERT_EQ(Curl("DELETE", "/api/v1/streams/shop1/cards/sneakers"), 204);
  ASSERT_EQ(push.Wait(40s), 0) << push.Log();

  // Where the renderer puts the card on the 1280x720 source; rungs scale it (per_rendition: the
  // card rendered at the rung's size lands in about the same place, sizes being fractions of the
  // frame; the region checked is the middle of the panel).
  overlays::Card card;
  card.id = "sneakers";
  card.title = "Red sneakers";
  card.price = {"19.99", "USD"};
  card.discount_label = "-30%";
  card.position = {overlays::Anchor::kTopLeft, 0.05, 0.08};
  auto renderer = overlays::CardRenderer::Create(card);
  ASSERT_TRUE(renderer.ok());
  auto bitmap = (*renderer)->Render(1280, 720);
  ASSERT_TRUE(bitmap.ok());
  const overlays::CardBitmap& box = **bitmap;

  const std::map<std::string, std::pair<int, int>> rungs = {
      {"720p", {1280, 720}}, {"480p", {854, 480}}, {"360p", {640, 360}}};
  // One card, one instant: every playlist of the stream — the rungs, their TS copies, the audio —
  // gives the range the same START-DATE and END-DATE (RFC 8216bis 4.4.5.1). Each rung's
  // packager had its own wall-clock origin once, and the encoded rungs (their first packet a
  // transcode latency after the audio's) dated it tens of milliseconds later.
  {
    std::string start_date, end_date;
    for (const char* name : {"audio", "720p", "720p-ts", "480p", "480p-ts", "360p", "360p-ts"}) {
      auto media =
          WaitFor(std::string("/live/shop1/") + name + "/playlist.m3u8", "#EXT-X-ENDLIST", 20s);
      const std::vector<std::string> ranges = DateRanges(media.body);
      ASSERT_EQ(ranges.size(), 1u) << name << "\n" << media.body;
      if (start_date.empty()) {
        start_date = Attribute(ranges[0], "START-DATE");
        end_date = Attribute(ranges[0], "END-DATE");
      }
      EXPECT_EQ(Attribute(ranges[0], "START-DATE"), start_date) << name;
      EXPECT_EQ(Attribute(ranges[0], "END-DATE"), end_date) << name;
    }
  }
  for (const auto& [rung, size] : rungs) {
    SCOPED_TRACE(rung);
    const double sx = size.first / 1280.0, sy = size.second / 720.0;
    // The middle of the card's panel (clear of its rounded corners), and the bottom right.
    const int cx = static_cast<int>((box.x + box.width * 0.15) * sx) / 2 * 2;
    const int cy = static_cast<int>((box.y + box.height * 0.2) * sy) / 2 * 2;
    const int cw = static_cast<int>(box.width * 0.7 * sx) / 2 * 2;
    const int ch = static_cast<int>(box.height * 0.6 * sy) / 2 * 2;

    // Every rendition lists the range, once, with an END-DATE after the DELETE.
    std::optional<Wall> start;
    for (const std::string& name : {rung, rung + "-ts"}) {
      auto media = WaitFor("/live/shop1/" + name + "/playlist.m3u8", "#EXT-X-ENDLIST", 20s);
      const std::vector<std::string> ranges = DateRanges(media.body);
      ASSERT_EQ(ranges.size(), 1u) << name << "\n" << media.body;
      EXPECT_EQ(Attribute(ranges[0], "CLASS"), "com.strait.card");
      EXPECT_EQ(Attribute(ranges[0], "X-CARD-ID"), "sneakers");
      EXPECT_EQ(Attribute(ranges[0], "X-PRICE-TEXT"), "$19.99");
      EXPECT_FALSE(Attribute(ranges[0], "END-DATE").empty()) << ranges[0];
      if (name == rung + "-ts")
        start = ParseDate(Attribute(ranges[0], "START-DATE"));
    }
    ASSERT_TRUE(start);
    // "The first picture after the call": its program date time is the arrival of that picture,
    // so the range starts around the PUT (loaded CI machines decode a little behind).
    EXPECT_GT(*start, before_put - 500ms);
    EXPECT_LT(*start, after_put + 3s);

    // Decode the TS rendition: program date time + pts per segment, mean luma per picture.
    auto media = HttpFetch(HttpUrl("/live/shop1/" + rung + "-ts/playlist.m3u8"));
    std::vector<std::pair<Wall, double>> segment_starts;  // PDT, first pts
    std::string concat;
    std::optional<Wall> pdt;
    for (const std::string& line : test::Lines(media.body)) {
      if (line.rfind("#EXT-X-PROGRAM-DATE-TIME:", 0) == 0)
        pdt = ParseDate(line.substr(25));
      if (line.empty() || line[0] == '#')
        continue;
      auto seg = HttpFetch(HttpUrl("/live/shop1/" + rung + "-ts/" + line));
      ASSERT_EQ(seg.status, 200);
      const std::string file = dir_.File(rung + "-" + line);
      std::ofstream(file, std::ios::binary) << seg.body;
      // The first picture's pts. (Not `-read_intervals %+#1`: that reads the segment's first
      // packet, which is the card's timed ID3 tag when the card starts on the segment's first
      // picture.) `-f mpegts`: FFmpeg's probe takes a segment of a few TS packets (a loaded
      // machine's governor may leave a rung three pictures in a segment) for MPEG-PS.
      auto first = RunCommand(
          "ffprobe -v error -f mpegts -select_streams v -show_entries packet=pts_time "
          "-of csv=p=0 " +
          file + " | head -n 1");
      ASSERT_TRUE(pdt) << media.body;
      ASSERT_TRUE(!first.output.empty() &&
                  std::isdigit(static_cast<unsigned char>(first.output[0])))
          << line << " (" << seg.body.size() << " bytes): '" << first.output << "'\n"
          << media.body;
      segment_starts.emplace_back(*pdt, std::stod(first.output));
      concat += seg.body;
    }
    const std::string ts = dir_.File(rung + ".ts");
    std::ofstream(ts, std::ios::binary) << concat;
    auto stats = [&](int x, int y, int w, int h) {
      // -copyts: the pictures' own pts, as ffprobe reports the segments' (not shifted to 0).
      return RunCommand("ffmpeg -v error -copyts -i " + ts + " -vf crop=" + std::to_string(w) +
                            ":" + std::to_string(h) + ":" + std::to_string(x) + ":" +
                            std::to_string(y) +
                            ",signalstats,metadata=print:key=lavfi.signalstats.YAVG:file=- "
                            "-f null -",
                        120s)
          .output;
    };
    auto parse = [](const std::string& text) {
      std::vector<std::pair<double, double>> out;  // pts_time, YAVG
      double pts = 0;
      for (const std::string& line : test::Lines(text)) {
        if (const size_t at = line.find("pts_time:"); at != std::string::npos)
          pts = std::stod(line.substr(at + 9));
        if (const size_t at = line.find("YAVG="); at != std::string::npos)
          out.emplace_back(pts, std::stod(line.substr(at + 5)));
      }
      return out;
    };
    const auto in_card = parse(stats(cx, cy, cw, ch));
    const auto free =
        parse(stats(size.first * 3 / 4, size.second * 3 / 4, size.first / 5, size.second / 5));
    // ~12 s at 30 fps (360 pictures); a loaded machine's governor may thin a rung to a quarter.
    ASSERT_GT(in_card.size(), 80u);
    ASSERT_EQ(in_card.size(), free.size());
    const double background = free.front().second;

    // The pictures that show the card: one contiguous run.
    std::vector<Picture> pictures;
    for (size_t i = 0; i < in_card.size(); ++i)
      pictures.push_back({in_card[i].first, in_card[i].second, free[i].second});
    size_t first = pictures.size(), last = 0;
    for (size_t i = 0; i < pictures.size(); ++i) {
      EXPECT_NEAR(pictures[i].free_luma, background, 3) << "the rest of the picture is untouched";
      if (pictures[i].card_luma > background + 60) {  // the white panel
        first = std::min(first, i);
        last = i;
      } else {
        EXPECT_NEAR(pictures[i].card_luma, background, 3) << "pts " << pictures[i].pts;
      }
    }
    ASSERT_LT(first, pictures.size()) << "the card never appeared";
    for (size_t i = first; i <= last; ++i)
      EXPECT_GT(pictures[i].card_luma, background + 60) << "gap at pts " << pictures[i].pts;
    // Shown until the DELETE, 5 s after the PUT: on the pictures decoded in between, so ~5 s
    // less how much further the decode thread lagged behind the arrivals at the PUT than at the
    // DELETE (3.7 s once at twice CI's load; the input queue bounds that lag to a few seconds).
    EXPECT_GT(pictures[last].pts - pictures[first].pts, 2.5) << "shown ~5 s, until the DELETE";
    EXPECT_LT(last + 1, pictures.size()) << "gone after the DELETE";

    // START-DATE is the program date time of the first picture with the card.
    const double first_pts = pictures[first].pts;
    auto seg = std::find_if(segment_starts.rbegin(), segment_starts.rend(),
                            [&](const auto& s) { return s.second <= first_pts + 1e-6; });
    ASSERT_NE(seg, segment_starts.rend());
    const Wall picture_time =
        seg->first + std::chrono::microseconds(std::llround((first_pts - seg->second) * 1e6));
    const double late_ms = std::chrono::duration<double, std::milli>(picture_time - *start).count();
    // A rung behind realtime (a loaded machine) may have dropped the picture the card first went
    // onto at the decode stage: then this rendition's first card picture is a later one, and
    // START-DATE (the card's instant on the source timeline) falls in the gap before it.
    const double gap_ms = first > 0 ? (first_pts - pictures[first - 1].pts) * 1000 : 0;
    if (gap_ms > 1.5 * 1000 / 30) {
      EXPECT_GE(late_ms, -2.0) << "first card picture at pts " << first_pts;
      EXPECT_LT(late_ms, gap_ms) << "first card picture at pts " << first_pts;
    } else {
      EXPECT_LE(std::abs(late_ms), 2.0) << "first card picture at pts " << first_pts;
    }

    // The same card in band, in the CMAF segments: one ID3 tag in an emsg box for its start, at
    // the media time the card went onto the pictures (within the gap before this rendition's
    // first card picture), and one for its end.
    int starts = 0, ends = 0;
    auto cmaf = HttpFetch(HttpUrl("/live/shop1/" + rung + "/playlist.m3u8"));
    for (const std::string& line : test::Lines(cmaf.body)) {
      if (line.empty() || line[0] == '#')
        continue;
      const std::string bytes = HttpFetch(HttpUrl("/live/shop1/" + rung + "/" + line)).body;
      for (size_t at = bytes.find("emsg"); at != std::string::npos;
           at = bytes.find("emsg", at + 4)) {
        if (at < 4)
          continue;
        const auto u8 = [&](size_t i) {
          return static_cast<uint64_t>(static_cast<uint8_t>(bytes[i]));
        };
        const uint64_t size = u8(at - 4) << 24 | u8(at - 3) << 16 | u8(at - 2) << 8 | u8(at - 1);
        const std::string box = bytes.substr(at - 4, size);
        if (box.find("https://aomedia.org/emsg/ID3") == std::string::npos ||
            box.find("\"X-CARD-ID\":\"sneakers\"") == std::string::npos)
          continue;
        uint64_t time = 0;  // version 1: version/flags, timescale (90 kHz), presentation_time
        for (size_t i = 0; i < 8; ++i)
          time = time << 8 | u8(at + 12 + i);
        if (box.find("\"event\":\"start\"") != std::string::npos) {
          ++starts;
          EXPECT_LE(time / 90000.0, first_pts + 0.002) << line;
          EXPECT_GT(time / 90000.0, first_pts - std::max(gap_ms, 1000.0 / 30) / 1000 - 0.002)
              << line;
        } else if (box.find("\"event\":\"end\"") != std::string::npos) {
          ++ends;
          EXPECT_GT(time / 90000.0, pictures[last].pts) << line;
        }
      }
    }
    EXPECT_EQ(starts, 1) << cmaf.body;
    EXPECT_EQ(ends, 1) << cmaf.body;

    // ... and in the TS segments as a timed ID3 stream: its start and end tags at the same times.
    std::vector<double> tags;
    for (const std::string& t :
         test::Lines(RunCommand("ffprobe -v error -select_streams d -show_entries packet=pts_time "
                                "-of csv=p=0 " +
                                ts)
                         .output)) {
      if (!t.empty())
        tags.push_back(std::stod(t));
    }
    ASSERT_EQ(tags.size(), 2u);
    EXPECT_LE(tags[0], first_pts + 0.002);
    EXPECT_GT(tags[0], first_pts - std::max(gap_ms, 1000.0 / 30) / 1000 - 0.002);
    EXPECT_GT(tags[1], pictures[last].pts);
  }
}

INSTANTIATE_TEST_SUITE_P(CardRender, CardsLiveTest, ::testing::Values("source", "per_rendition"));

// A ladder with a passthrough rung: the source is copied while no card is on (B-pictures and
// all), its pictures are encoded while one is (the card burned in at the source's size), and
// copying resumes at the next source keyframe after the DELETE — every source picture in the
// rendition exactly once, on one timeline: no discontinuity at the switches (the other renditions
// have none there, and renditions must share discontinuity sequence numbers), a new init segment
// at each in the CMAF rendition.
class PassthroughCardsTest : public CardsLiveTest {
 protected:
  void Configure(pipeline::Config& config) override {
    CardsLiveTest::Configure(config);
    pipeline::RungConfig src;
    src.name = "src";
    src.passthrough = true;
    src.max_fps = 0;
    pipeline::RungConfig small;
    small.name = "360p";
    small.height = 360;
    small.bitrate_kbps = 700;
    config.transcode.ladders["default"] = {src, small};
  }
};

TEST_P(PassthroughCardsTest, ThePassthroughRenditionShowsTheCardAndCopiesTheSourceOtherwise) {
  // No zerolatency: the publisher's x264 uses B-pictures (reordered), as OBS's does by default.
  test::BackgroundProcess push(Push(kFlat, 14, ""), dir_.File("push.log"));
  // Did a loaded machine's governor thin the encoded stretch (pictures up to 4 apart), or its
  // last resorts drop the rest of a GOP — the rung's, or the whole graph's input when the decode
  // thread fell behind (up to a segment's worth, so the last carded pictures may differ)? Never
  // otherwise. The counters are read all along the publish: a graph that ended has none (read
  // once after the DELETE, a slow machine's publish had ended and every count read 0).
  // Both rungs' counts: a governed 360p (every other picture) may have its first or last carded
  // picture a step away from the passthrough's, as a governed passthrough may.
  int64_t governed = 0, rung_dropped = 0, input_dropped = 0;
  int64_t small_governed = 0, small_dropped = 0;
  auto read_counters = [&] {
    ReadPeakCounters(
        {{"strait_rung_frames_governed_total{stream=\"shop1\",rung=\"src\"}", &governed},
         {"strait_rung_frames_dropped_total{stream=\"shop1\",rung=\"src\"}", &rung_dropped},
         {"strait_rung_frames_governed_total{stream=\"shop1\",rung=\"360p\"}", &small_governed},
         {"strait_rung_frames_dropped_total{stream=\"shop1\",rung=\"360p\"}", &small_dropped},
         {"strait_transcode_input_dropped_total{stream=\"shop1\"}", &input_dropped}});
  };
  auto wait_reading = [&](std::chrono::milliseconds d) {
    for (auto until = std::chrono::steady_clock::now() + d;
         std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(250ms))
      read_counters();
  };
  ASSERT_EQ(WaitFor("/live/shop1/src-ts/playlist.m3u8", "#EXTINF", 20s).status, 200);
  wait_reading(3s);
  ASSERT_EQ(Curl("PUT", "/api/v1/streams/shop1/cards/sneakers", kCard), 201);
  wait_reading(4s);
  ASSERT_EQ(Curl("DELETE", "/api/v1/streams/shop1/cards/sneakers"), 204);
  // Until the publish ended, and a second more while its graph drains.
  for (auto until = std::chrono::steady_clock::now() + 40s;
       push.running() && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(250ms)) {
    read_counters();
  }
  wait_reading(1s);
  const int64_t dropped = rung_dropped + input_dropped;
  const int64_t thinned = governed + dropped;
  const double max_step = dropped > 0 ? 2.1 : governed > 0 ? 0.14 : 0.05;
  const int64_t small_thinned = small_governed + small_dropped + input_dropped;
  const double small_step = small_dropped + input_dropped > 0 ? 2.1
                            : small_governed > 0              ? 0.14
                                                              : 0.05;
  ASSERT_EQ(push.Wait(40s), 0) << push.Log();

  struct Rendition {
    std::string playlist;
    std::vector<std::pair<double, char>> pictures;  // pts, picture type, in pts order
    double first_card = -1, last_card = -1;
  };
  auto read = [&](const std::string& name, int width, int height) {
    Rendition r;
    r.playlist = WaitFor("/live/shop1/" + name + "/playlist.m3u8", "#EXT-X-ENDLIST", 20s).body;
    std::string concat;
    for (const std::string& line : test::Lines(r.playlist)) {
      if (line.empty() || line[0] == '#')
        continue;
      auto seg = HttpFetch(HttpUrl("/live/shop1/" + name + "/" + line));
      EXPECT_EQ(seg.status, 200) << line;
      concat += seg.body;
    }
    const std::string ts = dir_.File(name + ".ts");
    std::ofstream(ts, std::ios::binary) << concat;
    for (const std::string& line :
         test::Lines(RunCommand("ffprobe -v error -select_streams v -show_entries "
                                "frame=pts_time,pict_type -of csv=p=0 " +
                                    ts,
                                60s)
                         .output)) {
      if (const size_t comma = line.find(',');
          comma != std::string::npos && comma + 1 < line.size())
        r.pictures.emplace_back(std::stod(line.substr(0, comma)), line[comma + 1]);
    }
    std::sort(r.pictures.begin(), r.pictures.end());
    // The card's white panel (top-left, 5 % / 8 % margins) right of its text, at either size.
    const std::string crop =
        std::to_string(width * 8 / 100) + ":" + std::to_string(height * 11 / 100) + ":" +
        std::to_string(width * 21 / 100) + ":" + std::to_string(height * 11 / 100);
    double pts = 0;
    for (const std::string& line :
         test::Lines(RunCommand("ffmpeg -v error -copyts -i " + ts + " -vf crop=" + crop +
                                    ",signalstats,metadata=print:key=lavfi.signalstats.YAVG:"
                                    "file=- -f null -",
                                120s)
                         .output)) {
      if (const size_t at = line.find("pts_time:"); at != std::string::npos)
        pts = std::stod(line.substr(at + 9));
      if (const size_t at = line.find("YAVG=");
          at != std::string::npos && std::stod(line.substr(at + 5)) > 180) {
        if (r.first_card < 0)
          r.first_card = pts;
        r.last_card = pts;
      }
    }
    return r;
  };
  const Rendition src = read("src-ts", 1280, 720);
  const Rendition small = read("360p-ts", 640, 360);

  // Every source picture once: no duplicate, no gap (30 fps, millisecond timestamps) — unless
  // the governor thinned the encoded stretch.
  ASSERT_GT(src.pictures.size(), thinned > 0 ? 150u : 250u) << src.playlist;
  for (size_t i = 1; i < src.pictures.size(); ++i) {
    const double step = src.pictures[i].first - src.pictures[i - 1].first;
    EXPECT_GT(step, 0.02) << "a picture twice at " << src.pictures[i].first;
    EXPECT_LT(step, max_step) << "pictures missing before " << src.pictures[i].first << " ("
                              << governed << " governed, " << rung_dropped << " dropped, "
                              << input_dropped << " packets dropped at the input)";
  }
  // Decode timestamps run on across both switches (the encoded stretch carries the source's
  // B-picture delay): each packet's dts after the one before, in the order the segments list them.
  double last_dts = -1;
  for (const std::string& line :
       test::Lines(RunCommand("ffprobe -v error -select_streams v -show_entries packet=dts_time "
                              "-of csv=p=0 " +
                                  dir_.File("src-ts.ts"),
                              60s)
                       .output)) {
    if (line.empty() || line == "N/A")
      continue;
    const double dts = std::stod(line);
    EXPECT_GT(dts, last_dts) << "decode time went back";
    last_dts = dts;
  }
  // The card on the passthrough: from the first picture that arrived after the PUT, so a little
  // after the encoded rung shows it (that one draws it on the pictures still being decoded when
  // the PUT came — B-picture reordering, a frame thread, and the decode thread's lag behind the
  // arrivals, a few more pictures when the machine is busy), until the same last picture.
  // A thinned 360p (the governor lowered its rate or dropped a GOP-aligned chunk: a slow machine,
  // a sanitizer build) may have no picture where the card starts: its first one with the card
  // can then come up to one of its gaps (small_step) later; the same at the card's end, for
  // either rendition thinned.
  const std::string counts =
      std::to_string(governed) + " governed, " + std::to_string(rung_dropped) + " dropped (src); " +
      std::to_string(small_governed) + " governed, " + std::to_string(small_dropped) +
      " dropped (360p); " + std::to_string(input_dropped) + " packets dropped at the input";
  ASSERT_GE(small.first_card, 0) << "no card on 360p";
  ASSERT_GE(src.first_card, 0) << "no card on the passthrough rendition";
  EXPECT_GE(src.first_card, small.first_card - (small_thinned > 0 ? small_step : 0.001)) << counts;
  EXPECT_LE(src.first_card, small.first_card + 0.5) << "at most 15 pictures later; " << counts;
  EXPECT_GE(src.last_card, small.last_card - (thinned > 0 ? max_step : 0.001)) << counts;
  EXPECT_LE(src.last_card, small.last_card + (small_thinned > 0 ? small_step : 0.001)) << counts;
  // Copied (B-pictures) before the card and after it; encoded (none: zerolatency) while it shows.
  int b_before = 0, b_during = 0, b_after = 0;
  for (const auto& [pts, type] : src.pictures) {
    if (type != 'B')
      continue;
    (pts < src.first_card ? b_before : pts <= src.last_card ? b_during : b_after)++;
  }
  EXPECT_GT(b_before, 10) << "copied before the card";
  EXPECT_EQ(b_during, 0) << "encoded while the card shows";
  EXPECT_GT(b_after, 10) << "copied again after the DELETE";
  // Two switches, neither a discontinuity here nor in the other renditions; each a new EXT-X-MAP
  // in the CMAF rendition. The DATERANGE is listed here too.
  const std::string cmaf = HttpFetch(HttpUrl("/live/shop1/src/playlist.m3u8")).body;
  for (const std::string& playlist : {src.playlist, small.playlist, cmaf,
                                      HttpFetch(HttpUrl("/live/shop1/audio/playlist.m3u8")).body})
    EXPECT_EQ(playlist.find("#EXT-X-DISCONTINUITY"), std::string::npos) << playlist;
  size_t maps = 0;
  for (size_t at = 0; (at = cmaf.find("#EXT-X-MAP:", at)) != std::string::npos; ++at)
    ++maps;
  EXPECT_EQ(maps, 3u) << cmaf;
  EXPECT_EQ(DateRanges(src.playlist).size(), 1u) << src.playlist;
  EXPECT_EQ(DateRanges(HttpFetch(HttpUrl("/live/shop1/src/playlist.m3u8")).body).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(CardRender,
                         PassthroughCardsTest,
                         ::testing::Values("source", "per_rendition"));

// hls.js (headless Chromium; its standard mode, which asks blocking reloads for a segment's last
// expected part) plays the master playlist, held on its top level — the passthrough, with the
// audio rendition — live while a card goes on and off twice: four switches between the copied
// source (Main profile, B-pictures, as OBS's x264 sends by default) and the encoded pictures
// (High), each a new init segment and codec string. Then a second player starts after the switches
// (it once waited forever with no picture: the video playlist alone had discontinuities, the audio
// playlist none). No hole in the buffer at a switch (fragments start at their first picture's
// presentation time) and no blocking reload refused.
using PassthroughPlayerTest = PassthroughCardsTest;

TEST_P(PassthroughPlayerTest, HlsJsPlaysThePassthroughAcrossTheSwitches) {
  if (const std::string missing = test::BrowserMissing(); !missing.empty())
    GTEST_SKIP() << missing;
  const std::string browser_dir = test::BrowserDir();
  test::BackgroundProcess push(Push("testsrc2", 26, "-profile:v main"), dir_.File("push.log"));
  ASSERT_EQ(WaitFor("/live/shop1/src/playlist.m3u8", "#EXT-X-PART:", 20s).status, 200);
  // The master lists a rendition once its first segment measured its bandwidth.
  ASSERT_EQ(WaitFor("/live/shop1/master.m3u8", "src/playlist.m3u8", 20s).status, 200);
  const std::string player =
      "TOP=1 node " + browser_dir + "/play.mjs " + HttpUrl("/live/shop1/master.m3u8");
  test::BackgroundProcess play(player + " 14", dir_.File("play.log"));
  for (int i = 0; i < 2; ++i) {
    std::this_thread::sleep_for(3s);
    ASSERT_EQ(Curl("PUT", "/api/v1/streams/shop1/cards/sneakers", kCard), 201);
    std::this_thread::sleep_for(4s);
    ASSERT_EQ(Curl("DELETE", "/api/v1/streams/shop1/cards/sneakers"), 204);
  }
  test::BackgroundProcess late(player + " 4", dir_.File("late.log"));
  // Every switch is a new init segment: the first (copied) one and one per switch, read while
  // they are all still in the playlist's window (the last one comes at the source's next
  // keyframe after the DELETE). Five; at least three — copied, encoded, copied again — where a
  // loaded machine's decode lag let the second card come before copying had resumed (one longer
  // encoded stretch).
  size_t maps = 0;
  test::HttpResult media;
  for (auto until = std::chrono::steady_clock::now() + 10s;
       maps < 5 && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(200ms)) {
    media = HttpFetch(HttpUrl("/live/shop1/src/playlist.m3u8"));
    maps = 0;
    for (size_t at = 0; (at = media.body.find("#EXT-X-MAP:", at)) != std::string::npos; ++at)
      ++maps;
  }
  EXPECT_GE(maps, 3u) << "the card's switches are in the window\n" << media.body;
  for (test::BackgroundProcess* p : {&play, &late}) {
    EXPECT_EQ(p->Wait(60s), 0) << p->Log();
    const std::string result = p->Log();
    EXPECT_NE(result.find("\"height\":720,\"ok\""), std::string::npos)  // the video's size
        << "the passthrough played\n"
        << result;
    // A hole at a switch: a seek over one once playing. (Seeking from 0 to the first buffered
    // picture is hls.js starting up late on a loaded machine, not a hole in the stream.)
    for (size_t at = 0; (at = result.find("bufferSeekOverHole", at)) != std::string::npos; ++at) {
      const size_t from = result.find("seeking from ", at);
      EXPECT_TRUE(from != std::string::npos && result.compare(from, 18, "seeking from 0 to ") == 0)
          << result;
    }
    EXPECT_EQ(result.find("levelLoadError 400"), std::string::npos) << result;
  }
  ASSERT_EQ(push.Wait(30s), 0) << push.Log();
  // The ended stream's audio playlist reaches back as far as the video playlists (a player that
  // comes after the end starts at their first segment: it once found the audio a segment later,
  // and hls.js seeked over the hole, the audio's window having slid on by a last short segment).
  std::optional<Wall> audio_from;
  for (const char* name : {"audio", "src", "360p"}) {
    auto media =
        WaitFor(std::string("/live/shop1/") + name + "/playlist.m3u8", "#EXT-X-ENDLIST", 20s);
    const size_t pdt = media.body.find("#EXT-X-PROGRAM-DATE-TIME:");
    ASSERT_NE(pdt, std::string::npos) << media.body;
    const std::optional<Wall> from = ParseDate(media.body.substr(pdt + 25, 24));
    ASSERT_TRUE(from) << media.body;
    if (!audio_from)
      audio_from = from;
    EXPECT_LE(*audio_from, *from + 100ms)
        << name << " starts at " << media.body.substr(pdt + 25, 24) << "\n"
        << media.body;
  }
  // The TS rendition: every segment decodes on its own, and decode timestamps rise across the
  // switches.
  const std::string ts = WaitFor("/live/shop1/src-ts/playlist.m3u8", "#EXT-X-ENDLIST", 20s).body;
  std::string concat;
  for (const std::string& line : test::Lines(ts)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto seg = HttpFetch(HttpUrl("/live/shop1/src-ts/" + line));
    ASSERT_EQ(seg.status, 200) << line;
    const std::string file = dir_.File(line);
    std::ofstream(file, std::ios::binary) << seg.body;
    EXPECT_EQ(RunCommand("ffmpeg -v error -f mpegts -i " + file +
                         " -map 0:v -f null - 2>&1 | "
                         "grep -c 'non-existing PPS'")
                  .output,
              "0\n")
        << line;
    concat += seg.body;
  }
  std::ofstream(dir_.File("src.ts"), std::ios::binary) << concat;
  double last_dts = -1;
  int packets = 0;
  for (const std::string& line :
       test::Lines(RunCommand("ffprobe -v quiet -select_streams v -show_entries packet=dts_time "
                              "-of csv=p=0 " +
                                  dir_.File("src.ts"),
                              60s)
                       .output)) {
    if (line.empty() || !std::isdigit(static_cast<unsigned char>(line[0])))
      continue;  // N/A
    const double dts = std::stod(line);
    EXPECT_GT(dts, last_dts) << "decode time went back at packet " << packets;
    last_dts = dts;
    ++packets;
  }
  EXPECT_GT(packets, 300);
}

INSTANTIATE_TEST_SUITE_P(CardRender, PassthroughPlayerTest, ::testing::Values("source"));

// An open-GOP source (x264 open-gop, as some hardware encoders send): after the first IDR its
// keyframes are recovery-point I pictures, with more pts − dts delay than the pictures around
// them. Copied, every TS segment still decodes on its own (the parameter sets are put in front
// of those keyframes). Once a card was on, the passthrough stays encoded after the card went: a
// player's decoder restarting at an open-GOP keyframe (as it does at the switch back, the init
// segment having changed) fails in Chrome on the pictures that follow, so copying waits for an
// IDR, which this source never sends again. Its copied segments are not called independent.
using OpenGopPassthroughTest = PassthroughCardsTest;

TEST_P(OpenGopPassthroughTest, StaysEncodedAfterTheCardUntilAnIdr) {
  test::BackgroundProcess push(Push("testsrc2", 12, "-profile:v main -x264-params open-gop=1"),
                               dir_.File("push.log"));
  ASSERT_EQ(WaitFor("/live/shop1/src-ts/playlist.m3u8", "#EXTINF", 20s).status, 200);
  std::this_thread::sleep_for(2s);
  ASSERT_EQ(Curl("PUT", "/api/v1/streams/shop1/cards/sneakers", kCard), 201);
  std::this_thread::sleep_for(3s);
  ASSERT_EQ(Curl("DELETE", "/api/v1/streams/shop1/cards/sneakers"), 204);
  ASSERT_EQ(push.Wait(30s), 0) << push.Log();
  const std::string ts = WaitFor("/live/shop1/src-ts/playlist.m3u8", "#EXT-X-ENDLIST", 20s).body;
  std::vector<std::string> segments;
  for (const std::string& line : test::Lines(ts)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto seg = HttpFetch(HttpUrl("/live/shop1/src-ts/" + line));
    ASSERT_EQ(seg.status, 200) << line;
    segments.push_back(dir_.File(line));
    std::ofstream(segments.back(), std::ios::binary) << seg.body;
    EXPECT_EQ(RunCommand("ffmpeg -v error -f mpegts -i " + segments.back() +
                         " -map 0:v -f null - 2>&1 | grep -c 'non-existing PPS'")
                  .output,
              "0\n")
        << line;
  }
  ASSERT_GE(segments.size(), 4u) << ts;
  // B-pictures: copied (the source's) in the first segment, none in the last (encoded, 6 s after
  // the card went; zerolatency).
  auto b_pictures = [&](const std::string& file) {
    return RunCommand(
               "ffprobe -v quiet -f mpegts -select_streams v -show_entries frame=pict_type -of "
               "csv=p=0 " +
               file + " | grep -c B")
        .output;
  };
  EXPECT_NE(b_pictures(segments.front()), "0\n") << "copied before the card";
  EXPECT_EQ(b_pictures(segments.back()), "0\n") << "still encoded after the card went";
  // One switch only in CMAF: the copied source's init segment, then the encoder's.
  const std::string cmaf = HttpFetch(HttpUrl("/live/shop1/src/playlist.m3u8")).body;
  size_t maps = 0;
  for (size_t at = 0; (at = cmaf.find("#EXT-X-MAP:", at)) != std::string::npos; ++at)
    ++maps;
  EXPECT_EQ(maps, 2u) << cmaf;
  // The copied open-GOP segments (a recovery-point I picture at 2 s, before the card) do not
  // decode on their own: neither the passthrough's playlists nor the masters claim
  // EXT-X-INDEPENDENT-SEGMENTS while they are listed; the encoded rung's playlist does.
  EXPECT_EQ(ts.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos) << ts;
  EXPECT_EQ(cmaf.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos) << cmaf;
  for (const char* master : {"/live/shop1/master.m3u8", "/live/shop1/master-ts.m3u8"}) {
    const std::string text = HttpFetch(HttpUrl(master)).body;
    EXPECT_EQ(text.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos) << master << text;
  }
  const std::string encoded = HttpFetch(HttpUrl("/live/shop1/360p-ts/playlist.m3u8")).body;
  EXPECT_NE(encoded.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos) << encoded;
}

INSTANTIATE_TEST_SUITE_P(CardRender, OpenGopPassthroughTest, ::testing::Values("source"));

// Cards belong to the stream, not to a publish: the publisher stops (past the reconnect window:
// its graph ends, the playlist gets EXT-X-ENDLIST) and a new publish starts a new graph — the
// card is on its pictures from the first one, and the new publish's playlist (a new one: an
// ended playlist never changes) has a new range for it.
using CardsReconnectTest = CardsLiveTest;

TEST_P(CardsReconnectTest, ACardSurvivesThePublisherGoingAwayAndComingBack) {
  const std::string push_cmd = Push(kFlat, 5, "-tune zerolatency");
  {
    test::BackgroundProcess first(push_cmd, dir_.File("push1.log"));
    ASSERT_EQ(WaitFor("/live/shop1/360p-ts/playlist.m3u8", "#EXTINF", 20s).status, 200);
    ASSERT_EQ(Curl("PUT", "/api/v1/streams/shop1/cards/sneakers", kCard), 201);
    ASSERT_EQ(first.Wait(30s), 0) << first.Log();
  }
  const auto ended = WaitFor("/live/shop1/360p-ts/playlist.m3u8", "#EXT-X-ENDLIST", 10s);
  const std::vector<std::string> first_ranges = DateRanges(ended.body);
  ASSERT_EQ(first_ranges.size(), 1u) << ended.body;
  std::this_thread::sleep_for(1s);
  test::BackgroundProcess second(push_cmd, dir_.File("push2.log"));
  ASSERT_EQ(second.Wait(30s), 0) << second.Log();
  auto media = WaitFor("/live/shop1/360p-ts/playlist.m3u8", "#EXT-X-ENDLIST", 20s);
  // The second publish's segments: after the last discontinuity.
  const size_t cut = media.body.rfind("#EXT-X-DISCONTINUITY");
  ASSERT_NE(cut, std::string::npos) << media.body;
  EXPECT_EQ(media.body.find(first_ranges[0]), std::string::npos) << "a new playlist\n"
                                                                 << media.body;
  const std::vector<std::string> ranges = DateRanges(media.body);
  ASSERT_EQ(ranges.size(), 1u) << media.body;
  EXPECT_NE(Attribute(ranges[0], "ID"), Attribute(first_ranges[0], "ID"));
  EXPECT_TRUE(Attribute(ranges[0], "END-DATE").empty()) << ranges[0];
  std::string concat;
  for (const std::string& line : test::Lines(media.body.substr(cut))) {
    if (line.empty() || line[0] == '#')
      continue;
    auto seg = HttpFetch(HttpUrl("/live/shop1/360p-ts/" + line));
    ASSERT_EQ(seg.status, 200);
    concat += seg.body;
  }
  const std::string ts = dir_.File("second.ts");
  std::ofstream(ts, std::ios::binary) << concat;
  // The card's panel (top-left, 5 % / 8 % margins) at 360p: light on every picture.
  auto stats = RunCommand("ffmpeg -v error -i " + ts +
                              " -vf crop=40:16:60:40,signalstats,metadata=print:key=lavfi."
                              "signalstats.YAVG:file=- -f null -",
                          60s);
  int pictures = 0, carded = 0;
  for (const std::string& line : test::Lines(stats.output)) {
    if (const size_t at = line.find("YAVG="); at != std::string::npos) {
      ++pictures;
      carded += std::stod(line.substr(at + 5)) > 180;
    }
  }
  // 5 s at 30 fps; on a loaded machine the governor may lower the rung's rate to a quarter.
  EXPECT_GT(pictures, 30) << stats.output;
  EXPECT_EQ(carded, pictures) << "the card is on every picture of the new publish";
}

INSTANTIATE_TEST_SUITE_P(CardRender, CardsReconnectTest, ::testing::Values("source"));

}  // namespace
}  // namespace strait
