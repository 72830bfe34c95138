// Document ingest: validating JSON objects and minifying them.
//
// A document is a JSON object (RFC 8259) stored as its minified text:
// whitespace outside strings is removed; key order, number text and string
// escapes are kept byte for byte. DocumentParser is the only way to make a
// DocumentBatch, so Store::Append never validates twice.
#ifndef PDFS_ENGINE_DOCUMENT_H_
#define PDFS_ENGINE_DOCUMENT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/status.h"

namespace pdfs {

// Validated, minified documents in one contiguous buffer. A value type; not
// thread-safe for concurrent mutation.
class DocumentBatch {
 public:
  DocumentBatch() = default;

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  // Sum of the documents' byte lengths.
  size_t bytes() const { return data_.size(); }
  std::string_view operator[](size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(data_).substr(begin, ends_[i] - begin);
  }
  void Clear() {
    data_.clear();
    ends_.clear();
  }

 private:
  friend class DocumentParser;
  std::string data_;
  std::vector<size_t> ends_;
};

// Parses a byte stream that arrives in pieces of any size into documents.
// Document boundaries come from the JSON, never from how the input was split.
// One parser belongs to one thread at a time.
class DocumentParser {
 public:
  // What the whole input must look like.
  enum class Shape {
    kOneObject,       // exactly one object
    kArrayOfObjects,  // one non-empty array whose elements are objects
    kObjectOrArray,   // either of the above (an HTTP POST body)
    kObjectStream,    // zero or more objects separated by whitespace (JSON Lines,
                      // concatenated or pretty-printed objects)
  };

  struct Limits {
    size_t max_document_bytes = size_t{64} << 20;
    size_t max_depth = 512;
  };

  DocumentParser(Shape shape, Limits limits);

  // The outcome of one Feed().
  struct FeedResult {
    Status status;  // OK, InvalidArgument (syntax) or TooLarge
    // Bytes of this piece that were accepted. On success, all of them. On
    // failure, the bytes up to the end of the last document this piece
    // completed (0 if it completed none), and the parser is rewound to that
    // point: feeding the rest again fails the same way, and whatever was
    // pending before the failing byte is still pending.
    size_t consumed = 0;
  };

  // Parses `piece`, appending every document it completes to `*out`, in order.
  // REQUIRES: Finish() has not been called.
  FeedResult Feed(std::string_view piece, DocumentBatch* out);

  // Declares the end of the input. InvalidArgument if a document (or the
  // array) is incomplete, or if the shape requires a document and none came.
  Status Finish();

  // True iff the input's top-level value was an array (kObjectOrArray tells
  // a batch from a single document with it).
  bool saw_array() const { return saw_array_; }
  // True iff part of a document has been fed but not completed.
  bool has_pending() const;
  // Bytes of the incomplete document held (minified so far).
  size_t pending_bytes() const { return doc_.size(); }
  // Total bytes accepted so far (for error positions).
  uint64_t offset() const { return offset_; }

  // Parses one whole input of the given shape. The common case for callers
  // that hold the whole input.
  static Status ParseAll(std::string_view input, Shape shape, Limits limits, DocumentBatch* out,
                         bool* saw_array = nullptr);

 private:
  // The scanner's state; a plain value so that Feed() can rewind by copying.
  struct State {
    uint8_t mode = 0;            // what the next byte may be (see document.cc)
    uint8_t top = 0;             // where we are outside any document
    uint8_t string_is_key = 0;   // the current string is an object key
    uint8_t hex_left = 0;        // \uXXXX digits still to read
    uint8_t utf8_left = 0;       // UTF-8 continuation bytes still to read
    uint8_t utf8_lo = 0x80;      // bounds of the next continuation byte
    uint8_t utf8_hi = 0xBF;
    uint8_t want_low_surrogate = 0;  // a \uD800-\uDBFF escape needs its pair
    uint16_t code_unit = 0;          // the \uXXXX value being read
    uint8_t literal_index = 0;       // progress through true/false/null
    const char* literal = nullptr;
    uint64_t documents = 0;  // documents completed in this input
  };

  Status Error(std::string what) const;
  Status TooLargeError() const;
  Status Step(const char* begin, const char* end, const char** stop, DocumentBatch* out);
  Status CloseContainer(char c, DocumentBatch* out);
  Status BeginDocument();

  Shape shape_;
  Limits limits_;
  State st_;
  std::vector<uint8_t> stack_;  // open containers of the current document
  std::string doc_;             // the current document, minified so far
  uint64_t offset_ = 0;         // bytes accepted before the current piece
  uint64_t pos_ = 0;            // absolute position of the byte being parsed
  bool saw_array_ = false;
  bool finished_ = false;
};

}  // namespace pdfs

#endif  // PDFS_ENGINE_DOCUMENT_H_
