// FileReader: a media file (MP4, FLV, MKV, MPEG-TS, ...) read as strait tracks and packets, for
// `strait transcode` and the benchmarks. The same events as the live ingests deliver
// (codecs/ts/ts_demuxer.h): a TrackInfo before each track's first packet, then Packets, then
// EndOfStream. Track 0 = the best video stream (H.264 / HEVC / AV1), track 1 = the best audio
// stream (AAC / MP3 / Opus); everything else is skipped. MPEG-TS files go through ts::TsDemuxer
// (Annex B → length-prefixed + avcC); other containers already carry avcC / hvcC and
// length-prefixed NAL units and pass through libavformat unchanged. Timestamps stay in each
// stream's own timebase.
//
// Threads: none; one owner calls it. Owns its FFmpeg objects and the open file.
#pragma once

#include <memory>
#include <string>

#include "codecs/ts/ts_demuxer.h"

namespace strait::ffmpeg {

class FileReader {
 public:
  using Event = ts::TsDemuxer::Event;
  using EndOfStream = ts::TsDemuxer::EndOfStream;

  static Result<std::unique_ptr<FileReader>> Open(const std::string& path);
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  Result<Event> Next();
  // The container's duration in seconds (0 when unknown).
  double duration_s() const;

 private:
  struct Impl;
  explicit FileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::ffmpeg
