// ItemBatch: items in one buffer, with content types kept as runs.
#include "pdfs/item.h"

#include <algorithm>

namespace pdfs {

const ItemBatch::Run& ItemBatch::RunOf(size_t i) const {
  // Runs are few (usually one); their ends increase.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                             [](size_t index, const Run& run) { return index < run.end; });
  return *it;
}

void ItemBatch::AddRun(bool document, std::string_view type) {
  if (runs_.empty() || runs_.back().document != document || runs_.back().type != type) {
    runs_.push_back(Run{ends_.size(), document, std::string(type)});
  }
  runs_.back().end = ends_.size();
}

void ItemBatch::AddDocuments(const DocumentBatch& docs) {
  if (docs.empty()) return;
  data_.reserve(data_.size() + docs.bytes());
  for (size_t i = 0; i < docs.size(); ++i) {
    data_.append(docs[i]);
    ends_.push_back(data_.size());
  }
  AddRun(true, kDocumentContentType);
  if (!index_keys_.empty()) index_keys_.resize(ends_.size());
}

Status ItemBatch::Add(std::string_view content_type, std::string_view data) {
  if (content_type.empty() || content_type.size() > kMaxContentTypeBytes) {
    return Status::InvalidArgument("a content type must have 1 to " +
                                   std::to_string(kMaxContentTypeBytes) + " bytes; this one has " +
                                   std::to_string(content_type.size()));
  }
  for (unsigned char c : content_type) {
    if (c < 0x20 || c > 0x7e) {
      return Status::InvalidArgument(
          "a content type may contain only printable ASCII (found byte " +
          std::to_string(static_cast<unsigned>(c)) + ")");
    }
  }
  data_.append(data);
  ends_.push_back(data_.size());
  AddRun(false, content_type);
  if (!index_keys_.empty()) index_keys_.resize(ends_.size());
  return Status::Ok();
}

Status ItemBatch::SetIndexKey(size_t i, std::string_view key) {
  if (key.empty() || key.size() > kMaxIndexKeyBytes) {
    return Status::InvalidArgument("an index key must have 1 to " +
                                   std::to_string(kMaxIndexKeyBytes) + " bytes; this one has " +
                                   std::to_string(key.size()));
  }
  if (index_keys_.empty()) index_keys_.resize(ends_.size());
  index_keys_[i].assign(key);
  return Status::Ok();
}

void ItemBatch::Clear() {
  data_.clear();
  ends_.clear();
  runs_.clear();
  index_keys_.clear();
}

}  // namespace pdfs
