// fuzz_document_split: DocumentParser fed in pieces, as the FUSE appender
// (fs/appender.cc) and any streaming reader feed it, and fs::Appender itself
// over an in-memory backend.
//
// Input: two bytes of configuration, then the JSON text.
//   byte 0  bits 0-1 the shape; bits 2-4 max_depth (512 for 0, else 1..7);
//           bits 5-7 max_document_bytes (unlimited for 0, else 1..64)
//   byte 1  how the text is cut into pieces: bits 0-2 choose the largest
//           piece (1, 2, 3, 5, 8, 64, 4096 bytes or the whole text); the rest
//           seeds the random piece sizes below it
//
// Invariants:
//  - the documents and the final status (code and message) do not depend on
//    how the input was cut: they equal those of the whole input fed at once;
//  - a failed Feed accepts fewer bytes than its piece (consumed < size);
//    then it is rewound: feeding the rest of the piece again fails the same
//    way, accepts nothing and emits nothing; if it accepted nothing, what was
//    pending before it is still pending;
//  - offset() counts exactly the bytes accepted;
//  - no document over max_document_bytes is ever emitted;
//  - fs::Appender (kObjectStream, the write loop of a program that retries
//    the rest after a short write): appends exactly the documents of the
//    whole input before its first error, a short count only ever ends after a
//    document, a write that completes nothing fails with EINVAL or EFBIG and
//    appends nothing, and flush fails iff the input is incomplete (an
//    object, an array of objects or a byte order mark).
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "appender.h"
#include "backend.h"
#include "fuzz_support.h"
#include "parse_config.h"
#include "pdfs/document.h"

namespace pdfs::fuzz {
namespace {

using Shape = DocumentParser::Shape;

constexpr size_t kLargestPiece[8] = {1, 2, 3, 5, 8, 64, 4096, 0};  // 0: the whole text

// Cuts `text` into pieces of 1..largest bytes (sizes from a tiny PRNG seeded
// by the configuration, so that a crash reproduces from its input alone).
std::vector<std::string_view> Cut(std::string_view text, uint8_t how) {
  const size_t largest = kLargestPiece[how & 7];
  uint32_t state = 0x9E3779B9u ^ how;
  std::vector<std::string_view> pieces;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t n = text.size() - pos;
    if (largest != 0) {
      state ^= state << 13;
      state ^= state >> 17;
      state ^= state << 5;
      n = std::min(n, 1 + state % largest);
    }
    pieces.push_back(text.substr(pos, n));
    pos += n;
  }
  return pieces;
}

struct Outcome {
  std::vector<std::string> docs;
  Status status;  // the first error, from Feed or Finish
};

std::string Describe(const Outcome& o) {
  std::string s = o.status.ToString() + " after " + std::to_string(o.docs.size()) + " documents";
  for (const std::string& d : o.docs) s += "\n  " + Printable(d);
  return s;
}

void Collect(const DocumentBatch& batch, std::vector<std::string>* docs) {
  for (size_t i = 0; i < batch.size(); ++i) docs->emplace_back(batch[i]);
}

Outcome Whole(std::string_view text, Shape shape, DocumentParser::Limits limits) {
  Outcome o;
  DocumentParser parser(shape, limits);
  DocumentBatch batch;
  DocumentParser::FeedResult r = parser.Feed(text, &batch);
  Collect(batch, &o.docs);
  o.status = r.status.ok() ? parser.Finish() : r.status;
  return o;
}

Outcome Pieces(const std::vector<std::string_view>& pieces, Shape shape,
               DocumentParser::Limits limits) {
  Outcome o;
  DocumentParser parser(shape, limits);
  uint64_t accepted = 0;
  for (std::string_view piece : pieces) {
    const bool pending_before = parser.has_pending();
    const size_t pending_bytes_before = parser.pending_bytes();
    DocumentBatch batch;
    DocumentParser::FeedResult r = parser.Feed(piece, &batch);
    Collect(batch, &o.docs);
    if (r.status.ok()) {
      FUZZ_CHECK(r.consumed == piece.size(), "a successful Feed did not accept all its bytes");
      accepted += piece.size();
      FUZZ_CHECK(parser.offset() == accepted, "offset() is not the bytes accepted");
      continue;
    }
    FUZZ_CHECK(r.consumed < piece.size(), "a failed Feed accepted " + std::to_string(r.consumed) +
                                              " of " + std::to_string(piece.size()) + " bytes");
    accepted += r.consumed;
    FUZZ_CHECK(parser.offset() == accepted,
               "offset() after a failed Feed is not the bytes accepted");
    if (r.consumed == 0) {
      FUZZ_CHECK(batch.empty(), "a Feed that accepted nothing emitted documents");
      FUZZ_CHECK(
          parser.has_pending() == pending_before && parser.pending_bytes() == pending_bytes_before,
          "a failed Feed that accepted nothing changed what was pending");
    } else {
      FUZZ_CHECK(!batch.empty(), "a failed Feed accepted bytes but completed no document");
      FUZZ_CHECK(!parser.has_pending(), "a failed Feed rewound into a pending document");
    }
    // The rewind contract: the rest fails again, the same way, at once.
    DocumentBatch again;
    DocumentParser::FeedResult r2 = parser.Feed(piece.substr(r.consumed), &again);
    FUZZ_CHECK(r2.status.code() == r.status.code() && r2.status.message() == r.status.message(),
               "feeding the rest again failed differently: " + r.status.ToString() + " then " +
                   r2.status.ToString());
    FUZZ_CHECK(r2.consumed == 0 && again.empty(), "feeding the rest again accepted " +
                                                      std::to_string(r2.consumed) + " bytes and " +
                                                      std::to_string(again.size()) + " documents");
    o.status = r.status;
    return o;
  }
  o.status = parser.Finish();
  return o;
}

// An in-memory backend with one topic; only what Appender calls does work.
class MemoryBackend : public fs::Backend {
 public:
  std::vector<std::string> docs;

  std::vector<TopicMeta> ListTopics() override { return {}; }
  Result<TopicMeta> StatTopic(std::string_view topic) override {
    TopicMeta m;
    m.topic = std::string(topic);
    m.id = 1;
    m.count = docs.size();
    return m;
  }
  Result<TopicMeta> CreateTopic(std::string_view) override {
    return Status::AlreadyExists("exists");
  }
  Status DeleteTopic(std::string_view) override { return Status::NotFound("no"); }
  Result<Record> Get(std::string_view, uint64_t) override { return Status::NotFound("no"); }
  Result<std::unique_ptr<RangeReader>> Read(std::string_view, uint64_t, uint64_t) override {
    return Status::NotFound("no");
  }
  Result<Store::AppendResult> Append(std::string_view, const DocumentBatch& batch) override {
    FUZZ_CHECK(!batch.empty(), "the appender appended an empty batch");
    Store::AppendResult r;
    r.first_location = docs.size();
    Collect(batch, &docs);
    return r;
  }
  Result<TopicMeta> Truncate(std::string_view, uint64_t) override { return Status::NotFound("no"); }
  Result<TopicMeta> TruncateIfNext(std::string_view, uint64_t, uint64_t) override {
    return Status::NotFound("no");
  }
  Result<TopicMeta> TrimFront(std::string_view, uint64_t) override {
    return Status::NotFound("no");
  }
  Result<struct statvfs> StatFs() override { return Status::IOError("no"); }
  void AddListener(ChangeListener*) override {}
  void RemoveListener(ChangeListener*) override {}
};

void CheckAppender(const std::vector<std::string_view>& pieces,
                   const pdfs::DocumentParser::Limits& limits, const Outcome& whole) {
  MemoryBackend backend;
  fs::Appender appender(&backend, "t", 1, limits);
  appender.Opened();
  bool failed = false;
  for (std::string_view piece : pieces) {
    const size_t before = backend.docs.size();
    fs::FsResult<size_t> n = appender.Write(piece);
    if (n.ok() && *n == piece.size()) continue;
    if (!n.ok()) {
      FUZZ_CHECK(backend.docs.size() == before, "a failing write appended documents");
    } else {
      // A short count ends right after a document; the writer retries the
      // rest, which must fail without appending anything.
      FUZZ_CHECK(*n < piece.size() && backend.docs.size() > before,
                 "a short write of " + std::to_string(*n) + " bytes appended nothing");
      const size_t after = backend.docs.size();
      fs::FsResult<size_t> rest = appender.Write(piece.substr(*n));
      FUZZ_CHECK(!rest.ok(), "the rest of a short write was accepted");
      FUZZ_CHECK(backend.docs.size() == after, "the failing rest appended documents");
      n = std::move(rest);
    }
    FUZZ_CHECK(n.status().code() == EINVAL || n.status().code() == EFBIG,
               "a write failed with errno " + std::to_string(n.status().code()));
    FUZZ_CHECK(!whole.status.ok(), "the appender failed on input that is valid as a whole");
    FUZZ_CHECK(n.status().code() == (whole.status.IsTooLarge() ? EFBIG : EINVAL),
               "the appender's errno does not match " + whole.status.ToString());
    failed = true;
    break;
  }
  if (!failed) {
    fs::Errno flushed = appender.Flush();
    FUZZ_CHECK(flushed.ok() == whole.status.ok(),
               "flush says " + std::string(flushed.ok() ? "ok" : flushed.why()) +
                   ", the whole input " + whole.status.ToString());
  }
  FUZZ_CHECK(backend.docs == whole.docs,
             "the appender stored other documents than the whole "
             "input has: " +
                 std::to_string(backend.docs.size()) + " vs " + Describe(whole));
  appender.Released();
}

}  // namespace
}  // namespace pdfs::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pdfs::fuzz;
  if (size < 2) return 0;
  const ParseConfig config = DecodeParseConfig(data[0]);
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const Shape shape = config.shape;
  pdfs::DocumentParser::Limits limits;
  limits.max_depth = config.max_depth;
  limits.max_document_bytes = config.max_document_bytes;

  const std::vector<std::string_view> pieces = Cut(text, data[1]);
  const Outcome whole = Whole(text, shape, limits);
  const Outcome cut = Pieces(pieces, shape, limits);
  for (const std::string& d : whole.docs) {
    FUZZ_CHECK(d.size() <= limits.max_document_bytes,
               "a document over the limit of " + std::to_string(limits.max_document_bytes) +
                   " bytes was emitted: " + Printable(d));
  }
  FUZZ_CHECK(whole.docs == cut.docs && whole.status.code() == cut.status.code() &&
                 whole.status.message() == cut.status.message(),
             "cutting the input changed the outcome:\nwhole: " + Describe(whole) +
                 "\ncut:   " + Describe(cut));
  // The appender takes the same limits as the parser it wraps.
  if (shape == Shape::kObjectStream) {
    CheckAppender(pieces, limits, whole);
  }
  return 0;
}
