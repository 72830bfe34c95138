// DocumentNodes: the document inodes the kernel holds, packed.
//
// `du` or `ls -l` of a topic makes the kernel hold an inode for every
// document it lists, for as long as it has memory to spare, and the daemon
// must remember each of them (lookup counts, and what to invalidate when a
// cut removes it). A million held names once cost the daemon ~250 MB (a
// node object, a shared_ptr, a hash-map entry and an ordered index entry
// each); here each costs one 40-byte slot in a dense array plus a 4-byte
// cell in each of two open-addressing indexes (by inode, and by topic and
// location) kept at most half full: about 60 bytes (issue 20).
#ifndef PDFS_FS_DOCUMENT_NODES_H_
#define PDFS_FS_DOCUMENT_NODES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pdfs::fs {

// Not thread-safe: NodeTable guards it with its own mutex.
class DocumentNodes {
 public:
  struct Slot {
    uint64_t ino = 0;
    uint64_t location = 0;
    // The document's byte length (items are far below 2^47 bytes: the
    // store's max_document_bytes is a few MiB), the MimeTypes id of its
    // name's extension, and whether an open has already offered its bytes
    // to the kernel's page cache (Filesystem::Open): at most once per node.
    uint64_t size : 47 = 0;
    uint64_t extension : 16 = 0;
    uint64_t pages_offered : 1 = 0;
    int64_t mtime_ms = 0;
    uint32_t topic = 0;  // NodeTable's index of the topic's name and id
    uint32_t lookups : 30 = 0;
    // Whether the document is gone (requests answer ESTALE), and whether a
    // removal may have slipped past its insertion (see NodeTable::Ref).
    uint32_t stale : 1 = 0;
    uint32_t needs_check : 1 = 0;
  };
  static_assert(sizeof(Slot) == 40);
  // Lookup counts above this are a bug (the kernel never holds that many).
  static constexpr uint64_t kMaxLookups = (uint64_t{1} << 30) - 1;

  DocumentNodes();
  DocumentNodes(const DocumentNodes&) = delete;
  DocumentNodes& operator=(const DocumentNodes&) = delete;

  // The slot of `ino`, or null. Valid until the next Add or Remove.
  Slot* Find(uint64_t ino);
  // Adds a slot. REQUIRES: no slot has slot.ino. Invalidates Slot pointers.
  Slot* Add(const Slot& slot);
  // Removes the slot of `ino`, if any. Invalidates Slot pointers.
  void Remove(uint64_t ino);
  // Calls f(Slot&) for every slot of `topic` at a location in [from, to):
  // a probe per location for a short range, one pass over all slots for a
  // long one, whichever is less work.
  template <typename F>
  void ForRange(uint32_t topic, uint64_t from, uint64_t to, F&& f);

  size_t size() const { return slots_.size(); }

 private:
  // An open-addressing table of slot numbers + 1 (0: an empty cell), linear
  // probing, deletion by backward shift (no tombstones).
  struct Index {
    std::vector<uint32_t> cells;
    size_t mask = 0;
  };
  static uint64_t InoHash(uint64_t ino);
  static uint64_t LocationHash(uint32_t topic, uint64_t location);
  uint64_t InoKey(uint32_t slot) const { return InoHash(slots_[slot].ino); }
  uint64_t LocationKey(uint32_t slot) const {
    return LocationHash(slots_[slot].topic, slots_[slot].location);
  }
  template <typename Key>
  void Insert(Index& index, uint32_t slot, Key key);
  // Points the cell holding `from` (found by from's key) at `to` instead,
  // or clears it (to == kNone) with a backward shift.
  template <typename Key>
  void Repoint(Index& index, uint32_t from, uint32_t to, Key key);
  // Rebuilds both indexes with `capacity` cells (a power of two).
  void Resize(size_t capacity);

  static constexpr uint32_t kNone = ~uint32_t{0};
  static constexpr size_t kMinCells = 64;

  std::vector<Slot> slots_;  // dense: removal moves the last slot into the hole
  Index by_ino_;
  Index by_location_;
};

template <typename F>
void DocumentNodes::ForRange(uint32_t topic, uint64_t from, uint64_t to, F&& f) {
  if (from >= to) return;
  if (to - from > slots_.size()) {
    for (Slot& s : slots_) {
      if (s.topic == topic && s.location >= from && s.location < to) f(s);
    }
    return;
  }
  for (uint64_t location = from; location < to; ++location) {
    for (size_t i = LocationHash(topic, location) & by_location_.mask; by_location_.cells[i] != 0;
         i = (i + 1) & by_location_.mask) {
      Slot& s = slots_[by_location_.cells[i] - 1];
      if (s.topic == topic && s.location == location) f(s);
    }
  }
}

}  // namespace pdfs::fs

#endif  // PDFS_FS_DOCUMENT_NODES_H_
