// Invalidator: tells the kernel to drop cached entries and attributes, from
// a thread of its own.
//
// fuse_lowlevel_notify_inval_entry() takes the kernel's lock on the parent
// directory, and fuse_lowlevel_notify_inval_inode() the locks of the
// inode's pages; a request in flight may hold either while it waits for our
// reply. So a notification sent from a request handler, or from anything a
// handler waits for, can deadlock (see the note above
// fuse_lowlevel_notify_inval_entry in fuse_lowlevel.h). Handlers and the
// change listener only enqueue here; this thread sends, and nothing ever
// waits for it.
#ifndef PDFS_FS_INVALIDATOR_H_
#define PDFS_FS_INVALIDATOR_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

namespace pdfs::fs {

// Thread-safe. mu_ guards the queue; it is a leaf lock and is never held
// while a notification is sent.
class Invalidator {
 public:
  struct Item {
    enum class Kind {
      kEntry,       // forget the name `name` in directory `ino`
      kAttributes,  // forget the attributes of `ino`
      kInode,       // forget the attributes and cached pages of `ino`
    };
    Kind kind;
    uint64_t ino = 0;
    std::string name;
  };
  // Sends one notification; returns 0 or a negative errno (-ENOENT: the
  // kernel does not hold it, which is normal).
  using Sink = std::function<int(const Item&)>;

  explicit Invalidator(Sink sink);
  Invalidator(const Invalidator&) = delete;
  Invalidator& operator=(const Invalidator&) = delete;
  ~Invalidator();  // Stop()s

  // Starts the sending thread. Items queued before are kept.
  void Start();
  // Drops what is still queued and joins the thread. Idempotent, and safe
  // from several threads at once. Call it while the session still serves
  // requests: a notification in progress may wait for a request to finish.
  void Stop();

  void InvalidateEntry(uint64_t parent, std::string name);
  // Coalesced: one pending invalidation per inode however often it is asked.
  void InvalidateAttributes(uint64_t ino);
  void InvalidateInode(uint64_t ino);

  // Blocks until everything queued before the call has been sent. For
  // tests; never call it from a request handler.
  void Flush();
  // Notifications sent so far (successful or not). For tests.
  uint64_t sent() const;

 private:
  void Push(Item item);
  void Loop();

  // Fixed after construction.
  const Sink sink_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  // Guarded by mu_.
  std::deque<Item> queue_;
  std::unordered_set<uint64_t> attributes_pending_;
  uint64_t queued_ = 0;  // items ever queued
  uint64_t sent_ = 0;    // items ever sent
  bool stop_ = false;
  bool started_ = false;

  std::mutex join_mu_;  // serialises Stop()'s join, so two stoppers never join twice
  std::thread thread_;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_INVALIDATOR_H_
