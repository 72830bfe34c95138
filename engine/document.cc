// DocumentParser: a resumable, byte-at-a-time JSON scanner that validates
// RFC 8259 and copies everything but insignificant whitespace.
//
// Grammar accepted for one document (RFC 8259, with the stricter choices noted):
//   document := ws object ws
//   value    := object | array | string | number | "true" | "false" | "null"
//   string   := '"' ( UTF-8 char >= U+0020 except '"' and '\' | escape )* '"'
//               (UTF-8 is validated: no overlong forms, no encoded surrogates,
//               nothing above U+10FFFF; a \uD800-\uDBFF escape must be followed by
//               a \uDC00-\uDFFF escape, and a lone low surrogate is refused, so that
//               every stored document is also valid for strict parsers)
//   number   := '-'? ( '0' | [1-9][0-9]* ) ( '.' [0-9]+ )? ( [eE] [+-]? [0-9]+ )?
//   ws       := ( ' ' | '\t' | '\n' | '\r' )*
// and for a whole input, by Shape:
//   kOneObject       ws object ws
//   kArrayOfObjects  ws '[' ws object ( ws ',' ws object )* ws ']' ws
//   kObjectOrArray   either of the two
//   kObjectStream    ( ws bom? ws ( object | '[' ws ( object ( ws ',' ws object )* )? ws ']' ) )*
//   ws
//                    where bom is EF BB BF, the UTF-8 byte order mark RFC 8259
//                    lets a parser ignore; a stream is what a file written into
//                    the mount holds, and concatenated files may each start with one
// Duplicate keys are accepted and kept as sent (RFC 8259 leaves them to the
// receiver; pdfs stores bytes, it does not interpret them).
#include "pdfs/document.h"

#include <cstring>

namespace pdfs {
namespace {

// Where inside a document the scanner is (State::mode).
enum Mode : uint8_t {
  kValue,         // a value must come (after ':' or ',' in an array)
  kArrayFirst,    // after '[': a value or ']'
  kObjectFirst,   // after '{': a key or '}'
  kObjectKey,     // after ',' in an object: a key
  kColon,         // after a key
  kAfterValue,    // after a value in a container: ',' or the closing bracket
  kString,        // inside a string
  kEscape,        // after '\' in a string
  kHex,           // reading the digits of \uXXXX
  kLowBackslash,  // after a high surrogate escape: "\u" and a low surrogate must follow
  kNumMinus,      // after '-'
  kNumZero,       // after a leading '0'
  kNumInt,        // in the integer digits
  kNumDot,        // after '.'
  kNumFrac,       // in the fraction digits
  kNumExpMark,    // after 'e' or 'E'
  kNumExpSign,    // after the exponent's sign
  kNumExp,        // in the exponent digits
  kLiteral,       // inside true, false or null
};

// Where outside any document the scanner is (State::top).
enum Top : uint8_t {
  kTopStart,       // before the top-level value (or between values of a stream)
  kTopBom,         // inside a byte order mark (kObjectStream); bom_matched says how far
  kTopArrayFirst,  // after the outer '['
  kTopArrayNext,   // after ',' in the outer array
  kTopArrayAfter,  // after an element of the outer array
  kTopDone,        // the whole top-level value is complete
  kInDocument,     // inside a document; `mode` says where
};

constexpr uint8_t kObject = 1;
constexpr uint8_t kArray = 2;

// The UTF-8 encoding of U+FEFF.
constexpr unsigned char kBom[3] = {0xEF, 0xBB, 0xBF};

bool IsSpace(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// Plain string bytes that need no checking: printable ASCII but '"' and '\'.
bool IsPlainStringByte(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

std::string Describe(unsigned char c) {
  if (c >= 0x21 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
  if (c == ' ') return "a space";
  if (c == '\n') return "a newline";
  static const char kHexDigits[] = "0123456789ABCDEF";
  std::string s = "byte 0x";
  s += kHexDigits[c >> 4];
  s += kHexDigits[c & 15];
  return s;
}

}  // namespace

DocumentParser::DocumentParser(Shape shape, Limits limits) : shape_(shape), limits_(limits) {}

bool DocumentParser::has_pending() const { return st_.top == kInDocument; }

bool DocumentParser::inside_value() const {
  return st_.top == kInDocument || st_.top == kTopBom || st_.in_array;
}

Status DocumentParser::Error(std::string what) const {
  return Status::InvalidArgument("invalid JSON at byte " + std::to_string(pos_) + ": " + what);
}

uint8_t DocumentParser::AfterTopLevelValue() const {
  return shape_ == Shape::kObjectStream ? kTopStart : kTopDone;
}

Status DocumentParser::BeginDocument() {
  if (1 > limits_.max_depth) return Error("nesting is deeper than allowed");
  doc_.clear();
  doc_.push_back('{');
  stack_.assign(1, kObject);
  st_.top = kInDocument;
  st_.mode = kObjectFirst;
  return Status::Ok();
}

// `c` is ']' or '}' and closes the innermost container of the document.
Status DocumentParser::CloseContainer(char c, DocumentBatch* out) {
  uint8_t want = c == '}' ? kObject : kArray;
  if (stack_.back() != want) {
    return Error(std::string("found '") + c + "' but the open " +
                 (stack_.back() == kObject ? "object" : "array") + " is not closed");
  }
  doc_.push_back(c);
  stack_.pop_back();
  if (!stack_.empty()) {
    st_.mode = kAfterValue;
    return Status::Ok();
  }
  // The document is complete. Step() checks the size only before each byte,
  // so the closing byte itself could make it one over the limit.
  if (doc_.size() > limits_.max_document_bytes) return TooLargeError();
  out->data_.append(doc_);
  out->ends_.push_back(out->data_.size());
  doc_.clear();
  ++st_.documents;
  st_.top = st_.in_array ? uint8_t{kTopArrayAfter} : AfterTopLevelValue();
  return Status::Ok();
}

// Scans from `begin` to `end`, stopping early right after a completed document
// so that Feed() can record a rewind point; *stop says where it stopped.
Status DocumentParser::Step(const char* begin, const char* end, const char** stop,
                            DocumentBatch* out) {
  const uint64_t documents_before = st_.documents;
  const char* p = begin;
  while (p < end) {
    if (st_.documents != documents_before) break;
    if (doc_.size() > limits_.max_document_bytes) return TooLargeError();
    pos_ = offset_ + static_cast<uint64_t>(p - begin);
    const unsigned char c = static_cast<unsigned char>(*p);

    if (st_.top != kInDocument) {
      if (IsSpace(c) && st_.top != kTopBom) {
        ++p;
        continue;
      }
      switch (st_.top) {
        case kTopStart:
          if (c == '{' && shape_ != Shape::kArrayOfObjects) {
            if (Status s = BeginDocument(); !s.ok()) return s;
          } else if (c == '[' && shape_ != Shape::kOneObject) {
            saw_array_ = true;
            st_.in_array = 1;
            st_.top = kTopArrayFirst;
          } else if (c == kBom[0] && shape_ == Shape::kObjectStream) {
            st_.top = kTopBom;
            st_.bom_matched = 1;
          } else {
            return Error(std::string(shape_ == Shape::kArrayOfObjects
                                         ? "expected '[' to start an array of documents"
                                     : shape_ == Shape::kOneObject
                                         ? "a document must be a JSON object starting with '{'"
                                     : shape_ == Shape::kObjectOrArray
                                         ? "expected a JSON object or an array of objects"
                                         : "a document must be a JSON object, or an array of "
                                           "objects") +
                         ", found " + Describe(c));
          }
          break;
        case kTopBom:
          if (c != kBom[st_.bom_matched]) {
            return Error(
                "a document must be a JSON object, or an array of objects, found an incomplete "
                "byte order mark");
          }
          if (++st_.bom_matched == sizeof(kBom)) st_.top = kTopStart;
          break;
        case kTopArrayFirst:
          if (c == ']') {
            // A file may hold an empty array: it appends nothing. A request
            // (the other shapes) must carry at least one document.
            if (shape_ != Shape::kObjectStream) {
              return Error("the array is empty; send at least one document");
            }
            st_.in_array = 0;
            st_.top = kTopStart;
            break;
          }
          [[fallthrough]];
        case kTopArrayNext:
          if (c != '{') {
            return Error("element " + std::to_string(st_.documents) +
                         " of the array is not a JSON object (found " + Describe(c) + ")");
          }
          if (Status s = BeginDocument(); !s.ok()) return s;
          break;
        case kTopArrayAfter:
          if (c == ',') {
            st_.top = kTopArrayNext;
          } else if (c == ']') {
            st_.in_array = 0;
            st_.top = AfterTopLevelValue();
          } else {
            return Error("expected ',' or ']' after an element of the array, found " + Describe(c));
          }
          break;
        case kTopDone:
          return Error("unexpected " + Describe(c) + " after the end of the " +
                       (saw_array_ ? "array" : "document"));
        default:
          return Error("internal parser state is corrupt");
      }
      ++p;
      continue;
    }

    switch (st_.mode) {
      case kString: {
        if (st_.utf8_left == 0) {
          // Fast path: copy a run of bytes that need no checking.
          const char* run = p;
          while (p < end && IsPlainStringByte(static_cast<unsigned char>(*p))) ++p;
          if (p != run) {
            doc_.append(run, static_cast<size_t>(p - run));
            continue;
          }
        }
        if (st_.utf8_left > 0) {
          if (c < st_.utf8_lo || c > st_.utf8_hi) return Error("invalid UTF-8 in a string");
          st_.utf8_lo = 0x80;
          st_.utf8_hi = 0xBF;
          --st_.utf8_left;
        } else if (c == '"') {
          if (st_.string_is_key) {
            st_.mode = kColon;
          } else {
            st_.mode = kAfterValue;
          }
        } else if (c == '\\') {
          st_.mode = kEscape;
        } else if (c < 0x20) {
          return Error("a control character (" + Describe(c) + ") in a string must be escaped");
        } else if (c >= 0xC2 && c <= 0xDF) {
          st_.utf8_left = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
          st_.utf8_left = 2;
          if (c == 0xE0) st_.utf8_lo = 0xA0;  // no overlong forms
          if (c == 0xED) st_.utf8_hi = 0x9F;  // no UTF-16 surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
          st_.utf8_left = 3;
          if (c == 0xF0) st_.utf8_lo = 0x90;  // no overlong forms
          if (c == 0xF4) st_.utf8_hi = 0x8F;  // nothing above U+10FFFF
        } else {
          return Error("invalid UTF-8 in a string (" + Describe(c) + ")");
        }
        doc_.push_back(static_cast<char>(c));
        ++p;
        continue;
      }
      case kEscape:
        if (c == 'u') {
          st_.mode = kHex;
          st_.hex_left = 4;
          st_.code_unit = 0;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
          if (st_.want_low_surrogate) return Error("a \\u escape of a high surrogate is unpaired");
          st_.mode = kString;
        } else {
          return Error("invalid escape '\\" + std::string(1, static_cast<char>(c)) +
                       "' in a string");
        }
        break;
      case kHex: {
        int v = HexValue(c);
        if (v < 0) return Error("a \\u escape needs four hex digits, found " + Describe(c));
        st_.code_unit = static_cast<uint16_t>(st_.code_unit * 16 + v);
        if (--st_.hex_left == 0) {
          const bool high = st_.code_unit >= 0xD800 && st_.code_unit <= 0xDBFF;
          const bool low = st_.code_unit >= 0xDC00 && st_.code_unit <= 0xDFFF;
          if (st_.want_low_surrogate) {
            if (!low) return Error("a \\u escape of a high surrogate is unpaired");
            st_.want_low_surrogate = 0;
            st_.mode = kString;
          } else if (high) {
            st_.want_low_surrogate = 1;
            st_.mode = kLowBackslash;
          } else if (low) {
            return Error("a \\u escape of a low surrogate has no high surrogate before it");
          } else {
            st_.mode = kString;
          }
        }
        break;
      }
      case kLowBackslash:
        if (c != '\\') return Error("a \\u escape of a high surrogate is unpaired");
        st_.mode = kEscape;
        break;

      case kNumMinus:
        if (c == '0') {
          st_.mode = kNumZero;
        } else if (IsDigit(c)) {
          st_.mode = kNumInt;
        } else {
          return Error("expected a digit after '-', found " + Describe(c));
        }
        break;
      case kNumZero:
      case kNumInt:
      case kNumFrac:
      case kNumExp:
        if (IsDigit(c)) {
          if (st_.mode == kNumZero) return Error("a number must not have a leading zero");
        } else if (c == '.' && (st_.mode == kNumZero || st_.mode == kNumInt)) {
          st_.mode = kNumDot;
        } else if ((c == 'e' || c == 'E') && st_.mode != kNumExp) {
          st_.mode = kNumExpMark;
        } else {
          // The number ended; this byte belongs to what follows it.
          st_.mode = kAfterValue;
          continue;
        }
        break;
      case kNumDot:
        if (!IsDigit(c)) return Error("expected a digit after '.', found " + Describe(c));
        st_.mode = kNumFrac;
        break;
      case kNumExpMark:
        if (c == '+' || c == '-') {
          st_.mode = kNumExpSign;
          break;
        }
        [[fallthrough]];
      case kNumExpSign:
        if (!IsDigit(c)) return Error("expected a digit in the exponent, found " + Describe(c));
        st_.mode = kNumExp;
        break;

      case kLiteral:
        if (static_cast<char>(c) != st_.literal[st_.literal_index]) {
          return Error(std::string("invalid literal; expected \"") + st_.literal + "\"");
        }
        if (st_.literal[++st_.literal_index] == '\0') st_.mode = kAfterValue;
        break;

      default: {
        // Structural modes: whitespace is insignificant and dropped.
        if (IsSpace(c)) {
          ++p;
          continue;
        }
        switch (st_.mode) {
          case kObjectFirst:
            if (c == '}') {
              if (Status s = CloseContainer('}', out); !s.ok()) return s;
              ++p;
              continue;
            }
            [[fallthrough]];
          case kObjectKey:
            if (c != '"') return Error("expected a string key in an object, found " + Describe(c));
            st_.mode = kString;
            st_.string_is_key = 1;
            break;
          case kColon:
            if (c != ':') return Error("expected ':' after an object key, found " + Describe(c));
            st_.mode = kValue;
            break;
          case kAfterValue:
            if (c == ',') {
              st_.mode = stack_.back() == kObject ? kObjectKey : kValue;
            } else if (c == '}' || c == ']') {
              if (Status s = CloseContainer(static_cast<char>(c), out); !s.ok()) return s;
              ++p;
              continue;
            } else {
              return Error(std::string("expected ',' or '") +
                           (stack_.back() == kObject ? '}' : ']') + "', found " + Describe(c));
            }
            break;
          case kArrayFirst:
            if (c == ']') {
              if (Status s = CloseContainer(']', out); !s.ok()) return s;
              ++p;
              continue;
            }
            [[fallthrough]];
          case kValue:
            if (c == '{' || c == '[') {
              if (stack_.size() >= limits_.max_depth) {
                return Error("objects and arrays are nested deeper than " +
                             std::to_string(limits_.max_depth) + " levels");
              }
              stack_.push_back(c == '{' ? kObject : kArray);
              st_.mode = c == '{' ? kObjectFirst : kArrayFirst;
            } else if (c == '"') {
              st_.mode = kString;
              st_.string_is_key = 0;
            } else if (c == '-') {
              st_.mode = kNumMinus;
            } else if (c == '0') {
              st_.mode = kNumZero;
            } else if (IsDigit(c)) {
              st_.mode = kNumInt;
            } else if (c == 't' || c == 'f' || c == 'n') {
              st_.literal = c == 't' ? "true" : c == 'f' ? "false" : "null";
              st_.literal_index = 1;
              st_.mode = kLiteral;
            } else {
              return Error("expected a value, found " + Describe(c));
            }
            break;
          default:
            return Error("internal parser state is corrupt");
        }
        break;
      }
    }
    doc_.push_back(static_cast<char>(c));
    ++p;
  }
  *stop = p;
  if (doc_.size() > limits_.max_document_bytes) return TooLargeError();
  return Status::Ok();
}

Status DocumentParser::TooLargeError() const {
  return Status::TooLarge("a document is larger than the limit of " +
                          std::to_string(limits_.max_document_bytes) + " bytes");
}

DocumentParser::FeedResult DocumentParser::Feed(std::string_view piece, DocumentBatch* out) {
  assert(!finished_);
  // Rewind point: the state before this piece, or right after the last
  // document it completed (where the stack and pending document are empty).
  State saved = st_;
  std::vector<uint8_t> saved_stack = stack_;
  size_t saved_doc_size = doc_.size();
  bool saved_saw_array = saw_array_;
  size_t consumed = 0;

  const char* p = piece.data();
  const char* end = p + piece.size();
  while (p < end) {
    const char* stop = end;
    if (Status s = Step(p, end, &stop, out); !s.ok()) {
      st_ = saved;
      stack_ = std::move(saved_stack);
      doc_.resize(saved_doc_size);
      saw_array_ = saved_saw_array;
      return FeedResult{std::move(s), consumed};
    }
    // Step() succeeded: it either reached the end of the piece or stopped
    // right after a completed document, which becomes the rewind point.
    offset_ += static_cast<uint64_t>(stop - p);
    consumed += static_cast<size_t>(stop - p);
    p = stop;
    if (st_.top != kInDocument) {
      saved = st_;
      saved_stack.clear();
      saved_doc_size = 0;
      saved_saw_array = saw_array_;
    }
  }
  // Whatever remains pending is accepted too: later pieces may complete it.
  return FeedResult{Status::Ok(), piece.size()};
}

Status DocumentParser::Finish() {
  finished_ = true;
  pos_ = offset_;
  if (st_.top == kInDocument) {
    if (st_.mode == kString || st_.mode == kEscape || st_.mode == kHex ||
        st_.mode == kLowBackslash) {
      return Error("the input ends inside a string");
    }
    return Error("the input ends inside a document; " + std::to_string(stack_.size()) +
                 " object(s) or array(s) are not closed");
  }
  switch (st_.top) {
    case kTopStart:
      if (shape_ == Shape::kObjectStream) return Status::Ok();
      return Status::InvalidArgument(
          "the input is empty; send a JSON object" +
          std::string(shape_ == Shape::kOneObject ? "" : " or a non-empty array of objects"));
    case kTopBom:
      return Error("the input ends inside a byte order mark");
    case kTopArrayFirst:
      if (shape_ == Shape::kObjectStream) return Error("the input ends inside the array");
      return Error("the array is empty; send at least one document");
    case kTopArrayNext:
    case kTopArrayAfter:
      return Error("the input ends inside the array");
    default:
      return Status::Ok();
  }
}

Status DocumentParser::ParseAll(std::string_view input, Shape shape, Limits limits,
                                DocumentBatch* out, bool* saw_array) {
  DocumentParser parser(shape, limits);
  FeedResult r = parser.Feed(input, out);
  if (!r.status.ok()) return r.status;
  if (Status s = parser.Finish(); !s.ok()) return s;
  if (saw_array != nullptr) *saw_array = parser.saw_array();
  return Status::Ok();
}

}  // namespace pdfs
