// What `pdfs follow` and `pdfs subscribe` share: ending cleanly on
// SIGINT/SIGTERM, and a loop of polls that rides out a server that is down
// or restarting.
#ifndef PDFS_MOUNTD_CLIENT_LOOP_H_
#define PDFS_MOUNTD_CLIENT_LOOP_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>

#include "client_tools.h"

namespace pdfs::mountd {

// SIGINT/SIGTERM, taken by a thread of its own with sigwait(), turned into a
// flag, a wake-up for sleepers, and StreamClient::Stop() for the request in
// flight. REQUIRES: BlockShutdownSignals() was called before construction.
class StopSignal {
 public:
  explicit StopSignal(StreamClient& client);
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  ~StopSignal();

  bool stopping();
  // Sleeps for `d` unless a stop comes first; false if stopping.
  bool Sleep(std::chrono::steady_clock::duration d);

 private:
  void WaitAndStop();

  StreamClient& client_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool finished_ = false;  // guarded by mu_
  std::thread thread_;     // last: starts once the members above exist
};

// What one poll did.
struct PollResult {
  Status status;      // of its requests
  Status out;         // of writing stdout
  bool done = false;  // nothing more to do: end the loop
};

// Calls `poll` until a stop or it is done. A poll that fails with
// Unavailable or IOError (no connection, a broken one, a 5xx) is retried
// after 1, 2, 4 ... 30 s with a message on stderr, and "reconnected" is said
// once one succeeds again; any other failure (the topic deleted, a request
// the server refuses) ends the loop with a message, as does a failure to
// write stdout. Returns the exit status: 0 after a stop or done, else 1.
int PollUntilStopped(std::string_view cmd, StreamClient& client, StopSignal& stop,
                     const std::function<PollResult()>& poll);

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_CLIENT_LOOP_H_
