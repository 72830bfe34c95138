// The filesystem's error vocabulary: the one table from engine codes to
// errno values, and Errno / FsResult, which carry an errno (engine-mapped or
// adapter policy such as EPERM) plus a sentence for the log. FsResult is
// the engine's Result with Errno in place of Status.
#ifndef PDFS_FS_ERROR_MAP_H_
#define PDFS_FS_ERROR_MAP_H_

#include <cassert>
#include <string>
#include <utility>

#include "pdfs/status.h"

namespace pdfs::fs {

// The errno a filesystem request answers for a failed engine call.
// REQUIRES: code != kOk.
int ErrnoFor(Status::Code code);

// Success, or the errno a request answers and why. A value type,
// intentionally copyable.
class [[nodiscard]] Errno {
 public:
  Errno() = default;  // success
  Errno(int code, std::string why) : code_(code), why_(std::move(why)) {
    assert(code != 0 && "Errno built from 0 is success; use Errno()");
  }
  // The errno for a failed engine call, through ErrnoFor.
  static Errno FromStatus(const Status& status) {
    return Errno(ErrnoFor(status.code()), status.message());
  }

  bool ok() const { return code_ == 0; }
  int code() const { return code_; }
  const std::string& why() const { return why_; }

 private:
  int code_ = 0;
  std::string why_;
};

// Holds a T or a failed Errno.
template <typename T>
using FsResult = Result<T, Errno>;

}  // namespace pdfs::fs

#endif  // PDFS_FS_ERROR_MAP_H_
