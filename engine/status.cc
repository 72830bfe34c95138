// Status names for logs.
#include "pdfs/status.h"

namespace pdfs {

const char* Status::CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kNotFound:
      return "NotFound";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kAlreadyExists:
      return "AlreadyExists";
    case Code::kTooLarge:
      return "TooLarge";
    case Code::kConflict:
      return "Conflict";
    case Code::kNoSpace:
      return "NoSpace";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kIOError:
      return "IOError";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace pdfs
