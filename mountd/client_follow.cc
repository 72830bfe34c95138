// pdfs follow TOPIC: prints documents as they are appended.
//
// A loop of long-polls, GET /stream/TOPIC/NEXT-?wait=SECONDS, each printing
// what it brings and moving NEXT past it. The server answers as soon as NEXT
// exists, or with nothing when the wait ends; after an empty answer one GET
// /stream/TOPIC checks whether the topic got shorter than NEXT (a long-poll
// past the end cannot show that), and if so following goes on from the new
// end. A truncation that is refilled beyond NEXT within one wait cannot be
// seen through the stream API; the documents from NEXT on are then printed.
//
// Connection failures and 5xx answers are retried after 1, 2, 4 ... 30 s with
// a message on stderr; anything else the server refuses (the topic deleted,
// a wait longer than it allows) ends the command with exit status 1.
// SIGINT/SIGTERM end it with 0, having printed only whole documents.
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "client_tools.h"
#include "signals.h"

namespace pdfs::mountd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr seconds kFirstRetry{1};
constexpr seconds kLongestRetry{30};
// A server that ignores ?wait answers an empty poll at once; never ask more
// often than this then.
constexpr seconds kShortestEmptyPoll{1};

// SIGINT/SIGTERM, taken by a thread of its own with sigwait(), turned into a
// flag, a wake-up for sleepers, and StreamClient::Stop() for the request in
// flight. REQUIRES: BlockShutdownSignals() was called before construction.
class StopSignal {
 public:
  explicit StopSignal(StreamClient& client) : client_(client), thread_([this] { WaitAndStop(); }) {}
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  ~StopSignal() {
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
      stopping = stopping_;
    }
    cv_.notify_all();
    // Still in sigwait(): a signal aimed at that thread alone releases it.
    if (!stopping) pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
  }

  bool stopping() {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  }

  // Sleeps for `d` unless a stop comes first; false if stopping.
  bool Sleep(Clock::duration d) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, d, [this] { return stopping_; });
    return !stopping_;
  }

 private:
  void WaitAndStop() {
    WaitForShutdownSignal();
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
    // A request may be just starting, after Stop() found nothing to end:
    // keep stopping until the main thread is done.
    while (!finished_) {
      lock.unlock();
      client_.Stop();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return finished_; });
    }
  }

  StreamClient& client_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool finished_ = false;  // guarded by mu_
  std::thread thread_;     // last: starts once the members above exist
};

class Follower {
 public:
  Follower(StreamClient& client, const std::string& topic, uint64_t next, uint64_t wait_seconds,
           StopSignal& stop)
      : client_(client), topic_(topic), next_(next), wait_seconds_(wait_seconds), stop_(stop) {}

  // One long-poll and what it prints. A failure to write stdout is out().
  Status Poll() {
    const Clock::time_point started = Clock::now();
    StreamClient::RangeQuery query;
    query.spec = std::to_string(next_) + "-";
    query.wait_seconds = wait_seconds_;
    uint64_t received = 0;
    Status s = client_.GetRange(
        topic_, query,
        [this](std::string_view lines, uint64_t) {
          // Flushed at once: whoever reads us is waiting for exactly this.
          out_ = WriteOut(lines);
          if (out_.ok()) out_ = FlushOut();
          return out_.ok();
        },
        &received);
    next_ += received;
    if (!s.ok() || received > 0 || !out_.ok()) return s;

    Result<TopicMeta> meta = client_.Stat(topic_);
    if (!meta.ok()) return meta.status();
    if (meta->count < next_) {
      ReportError("follow", "topic \"" + topic_ + "\" was truncated to " +
                                std::to_string(meta->count) + " documents; continuing from there");
      next_ = meta->count;
    }
    const Clock::duration took = Clock::now() - started;
    if (took < kShortestEmptyPoll) stop_.Sleep(kShortestEmptyPoll - took);
    return Status::Ok();
  }

  const Status& out() const { return out_; }

 private:
  StreamClient& client_;
  const std::string& topic_;
  uint64_t next_;
  const uint64_t wait_seconds_;
  StopSignal& stop_;
  Status out_;
};

}  // namespace

int RunFollowCommand(StreamClient& client, const std::string& topic, std::optional<uint64_t> from,
                     uint64_t wait_seconds) {
  BlockShutdownSignals();  // before the signal thread starts
  StopSignal stop(client);

  // A first failure (no server, no such topic) is reported, not retried: the
  // command line is probably wrong.
  Result<TopicMeta> meta = client.Stat(topic);
  if (stop.stopping()) return 0;
  if (!meta.ok()) {
    ReportError("follow", meta.status().message());
    return 1;
  }
  Follower follower(client, topic, from.value_or(meta->count), wait_seconds, stop);

  Clock::duration retry = kFirstRetry;
  bool failing = false;
  while (!stop.stopping()) {
    Status s = follower.Poll();
    if (stop.stopping()) break;
    if (!follower.out().ok()) {
      ReportError("follow", follower.out().message());
      return 1;
    }
    if (s.ok()) {
      if (failing) ReportError("follow", "reconnected to " + client.url());
      failing = false;
      retry = kFirstRetry;
      continue;
    }
    if (!s.IsUnavailable() && !s.IsIOError()) {
      ReportError("follow", s.message());
      return 1;
    }
    ReportError("follow", s.message() + "; retrying in " +
                              std::to_string(std::chrono::duration_cast<seconds>(retry).count()) +
                              " s");
    failing = true;
    if (!stop.Sleep(retry)) break;
    retry = std::min<Clock::duration>(retry * 2, kLongestRetry);
  }
  return 0;
}

}  // namespace pdfs::mountd
