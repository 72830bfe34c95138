// ItemSource: the items of one append as the group commit reads them,
// whether they came as a DocumentBatch (the stream face's hot path, used
// in place) or as an ItemBatch. Not part of the public API.
#ifndef PDFS_ENGINE_ITEM_SOURCE_H_
#define PDFS_ENGINE_ITEM_SOURCE_H_

#include <cstddef>
#include <string_view>

#include "pdfs/document.h"
#include "pdfs/item.h"

namespace pdfs::engine {

// A view; the batch it refers to must outlive it. A value type.
class ItemSource {
 public:
  explicit ItemSource(const DocumentBatch& docs) : docs_(&docs) {}
  explicit ItemSource(const ItemBatch& items) : items_(&items) {}

  size_t size() const { return docs_ != nullptr ? docs_->size() : items_->size(); }
  size_t bytes() const { return docs_ != nullptr ? docs_->bytes() : items_->bytes(); }
  std::string_view data(size_t i) const { return docs_ != nullptr ? (*docs_)[i] : items_->data(i); }
  // As a chunk stores it (key_codec.h): empty for a document.
  std::string_view stored_type(size_t i) const {
    if (docs_ != nullptr || items_->is_document(i)) return {};
    return items_->content_type(i);
  }
  bool has_index_keys() const { return items_ != nullptr && items_->has_index_keys(); }
  std::string_view index_key(size_t i) const {
    return items_ != nullptr ? items_->index_key(i) : std::string_view();
  }

 private:
  const DocumentBatch* docs_ = nullptr;
  const ItemBatch* items_ = nullptr;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_ITEM_SOURCE_H_
