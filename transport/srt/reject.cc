#include "transport/srt/reject.h"

#include <srt/access_control.h>

namespace strait::transport::srt {

static_assert(kRejectBadRequest == SRT_REJX_BAD_REQUEST);
static_assert(kRejectOverload == SRT_REJX_OVERLOAD);
static_assert(kRejectForbidden == SRT_REJX_FORBIDDEN);
static_assert(kRejectNotFound == SRT_REJX_NOTFOUND);
static_assert(kRejectBadMode == SRT_REJX_BAD_MODE);
static_assert(kRejectConflict == SRT_REJX_CONFLICT);
static_assert(kRejectNotSupMedia == SRT_REJX_NOTSUP_MEDIA);
static_assert(kRejectInternal == SRT_REJX_ISE);
static_assert(kRejectUnimplemented == SRT_REJX_UNIMPLEMENTED);

int RejectCode(PublishRefusal refusal) {
  switch (refusal) {
    case PublishRefusal::kNone:
      return 0;
    case PublishRefusal::kUnknownKey:
      return kRejectForbidden;
    case PublishRefusal::kAlreadyLive:
      return kRejectConflict;
    case PublishRefusal::kInternal:
      return kRejectInternal;
    case PublishRefusal::kForbidden:
      return kRejectForbidden;
  }
  return kRejectInternal;
}

int PlayRejectCode(PublishRefusal refusal) {
  // A reader names a public stream, not a secret: "not found" tells it nothing it should not know.
  return refusal == PublishRefusal::kUnknownKey ? kRejectNotFound : RejectCode(refusal);
}

int RejectCode(StreamIdProblem problem) {
  switch (problem) {
    case StreamIdProblem::kNone:
      return 0;
    case StreamIdProblem::kMalformed:
      return kRejectBadRequest;
    case StreamIdProblem::kNoKey:
      return kRejectNotFound;
    case StreamIdProblem::kBadMode:
      return kRejectBadMode;
    case StreamIdProblem::kBadType:
      return kRejectNotSupMedia;
  }
  return kRejectBadRequest;
}

std::string_view RejectName(int code) {
  switch (code) {
    case kRejectBadRequest:
      return "1400 bad request";
    case kRejectOverload:
      return "1402 overload";
    case kRejectForbidden:
      return "1403 forbidden";
    case kRejectNotFound:
      return "1404 not found";
    case kRejectBadMode:
      return "1405 bad mode";
    case kRejectConflict:
      return "1409 conflict";
    case kRejectNotSupMedia:
      return "1415 unsupported media type";
    case kRejectInternal:
      return "1500 internal error";
    case kRejectUnimplemented:
      return "1501 not implemented";
  }
  return "other";
}

}  // namespace strait::transport::srt
