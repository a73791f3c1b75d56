// Unit tests of tests/support/llhls_check: the HLS playlist parser and the RFC 8216bis checks the
// LL-HLS end-to-end tests rely on. Each rule is shown passing on a valid playlist and failing on a
// hand-broken one, so a checker that silently accepts everything cannot pass. Pure parsing: no
// processes, no sockets.
#include "tests/support/llhls_check.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace strait::test {
namespace {

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

constexpr int kPartsPerSegment = 6;  // 5 x 0.334 + 0.330 = 2.000 s

double PartDuration(int i) {
  return i == kPartsPerSegment - 1 ? 0.330 : 0.334;
}

std::string PartLine(uint64_t msn, int i) {
  return "#EXT-X-PART:DURATION=" + Num(PartDuration(i)) + ",URI=\"part" + std::to_string(msn) +
         "." + std::to_string(i) + ".m4s\"" + (i == 0 ? ",INDEPENDENT=YES" : "") + "\n";
}

// A live LL-HLS playlist as strait serves it: `complete` 2 s segments from MSN `first`, parts
// listed for the last `with_parts` of them, then `pending` parts of the segment in progress and a
// preload hint for the part after those.
struct Live {
  uint64_t first = 100;
  int complete = 4;
  int with_parts = 2;
  int pending = 2;
  bool hint = true;

  std::string Text() const {
    std::string t =
        "#EXTM3U\n"
        "#EXT-X-VERSION:9\n"
        "#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.002,CAN-SKIP-UNTIL=12.000\n"
        "#EXT-X-PART-INF:PART-TARGET=0.334\n"
        "#EXT-X-MEDIA-SEQUENCE:" +
        std::to_string(first) +
        "\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
        "#EXT-X-MAP:URI=\"init0.mp4\"\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T05:00:00.000Z\n";
    for (int s = 0; s < complete; ++s) {
      const uint64_t msn = first + s;
      if (s >= complete - with_parts)
        for (int i = 0; i < kPartsPerSegment; ++i)
          t += PartLine(msn, i);
      t += "#EXTINF:2.000,\nseg" + std::to_string(msn) + ".m4s\n";
    }
    const uint64_t next = first + complete;
    for (int i = 0; i < pending; ++i)
      t += PartLine(next, i);
    if (hint)
      t += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part" + std::to_string(next) + "." +
           std::to_string(pending) + ".m4s\"\n";
    // The sibling rendition is as far along as this one: its last part is our last part.
    const uint64_t last_msn = pending > 0 ? next : next - 1;
    const int last_part = pending > 0 ? pending - 1 : kPartsPerSegment - 1;
    t += "#EXT-X-RENDITION-REPORT:URI=\"../480p/playlist.m3u8\",LAST-MSN=" +
         std::to_string(last_msn) + ",LAST-PART=" + std::to_string(last_part) + "\n";
    return t;
  }
};

// `text` with its first `from` replaced by `to`; fails the test if `from` is not there.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no \"" << from << "\" in\n" << text;
  if (at != std::string::npos)
    text.replace(at, from.size(), to);
  return text;
}

LlPlaylist Parse(const std::string& text) {
  ParseResult r = ParseMediaPlaylist(text);
  EXPECT_TRUE(r.ok()) << r.error << "\n" << text;
  return r.playlist;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v)
    out += "  " + s + "\n";
  return out;
}

// The violations of `text`, which must parse.
std::vector<std::string> Violations(const std::string& text, CheckOptions opts = {}) {
  return CheckMediaPlaylist(Parse(text), opts);
}

// True if exactly the violations mentioning `needle` are there and nothing else.
::testing::AssertionResult OnlyViolation(const std::vector<std::string>& v,
                                         const std::string& needle) {
  if (v.empty())
    return ::testing::AssertionFailure() << "no violation, expected one about \"" << needle << "\"";
  for (const std::string& s : v)
    if (s.find(needle) == std::string::npos)
      return ::testing::AssertionFailure() << "expected only \"" << needle << "\", got:\n"
                                           << Join(v);
  return ::testing::AssertionSuccess();
}

std::string ParseError(const std::string& text) {
  return ParseMediaPlaylist(text).error;
}

constexpr CheckOptions kStrict{.segments_start_with_keyframes = true, .require_low_latency = true};

TEST(LlHlsCheckParse, ValidLowLatencyPlaylist) {
  const LlPlaylist p = Parse(Live{}.Text());
  EXPECT_TRUE(p.starts_with_extm3u);
  EXPECT_EQ(p.version, 9);
  EXPECT_EQ(p.target_duration, 2);
  EXPECT_EQ(p.media_sequence, 100u);
  EXPECT_EQ(p.discontinuity_sequence, 0u);
  ASSERT_TRUE(p.part_target);
  EXPECT_DOUBLE_EQ(*p.part_target, 0.334);
  EXPECT_TRUE(p.can_block_reload);
  EXPECT_DOUBLE_EQ(p.part_hold_back.value_or(0), 1.002);
  EXPECT_DOUBLE_EQ(p.can_skip_until.value_or(0), 12.0);
  EXPECT_FALSE(p.hold_back);
  EXPECT_EQ(p.map_uri.value_or(""), "init0.mp4");
  EXPECT_FALSE(p.has_skip);
  ASSERT_EQ(p.segments.size(), 4u);
  EXPECT_EQ(p.segments[0].msn, 100u);
  EXPECT_EQ(p.segments[0].uri, "seg100.m4s");
  EXPECT_EQ(p.segments[0].program_date_time.value_or(""), "2026-11-29T05:00:00.000Z");
  EXPECT_FALSE(p.segments[1].program_date_time);
  EXPECT_TRUE(p.segments[0].parts.empty());
  EXPECT_EQ(p.segments[3].msn, 103u);
  ASSERT_EQ(p.segments[3].parts.size(), 6u);
  EXPECT_EQ(p.segments[3].parts[0].uri, "part103.0.m4s");
  EXPECT_TRUE(p.segments[3].parts[0].independent);
  EXPECT_FALSE(p.segments[3].parts[1].independent);
  EXPECT_DOUBLE_EQ(p.segments[3].parts[5].duration, 0.330);
  ASSERT_EQ(p.pending_parts.size(), 2u);
  EXPECT_EQ(p.pending_parts[1].uri, "part104.1.m4s");
  EXPECT_EQ(p.next_msn(), 104u);
  EXPECT_EQ(p.preload_hint_uri.value_or(""), "part104.2.m4s");
  EXPECT_EQ(p.preload_hint_type, "PART");
  ASSERT_EQ(p.rendition_reports.size(), 1u);
  EXPECT_EQ(p.rendition_reports[0].uri, "../480p/playlist.m3u8");
  EXPECT_EQ(p.rendition_reports[0].last_msn.value_or(0), 104u);
  EXPECT_EQ(p.rendition_reports[0].last_part.value_or(9), 1u);
  EXPECT_FALSE(p.ended);
}

TEST(LlHlsCheck, ValidLowLatencyPlaylistPasses) {
  for (int pending = 0; pending < kPartsPerSegment; ++pending) {
    Live live;
    live.pending = pending;
    EXPECT_EQ(Violations(live.Text(), kStrict), std::vector<std::string>()) << live.Text();
  }
}

// The shape strait's LL-HLS design promises, written out by hand rather than generated.
TEST(LlHlsCheck, DesignExamplePasses) {
  const std::string text =
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-TARGETDURATION:2\n"
      "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.002,CAN-SKIP-UNTIL=12.000\n"
      "#EXT-X-PART-INF:PART-TARGET=0.334\n"
      "#EXT-X-MEDIA-SEQUENCE:17648\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:0\n"
      "#EXT-X-MAP:URI=\"init0.mp4\"\n"
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-29T05:00:00.000Z\n"
      "#EXTINF:2.000,\n"
      "seg17648.m4s\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17649.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17649.1.m4s\"\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17649.2.m4s\"\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17649.3.m4s\"\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17649.4.m4s\"\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17649.5.m4s\"\n"
      "#EXTINF:2.000,\n"
      "seg17649.m4s\n"
      "#EXT-X-PART:DURATION=0.333,URI=\"part17650.0.m4s\",INDEPENDENT=YES\n"
      "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part17650.1.m4s\"\n"
      "#EXT-X-RENDITION-REPORT:URI=\"../480p/playlist.m3u8\",LAST-MSN=17650,LAST-PART=0\n";
  const LlPlaylist p = Parse(text);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[1].msn, 17649u);
  EXPECT_EQ(p.segments[1].parts.size(), 6u);
  EXPECT_EQ(p.pending_parts.size(), 1u);
  EXPECT_EQ(p.next_msn(), 17650u);
  EXPECT_EQ(CheckMediaPlaylist(p, kStrict), std::vector<std::string>());
}

TEST(LlHlsCheckParse, DeltaUpdateNumbersSegmentsAfterTheSkippedOnes) {
  const std::string text =
      Replace(Live{}.Text(), "#EXT-X-MAP:URI=\"init0.mp4\"\n",
              "#EXT-X-MAP:URI=\"init0.mp4\"\n#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n");
  const LlPlaylist p = Parse(text);
  EXPECT_TRUE(p.has_skip);
  EXPECT_EQ(p.skipped_segments, 3u);
  EXPECT_EQ(p.segments.front().msn, 103u);
  EXPECT_EQ(p.next_msn(), 107u);
  EXPECT_EQ(CheckMediaPlaylist(p, kStrict), std::vector<std::string>());
}

TEST(LlHlsCheckParse, DiscontinuityEndlistAndPendingTags) {
  std::string text = Replace(Live{}.Text(), "#EXTINF:2.000,\nseg102.m4s",
                             "#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\nseg102.m4s");
  text = Replace(text, "#EXT-X-PART:DURATION=0.334,URI=\"part104.0.m4s\"",
                 "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-29T05:00:08.000Z\n"
                 "#EXT-X-PART:DURATION=0.334,URI=\"part104.0.m4s\"");
  const LlPlaylist p = Parse(text);
  EXPECT_FALSE(p.segments[1].discontinuity);
  EXPECT_TRUE(p.segments[2].discontinuity);
  EXPECT_TRUE(p.pending_discontinuity);
  EXPECT_EQ(p.pending_program_date_time.value_or(""), "2026-11-29T05:00:08.000Z");
  EXPECT_TRUE(Parse(Live{}.Text() + "#EXT-X-ENDLIST\n").ended);
}

TEST(LlHlsCheck, PartLongerThanPartTargetFails) {
  const std::string text = Replace(Live{}.Text(), "DURATION=0.334,URI=\"part104.1.m4s\"",
                                   "DURATION=0.400,URI=\"part104.1.m4s\"");
  EXPECT_TRUE(OnlyViolation(Violations(text), "part104.1.m4s): DURATION 0.400 > PART-TARGET"));
  // One millisecond over is rounding, not a violation.
  EXPECT_TRUE(Violations(Replace(Live{}.Text(), "DURATION=0.334,URI=\"part104.1.m4s\"",
                                 "DURATION=0.335,URI=\"part104.1.m4s\""))
                  .empty());
}

TEST(LlHlsCheck, PartsNotAddingUpToExtinfFails) {
  const std::string text =
      Replace(Live{}.Text(), "#EXTINF:2.000,\nseg103.m4s", "#EXTINF:2.100,\nseg103.m4s");
  EXPECT_TRUE(
      OnlyViolation(Violations(text), "msn 103: parts add up to 2.000 but EXTINF is 2.100"));
  // Within a millisecond per part: fine.
  EXPECT_TRUE(
      Violations(Replace(Live{}.Text(), "#EXTINF:2.000,\nseg103.m4s", "#EXTINF:2.005,\nseg103.m4s"))
          .empty());
}

TEST(LlHlsCheck, ExtinfAboveTargetDurationFails) {
  const std::string text =
      Replace(Live{}.Text(), "#EXTINF:2.000,\nseg100.m4s", "#EXTINF:2.600,\nseg100.m4s");
  EXPECT_TRUE(OnlyViolation(Violations(text), "msn 100: EXTINF 2.600 rounds above"));
  // 2.4 rounds to 2: allowed by the rounding rule.
  EXPECT_TRUE(
      Violations(Replace(Live{}.Text(), "#EXTINF:2.000,\nseg100.m4s", "#EXTINF:2.400,\nseg100.m4s"))
          .empty());
}

TEST(LlHlsCheck, MissingPreloadHintFails) {
  Live live;
  live.hint = false;
  EXPECT_TRUE(OnlyViolation(Violations(live.Text()), "no EXT-X-PRELOAD-HINT TYPE=PART"));
  // A MAP hint is not a PART hint.
  EXPECT_TRUE(
      OnlyViolation(Violations(live.Text() + "#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"init1.mp4\"\n"),
                    "no EXT-X-PRELOAD-HINT TYPE=PART"));
  // A finished stream needs no hint.
  live.pending = 0;
  EXPECT_TRUE(Violations(live.Text() + "#EXT-X-ENDLIST\n").empty());
}

TEST(LlHlsCheck, PartHoldBackTooSmallFails) {
  const std::string text = Replace(Live{}.Text(), "PART-HOLD-BACK=1.002", "PART-HOLD-BACK=0.600");
  EXPECT_TRUE(OnlyViolation(Violations(text), "PART-HOLD-BACK 0.600 < 2 x PART-TARGET 0.334"));
  EXPECT_TRUE(
      Violations(Replace(Live{}.Text(), "PART-HOLD-BACK=1.002", "PART-HOLD-BACK=0.668")).empty());
  EXPECT_TRUE(
      OnlyViolation(Violations(Replace(Live{}.Text(), ",PART-HOLD-BACK=1.002", "")), "without"));
}

TEST(LlHlsCheck, SkipBoundaryAndHoldBackTooSmallFail) {
  EXPECT_TRUE(OnlyViolation(
      Violations(Replace(Live{}.Text(), "CAN-SKIP-UNTIL=12.000", "CAN-SKIP-UNTIL=6.000")),
      "CAN-SKIP-UNTIL 6.000 < 6 x TARGETDURATION 2"));
  EXPECT_TRUE(OnlyViolation(Violations(Replace(Live{}.Text(), "CAN-BLOCK-RELOAD=YES",
                                               "CAN-BLOCK-RELOAD=YES,HOLD-BACK=5")),
                            "HOLD-BACK 5.000 < 3 x TARGETDURATION 2"));
}

TEST(LlHlsCheck, SkipWithoutCanSkipUntilFails) {
  std::string text = Replace(Live{}.Text(), "#EXT-X-MAP:URI=\"init0.mp4\"\n",
                             "#EXT-X-MAP:URI=\"init0.mp4\"\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n");
  text = Replace(text, ",CAN-SKIP-UNTIL=12.000", "");
  EXPECT_TRUE(OnlyViolation(Violations(text), "EXT-X-SKIP without"));
}

TEST(LlHlsCheck, PreloadHintNamingAListedPartFails) {
  const std::string text =
      Replace(Live{}.Text(), "TYPE=PART,URI=\"part104.2.m4s\"", "TYPE=PART,URI=\"part104.1.m4s\"");
  EXPECT_TRUE(OnlyViolation(Violations(text), "which is already listed"));
}

TEST(LlHlsCheck, VersionRules) {
  EXPECT_TRUE(
      OnlyViolation(Violations(Replace(Live{}.Text(), "#EXT-X-VERSION:9", "#EXT-X-VERSION:7")),
                    "EXT-X-VERSION 7 but EXT-X-PART needs 9"));
  EXPECT_TRUE(OnlyViolation(Violations(Replace(Live{}.Text(), "#EXT-X-VERSION:9\n", "")),
                            "no EXT-X-VERSION"));
  const std::string ts = "#EXTM3U\n#EXT-X-VERSION:2\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.5,\na.ts\n";
  EXPECT_TRUE(OnlyViolation(Violations(ts), "a decimal EXTINF duration needs 3"));
  const std::string map =
      "#EXTM3U\n#EXT-X-VERSION:5\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI=\"i.mp4\"\n"
      "#EXTINF:4.0,\na.m4s\n";
  EXPECT_TRUE(OnlyViolation(Violations(map), "EXT-X-MAP needs 6"));
}

TEST(LlHlsCheck, HeaderRules) {
  EXPECT_TRUE(OnlyViolation(Violations("\n" + Live{}.Text()), "#EXTM3U"));
  EXPECT_TRUE(OnlyViolation(Violations(Replace(Live{}.Text(), "#EXT-X-TARGETDURATION:2\n", "")),
                            "TARGETDURATION"));
  EXPECT_TRUE(
      OnlyViolation(Violations(Replace(Live{}.Text(), "#EXT-X-PART-INF:PART-TARGET=0.334\n", "")),
                    "EXT-X-PART without EXT-X-PART-INF"));
}

TEST(LlHlsCheck, FirstPartMustBeIndependentWhenSegmentsStartWithKeyframes) {
  const std::string text =
      Replace(Live{}.Text(), "URI=\"part103.0.m4s\",INDEPENDENT=YES", "URI=\"part103.0.m4s\"");
  EXPECT_TRUE(Violations(text).empty());
  CheckOptions opts;
  opts.segments_start_with_keyframes = true;
  EXPECT_TRUE(OnlyViolation(Violations(text, opts), "msn 103: first part part103.0.m4s"));
  const std::string pending =
      Replace(Live{}.Text(), "URI=\"part104.0.m4s\",INDEPENDENT=YES", "URI=\"part104.0.m4s\"");
  EXPECT_TRUE(OnlyViolation(Violations(pending, opts), "msn 104 (in progress): first part"));
}

TEST(LlHlsCheck, ShortPartOnlyAllowedLastOrIndependent) {
  // Part 2 of 103 shortened, part 5 lengthened to keep the sum: a short non-final part.
  std::string text = Replace(Live{}.Text(), "DURATION=0.334,URI=\"part103.2.m4s\"",
                             "DURATION=0.100,URI=\"part103.2.m4s\"");
  text = Replace(text, "#EXTINF:2.000,\nseg103.m4s", "#EXTINF:1.766,\nseg103.m4s");
  EXPECT_TRUE(OnlyViolation(Violations(text), "part103.2.m4s): DURATION 0.100 < half"));
  // A short last part is how segments end on a keyframe: fine.
  text = Replace(Live{}.Text(), "DURATION=0.330,URI=\"part103.5.m4s\"",
                 "DURATION=0.050,URI=\"part103.5.m4s\"");
  EXPECT_TRUE(Violations(Replace(text, "#EXTINF:2.000,\nseg103.m4s", "#EXTINF:1.720,\nseg103.m4s"))
                  .empty());
  // So is a short INDEPENDENT part (the spec exempts those too).
  text = Replace(Live{}.Text(), "DURATION=0.334,URI=\"part103.0.m4s\"",
                 "DURATION=0.100,URI=\"part103.0.m4s\"");
  EXPECT_TRUE(Violations(Replace(text, "#EXTINF:2.000,\nseg103.m4s", "#EXTINF:1.766,\nseg103.m4s"))
                  .empty());
  // The in-progress segment's parts are never judged short: its last part is not known yet.
  Live live;
  live.pending = 3;
  text = Replace(live.Text(), "DURATION=0.334,URI=\"part104.1.m4s\"",
                 "DURATION=0.050,URI=\"part104.1.m4s\"");
  EXPECT_TRUE(Violations(text).empty());
}

TEST(LlHlsCheck, PartsOnOldSegmentsFail) {
  Live live;
  live.complete = 6;
  live.with_parts = 4;  // msn 102..105; 102 ends 2 + 2 + 2 + 0.668 s before the edge: ok
  EXPECT_TRUE(Violations(live.Text()).empty());
  live.with_parts = 6;  // msn 100 ends 10.668 s and msn 101 8.668 s before the edge
  const std::vector<std::string> v = Violations(live.Text());
  EXPECT_TRUE(OnlyViolation(v, "before the live edge"));
  EXPECT_EQ(v.size(), 2u) << Join(v);
}

TEST(LlHlsCheck, ProgramDateTimeMustBeIso8601) {
  for (const char* good :
       {"2026-11-29T05:00:00.000Z", "2026-11-29T05:00:00Z", "2026-11-29T05:00:00.123456+01:00",
        "2024-02-29T23:59:60-0530", "2026-11-29T05:00:00.5+02", "2026-11-29T05:00:00"}) {
    EXPECT_TRUE(Violations(Replace(Live{}.Text(), "2026-11-29T05:00:00.000Z", good)).empty())
        << good;
  }
  for (const char* bad : {"2026-11-29 05:00:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2026-11-29T24:00:00Z", "2026-11-29T05:00Z", "yesterday",
                          "2026-11-29T05:00:00.Z", "2026-11-29T05:00:00+1"}) {
    EXPECT_TRUE(OnlyViolation(Violations(Replace(Live{}.Text(), "2026-11-29T05:00:00.000Z", bad)),
                              "is not an ISO 8601 date-time"))
        << bad;
  }
}

TEST(LlHlsCheck, PlainTsPlaylistPasses) {
  const std::string ts =
      "#EXTM3U\r\n"
      "#EXT-X-VERSION:3\r\n"
      "#EXT-X-TARGETDURATION:6\r\n"
      "#EXT-X-MEDIA-SEQUENCE:7\r\n"
      "#EXT-X-PLAYLIST-TYPE:EVENT\r\n"
      "# a comment\r\n"
      "#EXTINF:6.006,title, with a comma\r\n"
      "seg7.ts\r\n"
      "#EXT-X-DISCONTINUITY\r\n"
      "#EXTINF:5.5,\r\n"
      "http://cdn.example/seg8.ts?x=1,2\r\n"
      "\r\n"
      "#EXT-X-ENDLIST\r\n";
  const LlPlaylist p = Parse(ts);
  ASSERT_EQ(p.segments.size(), 2u);
  EXPECT_EQ(p.segments[0].msn, 7u);
  EXPECT_DOUBLE_EQ(p.segments[0].duration, 6.006);
  EXPECT_EQ(p.segments[1].uri, "http://cdn.example/seg8.ts?x=1,2");
  EXPECT_TRUE(p.segments[1].discontinuity);
  EXPECT_EQ(p.playlist_type, "EVENT");
  EXPECT_TRUE(p.ended);
  EXPECT_EQ(p.next_msn(), 9u);
  EXPECT_EQ(CheckMediaPlaylist(p), std::vector<std::string>());
  CheckOptions ll;
  ll.require_low_latency = true;
  EXPECT_EQ(CheckMediaPlaylist(p, ll).size(), 3u) << Join(CheckMediaPlaylist(p, ll));
}

TEST(LlHlsCheckParse, QuotedCommasInAttributes) {
  AttributeList a;
  ASSERT_EQ(ParseAttributeList("BANDWIDTH=2500000,CODECS=\"avc1.64001f,mp4a.40.2\","
                               "RESOLUTION=1280x720,FRAME-RATE=29.970,NAME=\"\"",
                               &a),
            "");
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(a["CODECS"].text, "avc1.64001f,mp4a.40.2");
  EXPECT_TRUE(a["CODECS"].quoted);
  EXPECT_EQ(a["RESOLUTION"].text, "1280x720");
  EXPECT_FALSE(a["RESOLUTION"].quoted);
  EXPECT_EQ(a["NAME"].text, "");
  const LlPlaylist p = Parse(Replace(Live{}.Text(), "URI=\"part104.1.m4s\"",
                                     "URI=\"part104.1.m4s?a=1,b=2\",GAP=YES,X-FOO=\"x,y=z\""));
  EXPECT_EQ(p.pending_parts[1].uri, "part104.1.m4s?a=1,b=2");
  EXPECT_TRUE(p.pending_parts[1].gap);
}

TEST(LlHlsCheckParse, AttributeListSyntaxErrors) {
  AttributeList a;
  EXPECT_NE(ParseAttributeList("URI=\"a.m4s", &a), "");          // unterminated quote
  EXPECT_NE(ParseAttributeList("A=1,A=2", &a), "");              // duplicate name
  EXPECT_NE(ParseAttributeList("uri=\"a\"", &a), "");            // lower-case name
  EXPECT_NE(ParseAttributeList("A=1, B=2", &a), "");             // whitespace
  EXPECT_NE(ParseAttributeList("A=1,", &a), "");                 // trailing comma
  EXPECT_NE(ParseAttributeList("A=,B=2", &a), "");               // empty unquoted value
  EXPECT_NE(ParseAttributeList("A=\"x\"y,B=2", &a), "");         // junk after the quote
  EXPECT_NE(ParseAttributeList("A", &a), "");                    // no '='
  EXPECT_NE(ParseAttributeList("", &a), "");                     // empty
  EXPECT_NE(ParseAttributeList("A=x\"y", &a), "");               // quote inside unquoted
  EXPECT_EQ(ParseAttributeList("A=-1.5,B=0x1F,C=YES", &a), "");  // valid unquoted forms
}

TEST(LlHlsCheckParse, MalformedKnownTagsAreErrors) {
  const std::string good = Live{}.Text();
  const std::vector<std::pair<std::string, std::string>> breaks = {
      {"#EXT-X-TARGETDURATION:2", "#EXT-X-TARGETDURATION:2.5"},
      {"#EXT-X-VERSION:9", "#EXT-X-VERSION:nine"},
      {"#EXT-X-MEDIA-SEQUENCE:100", "#EXT-X-MEDIA-SEQUENCE:-1"},
      {"#EXTINF:2.000,\nseg100", "#EXTINF:2.000\nseg100"},
      {"#EXTINF:2.000,\nseg100", "#EXTINF:two,\nseg100"},
      {"#EXTINF:2.000,\nseg100", "#EXTINF:2.000,\n#EXTINF:2.000,\nseg100"},
      {"DURATION=0.334,URI=\"part104.1.m4s\"", "DURATION=0.334"},
      {"DURATION=0.334,URI=\"part104.1.m4s\"", "DURATION=\"0.334\",URI=\"part104.1.m4s\""},
      {"DURATION=0.334,URI=\"part104.1.m4s\"", "DURATION=0.334,URI=part104.1.m4s"},
      {"URI=\"part104.0.m4s\",INDEPENDENT=YES", "URI=\"part104.0.m4s\",INDEPENDENT=NO"},
      {"PART-TARGET=0.334", "PART-TARGET=abc"},
      {"CAN-BLOCK-RELOAD=YES", "CAN-BLOCK-RELOAD=\"YES\""},
      {"#EXT-X-MAP:URI=\"init0.mp4\"", "#EXT-X-MAP:BYTERANGE=\"1@2\""},
      {"TYPE=PART,URI=\"part104.2.m4s\"", "URI=\"part104.2.m4s\""},
      {"LAST-MSN=104", "LAST-MSN=1.5"},
      {"#EXT-X-DISCONTINUITY-SEQUENCE:0\n", "#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-VERSION:9\n"},
      {"seg101.m4s\n", "seg101.m4s\n#EXT-X-MEDIA-SEQUENCE:101\n"},
      {"seg101.m4s\n", "seg101.m4s\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n"},
      {"seg101.m4s\n", "seg101.m4s\n#EXT-X-ENDLIST:now\n"},
      {"seg101.m4s\n", "seg101.m4s\nstray.m4s\n"},
      {"seg101.m4s\n", "seg101.m4s\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"},
      {"seg101.m4s\n", "seg101.m4s\n#EXT-X-PROGRAM-DATE-TIME:\n"},
      {"#EXT-X-PRELOAD-HINT", "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"x\"\n#EXT-X-PRELOAD-HINT"},
  };
  for (const auto& [from, to] : breaks) {
    const std::string error = ParseError(Replace(good, from, to));
    EXPECT_NE(error, "") << "accepted: " << to;
    EXPECT_EQ(error.rfind("line ", 0), 0u) << error;
  }
  EXPECT_NE(ParseError(good + "#EXTINF:2.000,\n"), "");  // EXTINF with no URI at the end
}

TEST(LlHlsCheckParse, UnknownTagsAndAttributesAreIgnored) {
  std::string text = Replace(Live{}.Text(), "#EXT-X-TARGETDURATION:2\n",
                             "#EXT-X-TARGETDURATION:2\n#EXT-X-FUTURE-TAG:what ever, \"\n"
                             "#EXT-X-INDEPENDENT-SEGMENTS\n#just a comment\n");
  text = Replace(text, "PART-TARGET=0.334", "PART-TARGET=0.334,X-NEW=\"1\"");
  EXPECT_TRUE(Violations(text, kStrict).empty());
}

// Successive fetches of one rendition as the live edge advances part by part.
std::vector<std::string> Progression() {
  std::vector<std::string> fetches;
  Live live;
  for (int step = 0; step < 3 * kPartsPerSegment; ++step) {
    live.pending = step % kPartsPerSegment;
    live.complete = 4;
    live.first = 100 + step / kPartsPerSegment;
    fetches.push_back(live.Text());
  }
  return fetches;
}

TEST(LlHlsCheckHistory, AdvancingPlaylistPasses) {
  PlaylistHistory h;
  for (const std::string& text : Progression()) {
    const LlPlaylist p = Parse(text);
    EXPECT_EQ(CheckMediaPlaylist(p, kStrict), std::vector<std::string>()) << text;
    EXPECT_EQ(h.Add(p), std::vector<std::string>()) << text;
  }
  // Skipping fetches (a client that polls slowly) is fine too.
  PlaylistHistory sparse;
  const std::vector<std::string> all = Progression();
  for (size_t i = 0; i < all.size(); i += 4)
    EXPECT_EQ(sparse.Add(Parse(all[i])), std::vector<std::string>()) << all[i];
}

TEST(LlHlsCheckHistory, MsnGoingBackwardsFails) {
  const std::vector<std::string> all = Progression();
  PlaylistHistory h;
  EXPECT_TRUE(h.Add(Parse(all[7])).empty());
  const std::vector<std::string> v = h.Add(Parse(all[1]));
  EXPECT_TRUE(OnlyViolation(v, "went back")) << Join(v);
  bool media_sequence = false, in_progress = false;
  for (const std::string& s : v) {
    media_sequence |= s.find("EXT-X-MEDIA-SEQUENCE went back from 101 to 100") != s.npos;
    in_progress |= s.find("from msn 105 to msn 104") != s.npos;
  }
  EXPECT_TRUE(media_sequence && in_progress) << Join(v);
  // Same segment in progress, fewer parts: also backwards.
  PlaylistHistory parts;
  EXPECT_TRUE(parts.Add(Parse(all[3])).empty());
  EXPECT_TRUE(OnlyViolation(parts.Add(Parse(all[2])), "went back from 3 listed parts to 2"));
}

TEST(LlHlsCheckHistory, DiscontinuitySequenceGoingBackwardsFails) {
  PlaylistHistory h;
  EXPECT_TRUE(h.Add(Parse(Replace(Live{}.Text(), "SEQUENCE:0", "SEQUENCE:2"))).empty());
  EXPECT_TRUE(OnlyViolation(h.Add(Parse(Live{}.Text())), "DISCONTINUITY-SEQUENCE went back"));
}

TEST(LlHlsCheckHistory, TargetDurationChangingFails) {
  PlaylistHistory h;
  EXPECT_TRUE(h.Add(Parse(Live{}.Text())).empty());
  const std::string three = Replace(Live{}.Text(), "TARGETDURATION:2", "TARGETDURATION:3");
  EXPECT_TRUE(OnlyViolation(h.Add(Parse(three)), "EXT-X-TARGETDURATION changed from 2 to 3"));
}

TEST(LlHlsCheckHistory, SameMsnDifferentUriOrDurationFails) {
  PlaylistHistory h;
  EXPECT_TRUE(h.Add(Parse(Live{}.Text())).empty());
  EXPECT_TRUE(OnlyViolation(h.Add(Parse(Replace(Live{}.Text(), "seg101.m4s", "other101.m4s"))),
                            "msn 101 was seg101.m4s (2.000 s), now other101.m4s"));
  PlaylistHistory d;
  EXPECT_TRUE(d.Add(Parse(Live{}.Text())).empty());
  const std::string shorter =
      Replace(Live{}.Text(), "#EXTINF:2.000,\nseg100", "#EXTINF:1.900,\nseg100");
  EXPECT_TRUE(OnlyViolation(d.Add(Parse(shorter)), "msn 100 was seg100.m4s (2.000 s), now"));
  // A listed part of the segment in progress must keep its URI once the segment completes.
  PlaylistHistory parts;
  Live live;
  EXPECT_TRUE(parts.Add(Parse(live.Text())).empty());
  live.complete = 5;
  live.pending = 0;
  EXPECT_TRUE(
      OnlyViolation(parts.Add(Parse(Replace(live.Text(), "part104.1.m4s", "renamed104.1.m4s"))),
                    "msn 104 part 1 was part104.1.m4s"));
}

TEST(LlHlsCheckHistory, PreloadHintMustNameTheNextPart) {
  Live live;
  live.pending = 2;
  PlaylistHistory h;
  EXPECT_TRUE(h.Add(Parse(live.Text())).empty());  // hints part104.2.m4s
  live.pending = 3;
  EXPECT_TRUE(OnlyViolation(h.Add(Parse(Replace(live.Text(), "\"part104.2.m4s\"", "\"p2.m4s\""))),
                            "the preload hint part104.2.m4s of fetch 1 was followed by msn 104 "
                            "part 2 = p2.m4s"));
}

TEST(LlHlsCheckHistory, PreloadHintMayBecomeTheFirstPartOfTheNextSegment) {
  // Fetch 1: msn 104 has 3 parts and the hint names part104.3; the encoder then cuts the
  // segment at a keyframe after 3 parts, so the hinted part is the first of msn 105.
  Live live;
  live.pending = 3;
  std::string first = Replace(live.Text(), "\"part104.3.m4s\"", "\"next.m4s\"");
  std::string second = live.Text();
  second = Replace(second, "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part104.3.m4s\"\n",
                   "#EXTINF:1.002,\nseg104.m4s\n" +
                       Replace(PartLine(105, 0), "part105.0.m4s", "next.m4s") +
                       "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part105.1.m4s\"\n");
  PlaylistHistory h;
  EXPECT_TRUE(h.Add(Parse(first)).empty());
  EXPECT_EQ(h.Add(Parse(second)), std::vector<std::string>()) << second;
  // The same cut with some other part first in msn 105 contradicts the hint.
  PlaylistHistory bad;
  EXPECT_TRUE(bad.Add(Parse(first)).empty());
  EXPECT_TRUE(OnlyViolation(bad.Add(Parse(Replace(second, "\"next.m4s\"", "\"other.m4s\""))),
                            "was followed by msn 105 part 0 = other.m4s"));
}

TEST(LlHlsCheckMaster, ParsesVariantsAndMedia) {
  const MasterPlaylist m = ParseMasterPlaylist(
      "#EXTM3U\n"
      "#EXT-X-VERSION:9\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n"
      "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English, main\",DEFAULT=YES,"
      "URI=\"audio/playlist.m3u8\"\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=2500000,AVERAGE-BANDWIDTH=2200000,"
      "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720,FRAME-RATE=30.000,AUDIO=\"aac\"\n"
      "720p/playlist.m3u8\n"
      "# comment\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS=\"avc1.4d401e,mp4a.40.2\",RESOLUTION=854x480\n"
      "480p/playlist.m3u8\n"
      "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=100000,URI=\"720p/iframes.m3u8\"\n");
  ASSERT_EQ(m.error, "");
  ASSERT_EQ(m.variants.size(), 2u);
  EXPECT_EQ(m.variants[0].uri, "720p/playlist.m3u8");
  EXPECT_EQ(m.variants[0].attrs.at("CODECS"), "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(m.variants[0].attrs.at("RESOLUTION"), "1280x720");
  EXPECT_EQ(m.variants[1].attrs.at("BANDWIDTH"), "900000");
  EXPECT_EQ(m.variants[1].uri, "480p/playlist.m3u8");
  ASSERT_EQ(m.media.size(), 1u);
  EXPECT_EQ(m.media[0].at("NAME"), "English, main");
  EXPECT_EQ(m.media[0].at("DEFAULT"), "YES");
}

TEST(LlHlsCheckMaster, Errors) {
  EXPECT_NE(ParseMasterPlaylist("#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n").error, "");
  EXPECT_NE(ParseMasterPlaylist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n").error, "");
  EXPECT_NE(ParseMasterPlaylist("#EXTM3U\n#EXT-X-STREAM-INF:CODECS=\"a\"\na.m3u8\n").error, "");
  EXPECT_NE(ParseMasterPlaylist("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"a\nx\n").error,
            "");
  EXPECT_NE(ParseMasterPlaylist("#EXTM3U\na.m3u8\n").error, "");
  EXPECT_NE(ParseMasterPlaylist("#EXTM3U\n#EXTINF:2,\na.ts\n").error, "");
  EXPECT_NE(ParseMasterPlaylist("#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,NAME=\"x\"\n").error, "");
}

}  // namespace
}  // namespace strait::test
