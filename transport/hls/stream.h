// Stream: the HLS state of one public stream name: N renditions (the passthrough "src" now, an ABR
// ladder later) and the master playlist listing the live ones as "{rendition}/playlist.m3u8".
//
// Threads: AddRendition is called by the pipeline's control sequence; each rendition has its own
// single writer; readers (HTTP) call the const methods from any thread. The master playlist is
// re-rendered whenever a rendition publishes a segment (on that writer's thread), never per
// request. Renditions are never removed, so a Rendition& stays valid for the Stream's lifetime.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transport/hls/rendition.h"

namespace strait::transport::hls {

class Stream {
 public:
  Stream(std::string name, RenditionOptions defaults);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const std::string& name() const { return name_; }

  // Returns the rendition `name`, creating it (with the stream's default options) if needed. The
  // order of creation is the order in the master playlist.
  Rendition& AddRendition(const std::string& name);
  Rendition& AddRendition(const std::string& name, RenditionOptions options);
  Rendition* FindRendition(std::string_view name) const;  // null if unknown
  std::vector<std::string> RenditionNames() const;

  // Null when no rendition is live.
  std::shared_ptr<const std::string> MasterPlaylist() const;
  std::shared_ptr<const std::vector<uint8_t>> MasterPlaylistBody() const;  // same, as bytes
  bool live() const { return MasterPlaylist() != nullptr; }
  // Forgets all segments of all renditions (HTTP answers 404 until the next segment). Call it
  // only while no packager writes to this stream.
  void Clear();

 private:
  void RenderMaster();

  const std::string name_;
  const RenditionOptions defaults_;
  mutable std::mutex mu_;  // guards renditions_ (the vector, not the renditions) and master_
  std::vector<std::unique_ptr<Rendition>> renditions_;
  std::shared_ptr<const std::string> master_;
  std::shared_ptr<const std::vector<uint8_t>> master_body_;
  std::mutex render_mu_;  // serializes master renders from several rendition writers
};

}  // namespace strait::transport::hls
