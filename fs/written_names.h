// WrittenNames: the names new files were created under in topic directories
// (appenders), kept visible while such a file is open and for a short grace
// after its last close.
//
// Why: real tools follow their writes with metadata steps by name — cp -a
// and install chmod the name, tar x and rsync -a set its times, rsync and
// "atomic save" code rename a temporary name into place, and clean up with
// unlink. Those steps must find the name (README, "Ordinary tools": a tool
// that stored what it was asked to store finishes with success), yet an
// appender's name is never a document and is never listed. So a written name
// answers lookup, as an empty write-only file, until the grace has passed;
// readdir never shows it.
#ifndef PDFS_FS_WRITTEN_NAMES_H_
#define PDFS_FS_WRITTEN_NAMES_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace pdfs::fs {

// Thread-safe. mu_ is a leaf lock: nothing else is locked and no call out is
// made while it is held. Memory is bounded by the names created within one
// grace (expired names are pruned as new ones come).
class WrittenNames {
 public:
  explicit WrittenNames(std::chrono::steady_clock::duration grace);
  WrittenNames(const WrittenNames&) = delete;
  WrittenNames& operator=(const WrittenNames&) = delete;

  // Appender inode `ino` was created as `name` in topic `topic_id`, and is
  // open once.
  void Created(uint64_t topic_id, std::string_view name, uint64_t ino);
  // One more open, or one open fewer, of appender inode `ino`. The grace of
  // its names starts at the last release.
  void Opened(uint64_t ino);
  void Released(uint64_t ino);

  // The appender inode `name` designates in topic `topic_id`, while visible.
  std::optional<uint64_t> Find(uint64_t topic_id, std::string_view name);
  // Forgets `name` (unlink). True iff it was visible.
  bool Remove(uint64_t topic_id, std::string_view name);

  enum class RenameResult { kMoved, kNoSource, kTargetExists };
  // Gives the appender that `from` designates the name `to` instead (in the
  // same topic); a visible `to` is replaced unless `noreplace`. Changes
  // nothing unless it returns kMoved.
  RenameResult Rename(uint64_t topic_id, std::string_view from, std::string_view to,
                      bool noreplace);

  // Names held (visible or not yet pruned). For tests.
  size_t size() const;

 private:
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<uint64_t, std::string>;
  struct Life {
    int open = 0;
    Clock::time_point visible_until;  // meaningful once open == 0
  };

  // REQUIRES: mu_ held. The inode `key` designates, if visible.
  std::optional<uint64_t> FindLocked(const Key& key, Clock::time_point now) const;
  // REQUIRES: mu_ held. Drops expired names once there are many.
  void PruneLocked(Clock::time_point now);

  // Fixed after construction.
  const Clock::duration grace_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  std::map<Key, uint64_t> names_;
  std::unordered_map<uint64_t, Life> lives_;  // by appender inode
  size_t prune_at_ = 256;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_WRITTEN_NAMES_H_
