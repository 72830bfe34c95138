// CommittedState: what the store has committed, as the writer queue's
// leader and the readers see it. Not part of the public API.
#ifndef PDFS_ENGINE_COMMITTED_STATE_H_
#define PDFS_ENGINE_COMMITTED_STATE_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "key_codec.h"

namespace pdfs::engine {

// The committed state of one topic. Shared with waiters, who may hold it
// after the topic is deleted (then `deleted` is set).
struct TopicState {
  std::string name;
  StoredMeta meta;
  StoredConfig config;
  bool deleted = false;
  std::condition_variable changed;  // committed count grew, or the topic went away
};

// Guarded by StoreImpl::mu_. Only the leader of the writer queue modifies
// it (GroupBatch::Publish, with mu_ held), so the leader may read it without
// mu_ while it leads.
struct CommittedState {
  std::map<std::string, std::shared_ptr<TopicState>, std::less<>> topics;
  std::map<std::string, StoredCollection, std::less<>> collections;
  uint64_t next_topic_id = 1;
  uint64_t next_serial = 1;
  uint64_t next_collection_id = 1;
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_COMMITTED_STATE_H_
