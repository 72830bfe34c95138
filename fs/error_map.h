// The filesystem's error vocabulary: the one table from engine codes to
// errno values, and Errno / FsResult, which carry an errno (engine-mapped or
// adapter policy such as EPERM) plus a sentence for the log.
#ifndef PDFS_FS_ERROR_MAP_H_
#define PDFS_FS_ERROR_MAP_H_

#include <cassert>
#include <optional>
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

// Holds a T or a failed Errno. value() on an error is a bug (asserted).
template <typename T>
class [[nodiscard]] FsResult {
 public:
  FsResult(T value) : value_(std::move(value)) {}     // NOLINT: implicit by design
  FsResult(Errno error) : error_(std::move(error)) {  // NOLINT: implicit by design
    assert(!error_.ok() && "FsResult built from success without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Errno& error() const { return error_; }
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Errno error_;
  std::optional<T> value_;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_ERROR_MAP_H_
