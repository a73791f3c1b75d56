// Where a publish goes: the RTMP application and the stream key, from the connect command's app
// (or tcUrl) and the publish command's name. Accepts both ways clients spell it:
//   rtmp://HOST/live + key KEY   -> app "live", publish name "KEY"
//   rtmp://HOST/live/KEY         -> app "live/KEY", publish name "" or "KEY"
// Any "?query" on the app or the name is dropped. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "codecs/result.h"

namespace strait::transport::rtmp {

struct PublishTarget {
  std::string app;
  std::string key;
};

// `tc_url` is only used when `app` is empty.
Result<PublishTarget> ParsePublishTarget(std::string_view app,
                                         std::string_view tc_url,
                                         std::string_view publish_name);

}  // namespace strait::transport::rtmp
