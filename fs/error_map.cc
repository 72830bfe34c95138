// Engine code -> errno. A switch without `default`: adding a code to Status
// breaks the build here until it is mapped.
#include "error_map.h"

#include <cassert>
#include <cerrno>

namespace pdfs::fs {

int ErrnoFor(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      assert(false && "ErrnoFor(kOk)");
      return EIO;
    case Status::Code::kNotFound:
      return ENOENT;
    case Status::Code::kInvalidArgument:
      return EINVAL;
    case Status::Code::kAlreadyExists:
      return EEXIST;
    case Status::Code::kTooLarge:
      return EFBIG;
    case Status::Code::kConflict:
      // A concurrent change won; "Device or resource busy" tells the user
      // that trying again may succeed.
      return EBUSY;
    case Status::Code::kNoSpace:
      return ENOSPC;
    case Status::Code::kUnavailable:
      // The local engine answers Unavailable only while it shuts down, which
      // no retry on this mount can outlive; EAGAIN would invite busy retry
      // loops against a daemon that is going away.
      return ESHUTDOWN;
    case Status::Code::kIOError:
      return EIO;
    case Status::Code::kPermissionDenied:
      return EPERM;  // the topic's configuration forbids it, whoever asks
  }
  return EIO;
}

}  // namespace pdfs::fs
