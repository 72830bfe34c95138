// LocalBackend: each call is the Store method of the same name.
#include "local_backend.h"

#include <errno.h>

#include <cstring>

namespace pdfs::fs {

std::vector<TopicMeta> LocalBackend::ListTopics() { return store_->ListTopics(); }

Result<TopicMeta> LocalBackend::StatTopic(std::string_view topic) { return store_->Stat(topic); }

Result<TopicMeta> LocalBackend::CreateTopic(std::string_view topic) {
  return store_->CreateTopic(topic);
}

Status LocalBackend::DeleteTopic(std::string_view topic) { return store_->DeleteTopic(topic); }

Result<Record> LocalBackend::Get(std::string_view topic, uint64_t location) {
  return store_->Get(topic, location);
}

Result<std::unique_ptr<RangeReader>> LocalBackend::Read(std::string_view topic, uint64_t begin,
                                                        uint64_t end) {
  return store_->Read(topic, begin, end);
}

Result<Store::AppendResult> LocalBackend::Append(std::string_view topic,
                                                 const DocumentBatch& docs) {
  return store_->Append(topic, docs);
}

Result<Store::AppendResult> LocalBackend::AppendItems(std::string_view topic,
                                                      const ItemBatch& items) {
  return store_->Append(topic, items);
}

Result<TopicMeta> LocalBackend::Truncate(std::string_view topic, uint64_t location) {
  return store_->Truncate(topic, location);
}

Result<TopicMeta> LocalBackend::TruncateIfNext(std::string_view topic, uint64_t location,
                                               uint64_t expected_next) {
  return store_->TruncateIfNext(topic, location, expected_next);
}

Result<TopicMeta> LocalBackend::TrimFront(std::string_view topic, uint64_t location) {
  return store_->TrimFront(topic, location);
}

Result<struct statvfs> LocalBackend::StatFs() {
  struct statvfs st;
  if (::statvfs(store_->dir().c_str(), &st) != 0) {
    return Status::IOError("statvfs " + store_->dir() + ": " + std::strerror(errno));
  }
  return st;
}

void LocalBackend::AddListener(ChangeListener* listener) { store_->AddListener(listener); }

void LocalBackend::RemoveListener(ChangeListener* listener) { store_->RemoveListener(listener); }

}  // namespace pdfs::fs
