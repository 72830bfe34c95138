// Status and Result: the engine's one error vocabulary.
//
// A Status is a code plus a sentence for people. Adapters (http/, fs/) map
// the code through one table each and show the message; they never parse it.
// Status and Result are value types, intentionally copyable. No exception
// crosses the engine's API.
#ifndef PDFS_ENGINE_STATUS_H_
#define PDFS_ENGINE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pdfs {

class [[nodiscard]] Status {
 public:
  // Add a code only when some adapter must answer differently; every adapter
  // maps codes in a switch without `default`, so a new code breaks the build
  // until it is mapped everywhere.
  enum class Code {
    kOk = 0,
    kNotFound,         // unknown topic or location
    kInvalidArgument,  // bad name, JSON, range or number
    kAlreadyExists,    // topic created twice
    kTooLarge,         // document, batch or body over a limit
    kConflict,         // a concurrent change won
    kNoSpace,          // the disk is full; reads still work, retry after freeing space
    kUnavailable,      // the store is shutting down or busy (e.g. data directory held)
    kIOError,          // RocksDB or OS failure
    // The change is refused by the topic's own configuration (a protected or
    // replicating Hub channel, a historical insert into a live channel).
    kPermissionDenied,
  };

  Status() = default;  // OK
  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status AlreadyExists(std::string msg) {
    return Status(Code::kAlreadyExists, std::move(msg));
  }
  static Status TooLarge(std::string msg) { return Status(Code::kTooLarge, std::move(msg)); }
  static Status Conflict(std::string msg) { return Status(Code::kConflict, std::move(msg)); }
  static Status NoSpace(std::string msg) { return Status(Code::kNoSpace, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status PermissionDenied(std::string msg) {
    return Status(Code::kPermissionDenied, std::move(msg));
  }
  // A Status with a code known only at run time (a code read back from an
  // error body); kOk gives OK and drops the message.
  static Status FromCode(Code code, std::string msg) {
    return code == Code::kOk ? Status() : Status(code, std::move(msg));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsTooLarge() const { return code_ == Code::kTooLarge; }
  bool IsNoSpace() const { return code_ == Code::kNoSpace; }
  bool IsUnavailable() const { return code_ == Code::kUnavailable; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsPermissionDenied() const { return code_ == Code::kPermissionDenied; }

  // The sentence for people, e.g. `topic "metrics" does not exist`. Empty iff ok().
  const std::string& message() const { return message_; }
  // "NotFound: topic ..." for logs.
  std::string ToString() const;
  // "NotFound", "InvalidArgument", ...: the code's name, also the
  // machine-readable `code` of the HTTP faces' error bodies, so a client
  // needs no table of its own to get the Status back (CodeFromName).
  static const char* CodeName(Code code);
  // The code named `name` (as CodeName spells it); nullopt for any other
  // string, including "OK".
  static std::optional<Code> CodeFromName(std::string_view name);

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

// Holds a T or a failed Error. value() on an error is a bug (asserted).
// Error is Status in the engine; an adapter may use its own outcome type
// (anything with ok(), default-constructible as success), as fs/ does for
// errno values.
template <typename T, typename Error = Status>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result built from success without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Error& status() const { return status_; }

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
  Error status_;
  std::optional<T> value_;
};

}  // namespace pdfs

#endif  // PDFS_ENGINE_STATUS_H_
