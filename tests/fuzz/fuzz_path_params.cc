// fuzz_path_params: the parsers of URL path pieces and of --listen, each
// against a reference written the obvious, slow way.
//
// Input: one selector byte (taken modulo 4), then the text.
//   0  http::ParseU64           vs digits-only and a comparison of decimal
//                                strings with "18446744073709551615"
//   1  http::ParseLocationSpec  vs a split at the first '-' with the above
//   2  ValidateTopicName        vs 1..128 bytes of [A-Za-z0-9_.-], no leading '.'
//   3  http::ParseListenAddress vs a split at the last ':' (brackets, ports
//                                0..65535), and its output formatted again
//                                parses to itself
// Every error has a message; no input crashes or trips a sanitizer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "path_params.h"
#include "pdfs/http/server.h"
#include "pdfs/topic_name.h"

namespace pdfs::fuzz {
namespace {

// The value of a decimal text, or false if it is not digits only or is
// above UINT64_MAX. Compares the digits as text, with no arithmetic that
// could overflow.
bool ReferenceU64(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  std::string_view digits = text;
  while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
  constexpr std::string_view kMax = "18446744073709551615";
  if (digits.size() > kMax.size() || (digits.size() == kMax.size() && digits > kMax)) return false;
  *out = std::stoull(std::string(digits));
  return true;
}

void CheckU64(std::string_view text) {
  uint64_t got = 12345, want = 0;
  Status s = http::ParseU64(text, "number", &got);
  const bool ok = ReferenceU64(text, &want);
  FUZZ_CHECK(s.ok() == ok, "ParseU64(" + Printable(text) + ") says " + s.ToString());
  if (ok) {
    FUZZ_CHECK(got == want, "ParseU64(" + Printable(text) + ") = " + std::to_string(got));
  } else {
    FUZZ_CHECK(s.IsInvalidArgument() && !s.message().empty(), "bad error: " + s.ToString());
    FUZZ_CHECK(got == 12345, "a failed ParseU64 wrote its output");
  }
}

void CheckLocationSpec(std::string_view text) {
  using Kind = http::LocationSpec::Kind;
  http::LocationSpec spec;
  Status s = http::ParseLocationSpec(text, &spec);
  // Reference.
  bool ok = false;
  Kind kind = Kind::kLocation;
  uint64_t start = 0, end = 0;
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    ok = ReferenceU64(text, &start);
  } else if (ReferenceU64(text.substr(0, dash), &start)) {
    std::string_view rest = text.substr(dash + 1);
    if (rest.empty()) {
      ok = true;
      kind = Kind::kOpenRange;
    } else {
      kind = Kind::kClosedRange;
      ok = ReferenceU64(rest, &end) && end >= start;
    }
  }
  FUZZ_CHECK(s.ok() == ok, "ParseLocationSpec(" + Printable(text) + ") says " + s.ToString());
  if (ok) {
    FUZZ_CHECK(
        spec.kind == kind && spec.start == start && (kind != Kind::kClosedRange || spec.end == end),
        "ParseLocationSpec(" + Printable(text) + ") parsed it wrong");
  } else {
    FUZZ_CHECK(s.IsInvalidArgument() && !s.message().empty(), "bad error: " + s.ToString());
  }
}

void CheckTopicName(std::string_view text) {
  bool ok = !text.empty() && text.size() <= kMaxTopicNameBytes && text.front() != '.';
  for (unsigned char c : text) {
    const bool name_byte = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    ok = ok && name_byte;
  }
  Status s = ValidateTopicName(text);
  FUZZ_CHECK(s.ok() == ok, "ValidateTopicName(" + Printable(text) + ") says " + s.ToString());
  if (!ok) {
    FUZZ_CHECK(s.IsInvalidArgument() && !s.message().empty(), "bad error: " + s.ToString());
    // The message quotes no more of a hostile name than one printable byte.
    for (unsigned char c : s.message()) {
      FUZZ_CHECK(c >= 0x20 && c < 0x7f,
                 "unprintable byte in the message: " + Printable(s.message()));
    }
  }
}

void CheckListenAddress(std::string_view view) {
  const std::string text(view);
  std::string host = "unchanged";
  int port = -7;
  Status s = http::ParseListenAddress(text, &host, &port);
  // Reference.
  bool ok = false;
  std::string want_host;
  uint64_t want_port = 0;
  const size_t colon = text.rfind(':');
  if (colon != std::string::npos &&
      ReferenceU64(std::string_view(text).substr(colon + 1), &want_port) && want_port <= 65535) {
    ok = true;
    want_host = text.substr(0, colon);
    if (want_host.size() >= 2 && want_host.front() == '[' && want_host.back() == ']') {
      want_host = want_host.substr(1, want_host.size() - 2);
    }
    if (want_host.empty()) want_host = "127.0.0.1";
  }
  FUZZ_CHECK(s.ok() == ok, "ParseListenAddress(" + Printable(text) + ") says " + s.ToString());
  if (!ok) {
    FUZZ_CHECK(s.IsInvalidArgument() && !s.message().empty(), "bad error: " + s.ToString());
    FUZZ_CHECK(host == "unchanged" && port == -7, "a failed ParseListenAddress wrote its output");
    return;
  }
  FUZZ_CHECK(host == want_host && port == static_cast<int>(want_port),
             "ParseListenAddress(" + Printable(text) + ") = " + Printable(host) + " port " +
                 std::to_string(port));
  // Formatted again (bracketed, as an IPv6 host must be), it parses to itself.
  std::string again_host;
  int again_port = -1;
  const std::string formatted = "[" + host + "]:" + std::to_string(port);
  Status again = http::ParseListenAddress(formatted, &again_host, &again_port);
  FUZZ_CHECK(again.ok() && again_host == host && again_port == port,
             "ParseListenAddress does not round-trip " + Printable(formatted));
}

}  // namespace
}  // namespace pdfs::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pdfs::fuzz;
  if (size < 1) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
      CheckU64(text);
      break;
    case 1:
      CheckLocationSpec(text);
      break;
    case 2:
      CheckTopicName(text);
      break;
    case 3:
      CheckListenAddress(text);
      break;
  }
  return 0;
}
