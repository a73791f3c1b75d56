// Timed metadata (EXT-X-DATERANGE): ranges given on the media timeline, listed in every rendition
// at that rendition's own program date time, through the real packager path (CMAF and TS), plus
// quoting, the window and the bound. Goldens in tests/golden/hls/; to regenerate:
// STRAIT_UPDATE_GOLDEN=1 ./strait_transport_test --gtest_filter='DateRange*'
#include <gtest/gtest.h>

#include <chrono>

#include "codecs/golden_file.h"
#include "transport/hls/packager.h"
#include "transport/hls/stream.h"
#include "transport/hls/test_media.h"

namespace strait::transport::hls {
namespace {

using namespace std::chrono_literals;

void ExpectGolden(const std::string& name, const std::string& actual) {
  golden::ExpectFile("hls/" + name, actual);
}

std::string Text(const std::shared_ptr<const PlaylistDoc>& doc) {
  return doc && doc->body ? std::string(doc->body->begin(), doc->body->end()) : std::string();
}

// FakeClock's wall origin plus `ms`.
std::chrono::system_clock::time_point At(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1764288000000 + ms));
}

constexpr int64_t Ms(double ms) {
  return static_cast<int64_t>(ms * 90);
}

DateRange Card(std::string id, double start_ms) {
  DateRange r;
  r.id = std::move(id);
  r.class_name = "com.strait.card";
  r.start_90k = Ms(start_ms);
  r.attributes = {{"X-TITLE", "Red sneakers"}, {"X-PRICE", "49.90 EUR"}};
  return r;
}

// The DATERANGE line of `id`, empty when not listed.
std::string DateRangeLine(const std::string& playlist, const std::string& id) {
  const size_t at = playlist.find("#EXT-X-DATERANGE:ID=\"" + id + "\"");
  return at == std::string::npos ? "" : playlist.substr(at, playlist.find('\n', at) - at);
}

std::string StartDate(const std::string& line) {
  const size_t at = line.find("START-DATE=\"");
  return at == std::string::npos ? "" : line.substr(at + 12, 24);
}

std::string EndDate(const std::string& line) {
  const size_t at = line.find("END-DATE=\"");
  return at == std::string::npos ? "" : line.substr(at + 10, 24);
}

// One stream; each output has a packager of its own (as each rung does), fed 30 fps video + AAC
// with a keyframe every 2 s, so segment k holds media [2k, 2k + 2) s.
struct Harness {
  explicit Harness(HlsVariants variants, size_t window = 10)
      : stream("shop1", Options(window), variants) {}
  static RenditionOptions Options(size_t window) {
    RenditionOptions o;
    o.window_segments = window;
    o.segment_target_s = 2.0;
    o.part_target_s = 0.334;
    return o;
  }
  Packager& Add(const std::string& output, bool video = true, bool audio = true) {
    PackagerOptions po;
    po.max_arrival_anchor = 0ms;  // program date time = first arrival + media time
    po.expect_video = video;
    po.expect_audio = audio;
    packagers.push_back(std::make_unique<Packager>(stream.AddOutputs(output), clock, po));
    Packager& p = *packagers.back();
    if (video) {
      EXPECT_TRUE(p.AddTrack(testing::VideoTrack()).ok());
    }
    if (audio) {
      EXPECT_TRUE(p.AddTrack(testing::AudioTrack()).ok());
    }
    return p;
  }
  static void Feed(Packager& p,
                   int64_t from_ms,
                   int64_t to_ms,
                   bool video = true,
                   bool audio = true) {
    for (const Packet& packet : testing::MakeLive(0, to_ms, video, audio)) {
      if (packet.dts() >= from_ms) {
        ASSERT_TRUE(p.Write(packet).ok());
      }
    }
  }
  std::string Playlist(const std::string& rendition, bool delta = false) {
    Rendition* r = stream.FindRendition(rendition);
    return r ? Text(r->Document(delta)) : "";
  }

  FakeClock clock;
  Stream stream;
  std::vector<std::unique_ptr<Packager>> packagers;
};

TEST(DateRange, PlaylistGoldensFullAndDelta) {
  Harness h(HlsVariants::kBoth);
  Packager& p = h.Add("720p");
  h.stream.AddDateRange(Card("card-sneakers-1", 3000));  // in seg1: skipped by the delta update
  DateRange open = Card("card-hoodie-2", 15100);
  open.attributes = {{"X-TITLE", "Hoodie"}};
  h.stream.AddDateRange(open);
  h.Feed(p, 0, 20400);  // 10 segments and the first part of the 11th
  h.stream.EndDateRange("card-sneakers-1", Ms(7500));
  const std::string full = h.Playlist("720p");
  const std::string delta = h.Playlist("720p", true);
  ExpectGolden("ll_media_daterange.m3u8", full);
  ExpectGolden("ll_media_daterange_delta.m3u8", delta);
  ExpectGolden("media_daterange_ts.m3u8", h.Playlist("720p-ts"));
  // The delta update skips seg1 but still carries both ranges (no CAN-SKIP-DATERANGES).
  ASSERT_NE(delta.find("#EXT-X-SKIP:SKIPPED-SEGMENTS="), std::string::npos) << delta;
  EXPECT_EQ(full.find("CAN-SKIP-DATERANGES"), std::string::npos);
  for (const std::string& text : {full, delta, h.Playlist("720p-ts")}) {
    EXPECT_EQ(DateRangeLine(text, "card-sneakers-1"),
              "#EXT-X-DATERANGE:ID=\"card-sneakers-1\",CLASS=\"com.strait.card\","
              "START-DATE=\"2025-11-28T00:00:03.000Z\",END-DATE=\"2025-11-28T00:00:07.500Z\","
              "X-TITLE=\"Red sneakers\",X-PRICE=\"49.90 EUR\"")
        << text;
    EXPECT_EQ(StartDate(DateRangeLine(text, "card-hoodie-2")), "2025-11-28T00:00:15.100Z");
    EXPECT_EQ(EndDate(DateRangeLine(text, "card-hoodie-2")), "");
  }
}

// Each rendition maps the same media time through its own program date time: the 360p encoder
// delivered its first packet 137 ms later, so its playlist says 137 ms later for the same frame.
TEST(DateRange, StartDateIsEachRenditionsProgramDateTime) {
  Harness h(HlsVariants::kLowLatencyCmaf);
  Packager& a = h.Add("720p");
  h.Feed(a, 0, 1000);
  h.clock.Advance(137ms);
  Packager& b = h.Add("360p");
  h.Feed(b, 0, 1000);
  h.stream.AddDateRange(Card("card-1", 2123.4));  // inside segment 2 (seq 1), 123.4 ms in
  h.Feed(a, 1000, 2100);
  h.Feed(b, 1000, 2100);
  // Segment 2's first part (media [2000, 2333) ms) is not published yet: the range waits for
  // the part that holds its first frame.
  EXPECT_EQ(DateRangeLine(h.Playlist("720p"), "card-1"), "");
  h.Feed(a, 2100, 4100);
  h.Feed(b, 2100, 4100);
  const std::string pa = h.Playlist("720p"), pb = h.Playlist("360p");
  ASSERT_NE(pa.find("#EXT-X-PROGRAM-DATE-TIME:2025-11-28T00:00:02.000Z\n#EXT-X-PART"),
            std::string::npos)
      << pa;
  ASSERT_NE(pb.find("#EXT-X-PROGRAM-DATE-TIME:2025-11-28T00:00:02.137Z\n#EXT-X-PART"),
            std::string::npos)
      << pb;
  EXPECT_EQ(StartDate(DateRangeLine(pa, "card-1")), FormatIso8601Millis(At(2000 + 123)));
  EXPECT_EQ(StartDate(DateRangeLine(pb, "card-1")), FormatIso8601Millis(At(2137 + 123)));
  EXPECT_EQ(EndDate(DateRangeLine(pa, "card-1")), "");

  // The end appears with the media that holds it; the document (ETag) changes at once when the
  // end is already published.
  const std::string etag = h.stream.FindRendition("720p")->Document(false)->etag;
  h.stream.EndDateRange("card-1", Ms(3500));
  EXPECT_NE(h.stream.FindRendition("720p")->Document(false)->etag, etag);
  EXPECT_EQ(EndDate(DateRangeLine(h.Playlist("720p"), "card-1")), "2025-11-28T00:00:03.500Z");
  EXPECT_EQ(EndDate(DateRangeLine(h.Playlist("360p"), "card-1")), "2025-11-28T00:00:03.637Z");
}

TEST(DateRange, ListedOncePublishedEndedLater) {
  Harness h(HlsVariants::kTs);
  Packager& p = h.Add("src");
  h.Feed(p, 0, 2100);
  const std::string etag = h.stream.FindRendition("src")->Document(false)->etag;
  DateRange r = Card("card-late", 5000);
  h.stream.AddDateRange(r);
  h.stream.EndDateRange("card-late", Ms(9000));
  // Nothing published yet covers it: the playlist is unchanged.
  EXPECT_EQ(h.stream.FindRendition("src")->Document(false)->etag, etag);
  h.Feed(p, 2100, 4100);  // seg1 [2, 4) s
  EXPECT_EQ(DateRangeLine(h.Playlist("src"), "card-late"), "");
  h.Feed(p, 4100, 6100);  // seg2 [4, 6) s: a TS rendition lists it with its segment
  std::string line = DateRangeLine(h.Playlist("src"), "card-late");
  EXPECT_EQ(StartDate(line), "2025-11-28T00:00:05.000Z") << line;
  EXPECT_EQ(EndDate(line), "");
  h.Feed(p, 6100, 10100);  // seg4 [8, 10) s holds the end
  line = DateRangeLine(h.Playlist("src"), "card-late");
  EXPECT_EQ(EndDate(line), "2025-11-28T00:00:09.000Z") << line;
  // Repeating an ID changes nothing (a range's attributes never change).
  DateRange again = Card("card-late", 1000);
  again.attributes = {{"X-TITLE", "Other"}};
  h.stream.AddDateRange(again);
  EXPECT_EQ(DateRangeLine(h.Playlist("src"), "card-late"), line);
}

// An emsg box (version 1) read back: the fields and the ID3 tag's one TXXX frame.
struct Emsg {
  uint32_t timescale = 0, duration = 0, id = 0;
  uint64_t presentation_time = 0;
  std::string scheme, value, description, text;
};

uint32_t Be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// The top-level emsg boxes of `bytes` (a CMAF segment), in order.
std::vector<Emsg> EmsgBoxes(const std::vector<uint8_t>& bytes) {
  std::vector<Emsg> out;
  for (size_t at = 0; at + 8 <= bytes.size();) {
    const uint32_t size = Be32(&bytes[at]);
    if (size < 8 || at + size > bytes.size())
      break;
    if (std::string(bytes.begin() + at + 4, bytes.begin() + at + 8) == "emsg") {
      const uint8_t* p = &bytes[at + 8];
      const uint8_t* end = &bytes[at] + size;
      EXPECT_EQ(p[0], 1) << "version 1";
      Emsg e;
      e.timescale = Be32(p + 4);
      e.presentation_time = uint64_t(Be32(p + 8)) << 32 | Be32(p + 12);
      e.duration = Be32(p + 16);
      e.id = Be32(p + 20);
      const char* text = reinterpret_cast<const char*>(p + 24);
      e.scheme = text;
      e.value = text + e.scheme.size() + 1;
      const uint8_t* tag = p + 24 + e.scheme.size() + 1 + e.value.size() + 1;
      // ID3v2.4: header, then one TXXX frame: encoding, description NUL, value.
      if (end - tag > 21 && std::string(tag, tag + 3) == "ID3" &&
          std::string(tag + 10, tag + 14) == "TXXX") {
        e.description = reinterpret_cast<const char*>(tag + 21);
        e.text.assign(reinterpret_cast<const char*>(tag + 21 + e.description.size() + 1),
                      reinterpret_cast<const char*>(end));
      }
      out.push_back(e);
    }
    at += size;
  }
  return out;
}

// The same ranges in band for interactive players that read timed metadata from the media: each
// start and each end once, as an ID3 tag in an emsg box before the moof of the part that holds it,
// in renditions with pictures only (the audio rendition would hand players every event twice).
TEST(DateRange, InBandAsId3InEmsgOncePerStartAndEnd) {
  Harness h(HlsVariants::kLowLatencyCmaf);
  Packager& video = h.Add("720p");
  Packager& audio = h.Add("audio", false, true);
  h.stream.AddDateRange(Card("card-1", 2123.4));
  h.Feed(video, 0, 4100);
  h.Feed(audio, 0, 4100, false, true);
  h.stream.EndDateRange("card-1", Ms(5000));
  // Over before the part being written (a rendition created late sees the stream's old ranges):
  // nothing to tell a player any more.
  h.stream.AddDateRange(Card("card-gone", 100));
  h.stream.EndDateRange("card-gone", Ms(200));
  h.Feed(video, 4100, 8100);
  h.Feed(audio, 4100, 8100, false, true);

  std::vector<std::pair<uint64_t, Emsg>> found;  // segment, box
  for (uint64_t seq = 0; seq < 4; ++seq) {
    auto bytes = h.stream.FindRendition("720p")->Segment(seq);
    ASSERT_TRUE(bytes) << seq;
    for (const Emsg& e : EmsgBoxes(*bytes))
      found.emplace_back(seq, e);
    auto sound = h.stream.FindRendition("audio")->Segment(seq);
    ASSERT_TRUE(sound) << seq;
    EXPECT_TRUE(EmsgBoxes(*sound).empty()) << "audio segment " << seq;
  }
  ASSERT_EQ(found.size(), 2u);
  const Emsg& start = found[0].second;
  EXPECT_EQ(found[0].first, 1u) << "segment [2, 4) s holds 2.1234 s";
  EXPECT_EQ(start.scheme, "https://aomedia.org/emsg/ID3");
  EXPECT_EQ(start.value, "");
  EXPECT_EQ(start.timescale, 90000u);
  EXPECT_EQ(start.presentation_time, uint64_t(Ms(2123.4)));
  EXPECT_EQ(start.duration, 0xffffffffu);
  EXPECT_EQ(start.description, "com.strait.card");
  EXPECT_EQ(start.text,
            "{\"event\":\"start\",\"id\":\"card-1\",\"start\":2.123400,"
            "\"X-TITLE\":\"Red sneakers\",\"X-PRICE\":\"49.90 EUR\"}");
  const Emsg& end = found[1].second;
  EXPECT_EQ(found[1].first, 2u) << "segment [4, 6) s holds 5 s";
  EXPECT_EQ(end.presentation_time, uint64_t(Ms(5000)));
  EXPECT_NE(end.id, start.id);
  EXPECT_EQ(end.text.rfind("{\"event\":\"end\",\"id\":\"card-1\",\"end\":5.000000,", 0), 0u)
      << end.text;
}

TEST(DateRange, QuotedValuesAndNamesAreSanitized) {
  MediaPlaylist p;
  SegmentEntry s;
  s.sequence = 7;
  s.duration_s = 2;
  s.program_date_time = At(0);
  p.segments.push_back(s);
  DateRangeEntry r;
  r.id = "card \"7\"";
  r.class_name = "com.strait.card\r\n";
  r.start = At(1234);
  r.end = At(1000);  // before the start: clamped to it
  r.attributes = {{"x-title", "Say \"hi\"\nnow"},
                  {"x-sub", "Tab\there\x01x\xc2\x85y \xc2\xa0\xc3\xa9"},  // NEL: C1; NBSP, é: not
                  {"price eur", "9"},
                  {"X-TITLE", "dropped: a repeated name"},
                  {"URL", "https://shop.example/p?id=1&c=2"}};
  p.date_ranges.push_back(r);
  const std::string text = RenderMediaPlaylist(p);
  EXPECT_NE(text.find("#EXT-X-INDEPENDENT-SEGMENTS\n"
                      "#EXT-X-DATERANGE:ID=\"card '7'\",CLASS=\"com.strait.card  \","
                      "START-DATE=\"2025-11-28T00:00:01.234Z\","
                      "END-DATE=\"2025-11-28T00:00:01.234Z\",X-TITLE=\"Say 'hi' now\","
                      "X-SUB=\"Tab here x y \xc2\xa0\xc3\xa9\","
                      "X-PRICE-EUR=\"9\",X-URL=\"https://shop.example/p?id=1&c=2\"\n"
                      "#EXT-X-PROGRAM-DATE-TIME:"),
            std::string::npos)
      << text;
}

TEST(DateRange, EndedBeforeTheWindowIsDroppedOpenOneStays) {
  Harness h(HlsVariants::kTs, 3);
  Packager& p = h.Add("src");
  h.stream.AddDateRange(Card("card-old", 1000));
  h.stream.EndDateRange("card-old", Ms(1500));
  h.stream.AddDateRange(Card("card-open", 2500));
  h.Feed(p, 0, 6100);  // seg0..seg2: the window still starts at 0 s
  EXPECT_NE(DateRangeLine(h.Playlist("src"), "card-old"), "");
  h.Feed(p, 6100, 12100);  // the window starts at seg3 (6 s)
  const std::string text = h.Playlist("src");
  ASSERT_NE(text.find("#EXT-X-MEDIA-SEQUENCE:3\n"), std::string::npos) << text;
  EXPECT_EQ(DateRangeLine(text, "card-old"), "") << text;
  // Still shown: an open range is listed while it is open, so a player that joins now draws it.
  EXPECT_EQ(StartDate(DateRangeLine(text, "card-open")), "2025-11-28T00:00:02.500Z") << text;
  h.stream.EndDateRange("card-open", Ms(4000));  // ended before the window: gone at once
  EXPECT_EQ(DateRangeLine(h.Playlist("src"), "card-open"), "");
}

// A rendition created while a range is held gets it (an audio rendition whose packager starts
// later maps the start by extrapolation from its first media), and a bound on ranges held.
TEST(DateRange, LaterRenditionsAndBound) {
  Harness h(HlsVariants::kLowLatencyCmaf);
  Packager& v = h.Add("720p", true, false);
  h.Feed(v, 0, 2100, true, false);
  h.stream.AddDateRange(Card("card-1", 500));
  h.clock.Advance(1000ms);  // the audio packager's first packet (1021 ms) arrives at 1000 ms
  Packager& a = h.Add("audio", false, true);
  h.Feed(a, 1000, 4100, false, true);
  h.Feed(v, 2100, 4100, true, false);
  EXPECT_EQ(StartDate(DateRangeLine(h.Playlist("720p"), "card-1")), "2025-11-28T00:00:00.500Z");
  const std::string audio = h.Playlist("audio");
  EXPECT_EQ(StartDate(DateRangeLine(audio, "card-1")), FormatIso8601Millis(At(1000 - 521)))
      << audio;

  for (int i = 0; i < 70; ++i)
    h.stream.AddDateRange(Card("bulk-" + std::to_string(i), 3000 + i));
  const std::string text = h.Playlist("720p");
  size_t listed = 0;
  for (size_t at = 0; (at = text.find("#EXT-X-DATERANGE:", at)) != std::string::npos; ++at)
    ++listed;
  EXPECT_EQ(listed, Rendition::kMaxDateRanges);
  EXPECT_EQ(DateRangeLine(text, "card-1"), "");  // the oldest went first
  EXPECT_EQ(DateRangeLine(text, "bulk-5"), "");
  EXPECT_NE(DateRangeLine(text, "bulk-6"), "");
  EXPECT_NE(DateRangeLine(text, "bulk-69"), "");
}

}  // namespace
}  // namespace strait::transport::hls
