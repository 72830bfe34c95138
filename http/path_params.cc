// ParseU64 and ParseLocationSpec.
#include "path_params.h"

#include <string>

namespace pdfs::http {
namespace {

// Shows a user's text in an error sentence without echoing megabytes.
std::string Shown(std::string_view text) {
  std::string s(text.substr(0, 40));
  if (text.size() > 40) s += "...";
  return "\"" + s + "\"";
}

}  // namespace

Status ParseU64(std::string_view text, std::string_view what, uint64_t* out) {
  auto bad = [&] {
    return Status::InvalidArgument(std::string(what) + " " + Shown(text) +
                                   " is not a whole number from 0 to 18446744073709551615");
  };
  if (text.empty()) return bad();
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return bad();  // would overflow
    v = v * 10 + digit;
  }
  *out = v;
  return Status::Ok();
}

Status ParseLocationSpec(std::string_view text, LocationSpec* out) {
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    out->kind = LocationSpec::Kind::kLocation;
    return ParseU64(text, "location", &out->start);
  }
  if (Status s = ParseU64(text.substr(0, dash), "range start", &out->start); !s.ok()) return s;
  std::string_view rest = text.substr(dash + 1);
  if (rest.empty()) {
    out->kind = LocationSpec::Kind::kOpenRange;
    return Status::Ok();
  }
  out->kind = LocationSpec::Kind::kClosedRange;
  if (Status s = ParseU64(rest, "range end", &out->end); !s.ok()) return s;
  if (out->end < out->start) {
    return Status::InvalidArgument("range " + std::to_string(out->start) + "-" +
                                   std::to_string(out->end) +
                                   " ends before it starts; the end is inclusive and must be at "
                                   "least the start");
  }
  return Status::Ok();
}

}  // namespace pdfs::http
