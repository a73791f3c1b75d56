// Synthetic live media for HLS tests and benches: H.264 (the real x264 avcC from
// codecs/h264/test_vectors.h, with tiny length-prefixed IDR/non-IDR slices) and AAC-LC frames,
// interleaved by dts in milliseconds like an RTMP publisher sends them. Nothing here decodes; the
// TS muxer only needs well-formed NAL framing. Test-only header, no threads.
#pragma once

#include <cstdint>
#include <vector>

#include "codecs/h264/test_vectors.h"
#include "codecs/packet.h"
#include "codecs/track.h"

namespace strait::transport::hls::testing {

inline TrackInfo VideoTrack() {
  TrackInfo t;
  t.id = 0;
  t.kind = MediaKind::kVideo;
  t.codec = CodecId::kH264;
  t.timebase = kMillis;
  t.extradata = testdata::kAvcC720pHigh;
  t.width = 1280;
  t.height = 720;
  return t;
}

inline TrackInfo AudioTrack() {
  TrackInfo t;
  t.id = 1;
  t.kind = MediaKind::kAudio;
  t.codec = CodecId::kAac;
  t.timebase = kMillis;
  t.extradata = testdata::kAscLc44100Stereo;
  t.sample_rate = 44100;
  t.channels = 2;
  return t;
}

inline Packet VideoPacket(int64_t ms, bool key, size_t size = 2000) {
  std::vector<uint8_t> nal(size, 0xab);
  const uint32_t len = static_cast<uint32_t>(size - 4);
  nal[0] = static_cast<uint8_t>(len >> 24);
  nal[1] = static_cast<uint8_t>(len >> 16);
  nal[2] = static_cast<uint8_t>(len >> 8);
  nal[3] = static_cast<uint8_t>(len);
  nal[4] = key ? 0x65 : 0x41;
  nal[5] = 0x88;
  return Packet(0, MediaKind::kVideo, CodecId::kH264, std::move(nal), ms, ms, kMillis, key);
}

inline Packet AudioPacket(int64_t ms, size_t size = 300) {
  return Packet(1, MediaKind::kAudio, CodecId::kAac, std::vector<uint8_t>(size, 0x21), ms, ms,
                kMillis, true);
}

// Video at `fps` with a keyframe every `gop_ms`, plus AAC (1024 samples at 44.1 kHz) when
// `audio`, from `start_ms` for `duration_ms`, interleaved by dts.
inline std::vector<Packet> MakeLive(int64_t start_ms,
                                    int64_t duration_ms,
                                    bool video = true,
                                    bool audio = true,
                                    int fps = 30,
                                    int64_t gop_ms = 2000) {
  std::vector<Packet> out;
  int64_t v = 0, a = 0;
  while (true) {
    const int64_t vt = start_ms + v * 1000 / fps;
    const int64_t at = start_ms + a * 1024 * 1000 / 44100;
    const bool v_next = video && (!audio || vt <= at);
    const int64_t t = v_next ? vt : at;
    if (t >= start_ms + duration_ms || (!video && !audio))
      break;
    if (v_next) {
      out.push_back(VideoPacket(vt, (vt - start_ms) % gop_ms < 1000 / fps));
      ++v;
    } else {
      out.push_back(AudioPacket(at));
      ++a;
    }
  }
  return out;
}

}  // namespace strait::transport::hls::testing
