// StoreImpl: the Store on RocksDB. Not part of the public API.
#ifndef PDFS_ENGINE_STORE_IMPL_H_
#define PDFS_ENGINE_STORE_IMPL_H_

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "dir_lock.h"
#include "key_codec.h"
#include "pdfs/store.h"

namespace pdfs::engine {

class StoreImpl : public Store {
 public:
  ~StoreImpl() override;

  static Result<std::unique_ptr<Store>> Open(const Options& options, const std::string& dir);

  Result<TopicMeta> CreateTopic(std::string_view topic) override;
  std::vector<TopicMeta> ListTopics() override;
  Result<TopicMeta> Stat(std::string_view topic) override;
  Status DeleteTopic(std::string_view topic) override;
  Result<AppendResult> Append(std::string_view topic, const DocumentBatch& docs) override;
  Result<AppendResult> AppendIfNext(std::string_view topic, const DocumentBatch& docs,
                                    uint64_t expected_next) override;
  Result<Record> Get(std::string_view topic, uint64_t location) override;
  Result<std::unique_ptr<RangeReader>> Read(std::string_view topic, uint64_t begin,
                                            uint64_t end) override;
  Result<TopicMeta> Truncate(std::string_view topic, uint64_t location) override;
  Result<TopicMeta> TruncateIfNext(std::string_view topic, uint64_t location,
                                   uint64_t expected_next) override;
  Result<TopicMeta> TrimFront(std::string_view topic, uint64_t location) override;
  Result<uint64_t> FindLocationAtTime(std::string_view topic, int64_t time_ms) override;
  Result<TopicMeta> WaitForLocation(std::string_view topic, uint64_t location,
                                    std::chrono::steady_clock::time_point deadline) override;
  void Shutdown() override;
  void AddListener(ChangeListener* listener) override;
  void RemoveListener(ChangeListener* listener) override;
  const std::string& dir() const override { return dir_; }

  // Test hooks.
  // Simulates a crash: drops the RocksDB handle without flushing memtables
  // (the WAL is all that survives, as after kill -9).
  void TEST_SimulateCrash();

 private:
  // The committed state of one topic. Shared with waiters, who may hold it
  // after the topic is deleted (then `deleted` is set).
  struct TopicState {
    std::string name;
    StoredMeta meta;
    bool deleted = false;
    std::condition_variable changed;  // committed count grew, or the topic went away
  };

  // One mutation waiting in the writer queue (LevelDB's DBImpl::Writer).
  struct Writer {
    enum class Op { kAppend, kCreate, kTruncate, kTrim, kDelete };
    Writer(Op o, std::string_view t) : op(o), topic(t) {}
    const Op op;
    std::string_view topic;
    const DocumentBatch* docs = nullptr;  // kAppend
    uint64_t location = 0;                // kTruncate, kTrim
    // kAppend, kTruncate: commit only if the topic's count is this, else
    // Conflict.
    std::optional<uint64_t> expected_next;
    // Results, written by the leader that commits this writer before Tell();
    // read by the waiter after Await() (wake_mu orders them).
    Status status;
    TopicMeta meta;
    uint64_t first_location = 0;
    // What the waiting thread does next. It sleeps on its own mutex and
    // condition variable, not on mu_, so that a leader waking a whole group
    // does not make every waiter queue for mu_ behind it. (Not
    // std::atomic::wait: libstdc++ 12 spins on sched_yield before sleeping,
    // which on two cores costs more than it saves.)
    enum class Next { kWait, kDone, kLead };
    void Tell(Next next) {
      {
        std::lock_guard<std::mutex> lock(wake_mu);
        told = next;
      }
      wake.notify_one();
    }
    Next Await() {
      std::unique_lock<std::mutex> lock(wake_mu);
      wake.wait(lock, [this] { return told != Next::kWait; });
      return told;
    }
    std::mutex wake_mu;
    std::condition_variable wake;
    Next told = Next::kWait;  // Guarded by wake_mu.
  };

  StoreImpl(const Options& options, std::string dir, DirLock lock);

  // Append and Truncate, with an optional expected next location.
  Result<AppendResult> AppendChecked(std::string_view topic, const DocumentBatch& docs,
                                     std::optional<uint64_t> expected_next);
  Result<TopicMeta> TruncateChecked(std::string_view topic, uint64_t location,
                                    std::optional<uint64_t> expected_next);

  Status OpenDb();
  Status LoadTopics();
  // Queues `w`, waits until it is committed (by itself as leader or by
  // another leader) and returns its status. Writers are shared so that a
  // leader may wake them after releasing mu_, when their threads may already
  // be returning.
  Status Commit(const std::shared_ptr<Writer>& w);
  // The leader's work for one group; sets each writer's results.
  void WriteGroup(const std::vector<std::shared_ptr<Writer>>& group,
                  std::vector<ChangeEvent>* events);
  // Free bytes on the data directory's disk, and bytes RocksDB holds in
  // memory tables (which a flush will write out).
  Status DiskSpace(uint64_t* free_bytes, uint64_t* memtable_bytes) const;
  // The stored chunk holding (id, location): NotFound if none holds it.
  struct StoredChunk {
    std::string value;
    ChunkView view;  // over `value`: do not copy or move a StoredChunk
    uint64_t first = 0;
    uint64_t last = 0;
  };
  Status ReadChunk(uint64_t id, uint64_t location, StoredChunk* out,
                   const rocksdb::Snapshot* snapshot = nullptr) const;
  // Adds to *batch a Put of documents [from, to) of `c` as a chunk whose
  // last location is `last_location`, keeping their serials and offsets.
  void RewriteChunk(const StoredChunk& c, uint32_t from, uint32_t to, uint64_t id,
                    uint64_t last_location, rocksdb::WriteBatch* batch) const;
  TopicMeta PublicMeta(const TopicState& state) const;
  Status FromRocks(const rocksdb::Status& s, std::string_view what) const;
  // REQUIRES: mu_ held.
  std::shared_ptr<TopicState> FindLocked(std::string_view topic) const;

  // Fixed after construction.
  const Options options_;
  const std::string dir_;
  DirLock lock_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* docs_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* topics_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* default_cf_ = nullptr;
  rocksdb::WriteOptions write_options_;

  // Lock order: mu_ before listeners_mu_. No lock is held across
  // db_->Write(), and listeners are called with neither held.
  mutable std::mutex mu_;
  // Guarded by mu_. Only the leader of the writer queue modifies topics_ and
  // the counters, and it may read them without mu_ while it leads.
  std::map<std::string, std::shared_ptr<TopicState>, std::less<>> topics_;
  uint64_t next_topic_id_ = 1;
  uint64_t next_serial_ = 1;
  std::deque<std::shared_ptr<Writer>> writers_;
  bool shutting_down_ = false;

  std::mutex listeners_mu_;
  std::vector<ChangeListener*> listeners_;  // Guarded by listeners_mu_.
};

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_STORE_IMPL_H_
