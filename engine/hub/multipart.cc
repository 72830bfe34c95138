// The Hub's multipart/mixed bulk bodies.
//
// Plain loops over string_view and find(): no std::regex, whose libstdc++
// implementation recursed per character in this project and overflowed a
// server's stack on a long body.
#include "pdfs/hub/multipart.h"

#include <cstdio>
#include <optional>

namespace pdfs::hub {

namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kDefaultType = "text/plain";

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != lower[i]) return false;
  }
  return true;
}

// `s` in double quotes for an error sentence, cut at 100 bytes, with bytes
// outside printable ASCII escaped: the text came from a client and the
// sentence goes to a log and a response body.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s.substr(0, 100)) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 100) out += "...";
  out += '"';
  return out;
}

Status CheckBoundary(std::string_view boundary) {
  bool ok = !boundary.empty() && boundary.size() <= kMaxBoundaryLength && boundary.back() != ' ';
  for (unsigned char c : boundary) ok = ok && c >= 0x20 && c < 0x7f;
  if (ok) return Status::Ok();
  return Status::InvalidArgument("multipart boundary " + Quoted(boundary) + " must be 1 to " +
                                 std::to_string(kMaxBoundaryLength) +
                                 " printable ASCII characters, not ending in a space");
}

// The byte below 0x20 (but tab) or 0x7f in `line`, if any.
std::optional<unsigned char> ControlIn(std::string_view line) {
  for (unsigned char c : line) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return c;
  }
  return std::nullopt;
}

// A delimiter line found in a body.
struct Delimiter {
  size_t line_start = 0;  // where its "--" is
  bool close = false;     // `--boundary--`
  size_t next = 0;        // for an ordinary delimiter, where the next part starts
};

// If a delimiter line starts at `p` (already known to be a line start),
// what it is.
std::optional<Delimiter> DelimiterAt(std::string_view body, size_t p, std::string_view dash) {
  if (body.substr(p, dash.size()) != dash) return std::nullopt;
  size_t i = p + dash.size();
  if (body.substr(i, 2) == "--") return Delimiter{p, true, 0};
  while (i < body.size() && IsBlank(body[i])) ++i;
  if (body.substr(i, 2) != kCrlf) return std::nullopt;
  return Delimiter{p, false, i + 2};
}

// The first delimiter line at or after `from` whose leading CRLF (unless it
// starts the body) is also at or after `from`: a part's own bytes end in
// the CRLF that the next delimiter owns, so they cannot share it with the
// delimiter line before them. Each probe costs at most the needle's length
// (≤ 74 bytes) and probes advance, so a whole body is scanned in linear time.
std::optional<Delimiter> FindDelimiter(std::string_view body, size_t from,
                                       std::string_view crlf_dash) {
  const std::string_view dash = crlf_dash.substr(2);
  if (from == 0) {
    if (auto d = DelimiterAt(body, 0, dash)) return d;
  }
  for (size_t q = body.find(crlf_dash, from); q != std::string_view::npos;
       q = body.find(crlf_dash, q + 1)) {
    if (auto d = DelimiterAt(body, q + 2, dash)) return d;
  }
  return std::nullopt;
}

std::string PartName(size_t number) { return "part " + std::to_string(number); }

// Reads the headers of part `number` from `region` (its bytes up to the CRLF
// of the next delimiter) into `part`, and sets `data_start` to where its
// data begins in `region`.
Status ParseHeaders(std::string_view region, size_t number, BulkPart* part, size_t* data_start) {
  part->content_type = kDefaultType;
  size_t i = 0;
  for (;;) {
    const size_t eol = region.find(kCrlf, i);
    if (eol == std::string_view::npos) {
      return Status::InvalidArgument(PartName(number) +
                                     " has no blank line (CRLF CRLF) between its headers and "
                                     "its data");
    }
    const std::string_view line = region.substr(i, eol - i);
    if (auto c = ControlIn(line)) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02x", *c);
      return Status::InvalidArgument(PartName(number) + " has a control character (" + hex +
                                     ") in the header line " + Quoted(line) +
                                     "; header lines end in CRLF");
    }
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty()) {
      *data_start = eol + kCrlf.size();
      return Status::Ok();
    }
    const size_t colon = trimmed.find(':');
    if (colon == std::string_view::npos) {
      return Status::InvalidArgument(PartName(number) +
                                     " has a header line without a colon: " + Quoted(trimmed));
    }
    const std::string_view name = Trim(trimmed.substr(0, colon));
    const std::string_view value = Trim(trimmed.substr(colon + 1));
    if (name.empty()) {
      return Status::InvalidArgument(PartName(number) +
                                     " has a header line with no name: " + Quoted(trimmed));
    }
    if (EqualsIgnoreCase(name, "content-type")) {
      part->content_type = value.empty() ? kDefaultType : value;
    } else if (EqualsIgnoreCase(name, "content-key")) {
      part->content_key = value;
    }
    i = eol + kCrlf.size();
  }
}

}  // namespace

Result<std::string> BoundaryOf(std::string_view header) {
  const size_t semi = header.find(';');
  const std::string_view type = Trim(header.substr(0, semi));
  if (!EqualsIgnoreCase(type, "multipart/mixed")) {
    return Status::InvalidArgument(
        "a bulk body's Content-Type must be multipart/mixed with a boundary parameter, not " +
        Quoted(header));
  }
  std::optional<std::string> boundary;
  size_t i = semi == std::string_view::npos ? header.size() : semi + 1;
  while (i < header.size()) {
    while (i < header.size() && (IsBlank(header[i]) || header[i] == ';')) ++i;
    if (i == header.size()) break;
    const size_t eq = header.find_first_of("=;", i);
    if (eq == std::string_view::npos || header[eq] != '=') {
      return Status::InvalidArgument("Content-Type parameter " +
                                     Quoted(Trim(header.substr(i, eq - i))) +
                                     " has no value (name=value)");
    }
    const std::string_view name = Trim(header.substr(i, eq - i));
    i = eq + 1;
    while (i < header.size() && IsBlank(header[i])) ++i;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      bool closed = false;
      while (i < header.size()) {
        const char c = header[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < header.size()) {
          value.push_back(header[i++]);
        } else {
          value.push_back(c);
        }
      }
      if (!closed) {
        return Status::InvalidArgument("Content-Type parameter " + Quoted(name) +
                                       " has a quoted value with no closing quote");
      }
      while (i < header.size() && IsBlank(header[i])) ++i;
      if (i < header.size() && header[i] != ';') {
        return Status::InvalidArgument("Content-Type parameter " + Quoted(name) +
                                       " has text after its quoted value");
      }
    } else {
      const size_t end = header.find(';', i);
      value = Trim(header.substr(i, end - i));
      i = end == std::string_view::npos ? header.size() : end;
    }
    if (EqualsIgnoreCase(name, "boundary")) {
      if (boundary) {
        return Status::InvalidArgument("Content-Type has two boundary parameters");
      }
      boundary = std::move(value);
    }
  }
  if (!boundary) {
    return Status::InvalidArgument("Content-Type " + Quoted(header) +
                                   " has no boundary parameter (multipart/mixed; boundary=...)");
  }
  if (Status s = CheckBoundary(*boundary); !s.ok()) return s;
  return std::move(*boundary);
}

Result<std::vector<BulkPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             const MultipartLimits& limits) {
  if (Status s = CheckBoundary(boundary); !s.ok()) return s;
  const std::string crlf_dash = "\r\n--" + std::string(boundary);
  const std::string_view dash = std::string_view(crlf_dash).substr(2);

  std::optional<Delimiter> d = FindDelimiter(body, 0, crlf_dash);
  if (!d) {
    // Mostly an empty body; otherwise say why a line that looks like the
    // delimiter is not one, since that is the usual client mistake.
    if (body.find(dash) == std::string_view::npos) {
      return Status::InvalidArgument("multipart has no items");
    }
    return Status::InvalidArgument("multipart has no items: no line is the delimiter " +
                                   Quoted(dash) + " followed by CRLF");
  }
  if (d->close) return Status::InvalidArgument("multipart has no items");

  std::vector<BulkPart> parts;
  for (size_t number = 1;; ++number) {
    const size_t start = d->next;
    d = FindDelimiter(body, start, crlf_dash);
    if (!d) {
      return Status::InvalidArgument(PartName(number) + " is truncated: the body ends before " +
                                     "the close delimiter " + Quoted(std::string(dash) + "--"));
    }
    if (parts.size() == limits.max_parts) {
      return Status::TooLarge("multipart has more than " + std::to_string(limits.max_parts) +
                              " parts");
    }
    // The region ends before the CRLF that starts the delimiter line.
    const std::string_view region = body.substr(start, d->line_start - kCrlf.size() - start);
    BulkPart part;
    size_t data_start = 0;
    if (Status s = ParseHeaders(region, number, &part, &data_start); !s.ok()) return s;
    const std::string_view data = region.substr(data_start);
    if (data.size() > limits.max_part_bytes) {
      return Status::TooLarge(PartName(number) + " has " + std::to_string(data.size()) +
                              " bytes of data, more than the limit of " +
                              std::to_string(limits.max_part_bytes));
    }
    part.data = data;
    parts.push_back(std::move(part));
    if (d->close) return parts;
  }
}

}  // namespace pdfs::hub
