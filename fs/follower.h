// Follower: the follow file, TOPIC/.follow. A read blocks until a document
// exists past the reader's position and returns documents as JSON Lines
// (each document's bytes and "\n"), as many as fit; a document longer than
// the read continues in the next read. A stream starts at the end of the
// topic when the file is opened, so `cat TOPIC/.follow` prints what is
// appended from then on, like `tail -f -n0`.
//
// Reads are answered from a thread of the Follower's own, never by blocking
// a FUSE worker: any number of followers cost no worker threads, and
// unmount or shutdown never waits for a document. A read ends with
//   - data, as soon as a document exists at the position;
//   - end of file (0 bytes) when the topic is deleted, or when the Follower
//     shuts down (the daemon is stopping);
//   - EINTR when the kernel interrupts it (Ctrl-C on `cat`).
// A truncation below a stream's position moves the position back to the
// truncation point, so documents appended there again are delivered.
#ifndef PDFS_FS_FOLLOWER_H_
#define PDFS_FS_FOLLOWER_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "backend.h"
#include "error_map.h"

namespace pdfs::fs {

// One read waiting for an answer. Exactly one of Reply() and Fail() is
// called, exactly once, on any thread.
class PendingRead {
 public:
  virtual ~PendingRead() = default;
  virtual void Reply(std::string_view data) = 0;  // empty: end of file
  virtual void Fail(int error) = 0;
  // True once the kernel has interrupted the request.
  virtual bool Interrupted() = 0;
};

class FollowStream;

// Thread-safe. mu_ guards every stream and waiting read; it is never held
// while calling the backend or answering a read (a reply may block on the
// kernel), and the change listener takes it only briefly.
class Follower {
 public:
  explicit Follower(Backend* backend);
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;
  ~Follower();  // Shutdown()s

  // Opens a stream at the current end of `topic`. ENOENT if the topic is no
  // longer the incarnation `topic_id`.
  FsResult<std::shared_ptr<FollowStream>> Open(const std::string& topic, uint64_t topic_id);
  // The stream's file was released. REQUIRES: no read on it is waiting
  // (the kernel releases a file only after its reads are answered).
  void Close(const std::shared_ptr<FollowStream>& stream);

  // Queues a read of at most `size` bytes; `key` identifies the request for
  // Interrupt(). The answer may come before this returns.
  void Read(const std::shared_ptr<FollowStream>& stream, size_t size, const void* key,
            std::unique_ptr<PendingRead> read);
  // The kernel interrupted request `key` (from libfuse's interrupt
  // callback). Does nothing if that request was already answered.
  void Interrupt(const void* key);

  // From the backend's change listener: wakes streams of the topic.
  void OnChange(const ChangeEvent& event);

  // Answers every waiting read with end of file, and every later one at
  // once; joins the thread. Idempotent, and safe from several threads.
  void Shutdown();

 private:
  void Loop();
  // Answers what can be answered for `stream`. REQUIRES: lock holds mu_;
  // drops and retakes it around backend calls and replies.
  void Serve(const std::shared_ptr<FollowStream>& stream, std::unique_lock<std::mutex>& lock);
  // Reads up to `size` bytes of JSON Lines from (*next, *skip) on.
  // REQUIRES: mu_ not held.
  Status Fill(const FollowStream& stream, size_t size, uint64_t* next, uint64_t* skip,
              std::string* out);

  // Fixed after construction.
  Backend* const backend_;

  std::mutex mu_;
  std::condition_variable wake_;
  // Guarded by mu_.
  std::unordered_map<uint64_t, std::set<std::shared_ptr<FollowStream>>> by_topic_;
  std::unordered_map<const void*, std::shared_ptr<FollowStream>> by_key_;  // waiting reads
  std::set<std::shared_ptr<FollowStream>> ready_;  // need a look from Loop()
  bool shutdown_ = false;

  std::mutex join_mu_;  // serialises Shutdown()'s join
  std::thread thread_;  // runs Loop(); joined by Shutdown()
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_FOLLOWER_H_
