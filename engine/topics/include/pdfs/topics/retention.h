// Retention: removing old items from the front of topics (Store::TrimFront;
// every remaining item keeps its location and `first` moves up).
//
// ApplyRetention computes and applies the cut for one topic; the
// RetentionEnforcer runs it on a thread of its own for every topic whose
// settings (settings.h) ask for retention. Topics nobody configured keep
// everything forever.
//
// Thread safety: ApplyRetention may be called from any thread (it uses only
// the Store's thread-safe methods). A RetentionEnforcer's methods are safe
// to call concurrently from any thread.
#ifndef PDFS_ENGINE_TOPICS_RETENTION_H_
#define PDFS_ENGINE_TOPICS_RETENTION_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "pdfs/status.h"
#include "pdfs/store.h"
#include "pdfs/topics/settings.h"

namespace pdfs::topics {

// The outcome of one ApplyRetention. A value type.
struct RetentionCut {
  uint64_t first_before = 0;
  uint64_t first_after = 0;  // == first_before when nothing was removed
  uint64_t removed() const { return first_after - first_before; }
};

// Removes from the front of `topic` every item that `retention` does not
// keep, as of `now_ms` (ms since the Unix epoch): items appended before
// now_ms - max_age_ms (by append time, found by binary search), all but the
// newest max_items, and the oldest items until the rest fit in max_bytes
// (found by reading from the front until enough bytes are counted). The
// strictest bound wins. NotFound if the topic does not exist.
//
// The cut is computed on one reading of the topic and applied with
// TrimFront: appends that commit in between only add newer items, so the
// cut never removes an item that the bounds keep. (A cut from the tail
// followed by new appends in that window could lose young items to it;
// the engine has no conditional TrimFront yet, and a topic both cut from
// the tail and under retention is not a case any face has.)
Result<RetentionCut> ApplyRetention(Store& store, std::string_view topic,
                                    const Retention& retention, int64_t now_ms);

// A background thread that applies every topic's retention: one pass over
// every user topic (system topics have their owners' own retention) each
// `period`, or at once after Kick(). A topic whose configuration is not valid
// settings is skipped and counted, never trimmed.
class RetentionEnforcer {
 public:
  struct Config {
    std::chrono::milliseconds period{std::chrono::seconds(60)};
    // The clock passes judge ages by; tests may set their own.
    std::function<int64_t()> now_ms;  // empty: the system clock
  };
  // What the passes did so far. A value type.
  struct Counters {
    uint64_t passes = 0;          // completed passes
    uint64_t topics_trimmed = 0;  // TrimFront calls that removed something
    uint64_t items_removed = 0;
    uint64_t invalid_settings = 0;  // topics skipped for their configuration
    uint64_t errors = 0;            // other failures (logged nowhere: see last_error)
    Status last_error;
  };

  // Starts the thread. `store` must outlive the enforcer (or Stop()).
  RetentionEnforcer(Store* store, Config config);
  RetentionEnforcer(const RetentionEnforcer&) = delete;
  RetentionEnforcer& operator=(const RetentionEnforcer&) = delete;
  // Stops the thread (as Stop()).
  ~RetentionEnforcer();

  // Asks for a pass now. Returns a ticket for WaitForPass: the pass that
  // completes it started after this call, so it sees every change made
  // before it.
  uint64_t Kick();
  // Blocks until the pass of `ticket` has completed (true) or `deadline`
  // passes, or the enforcer is stopped (false).
  bool WaitForPass(uint64_t ticket, std::chrono::steady_clock::time_point deadline);
  // Stops the thread, waiting for a pass in progress to finish its current
  // topic. Idempotent.
  void Stop();

  Counters counters() const;

  // One pass over every topic, on the calling thread (what the thread runs).
  void RunPass();

 private:
  void Loop();

  Store* const store_;
  const Config config_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  uint64_t requested_ = 0;  // tickets handed out by Kick()
  uint64_t started_ = 0;    // the highest ticket a started pass covers
  uint64_t completed_ = 0;  // the highest ticket a completed pass covers
  Counters counters_;
  std::thread thread_;  // last: starts after every member above exists
};

}  // namespace pdfs::topics

#endif  // PDFS_ENGINE_TOPICS_RETENTION_H_
