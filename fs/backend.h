// Backend: the small interface through which the filesystem reaches the
// streams. LocalBackend implements it over a pdfs::Store in this process; a
// later HTTP client implements it over a remote pdfs server. Every
// implementation must honour the same few error codes (status.h), since
// fs/error_map.cc turns them into errno values.
#ifndef PDFS_FS_BACKEND_H_
#define PDFS_FS_BACKEND_H_

#include <sys/statvfs.h>

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "pdfs/document.h"
#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::fs {

// A Backend is shared by every filesystem thread: all methods may be called
// concurrently.
class Backend {
 public:
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;
  virtual ~Backend() = default;

  // Every topic, sorted by name.
  virtual std::vector<TopicMeta> ListTopics() = 0;
  // NotFound if the topic does not exist.
  virtual Result<TopicMeta> StatTopic(std::string_view topic) = 0;
  // AlreadyExists if it exists; InvalidArgument for a bad name.
  virtual Result<TopicMeta> CreateTopic(std::string_view topic) = 0;
  // NotFound if it does not exist.
  virtual Status DeleteTopic(std::string_view topic) = 0;

  // The record at `location`; NotFound if the topic or location is gone.
  virtual Result<Record> Get(std::string_view topic, uint64_t location) = 0;
  // Records [begin, end) that exist, from one snapshot, clamped to what is
  // stored. NotFound if the topic does not exist.
  virtual Result<std::unique_ptr<RangeReader>> Read(std::string_view topic, uint64_t begin,
                                                    uint64_t end) = 0;
  // Appends every document or none (creating the topic if needed).
  virtual Result<Store::AppendResult> Append(std::string_view topic, const DocumentBatch& docs) = 0;
  // Appends every item or none (whole-file writes of any content type).
  // TooLarge for an item over the store's max_document_bytes. A backend
  // that cannot store items answers PermissionDenied (the mount: EACCES).
  virtual Result<Store::AppendResult> AppendItems(std::string_view topic, const ItemBatch& items) {
    (void)topic;
    (void)items;
    return Status::PermissionDenied("this backend stores JSON documents only");
  }
  // Removes `location` and after; at or past the end, no change.
  virtual Result<TopicMeta> Truncate(std::string_view topic, uint64_t location) = 0;
  // As Truncate, but only while the topic's next location is
  // `expected_next`; else Conflict and no change. Removing exactly the last
  // document L is TruncateIfNext(topic, L, L + 1).
  virtual Result<TopicMeta> TruncateIfNext(std::string_view topic, uint64_t location,
                                           uint64_t expected_next) = 0;
  // Removes every location below `location`; the others keep theirs.
  virtual Result<TopicMeta> TrimFront(std::string_view topic, uint64_t location) = 0;

  // Space on the device that holds the data, for statfs(2).
  virtual Result<struct statvfs> StatFs() = 0;

  // Change notifications, with the contract of Store::AddListener: events
  // arrive in commit order, after the change is visible, on the committing
  // thread; the listener must be quick and must not call mutating methods.
  virtual void AddListener(ChangeListener* listener) = 0;
  virtual void RemoveListener(ChangeListener* listener) = 0;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_BACKEND_H_
