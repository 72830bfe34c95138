// Writer: one change waiting in the writer queue (LevelDB's
// DBImpl::Writer). Not part of the public API.
#ifndef PDFS_ENGINE_WRITER_H_
#define PDFS_ENGINE_WRITER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "commit_checks.h"
#include "item_source.h"
#include "pdfs/store.h"

namespace pdfs::engine {

// Built by the thread that calls a Store method, which then waits; the
// arguments are fixed before it is queued, and the results are written by
// the leader that commits it before Tell() and read by its thread after
// Await() (wake_mu orders them).
struct Writer {
  enum class Op {
    kCreateTopic,
    kAppend,
    kTruncate,
    kTrim,
    kDeleteTopic,
    kCreateCollection,
    kDeleteCollection,
    kCommit,
  };
  Writer(Op o, std::string_view n) : op(o), name(n) {}

  // True for the operations that remove stored items (and read the stored
  // state to do so).
  bool removes_items() const {
    return op == Op::kTruncate || op == Op::kTrim || op == Op::kDeleteTopic;
  }
  // Bytes of data this change adds.
  uint64_t bytes() const {
    if (items.has_value()) return items->bytes();
    return commit != nullptr ? commit->bytes : 0;
  }

  // Arguments.
  const Op op;
  std::string_view name;            // the topic, or the collection
  std::optional<ItemSource> items;  // kAppend
  bool create_missing = true;       // kAppend: create a missing topic
  uint64_t location = 0;            // kTruncate, kTrim
  // kAppend, kTruncate: commit only if the topic's count is this, else
  // Conflict.
  std::optional<uint64_t> expected_next;
  const std::string* config = nullptr;     // kCreateTopic: minified, or none
  const PreparedCommit* commit = nullptr;  // kCommit

  // Results.
  Status status;
  TopicMeta meta;
  uint64_t first_location = 0;
  CollectionInfo collection;
  CommitResult commit_result;

  // What the waiting thread does next. It sleeps on its own mutex and
  // condition variable, not on the store's mutex, so that a leader waking a
  // whole group does not make every waiter queue for that mutex behind it.
  // (Not std::atomic::wait: libstdc++ 12 spins on sched_yield before
  // sleeping, which on two cores costs more than it saves.)
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

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_WRITER_H_
