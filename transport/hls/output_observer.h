// OutputObserver: hears every object a stream's HLS output gains or loses — segments, media
// playlists, the master playlist — as a path relative to the origin's /live/ root and its bytes,
// so the same output can be mirrored elsewhere (HTTP PUT to an external origin: push_publisher.h).
//
// Order: per rendition, a new segment comes before the playlist that lists it, and a segment's
// removal after the playlist that no longer does. Threads: called on the rendition's writer thread
// (and the master on whichever writer re-rendered it); an observer must not block — queue the work.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace strait::transport::hls {

class OutputObserver {
 public:
  virtual ~OutputObserver() = default;
  // `path` is "{stream}/master.m3u8", "{stream}/{rendition}/playlist.m3u8" or
  // "{stream}/{rendition}/seg{N}.ts". `bytes` null: the object is gone (delete it).
  virtual void OnObject(const std::string& path,
                        std::shared_ptr<const std::vector<uint8_t>> bytes) = 0;
};

// Several observers as one (each push target).
class ObserverList final : public OutputObserver {
 public:
  explicit ObserverList(std::vector<std::shared_ptr<OutputObserver>> list)
      : list_(std::move(list)) {}
  void OnObject(const std::string& path,
                std::shared_ptr<const std::vector<uint8_t>> bytes) override {
    for (const auto& o : list_)
      o->OnObject(path, bytes);
  }

 private:
  const std::vector<std::shared_ptr<OutputObserver>> list_;
};

}  // namespace strait::transport::hls
