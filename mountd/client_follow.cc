// pdfs follow TOPIC: prints documents as they are appended.
//
// A loop of long-polls, GET /stream/TOPIC/NEXT-?wait=SECONDS, each printing
// what it brings and moving NEXT past it. The server answers as soon as NEXT
// exists, or with nothing when the wait ends. A cut below NEXT (DELETE
// /stream/TOPIC/L) followed by appends cannot be seen in a long-poll, which
// waits for a location that the appends fill again; so after every poll, and
// before printing what it brought, one GET of the last printed document
// checks that it is still there. If not, the follower finds the cut among the
// last documents it printed (it keeps a fingerprint of each) and follows
// again from there, so re-appended documents are printed, as `cat
// TOPIC/.follow` prints them (issue 20).
//
// Failures are handled as client_loop.h says (retried if the network or the
// server is down, else the end); SIGINT/SIGTERM end it with 0, having printed
// only whole documents.
#include <algorithm>
#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "client_loop.h"
#include "client_tools.h"
#include "signals.h"

namespace pdfs::mountd {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

// A server that ignores ?wait answers an empty poll at once; never ask more
// often than this then.
constexpr seconds kShortestEmptyPoll{1};

// 64-bit FNV-1a of a document's bytes: what the follower remembers of each
// document it printed, to tell later whether that location still holds it.
uint64_t Fingerprint(std::string_view doc) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : doc) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

class Follower {
 public:
  Follower(StreamClient& client, const std::string& topic, uint64_t next, uint64_t wait_seconds,
           StopSignal& stop)
      : client_(client), topic_(topic), next_(next), wait_seconds_(wait_seconds), stop_(stop) {}

  // Remembers the documents just before the starting point, so that a cut
  // below it is seen from the first poll on. `count` is the topic's count
  // when following began; a start past it has nothing below to watch.
  Status Prime(uint64_t count) {
    if (next_ == 0 || next_ > count) return Status::Ok();
    const uint64_t from = next_ - std::min<uint64_t>(next_, kPrimed);
    StreamClient::RangeQuery query;
    query.spec = std::to_string(from) + "-" + std::to_string(next_ - 1);
    std::vector<uint64_t> prints;
    uint64_t received = 0;
    Status s = client_.GetRange(
        topic_, query,
        [&](std::string_view lines, uint64_t) {
          ForEachDocument(lines, [&](std::string_view doc) { prints.push_back(Fingerprint(doc)); });
          return true;
        },
        &received);
    if (!s.ok()) return s;
    // The range ends at the starting point (it is at most the count), so
    // the last document received is next_ - 1.
    uint64_t location = next_ - std::min<uint64_t>(next_, prints.size());
    for (uint64_t print : prints) Remember(location++, print);
    return Status::Ok();
  }

  // One long-poll and what it prints. A failure to write stdout is out().
  //
  // A cut below the position followed by appends is invisible to a
  // long-poll (it waits for a location, which the appends fill again). So
  // before printing what a poll brought, the follower checks that the last
  // document it printed is still there; if not, it finds the cut among the
  // documents it remembers, drops what the poll brought, and follows again
  // from the cut, as `cat TOPIC/.follow` does.
  Status Poll() {
    const Clock::time_point started = Clock::now();
    StreamClient::RangeQuery query;
    query.spec = std::to_string(next_) + "-";
    query.wait_seconds = wait_seconds_;
    query.limit = kMostPerPoll;
    std::string brought;
    uint64_t received = 0;
    Status s = client_.GetRange(
        topic_, query,
        [&](std::string_view lines, uint64_t) {
          brought.append(lines);
          return brought.size() < kMostBuffered;  // the rest comes with the next poll
        },
        &received);
    if (!s.ok()) return s;
    Result<bool> intact = StillIntact();
    if (!intact.ok()) return intact.status();
    if (!*intact) return FollowFromTheCut();
    ForEachDocument(brought, [&](std::string_view doc) {
      if (!out_.ok()) return;
      out_ = WriteOut(std::string(doc) + "\n");
      Remember(next_++, Fingerprint(doc));
    });
    if (out_.ok()) out_ = FlushOut();
    if (received > 0 || !out_.ok()) return Status::Ok();
    if (printed_.empty()) {
      // Nothing printed to check yet (a start past the end): a topic now
      // shorter than the position is followed from its new end.
      Result<TopicMeta> meta = client_.Stat(topic_);
      if (!meta.ok()) return meta.status();
      if (meta->count < next_) {
        ReportError("follow", "topic \"" + topic_ + "\" was truncated to " +
                                  std::to_string(meta->count) +
                                  " documents; continuing from there");
        next_ = meta->count;
      }
    }
    const Clock::duration took = Clock::now() - started;
    if (took < kShortestEmptyPoll) stop_.Sleep(kShortestEmptyPoll - took);
    return Status::Ok();
  }

  const Status& out() const { return out_; }

 private:
  struct Printed {
    uint64_t location;
    uint64_t fingerprint;
  };

  // How many documents before the starting point are remembered, and how
  // many printed ones at most (their locations and fingerprints only).
  static constexpr uint64_t kPrimed = 64;
  static constexpr size_t kRemembered = 1024;
  // What one poll holds back until the check above (documents, and bytes
  // for a server that ignores `limit`); the rest comes with the next poll.
  static constexpr uint64_t kMostPerPoll = 1000;
  static constexpr size_t kMostBuffered = size_t{1} << 20;

  template <typename F>
  static void ForEachDocument(std::string_view lines, F&& f) {
    while (!lines.empty()) {
      const size_t end = lines.find('\n');
      f(lines.substr(0, end));
      if (end == std::string_view::npos) break;
      lines.remove_prefix(end + 1);
    }
  }

  void Remember(uint64_t location, uint64_t fingerprint) {
    printed_.push_back(Printed{location, fingerprint});
    if (printed_.size() > kRemembered) printed_.pop_front();
  }

  // Whether location printed_[i] still holds the document printed there.
  Result<bool> Holds(size_t i) {
    Result<std::string> doc = client_.GetDocument(topic_, std::to_string(printed_[i].location));
    if (!doc.ok()) {
      if (doc.status().IsNotFound()) return false;
      return doc.status();
    }
    return Fingerprint(*doc) == printed_[i].fingerprint;
  }

  Result<bool> StillIntact() {
    if (printed_.empty()) return true;
    return Holds(printed_.size() - 1);
  }

  // The last printed document is gone: the cut is at the first remembered
  // location that no longer holds what was printed (below it nothing
  // changed, or it would not be a cut). Follows again from there.
  Status FollowFromTheCut() {
    size_t lo = 0, hi = printed_.size() - 1;  // printed_[hi] is known changed
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      Result<bool> holds = Holds(mid);
      if (!holds.ok()) return holds.status();
      if (*holds) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    next_ = printed_[lo].location;
    const bool below_memory = lo == 0 && next_ > 0;
    printed_.resize(lo);
    ReportError("follow", "topic \"" + topic_ + "\" was truncated to " + std::to_string(next_) +
                              (below_memory ? " or fewer" : "") +
                              " documents; continuing from there");
    return Status::Ok();
  }

  StreamClient& client_;
  const std::string& topic_;
  uint64_t next_;
  const uint64_t wait_seconds_;
  StopSignal& stop_;
  std::deque<Printed> printed_;  // consecutive locations, ending at next_ - 1
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
  if (Status s = follower.Prime(meta->count); !s.ok() && !stop.stopping()) {
    ReportError("follow", s.message());
    return 1;
  }

  return PollUntilStopped("follow", client, stop, [&] {
    Status s = follower.Poll();
    return PollResult{s, follower.out()};
  });
}

}  // namespace pdfs::mountd
