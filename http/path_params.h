// Parsing of the numbers and ranges in stream URLs.
#ifndef PDFS_HTTP_PATH_PARAMS_H_
#define PDFS_HTTP_PATH_PARAMS_H_

#include <cstdint>
#include <string_view>

#include "pdfs/status.h"

namespace pdfs::http {

// An unsigned 64-bit decimal: digits only (no sign, no spaces, no "0x"),
// at most 18446744073709551615. `what` names it in the error sentence.
Status ParseU64(std::string_view text, std::string_view what, uint64_t* out);

// The last path segment of /stream/:topic/...: a location "N", a closed
// range "A-B" (inclusive) or an open range "A-".
struct LocationSpec {
  enum class Kind { kLocation, kClosedRange, kOpenRange };
  Kind kind = Kind::kLocation;
  uint64_t start = 0;
  uint64_t end = 0;  // inclusive; kClosedRange only
};
// InvalidArgument for junk, overflow, or a closed range with end < start.
Status ParseLocationSpec(std::string_view text, LocationSpec* out);

}  // namespace pdfs::http

#endif  // PDFS_HTTP_PATH_PARAMS_H_
