// Status names: for logs, and the `code` of HTTP error bodies.
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
    case Code::kPermissionDenied:
      return "PermissionDenied";
  }
  return "Unknown";
}

std::optional<Status::Code> Status::CodeFromName(std::string_view name) {
  for (Code code : {Code::kNotFound, Code::kInvalidArgument, Code::kAlreadyExists, Code::kTooLarge,
                    Code::kConflict, Code::kNoSpace, Code::kUnavailable, Code::kIOError,
                    Code::kPermissionDenied}) {
    if (name == CodeName(code)) return code;
  }
  return std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace pdfs
