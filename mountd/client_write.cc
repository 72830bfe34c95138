// pdfs write TOPIC: documents from stdin, appended in bounded batches.
//
// stdin is read in pieces and split by DocumentParser, so it is never held
// whole: memory is one batch (at most kBatchBytes plus one read) however long
// the input. A batch goes out when it is full, at the end of the input, and
// whenever stdin has nothing more to read at the moment, so that documents
// piped in slowly (tail -f | pdfs write) are stored as they come.
//
// Output: each assigned location on a line of its own, in input order, so
// line i of the output belongs to document i of the input.
//
// Failure: every document before the failing point is stored and nothing
// from it on; the message says what was stored. Each request is atomic on
// the server, but the input as a whole is not (it may be endless).
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "client_tools.h"
#include "pdfs/document.h"

namespace pdfs::mountd {
namespace {

constexpr size_t kReadBytes = 64 * 1024;
// A request body stays under this (one larger document goes alone). Measured
// on loopback against `pdfs serve` (sync on), 200k documents of 100 bytes:
// --batch 10 took 5.7 s, 100 1.0 s, 1000 0.3 s, 10000 0.27 s; 20k documents of
// 4 KiB went at the same ~100 MB/s with bodies from 400 KiB to 4 MiB, and
// peak memory was 17 MiB with 1 MiB bodies against 28 MiB with 4 MiB.
constexpr size_t kBatchBytes = size_t{1} << 20;

// True iff a read() of stdin would return at once (data or end of input).
bool StdinReady() {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

// Sends documents and keeps count of what the server stored, for the
// message that ends a failed write.
class Sender {
 public:
  Sender(StreamClient& client, const std::string& topic, size_t batch_docs)
      : client_(client), topic_(topic), batch_docs_(batch_docs) {}

  // Appends every document of `batch` in requests of at most batch_docs_
  // documents and kBatchBytes, printing the locations.
  Status Send(const DocumentBatch& batch) {
    std::string body;
    for (size_t i = 0; i < batch.size();) {
      body.assign("[");
      size_t n = 0;
      while (i + n < batch.size() && n < batch_docs_ &&
             (n == 0 || body.size() + batch[i + n].size() + 2 <= kBatchBytes)) {
        if (n > 0) body.push_back(',');
        body.append(batch[i + n]);
        ++n;
      }
      body.push_back(']');
      Result<std::vector<uint64_t>> locations = client_.Append(topic_, body, n);
      if (!locations.ok()) {
        // The request went out but no answer came: it may have been stored.
        if (locations.status().IsIOError()) unknown_ = n;
        return locations.status();
      }
      if (Status s = Print(*locations); !s.ok()) return s;
      i += n;
    }
    return Status::Ok();
  }

  // What was stored, to follow the sentence saying what failed. Documents
  // are stored in input order, so it is always a prefix of stdin.
  std::string Summary() const {
    const std::string unknown =
        unknown_ == 1 ? "1 document" : std::to_string(unknown_) + " documents";
    if (stored_ == 0) {
      if (unknown_ == 0) return "no document from stdin was stored";
      return "the first " + unknown + " from stdin may or may not have been stored, as the " +
             "answer was lost";
    }
    std::string s =
        stored_ == 1 ? "the first document from stdin was stored"
                     : "the first " + std::to_string(stored_) + " documents from stdin were stored";
    s += " (" + Locations() + ")";
    if (unknown_ > 0) {
      return s + "; the next " + unknown + " may or may not have been, as the answer was lost";
    }
    return s + ", none after " + (stored_ == 1 ? "it" : "them");
  }

 private:
  Status Print(const std::vector<uint64_t>& locations) {
    std::string out;
    for (uint64_t l : locations) {
      if (stored_ > 0 && l != last_ + 1) contiguous_ = false;
      if (stored_ == 0) first_ = l;
      last_ = l;
      ++stored_;
      out += std::to_string(l);
      out += '\n';
    }
    // Flushed per request: a caller reading locations should see them as
    // soon as the documents are stored.
    if (Status s = WriteOut(out); !s.ok()) return s;
    return FlushOut();
  }

  std::string Locations() const {
    if (!contiguous_) return "their locations are on stdout";
    if (stored_ == 1) return "location " + std::to_string(first_);
    return "locations " + std::to_string(first_) + "-" + std::to_string(last_);
  }

  StreamClient& client_;
  const std::string& topic_;
  const size_t batch_docs_;
  uint64_t stored_ = 0;
  uint64_t first_ = 0;
  uint64_t last_ = 0;
  bool contiguous_ = true;
  size_t unknown_ = 0;  // documents in a request whose answer was lost
};

// Feeds `count` spaces: whitespace read before the parser existed, so that
// byte positions in its messages count from the start of stdin.
void FeedSpaces(DocumentParser& parser, uint64_t count, DocumentBatch* batch) {
  static const std::string kSpaces(4096, ' ');
  while (count > 0) {
    const size_t n = count < kSpaces.size() ? static_cast<size_t>(count) : kSpaces.size();
    (void)parser.Feed(std::string_view(kSpaces).substr(0, n), batch);  // spaces cannot fail
    count -= n;
  }
}

}  // namespace

int RunWriteCommand(StreamClient& client, const std::string& topic, size_t batch_docs) {
  Sender sender(client, topic, batch_docs);
  auto fail = [&](const Status& s) {
    ReportError("write", s.message() + "; " + sender.Summary());
    return 1;
  };
  // The shape is known at the first byte that is not whitespace: '[' starts
  // one array of documents, anything else a stream of objects.
  std::optional<DocumentParser> parser;
  uint64_t leading_space = 0;
  DocumentBatch batch;
  std::vector<char> buf(kReadBytes);
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const Status read_error =
          Status::IOError(std::string("cannot read stdin: ") + std::strerror(errno));
      if (Status s = sender.Send(batch); !s.ok()) return fail(s);
      return fail(read_error);
    }
    if (n == 0) break;
    const std::string_view piece(buf.data(), static_cast<size_t>(n));
    if (!parser) {
      const size_t first = piece.find_first_not_of(" \t\r\n");
      if (first == std::string_view::npos) {
        leading_space += piece.size();
        continue;
      }
      parser.emplace(piece[first] == '[' ? DocumentParser::Shape::kArrayOfObjects
                                         : DocumentParser::Shape::kObjectStream,
                     DocumentParser::Limits{});
      FeedSpaces(*parser, leading_space, &batch);
    }
    DocumentParser::FeedResult r = parser->Feed(piece, &batch);
    if (!r.status.ok()) {
      // The documents the parser completed before the error are in `batch`.
      if (Status s = sender.Send(batch); !s.ok()) return fail(s);
      return fail(r.status);
    }
    if (batch.size() >= batch_docs || batch.bytes() >= kBatchBytes || !StdinReady()) {
      if (Status s = sender.Send(batch); !s.ok()) return fail(s);
      batch.Clear();
    }
  }
  if (!parser) return 0;  // no documents at all: nothing to do
  const Status finished = parser->Finish();
  if (Status s = sender.Send(batch); !s.ok()) return fail(s);
  if (!finished.ok()) return fail(finished);
  return 0;
}

}  // namespace pdfs::mountd
