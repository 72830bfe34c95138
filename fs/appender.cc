// Appender: see appender.h.
#include "appender.h"

#include <cerrno>

namespace pdfs::fs {

Appender::Appender(Backend* backend, std::string topic, uint64_t topic_id,
                   DocumentParser::Limits limits)
    : backend_(backend),
      topic_(std::move(topic)),
      topic_id_(topic_id),
      limits_(limits),
      parser_(DocumentParser::Shape::kObjectStream, limits_) {}

FsResult<size_t> Appender::Write(std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!broken_.ok()) return broken_;
  DocumentBatch batch;
  DocumentParser::FeedResult fed = parser_.Feed(data, &batch);
  if (!batch.empty()) {
    // Append() would create a topic that is missing, so a directory removed
    // (or removed and made again) under an open appender is checked first.
    // A removal racing this check can still lose to the append, which then
    // lands in a fresh topic of the same name.
    Result<TopicMeta> meta = backend_->StatTopic(topic_);
    if (!meta.ok() || meta->id != topic_id_) {
      broken_ = Errno(ENOENT, "topic \"" + topic_ + "\" was deleted while a file was open in it");
      return broken_;
    }
    Result<Store::AppendResult> appended = backend_->Append(topic_, batch);
    if (!appended.ok()) {
      broken_ = Errno::FromStatus(appended.status());
      return broken_;
    }
  }
  if (fed.status.ok()) {
    accepted_bytes_ += data.size();
    return data.size();
  }
  if (fed.consumed > 0) {  // short count: the writer retries the rest
    accepted_bytes_ += fed.consumed;
    return fed.consumed;
  }
  return Errno::FromStatus(fed.status);
}

uint64_t Appender::accepted_bytes() {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_bytes_;
}

Errno Appender::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!broken_.ok()) return broken_;
  if (parser_.has_pending()) {
    return Errno(EINVAL, "an incomplete JSON object (" + std::to_string(parser_.pending_bytes()) +
                             " bytes so far) is pending at close");
  }
  if (parser_.inside_value()) {
    return Errno(EINVAL,
                 "an array of documents (or a byte order mark) is not complete at close; its "
                 "complete elements were appended");
  }
  return Errno();
}

void Appender::Opened() {
  std::lock_guard<std::mutex> lock(mu_);
  ++open_files_;
}

size_t Appender::Released() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--open_files_ > 0) return 0;
  size_t dropped = parser_.has_pending() ? parser_.pending_bytes() : 0;
  parser_ = DocumentParser(DocumentParser::Shape::kObjectStream, limits_);
  return dropped;
}

}  // namespace pdfs::fs
