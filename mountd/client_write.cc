// pdfs write TOPIC: documents from stdin, appended in bounded batches
// (client_sender.h says how they are sent and what is printed).
//
// stdin is read in pieces and split by DocumentParser, so it is never held
// whole: memory is one batch (at most kBatchBytes plus one read) however long
// the input. A batch goes out when it is full, at the end of the input, and
// whenever stdin has nothing more to read at the moment.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "client_sender.h"
#include "client_tools.h"
#include "pdfs/document.h"

namespace pdfs::mountd {
namespace {

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

// The documents of `batch`, for BatchSender.
std::vector<std::string_view> Items(const DocumentBatch& batch) {
  std::vector<std::string_view> items(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) items[i] = batch[i];
  return items;
}

}  // namespace

int RunWriteCommand(StreamClient& client, const std::string& topic, size_t batch_docs) {
  BatchSender sender(
      [&](const std::string& array, size_t n) { return client.Append(topic, array, n); },
      batch_docs, "document", "location");
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
      if (Status s = sender.Send(Items(batch)); !s.ok()) return fail(s);
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
      if (Status s = sender.Send(Items(batch)); !s.ok()) return fail(s);
      return fail(r.status);
    }
    if (batch.size() >= batch_docs || batch.bytes() >= kBatchBytes || !StdinReady()) {
      if (Status s = sender.Send(Items(batch)); !s.ok()) return fail(s);
      batch.Clear();
    }
  }
  if (!parser) return 0;  // no documents at all: nothing to do
  const Status finished = parser->Finish();
  if (Status s = sender.Send(Items(batch)); !s.ok()) return fail(s);
  if (!finished.ok()) return fail(finished);
  return 0;
}

}  // namespace pdfs::mountd
