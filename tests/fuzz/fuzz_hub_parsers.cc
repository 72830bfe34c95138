// fuzz_hub_parsers: the Hub face's parsers of untrusted bytes (engine/hub/):
// bulk insert bodies, their Content-Type, and the time paths of Hub URLs.
//
// Input: one selector byte (taken modulo 5), then:
//   0  hub::ParseMultipart: 1 byte of limits (high bit clear: the defaults;
//      set: max_part_bytes 16 × (bits 0-3), max_parts 1 + (bits 4-6)), 1
//      byte of boundary length n (modulo 8; 0: the fixed boundary "abc"),
//      n bytes of boundary, then the body. On success: 1..max_parts parts,
//      each at most max_part_bytes, a content type, no control character in
//      a header value, and every part's data is found in the body after the
//      previous part's (parts are in order and never overlap). A second
//      parse gives the same answer.
//   1  hub::ParseMultipart round trip: the text split at 0xff into parts,
//      each a style byte (headers: Content-Type or not, Content-Key or not,
//      blank line "\r\n" or " \r\n") and data, formatted as a body with a
//      preamble and an epilogue; parsing gives exactly those parts.
//   2  hub::ParseTimePath of the text split at '/'. On success: start_ms in
//      [0, year 10000), the start of its period, a hash only with 8
//      segments; PeriodPath(start_ms, unit) parses back to the same start
//      and unit, and a key's ToPath() to the same time path.
//   3  hub::BoundaryOf. On success: 1..70 printable ASCII characters, not
//      ending in a space, and a one-part body with that boundary parses.
//   4  hub::ParseIso8601Millis (mutableTime). On success: a time in
//      [0, year 10000) whose FormatIso8601Millis parses back to it, and the
//      text itself, when it has milliseconds, is that format exactly; the
//      time with the rest of the input as a hash survives the historical
//      index key (IndexKeyOf / ContentKeyOfIndex) unchanged.
// Every error has a message and an expected code; no input crashes or trips
// a sanitizer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "pdfs/hub/keys.h"
#include "pdfs/hub/multipart.h"

namespace pdfs::fuzz {
namespace {

// The first millisecond of year 10000: no time path reaches it.
constexpr int64_t kYear10000Ms = 253'402'300'800'000;

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

bool SameParts(const std::vector<hub::BulkPart>& a, const std::vector<hub::BulkPart>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].content_type != b[i].content_type || a[i].data != b[i].data ||
        a[i].content_key != b[i].content_key) {
      return false;
    }
  }
  return true;
}

void CheckMultipart(std::string_view in) {
  if (in.size() < 2) return;
  const auto limit_byte = static_cast<unsigned char>(in[0]);
  hub::MultipartLimits limits;
  if (limit_byte & 0x80) {
    limits.max_part_bytes = 16 * size_t{limit_byte & 0x0fu};
    limits.max_parts = 1 + size_t{(limit_byte >> 4) & 0x07u};
  }
  const size_t n = static_cast<unsigned char>(in[1]) % 8;
  in.remove_prefix(2);
  if (in.size() < n) return;
  const std::string boundary = n == 0 ? "abc" : std::string(in.substr(0, n));
  const std::string_view body = in.substr(n);

  auto r = hub::ParseMultipart(body, boundary, limits);
  auto again = hub::ParseMultipart(body, boundary, limits);
  FUZZ_CHECK(r.ok() == again.ok(), "two parses disagree");
  const std::string where = "boundary " + Printable(boundary) + ", body " + Printable(body);
  if (!r.ok()) {
    const Status& s = r.status();
    FUZZ_CHECK((s.IsInvalidArgument() || s.IsTooLarge()) && !s.message().empty(),
               "bad error " + s.ToString() + " for " + where);
    FUZZ_CHECK(s.code() == again.status().code() && s.message() == again.status().message(),
               "two parses fail differently for " + where);
    return;
  }
  FUZZ_CHECK(SameParts(*r, *again), "two parses differ for " + where);
  FUZZ_CHECK(!r->empty() && r->size() <= limits.max_parts,
             std::to_string(r->size()) + " parts for " + where);
  size_t pos = 0;
  for (const hub::BulkPart& p : *r) {
    FUZZ_CHECK(p.data.size() <= limits.max_part_bytes,
               "a part of " + std::to_string(p.data.size()) + " bytes for " + where);
    FUZZ_CHECK(!p.content_type.empty() && !HasControl(p.content_type) && !HasControl(p.content_key),
               "bad headers " + Printable(p.content_type) + " / " + Printable(p.content_key) +
                   " for " + where);
    const size_t at = body.find(p.data, pos);
    FUZZ_CHECK(
        at != std::string_view::npos,
        "part data " + Printable(p.data) + " is not in the body after the previous part: " + where);
    pos = at + p.data.size();
  }
}

void CheckMultipartRoundTrip(std::string_view in) {
  static constexpr std::string_view kBoundary = "||~~ b ~~||";
  const std::string delimiter = "\r\n--" + std::string(kBoundary);
  std::vector<hub::BulkPart> want;
  std::string body = "preamble --" + std::string(kBoundary) + " is not at a line start";
  size_t start = 0;
  for (;;) {
    size_t end = in.find('\xff', start);
    std::string_view piece = in.substr(start, end - start);
    if (piece.empty()) return;  // every part needs its style byte
    const auto style = static_cast<unsigned char>(piece[0]);
    piece.remove_prefix(1);
    // Data starts a line (after the blank line's CRLF), so it may not even
    // begin with the delimiter's dash-boundary.
    if (("\r\n" + std::string(piece)).find(delimiter) != std::string::npos) return;
    hub::BulkPart part;
    part.content_type = "text/plain";
    body += delimiter + (style & 0x08 ? " \t\r\n" : "\r\n");
    if (style & 0x01) {
      part.content_type = "application/x-" + std::to_string(style);
      body += (style & 0x10 ? "content-type:" : "Content-Type: ") + part.content_type + "\r\n";
    }
    if (style & 0x02) {
      part.content_key = "2026/12/03/11/59/30/123/" + std::to_string(style);
      body += "Content-Key: " + part.content_key + "  \r\n";
    }
    if (style & 0x20) body += "X-Ignored: yes\r\n";
    body += style & 0x04 ? " \r\n" : "\r\n";
    part.data = piece;
    body += piece;
    want.push_back(std::move(part));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  body += delimiter + "--\r\nepilogue" + delimiter + "\r\n";
  hub::MultipartLimits limits;
  limits.max_parts = want.size();
  limits.max_part_bytes = in.size();
  auto r = hub::ParseMultipart(body, kBoundary, limits);
  FUZZ_CHECK(r.ok(), r.status().ToString() + " for " + Printable(body));
  FUZZ_CHECK(SameParts(*r, want), "the parts of " + Printable(body) + " are not what was sent");
}

void CheckTimePath(std::string_view in) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  for (;;) {
    const size_t slash = in.find('/', start);
    segments.push_back(in.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto r = hub::ParseTimePath(segments);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().IsInvalidArgument() && !r.status().message().empty(),
               "bad error " + r.status().ToString() + " for " + Printable(in));
    return;
  }
  const hub::TimePath& t = *r;
  const std::string what = Printable(in);
  FUZZ_CHECK(t.start_ms >= 0 && t.start_ms < kYear10000Ms,
             "start " + std::to_string(t.start_ms) + " for " + what);
  FUZZ_CHECK(t.unit >= hub::TimeUnit::kDay && t.unit <= hub::TimeUnit::kMillis,
             "a unit out of range for " + what);
  FUZZ_CHECK(t.start_ms % hub::UnitMs(t.unit) == 0, "not the start of its period: " + what);
  FUZZ_CHECK(t.hash.has_value() == (segments.size() == 8), "hash and segments disagree: " + what);

  const std::string period = hub::PeriodPath(t.start_ms, t.unit);
  std::vector<std::string_view> again;
  start = 0;
  for (;;) {
    const size_t slash = std::string_view(period).find('/', start);
    again.push_back(std::string_view(period).substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  auto p = hub::ParseTimePath(again);
  FUZZ_CHECK(p.ok(), "PeriodPath " + period + " of " + what + ": " + p.status().ToString());
  FUZZ_CHECK(p->start_ms == t.start_ms && p->unit == t.unit && !p->hash,
             "PeriodPath " + period + " does not parse back to " + what);

  if (t.hash) {
    const std::string key = hub::ContentKey{t.start_ms, *t.hash}.ToPath();
    std::vector<std::string_view> parts;
    start = 0;
    for (;;) {
      const size_t slash = std::string_view(key).find('/', start);
      parts.push_back(std::string_view(key).substr(start, slash - start));
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
    auto k = hub::ParseTimePath(parts);
    FUZZ_CHECK(k.ok() && *k == t, "ToPath " + key + " does not parse back to " + what);
  }
}

void CheckBoundaryOf(std::string_view in) {
  auto r = hub::BoundaryOf(in);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().IsInvalidArgument() && !r.status().message().empty(),
               "bad error " + r.status().ToString() + " for " + Printable(in));
    return;
  }
  const std::string& b = *r;
  bool printable = true;
  for (unsigned char c : b) printable = printable && c >= 0x20 && c < 0x7f;
  FUZZ_CHECK(!b.empty() && b.size() <= hub::kMaxBoundaryLength && printable && b.back() != ' ',
             "boundary " + Printable(b) + " of " + Printable(in));
  auto parts = hub::ParseMultipart("--" + b + "\r\n\r\nx\r\n--" + b + "--", b, {});
  FUZZ_CHECK(parts.ok() && parts->size() == 1 && (*parts)[0].data == "x",
             "a one-part body with boundary " + Printable(b) + " does not parse");
}

void CheckIso8601(std::string_view in) {
  const std::string_view text = in.substr(0, std::min<size_t>(in.size(), 24));
  auto r = hub::ParseIso8601Millis(text);
  if (!r.ok()) {
    FUZZ_CHECK(r.status().IsInvalidArgument() && !r.status().message().empty(),
               "bad error " + r.status().ToString() + " for " + Printable(text));
    return;
  }
  FUZZ_CHECK(*r >= 0 && *r < kYear10000Ms, Printable(text) + " is " + std::to_string(*r));
  const std::string formatted = hub::FormatIso8601Millis(*r);
  auto back = hub::ParseIso8601Millis(formatted);
  FUZZ_CHECK(back.ok() && *back == *r, formatted + " does not parse back to " + std::to_string(*r));
  FUZZ_CHECK(text.size() != 24 || formatted == text, Printable(text) + " formats as " + formatted);
  const hub::ContentKey key{*r, std::string(in.substr(text.size()))};
  if (key.hash.empty()) return;
  FUZZ_CHECK(hub::ContentKeyOfIndex(hub::IndexKeyOf(key)) == key,
             "the index key of " + Printable(key.hash) + " at " + formatted + " does not decode");
}

}  // namespace
}  // namespace pdfs::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0:
      pdfs::fuzz::CheckMultipart(in);
      break;
    case 1:
      pdfs::fuzz::CheckMultipartRoundTrip(in);
      break;
    case 2:
      pdfs::fuzz::CheckTimePath(in);
      break;
    default:
      pdfs::fuzz::CheckBoundaryOf(in);
      break;
    case 4:
      pdfs::fuzz::CheckIso8601(in);
      break;
  }
  return 0;
}
