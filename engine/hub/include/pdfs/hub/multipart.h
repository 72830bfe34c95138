// The Hub's bulk insert body, `multipart/mixed` (RFC 2046 §5.1), parsed into
// its parts, protocol-neutral (docs/HUB.md, "Items").
//
// The rules are the Hub's MultiPartParser where it has one, RFC 2046 where
// the Hub is vaguer, and an error where the Hub would silently guess:
//
// - Every line that matters (delimiter and header lines) ends in CRLF, as
//   in the Hub. A bare LF is not a line end: inside data it is data, in a
//   header line it is an error (see below), and a delimiter line ending in
//   a bare LF is not a delimiter.
// - A delimiter is a line that starts with `--<boundary>`, at the start of
//   the body or after a CRLF, and continues with only spaces or tabs
//   (RFC 2046's transport padding) before its CRLF. A line that starts with
//   `--<boundary>` and goes on with anything else is data, not a delimiter.
//   Unlike the Hub, which matches `--<boundary>CRLF` anywhere, a boundary
//   inside data that does not begin a line is data.
// - The preamble (everything before the first delimiter) is ignored, and so
//   is the epilogue (everything after the close delimiter `--<boundary>--`).
// - A part is header lines up to the first line that is empty after
//   trimming spaces and tabs (the Hub `strip()`s each line, so " \r\n" ends
//   the headers too), then its data, up to the CRLF before the next delimiter;
//   that CRLF belongs to the delimiter, not to the data. Data is bytes: NUL,
//   CR and LF inside it are kept.
// - Header names are case-insensitive. `Content-Type` (default `text/plain`,
//   also for an empty value) and `Content-Key` (kept as written, for
//   replication; the caller validates it) are read; a repeated header keeps
//   its last value, as in the Hub; every other header is ignored. Folded
//   (continued) header lines are not supported: they have no colon.
// - A part with no data (a blank line followed directly by the next
//   delimiter's CRLF) is a part of zero bytes. The Hub drops such parts
//   silently; here they are returned, so that part numbers in errors and
//   the count of parts are what the client sent, and the caller decides.
//
// Thread safety: every function here is pure (no shared state) and may be
// called concurrently from any thread.
#ifndef PDFS_ENGINE_HUB_MULTIPART_H_
#define PDFS_ENGINE_HUB_MULTIPART_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/status.h"

namespace pdfs::hub {

// The longest boundary RFC 2046 allows.
inline constexpr size_t kMaxBoundaryLength = 70;

// One part of a bulk body. A value type.
struct BulkPart {
  std::string content_type;  // "text/plain" unless the part said otherwise
  std::string data;          // the part's bytes, exactly
  std::string content_key;   // empty if the part had no Content-Key header
};

// The limits ParseMultipart enforces. The caller bounds the whole body (the
// Hub caps it at 3 × maxPayloadSizeMB, 120 MB); these bound what is in it.
// A value type.
struct MultipartLimits {
  // The most data bytes one part may hold; the Hub's single-item limit
  // (app.maxPayloadSizeMB=40) by default.
  size_t max_part_bytes = size_t{40} << 20;
  // The most parts one body may hold; by default the Hub's
  // app.directionCountLimit, the largest next/N, so that one bulk insert
  // can be read back with one query.
  size_t max_parts = 10'000;
};

// The boundary parameter of a Content-Type header value such as
// `multipart/mixed; boundary="||~~||"`. The type and the parameter name are
// case-insensitive; other parameters are ignored; the value is a token or a
// quoted string (backslash escapes one character). A boundary is 1 to 70
// printable ASCII characters (0x20..0x7e), not ending in a space: RFC 2046's
// `bchars` plus the other printable characters, because the Hub's own bulk
// reads use '|' and '~'.
// InvalidArgument, with a sentence, for a type other than multipart/mixed,
// a missing or repeated boundary parameter, a parameter without "=", a bad
// quoted string (no closing quote, or text after it), or a boundary that is
// empty, too long, ends in a space or has a character outside that range.
Result<std::string> BoundaryOf(std::string_view content_type_header);

// The parts of `body`, a multipart/mixed body whose boundary is `boundary`
// (without the leading "--"), in order, by the rules at the top of this
// file. Linear in the size of the body (the boundary is at most 70 bytes)
// and never recursive.
// InvalidArgument, with a sentence naming the part (numbered from 1):
//   - a boundary that BoundaryOf would refuse;
//   - "multipart has no items" (the Hub's text) for a body with no
//     delimiter line, or whose first delimiter is the close delimiter;
//   - a body that ends before the close delimiter (truncated);
//   - a part whose headers never end in a blank line before its data;
//   - a header line without a colon, with an empty name, or with a control
//     character (any byte below 0x20 but tab, or 0x7f: a bare CR or LF would
//     otherwise reach the Content-Type of a response).
// TooLarge for a part of more than `limits.max_part_bytes` data bytes or a
// body of more than `limits.max_parts` parts.
// The first error in the body's order wins.
Result<std::vector<BulkPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             const MultipartLimits& limits);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_MULTIPART_H_
