// SRT streamid parsing: turns the string a caller sends in its handshake (SRTO_STREAMID) into a
// mode (publish or play) and a resource ("live/KEY"), accepting the dialects encoders send:
//   SRT access control  "#!::r=live/KEY,m=publish,u=alice"  (keys r m u s h t; others ignored)
//   MediaMTX            "publish:live/KEY", "publish:KEY", "read:live/NAME",
//                       "read:live/NAME:USER:PASS" (USER → user, PASS → session)
//   plain               "live/KEY", "KEY"
// and each of them URL-encoded ("%23%21%3A%3Ar%3Dlive%2FKEY"), decoded exactly once.
// Pure functions of their input: any thread, no allocation beyond the result. The input is
// untrusted (it arrives before any authentication); everything that is not clearly valid is an
// Error, classified by a StreamIdProblem so the listener can choose an SRT reject code.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codecs/result.h"

namespace strait::transport::srt {

// libsrt refuses longer streamids (SRT's handshake extension holds at most 512 bytes).
inline constexpr size_t kMaxStreamIdBytes = 512;

enum class StreamMode { kPublish, kRequest };

struct StreamId {
  StreamMode mode = StreamMode::kPublish;
  std::string resource;  // "live/KEY" (decoded, one leading '/' removed)
  std::string app;       // the part of resource before its last '/': "live"; empty for "KEY"
  std::string key;       // the part after it: the stream key (publish) or stream name (request)
  std::string user;      // access control "u"
  std::string session;   // access control "s", or MediaMTX's PASS: a reader's read key
  std::string host;      // access control "h"
  std::string type;      // access control "t"; empty or "stream"
};

enum class StreamIdProblem {
  kNone,
  kMalformed,  // bad syntax, bad escape, control byte, bad characters, too long
  kNoKey,      // empty streamid, no "r", or the resource ends without a key
  kBadMode,    // m= other than publish/request (bidirectional included)
  kBadType,    // t= other than stream
};

// Parses `raw`. On error, `*problem` (if given) says which kind; it is kNone on success.
Result<StreamId> ParseStreamId(std::string_view raw,
                               StreamIdProblem* problem = nullptr,
                               size_t max_bytes = kMaxStreamIdBytes);

// True if `c` may appear in a stream key: A-Z a-z 0-9 - _ .
bool IsKeyChar(char c);

}  // namespace strait::transport::srt
