// Helpers shared by the fuzz targets: a fatal check that names the broken
// invariant, and reference implementations simple enough to trust.
#ifndef PDFS_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define PDFS_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace pdfs::fuzz {

// A broken invariant: print it and abort, which libFuzzer reports as a crash
// and saves the input as crash-<sha1>.
[[noreturn]] inline void Fail(const char* file, int line, const char* what,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n%s\n", file, line, what, detail.c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, detail)                                        \
  do {                                                                  \
    if (!(cond)) ::pdfs::fuzz::Fail(__FILE__, __LINE__, #cond, detail); \
  } while (0)

// The bytes of `s` with everything outside 0x20..0x7e escaped, cut at 300
// bytes: for failure messages.
inline std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 300)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > 300) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out;
}

// Follows a JSON text one byte at a time and says which bytes belong to a
// string literal (its quotes included). Exact for valid JSON, where '"' opens
// and closes strings and '\' escapes exactly one character inside them.
class StringTracker {
 public:
  // Returns true if c is part of a string literal.
  bool Feed(char c) {
    if (!in_string_) {
      in_string_ = c == '"';
      return in_string_;
    }
    if (escaped_) {
      escaped_ = false;
    } else if (c == '\\') {
      escaped_ = true;
    } else if (c == '"') {
      in_string_ = false;
    }
    return true;
  }

 private:
  bool in_string_ = false;
  bool escaped_ = false;
};

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The reference minifier: drops JSON whitespace outside strings and keeps
// every other byte.
inline std::string Minify(std::string_view json) {
  std::string out;
  StringTracker strings;
  for (char c : json) {
    if (strings.Feed(c) || !IsJsonSpace(c)) out.push_back(c);
  }
  return out;
}

}  // namespace pdfs::fuzz

#endif  // PDFS_TESTS_FUZZ_FUZZ_SUPPORT_H_
