// Items: what a topic holds, and ItemBatch, the general unit of append.
//
// An item is bytes (zero bytes allowed) plus a content type, stored with its
// append time. A *document* is an item made by DocumentParser: a validated,
// minified JSON object whose content type is application/json. The stream
// face (/stream, the mount) appends documents; other faces append any bytes
// under their own admission rules (the Hub any payload, Katar any JSON
// value). Each face builds an ItemBatch its own way; Store::Append stores all
// of its items or none.
#ifndef PDFS_ENGINE_ITEM_H_
#define PDFS_ENGINE_ITEM_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/document.h"
#include "pdfs/status.h"

namespace pdfs {

// The content type of every document.
inline constexpr std::string_view kDocumentContentType = "application/json";
// The longest content type an item may carry (it is stored in one byte of
// length per chunk of items).
inline constexpr size_t kMaxContentTypeBytes = 255;
// The longest index key (see Store::ScanIndex).
inline constexpr size_t kMaxIndexKeyBytes = 1024;

// Consecutive items for one append, each with its content type and an
// optional index key. A value type, intentionally copyable; not safe for
// concurrent mutation.
class ItemBatch {
 public:
  ItemBatch() = default;

  // Adds every document of `docs`, in order, as documents.
  void AddDocuments(const DocumentBatch& docs);

  // Adds one item of any bytes with `content_type`, stored verbatim. The
  // bytes are never validated, not even when the type is application/json:
  // such an item is not a document (Record::document is false), so a face
  // that shows documents inline (a /stream range) must not show it as one.
  // InvalidArgument, and nothing added, if the content type is empty, longer
  // than kMaxContentTypeBytes, or not printable ASCII (0x20-0x7E).
  Status Add(std::string_view content_type, std::string_view data);

  // Gives item `i` the index key `key`: the append also adds key -> location
  // to the topic's index, in the same atomic write. InvalidArgument if the
  // key is empty or longer than kMaxIndexKeyBytes. REQUIRES: i < size().
  Status SetIndexKey(size_t i, std::string_view key);

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  // Sum of the items' byte lengths.
  size_t bytes() const { return data_.size(); }
  // REQUIRES for the accessors below: i < size().
  std::string_view data(size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(data_).substr(begin, ends_[i] - begin);
  }
  bool is_document(size_t i) const { return RunOf(i).document; }
  // kDocumentContentType for a document.
  std::string_view content_type(size_t i) const { return RunOf(i).type; }
  // Empty if the item has none.
  std::string_view index_key(size_t i) const {
    return i < index_keys_.size() ? std::string_view(index_keys_[i]) : std::string_view();
  }
  bool has_index_keys() const { return !index_keys_.empty(); }

  void Clear();

 private:
  // Items [previous run's end, end) share whether they are documents and
  // their content type; a batch usually has one run.
  struct Run {
    size_t end = 0;
    bool document = false;
    std::string type;
  };
  const Run& RunOf(size_t i) const;
  void AddRun(bool document, std::string_view type);

  std::string data_;
  std::vector<size_t> ends_;
  std::vector<Run> runs_;
  std::vector<std::string> index_keys_;  // empty, or one per item
};

}  // namespace pdfs

#endif  // PDFS_ENGINE_ITEM_H_
