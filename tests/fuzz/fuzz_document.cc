// fuzz_document: DocumentParser on whole inputs (an HTTP body, a `pdfs write`
// input), checked against nlohmann::json and a reference minifier.
//
// Input: one byte of configuration, then the JSON text.
//   bits 0-1  the shape (kOneObject, kArrayOfObjects, kObjectOrArray,
//             kObjectStream)
//   bits 2-4  max_depth: 512 (the default) for 0, else 1..7, so that the
//             depth limit is reached by small inputs
//   bits 5-7  max_document_bytes: unlimited for 0, else 1, 2, 3, 8, 16, 31, 64
//
// Invariants, for every input:
//  - never a crash, leak or undefined behaviour (ASan, UBSan);
//  - validity agrees with nlohmann::json: the input is accepted (with no size
//    limit) iff nlohmann accepts it, the top-level value has the shape, and
//    no document nests deeper than max_depth. Accepted differences (see
//    README.md): nlohmann skips a UTF-8 byte order mark before a value, we
//    refuse it in a request (an object stream, a file written into the mount,
//    skips it, and the stream reference does too); nlohmann stops at a NUL byte as if the input
//    ended there, we refuse the NUL; nlohmann has no depth limit, ours is max_depth; nlohmann
//    refuses numbers beyond the range of a double (RFC 8259 allows them; pdfs keeps number text as
//    sent), so such inputs are not compared;
//  - every document is the reference minification of its text, equal to what
//    nlohmann parsed, and re-parses alone as exactly itself (minification is
//    idempotent);
//  - with a size limit: accepted iff every document fits, else TooLarge, and
//    no emitted document is ever over the limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "parse_config.h"
#include "pdfs/document.h"

namespace pdfs::fuzz {
namespace {

using Shape = DocumentParser::Shape;
using nlohmann::json;

// How deeply objects and arrays nest in a valid JSON text, counted on the
// text: nlohmann's value would do only without duplicate keys (it keeps the
// last one, and the subtrees of the others are gone from the value but not
// from what pdfs checks).
size_t TextDepth(std::string_view text) {
  StringTracker strings;
  size_t depth = 0, deepest = 0;
  for (char c : text) {
    if (strings.Feed(c)) continue;
    if (c == '{' || c == '[') deepest = std::max(deepest, ++depth);
    if (c == '}' || c == ']') --depth;
  }
  return deepest;
}

// nlohmann's verdict on a whole text. kUnknown: it refused a number beyond
// the range of a double (its error 406), which JSON allows and pdfs keeps
// as text; such inputs are left out of the comparison.
enum class Verdict { kValid, kInvalid, kUnknown };

Verdict Nlohmann(std::string_view text, json* out) {
  try {
    *out = json::parse(text);
    return Verdict::kValid;
  } catch (const json::out_of_range& e) {
    return e.id == 406 ? Verdict::kUnknown : Verdict::kInvalid;
  } catch (const json::exception&) {
    return Verdict::kInvalid;
  }
}

bool StartsWithBom(std::string_view s) { return s.substr(0, 3) == "\xEF\xBB\xBF"; }

std::vector<std::string> Docs(const DocumentBatch& batch) {
  std::vector<std::string> docs;
  for (size_t i = 0; i < batch.size(); ++i) docs.emplace_back(batch[i]);
  return docs;
}

// Every emitted document re-parses alone as exactly itself.
void CheckReparses(const std::vector<std::string>& docs, size_t max_depth) {
  for (const std::string& doc : docs) {
    DocumentBatch again;
    Status s = DocumentParser::ParseAll(
        doc, Shape::kOneObject, {.max_document_bytes = kUnlimited, .max_depth = max_depth}, &again);
    FUZZ_CHECK(s.ok(),
               "emitted document does not re-parse: " + s.ToString() + "\n" + Printable(doc));
    FUZZ_CHECK(again.size() == 1 && again[0] == doc,
               "re-parse changed the document: " + Printable(doc));
  }
}

// The reference for an object stream: skip JSON whitespace and byte order
// marks, then for an object find where it ends by bracket matching (strings
// respected) and have nlohmann parse exactly those bytes strictly; for an
// array, do the same for each element in turn, with only whitespace, ','
// and the closing ']' between them. For valid input the first point where
// the nesting returns to zero is the object's end, so this is exact: the
// texts of the documents before the first error, and whether there was one.
struct StreamReference {
  std::vector<std::string> texts;
  bool ok = true;
  bool unknown = false;  // nlohmann could not judge a document (Verdict::kUnknown)
};

constexpr std::string_view kBom = "\xEF\xBB\xBF";

StreamReference ReferenceStream(std::string_view text, size_t max_depth) {
  StreamReference ref;
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < text.size() && IsJsonSpace(text[pos])) ++pos;
  };
  // The object starting at pos, appended to ref.texts; false at an error
  // (ref.ok is then false) or when nlohmann cannot judge it.
  auto object = [&]() -> bool {
    if (pos == text.size() || text[pos] != '{') return false;
    size_t depth = 0, end = pos;
    StringTracker strings;
    for (; end < text.size(); ++end) {
      const char c = text[end];
      if (strings.Feed(c)) continue;
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) break;
      }
    }
    if (end == text.size()) return false;  // incomplete
    const std::string_view candidate = text.substr(pos, end + 1 - pos);
    json v;
    const Verdict verdict = Nlohmann(candidate, &v);
    if (verdict == Verdict::kUnknown) {
      ref.unknown = true;
      return false;
    }
    if (verdict == Verdict::kInvalid || !v.is_object() || TextDepth(candidate) > max_depth ||
        candidate.find('\0') != std::string_view::npos) {
      return false;
    }
    ref.texts.emplace_back(candidate);
    pos = end + 1;
    return true;
  };
  for (;;) {
    skip_space();
    while (text.substr(pos, kBom.size()) == kBom) {
      pos += kBom.size();
      skip_space();
    }
    if (pos == text.size()) return ref;
    ref.ok = false;
    if (text[pos] == '{') {
      if (!object()) return ref;
    } else if (text[pos] == '[') {
      ++pos;
      skip_space();
      if (pos < text.size() && text[pos] == ']') {
        ++pos;  // an empty array: no documents
      } else {
        for (;;) {
          if (!object()) return ref;
          skip_space();
          if (pos == text.size()) return ref;
          if (text[pos] == ']') {
            ++pos;
            break;
          }
          if (text[pos] != ',') return ref;
          ++pos;
          skip_space();
        }
      }
    } else {
      return ref;
    }
    ref.ok = true;
  }
}

// Parses text again with a document size limit: no document over the limit is
// ever emitted; a valid input stays valid iff every document fits (else
// TooLarge); an invalid input stays invalid.
void CheckSizeLimit(const std::string& text, Shape shape, size_t max_depth, size_t limit,
                    const Status& unlimited, const std::vector<std::string>& docs) {
  if (limit == kUnlimited) return;
  DocumentBatch limited;
  Status ls = DocumentParser::ParseAll(
      text, shape, {.max_document_bytes = limit, .max_depth = max_depth}, &limited);
  for (size_t i = 0; i < limited.size(); ++i) {
    FUZZ_CHECK(limited[i].size() <= limit, "a document over the limit of " + std::to_string(limit) +
                                               " bytes was emitted: " + Printable(limited[i]));
  }
  if (unlimited.ok()) {
    bool fits = true;
    for (const std::string& d : docs) fits = fits && d.size() <= limit;
    FUZZ_CHECK(ls.ok() == fits, "size limit " + std::to_string(limit) + " gave " + ls.ToString() +
                                    " for " + Printable(text));
    if (!ls.ok()) FUZZ_CHECK(ls.IsTooLarge(), "expected TooLarge, got " + ls.ToString());
  } else {
    FUZZ_CHECK(!ls.ok(), "an invalid input became valid under a size limit");
  }
}

void CheckStream(const std::string& text, size_t max_depth, size_t limit) {
  DocumentBatch batch;
  Status s =
      DocumentParser::ParseAll(text, Shape::kObjectStream,
                               {.max_document_bytes = kUnlimited, .max_depth = max_depth}, &batch);
  const std::vector<std::string> docs = Docs(batch);
  CheckReparses(docs, max_depth);
  const StreamReference ref = ReferenceStream(text, max_depth);
  if (!ref.unknown) {
    FUZZ_CHECK(s.ok() == ref.ok, std::string("DocumentParser says ") +
                                     (s.ok() ? "valid" : s.ToString()) + ", the reference says " +
                                     (ref.ok ? "valid" : "invalid") +
                                     "\ninput: " + Printable(text));
    if (!s.ok()) FUZZ_CHECK(s.IsInvalidArgument(), "unexpected error " + s.ToString());
    FUZZ_CHECK(docs.size() == ref.texts.size(),
               std::to_string(docs.size()) +
                   " documents before the end or error, the reference has " +
                   std::to_string(ref.texts.size()) + "\ninput: " + Printable(text));
    for (size_t i = 0; i < docs.size(); ++i) {
      FUZZ_CHECK(docs[i] == Minify(ref.texts[i]),
                 "document " + std::to_string(i) + " is not its minified text: " +
                     Printable(docs[i]) + "\n" + Printable(ref.texts[i]));
    }
  }
  // The same stream with a size limit: accepted iff every document fits.
  CheckSizeLimit(text, Shape::kObjectStream, max_depth, limit, s, docs);
}

void CheckWhole(const std::string& text, Shape shape, size_t max_depth, size_t limit) {
  DocumentBatch batch;
  bool saw_array = false;
  Status s = DocumentParser::ParseAll(
      text, shape, {.max_document_bytes = kUnlimited, .max_depth = max_depth}, &batch, &saw_array);
  const std::vector<std::string> docs = Docs(batch);
  CheckReparses(docs, max_depth);
  CheckSizeLimit(text, shape, max_depth, limit, s, docs);

  // nlohmann's verdict, with the shape and the depth limit applied.
  json v;
  const Verdict verdict = Nlohmann(text, &v);
  if (verdict == Verdict::kUnknown) return;
  // nlohmann's lexer takes a NUL byte for the end of the input (so it
  // accepts "{}\0junk"); a raw NUL is invalid anywhere in JSON.
  const bool nl_ok =
      verdict == Verdict::kValid && !StartsWithBom(text) && text.find('\0') == std::string::npos;
  bool shape_ok = false;
  std::vector<const json*> elements;
  if (nl_ok) {
    if (v.is_object() && shape != Shape::kArrayOfObjects) {
      shape_ok = true;
      elements.push_back(&v);
    } else if (v.is_array() && !v.empty() &&
               (shape == Shape::kArrayOfObjects || shape == Shape::kObjectOrArray)) {
      shape_ok = true;
      for (const json& e : v) {
        shape_ok = shape_ok && e.is_object();
        elements.push_back(&e);
      }
    }
  }
  // The depth limit applies to each document: an array around them does not count.
  const bool depth_ok = !shape_ok || TextDepth(text) - (v.is_array() ? 1 : 0) <= max_depth;
  const bool expected = nl_ok && shape_ok && depth_ok;
  FUZZ_CHECK(s.ok() == expected,
             std::string("DocumentParser says ") + (s.ok() ? "valid" : s.ToString()) +
                 ", nlohmann says " + (nl_ok ? "valid" : "invalid") +
                 (nl_ok ? std::string(", shape ") + (shape_ok ? "fits" : "does not fit") +
                              ", depth " + (depth_ok ? "fits" : "does not fit")
                        : "") +
                 "\ninput: " + Printable(text));
  if (!s.ok()) {
    FUZZ_CHECK(s.IsInvalidArgument(), "unexpected error " + s.ToString());
    FUZZ_CHECK(!s.message().empty(), "an error without a message");
  } else {
    FUZZ_CHECK(saw_array == v.is_array(), "saw_array is wrong for " + Printable(text));
    FUZZ_CHECK(docs.size() == elements.size(), "document count differs from nlohmann's");
    for (size_t i = 0; i < docs.size(); ++i) {
      FUZZ_CHECK(json::parse(docs[i]) == *elements[i],
                 "document " + std::to_string(i) +
                     " differs from nlohmann's value: " + Printable(docs[i]));
    }
    std::string rebuilt;
    if (saw_array) {
      rebuilt = "[";
      for (size_t i = 0; i < docs.size(); ++i) rebuilt += (i > 0 ? "," : "") + docs[i];
      rebuilt += "]";
    } else {
      rebuilt = docs[0];
    }
    FUZZ_CHECK(rebuilt == Minify(text), "documents are not the minified input:\n" +
                                            Printable(text) + "\n" + Printable(rebuilt));
  }
}

}  // namespace
}  // namespace pdfs::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pdfs::fuzz;
  if (size < 1) return 0;
  const ParseConfig config = DecodeParseConfig(data[0]);
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (config.shape == Shape::kObjectStream) {
    CheckStream(text, config.max_depth, config.max_document_bytes);
  } else {
    CheckWhole(text, config.shape, config.max_depth, config.max_document_bytes);
  }
  return 0;
}
