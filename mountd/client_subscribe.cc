// pdfs subscribe TOPIC: a loop of pulls (POST /subscribe, long-polling),
// each printing what it brings, one message per line.
//
// Delivery is at least once, as Katar's own guarantee (docs/KATAR.md): the
// offset after the last printed message is committed only once the messages
// are written to stdout, and it rides on the next pull (its `commit` field),
// so committing costs no request of its own. At the end (SIGINT/SIGTERM or
// --count) a last commit is sent by itself. A consumer killed in between
// gets the messages after its last commit again.
//
// The position is kept here after the first pull (each pull names its
// offset), so a --from start is followed even before anything is committed;
// the group's offset is only where the first pull starts without --from.
// Failures are handled as client_loop.h says.
#include <algorithm>
#include <optional>
#include <string>

#include "client_loop.h"
#include "client_tools.h"
#include "signals.h"

namespace pdfs::mountd {
namespace {

class Subscriber {
 public:
  Subscriber(StreamClient& client, const std::string& topic, const SubscribeOptions& options)
      : client_(client), topic_(topic), options_(options), next_(options.from) {}

  PollResult Poll() {
    StreamClient::PullRequest request;
    request.group = options_.group;
    request.offset = next_;
    request.commit = uncommitted_;
    request.max = options_.max;
    if (options_.count) request.max = std::min(request.max, *options_.count - printed_);
    request.wait_seconds = options_.wait_seconds;
    Result<StreamClient::Pulled> pulled = client_.Pull(topic_, request);
    if (!pulled.ok()) return PollResult{pulled.status(), Status::Ok()};
    uncommitted_.reset();  // it went with the pull, which succeeded
    if (pulled->reset) {
      ReportError("subscribe", "offset " + std::to_string(pulled->reset_from) + " of topic \"" +
                                   topic_ +
                                   "\" is no longer stored; continuing from the first message");
    }
    std::string out;
    uint64_t next = pulled->next_offset;
    for (const StreamClient::PulledMessage& m : pulled->messages) {
      if (options_.count && printed_ == *options_.count) {
        next = m.offset;  // the rest is for the next consumer
        break;
      }
      out += options_.envelope ? m.envelope : m.value;
      out += '\n';
      ++printed_;
    }
    PollResult result;
    result.out = WriteOut(out);
    if (result.out.ok()) result.out = FlushOut();
    if (!result.out.ok()) return result;
    if (!options_.group.empty() && (!next_ || next != *next_)) uncommitted_ = next;
    next_ = next;
    result.done = options_.count && printed_ >= *options_.count;
    return result;
  }

  // Commits what was printed and not yet committed (at the end).
  Status CommitPrinted() {
    if (!uncommitted_) return Status::Ok();
    return client_.Commit(topic_, options_.group, *uncommitted_);
  }

 private:
  StreamClient& client_;
  const std::string& topic_;
  const SubscribeOptions& options_;
  std::optional<uint64_t> next_;         // the next offset to read, once known
  std::optional<uint64_t> uncommitted_;  // printed up to here, not committed yet
  uint64_t printed_ = 0;
};

}  // namespace

int RunSubscribeCommand(StreamClient& client, const std::string& topic,
                        const SubscribeOptions& options) {
  BlockShutdownSignals();  // before the signal thread starts
  Subscriber subscriber(client, topic, options);
  int rc;
  {
    StopSignal stop(client);
    // A first failure (no server, no such topic) is reported, not retried:
    // the command line is probably wrong.
    PollResult first = subscriber.Poll();
    if (stop.stopping()) {
      rc = 0;
    } else if (!first.status.ok() || !first.out.ok()) {
      ReportError("subscribe", (first.status.ok() ? first.out : first.status).message());
      rc = 1;
    } else if (first.done) {
      rc = 0;
    } else {
      rc = PollUntilStopped("subscribe", client, stop, [&] { return subscriber.Poll(); });
    }
  }
  // The stop thread is gone, so this request cannot be cut short by it.
  if (Status s = subscriber.CommitPrinted(); !s.ok()) {
    ReportError("subscribe", "the last commit failed: " + s.message() +
                                 "; the messages after the previous one will be delivered again");
    return 1;
  }
  return rc;
}

}  // namespace pdfs::mountd
