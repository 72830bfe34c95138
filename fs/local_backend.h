// LocalBackend: the Backend over a Store in this process.
#ifndef PDFS_FS_LOCAL_BACKEND_H_
#define PDFS_FS_LOCAL_BACKEND_H_

#include "backend.h"

namespace pdfs::fs {

// Thread-safe, as Store is. The Store must outlive the LocalBackend.
class LocalBackend : public Backend {
 public:
  explicit LocalBackend(Store* store) : store_(store) {}

  std::vector<TopicMeta> ListTopics() override;
  Result<TopicMeta> StatTopic(std::string_view topic) override;
  Result<TopicMeta> CreateTopic(std::string_view topic) override;
  Status DeleteTopic(std::string_view topic) override;
  Result<Record> Get(std::string_view topic, uint64_t location) override;
  Result<std::unique_ptr<RangeReader>> Read(std::string_view topic, uint64_t begin,
                                            uint64_t end) override;
  Result<Store::AppendResult> Append(std::string_view topic, const DocumentBatch& docs) override;
  Result<Store::AppendResult> AppendItems(std::string_view topic, const ItemBatch& items) override;
  Result<TopicMeta> Truncate(std::string_view topic, uint64_t location) override;
  Result<TopicMeta> TruncateIfNext(std::string_view topic, uint64_t location,
                                   uint64_t expected_next) override;
  Result<TopicMeta> TrimFront(std::string_view topic, uint64_t location) override;
  Result<struct statvfs> StatFs() override;
  void AddListener(ChangeListener* listener) override;
  void RemoveListener(ChangeListener* listener) override;

 private:
  Store* const store_;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_LOCAL_BACKEND_H_
