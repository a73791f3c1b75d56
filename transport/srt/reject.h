// SRT reject codes: which code a refused caller receives (srt_setrejectreason in the listen
// callback) for each reason strait refuses. Each reason gets a distinct, standard code from
// SRT's access control table, for callers that read it (srt_getrejectreason; FFmpeg 5.1 and
// srt-live-transmit 1.5.1 print only "Application-defined rejection reason", GStreamer's srtsink
// "Connection does not exist": strait's log line names the reason) (srt/access_control.h; the
// values are repeated here so this header needs no srt.h, and reject.cc checks them against
// libsrt's at compile time). Pure functions; any thread.
#pragma once

#include <string_view>

#include "transport/ingest.h"
#include "transport/srt/streamid.h"

namespace strait::transport::srt {

inline constexpr int kRejectBadRequest = 1400;  // SRT_REJX_BAD_REQUEST: malformed streamid
inline constexpr int kRejectOverload = 1402;    // SRT_REJX_OVERLOAD: too many callers
inline constexpr int kRejectForbidden = 1403;   // SRT_REJX_FORBIDDEN: unknown stream key
inline constexpr int kRejectNotFound = 1404;  // SRT_REJX_NOTFOUND: no key; playback: no live stream
inline constexpr int kRejectBadMode = 1405;   // SRT_REJX_BAD_MODE: m=bidirectional, ...
inline constexpr int kRejectConflict = 1409;  // SRT_REJX_CONFLICT: the stream is already live
inline constexpr int kRejectNotSupMedia = 1415;    // SRT_REJX_NOTSUP_MEDIA: t= other than stream
inline constexpr int kRejectInternal = 1500;       // SRT_REJX_ISE
inline constexpr int kRejectUnimplemented = 1501;  // SRT_REJX_UNIMPLEMENTED

// The code for a refused publish. kNone has no code (0).
int RejectCode(PublishRefusal refusal);
// The code for a refused playback (m=request): an unknown or not-live stream is 1404.
int PlayRejectCode(PublishRefusal refusal);
// The code for a streamid that did not parse. kNone has no code (0).
int RejectCode(StreamIdProblem problem);
// A short name for logs: "1403 forbidden".
std::string_view RejectName(int code);

}  // namespace strait::transport::srt
