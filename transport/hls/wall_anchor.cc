#include "transport/hls/wall_anchor.h"

#include <algorithm>

namespace strait::transport::hls {

void WallAnchor::Observe(int64_t media_90k, time_point arrival) {
  std::lock_guard lock(mu_);
  if (!anchored_) {
    anchored_ = true;
    wall_origin_ = arrival;
    first_arrival_ = arrival;
    media_origin_ = media_90k;
    return;
  }
  if (settled_)
    return;
  const time_point mapped = WallTimeLocked(media_90k);
  if (mapped > arrival) {
    wall_origin_ = std::max(wall_origin_ - (mapped - arrival),
                            first_arrival_ - std::chrono::system_clock::duration(max_back_));
  }
}

void WallAnchor::Reset() {
  std::lock_guard lock(mu_);
  anchored_ = false;
  settled_ = false;
}

bool WallAnchor::anchored() const {
  std::lock_guard lock(mu_);
  return anchored_;
}

WallAnchor::time_point WallAnchor::Date(int64_t media_90k) {
  std::lock_guard lock(mu_);
  settled_ = anchored_;
  return WallTimeLocked(media_90k);
}

WallAnchor::time_point WallAnchor::WallTime(int64_t media_90k) const {
  std::lock_guard lock(mu_);
  return WallTimeLocked(media_90k);
}

WallAnchor::time_point WallAnchor::WallTimeLocked(int64_t media_90k) const {
  return wall_origin_ + std::chrono::microseconds((media_90k - media_origin_) * 1000 / 90);
}

}  // namespace strait::transport::hls
