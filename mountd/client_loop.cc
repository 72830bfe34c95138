// StopSignal and PollUntilStopped: see client_loop.h.
#include "client_loop.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <string>

#include "signals.h"

namespace pdfs::mountd {
namespace {

using std::chrono::seconds;

constexpr seconds kFirstRetry{1};
constexpr seconds kLongestRetry{30};

}  // namespace

StopSignal::StopSignal(StreamClient& client)
    : client_(client), thread_([this] { WaitAndStop(); }) {}

StopSignal::~StopSignal() {
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

bool StopSignal::stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool StopSignal::Sleep(std::chrono::steady_clock::duration d) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, d, [this] { return stopping_; });
  return !stopping_;
}

void StopSignal::WaitAndStop() {
  WaitForShutdownSignal();
  std::unique_lock<std::mutex> lock(mu_);
  stopping_ = true;
  cv_.notify_all();
  // A request may be just starting, after Stop() found nothing to end: keep
  // stopping until the main thread is done.
  while (!finished_) {
    lock.unlock();
    client_.Stop();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return finished_; });
  }
}

int PollUntilStopped(std::string_view cmd, StreamClient& client, StopSignal& stop,
                     const std::function<PollResult()>& poll) {
  std::chrono::steady_clock::duration retry = kFirstRetry;
  bool failing = false;
  while (!stop.stopping()) {
    const PollResult r = poll();
    const Status& s = r.status;
    if (stop.stopping()) break;
    if (!r.out.ok()) {
      ReportError(cmd, r.out.message());
      return 1;
    }
    if (s.ok()) {
      if (failing) ReportError(cmd, "reconnected to " + client.url());
      if (r.done) break;
      failing = false;
      retry = kFirstRetry;
      continue;
    }
    if (!s.IsUnavailable() && !s.IsIOError()) {
      ReportError(cmd, s.message());
      return 1;
    }
    ReportError(cmd, s.message() + "; retrying in " +
                         std::to_string(std::chrono::duration_cast<seconds>(retry).count()) + " s");
    failing = true;
    if (!stop.Sleep(retry)) break;
    retry = std::min<std::chrono::steady_clock::duration>(retry * 2, kLongestRetry);
  }
  return 0;
}

}  // namespace pdfs::mountd
