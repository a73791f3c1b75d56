#include "transport/rtmp/stream_key.h"

namespace strait::transport::rtmp {
namespace {

std::string_view StripQuery(std::string_view s) {
  return s.substr(0, s.find('?'));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == '/')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == '/')
    s.remove_suffix(1);
  return s;
}

// "rtmp://host:1935/live/KEY?x" -> "live/KEY?x"
std::string_view PathOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos)
    return {};
  const size_t slash = url.find('/', scheme + 3);
  return slash == std::string_view::npos ? std::string_view() : url.substr(slash + 1);
}

}  // namespace

Result<PublishTarget> ParsePublishTarget(std::string_view app,
                                         std::string_view tc_url,
                                         std::string_view publish_name) {
  std::string_view a = Trim(StripQuery(app.empty() ? PathOf(tc_url) : app));
  std::string_view name = Trim(StripQuery(publish_name));
  if (a.empty() && name.find('/') != std::string_view::npos) {  // rtmp://HOST/ + "live/KEY"
    const size_t slash = name.find('/');
    a = name.substr(0, slash);
    name = name.substr(slash + 1);
  }
  PublishTarget target;
  const size_t slash = a.find('/');
  if (slash != std::string_view::npos && (name.empty() || a.substr(slash + 1) == name)) {
    target.app = std::string(a.substr(0, slash));
    target.key = std::string(a.substr(slash + 1));
  } else {
    target.app = std::string(a);
    target.key = std::string(name);
  }
  if (target.key.empty())
    return Error("no stream key in the publish name or the URL");
  return target;
}

}  // namespace strait::transport::rtmp
