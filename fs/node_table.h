// NodeTable: the inodes the kernel holds, with their lookup counts.
//
// Inode numbers are never re-used for different content. The top 4 bits
// say what a node is, the rest is an identity the data directory never
// re-uses:
//   root      1 (FUSE_ROOT_ID)
//   topic     kTopic    << 60 | topic id      (a re-created topic gets a new id)
//   document  kDocument << 60 | record serial (a re-used location gets a new serial)
//   follow    kFollow   << 60 | topic id
//   appender  kAppender << 60 | a counter of this mount
// so a location re-used after a truncation is a new inode, and the kernel's
// cache for the old one can never show the new bytes, nor the other way round.
#ifndef PDFS_FS_NODE_TABLE_H_
#define PDFS_FS_NODE_TABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "document_nodes.h"

namespace pdfs::fs {

enum class NodeKind : uint8_t {
  kRoot = 0,
  kTopic = 1,
  kDocument = 2,
  kAppender = 3,
  kFollow = 4,
};

inline constexpr uint64_t kRootIno = 1;
inline constexpr int kKindShift = 60;
inline constexpr uint64_t kIdMask = (uint64_t{1} << kKindShift) - 1;

inline uint64_t MakeIno(NodeKind kind, uint64_t id) {
  return (static_cast<uint64_t>(kind) << kKindShift) | (id & kIdMask);
}
inline NodeKind KindOf(uint64_t ino) {
  return ino == kRootIno ? NodeKind::kRoot : static_cast<NodeKind>(ino >> kKindShift);
}

// What a node is. Immutable: a different document, topic incarnation or
// appender is a different node. A value type.
struct NodeIdentity {
  NodeKind kind = NodeKind::kRoot;
  uint64_t ino = kRootIno;
  std::string topic;      // every kind but kRoot
  uint64_t topic_id = 0;  // every kind but kRoot
  uint64_t location = 0;  // kDocument
  uint64_t serial = 0;    // kDocument
  uint64_t size = 0;      // kDocument: byte length
  int64_t mtime_ms = 0;   // kDocument: append time
  // kDocument: the MimeTypes id of its name's extension (MimeTypes::kJsonId
  // for a document), so that a removal invalidates the name it was given.
  uint16_t extension = 0;
};

class NodeTable;

// One inode the kernel holds, as requests see it; the identity is fixed
// after construction. A root, topic, appender or follow node is shared by
// the table and by requests in flight, its flags atomics that readers take
// without a lock. A document node is a view made by NodeTable::Find or Ref:
// the table keeps documents packed (document_nodes.h), so their flags are
// read from and written to the table.
class Node {
 public:
  explicit Node(NodeIdentity identity) : id(std::move(identity)) {}
  Node(NodeIdentity identity, const NodeTable* table) : id(std::move(identity)), table_(table) {}
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Fixed after construction.
  const NodeIdentity id;

  // True once the document or topic this node names is gone (or, for a
  // document, once the kernel has forgotten it). Never cleared: requests on
  // a stale node answer ESTALE.
  bool stale() const;
  // True if the node was added while a removal was being recorded, so the
  // listener may have missed it: the next request must ask the backend.
  bool needs_check() const;
  void MarkChecked();
  // True for the first call on a document node, false after (and for every
  // other kind): whose open offers the document's bytes to the kernel.
  bool TakePagesOffer();

 private:
  friend class NodeTable;
  const NodeTable* const table_ = nullptr;  // documents: where the flags are
  std::atomic<bool> stale_{false};
  std::atomic<bool> needs_check_{false};
  uint64_t lookups_ = 0;  // Guarded by NodeTable::mu_.
};

// Thread-safe. One mutex, mu_, guards the map, the packed documents, the
// topic names and every lookup count; it is a leaf lock: nothing else is
// locked and no backend or kernel call is made while it is held. A count is
// raised in the same critical section that finds or creates the node, so a
// forget racing a lookup can never erase a node that is being handed out.
class NodeTable {
 public:
  NodeTable();
  NodeTable(const NodeTable&) = delete;
  NodeTable& operator=(const NodeTable&) = delete;

  // A counter of recorded removals. Read it before asking the backend about
  // a document and pass it to Ref(), which then knows whether a removal may
  // have slipped between the answer and the insertion.
  uint64_t epoch() const;

  // Finds or adds the node for `identity` and raises its lookup count by
  // one (every reply that hands the kernel an entry does this once). A new
  // node is marked needs_check if a removal was recorded since `epoch`.
  std::shared_ptr<Node> Ref(NodeIdentity identity, uint64_t epoch);
  // The node for `ino`, or null if the kernel does not hold it.
  std::shared_ptr<Node> Find(uint64_t ino) const;
  // Lowers the count by `n` and erases the node at zero. The root is never
  // erased. A count that would go below zero is a bug and aborts.
  void Forget(uint64_t ino, uint64_t n);

  // Marks stale the document nodes of topic `topic_id` at locations
  // [from, to), and returns them (for invalidation).
  std::vector<std::shared_ptr<Node>> MarkRemoved(uint64_t topic_id, uint64_t from, uint64_t to);
  // Marks stale the topic's directory and follow nodes and all its
  // document nodes; returns the document nodes.
  std::vector<std::shared_ptr<Node>> MarkTopicGone(uint64_t topic_id);

  // Nodes held, the root included.
  size_t size() const;
  // The lookup count of `ino` (0 if absent). For tests.
  uint64_t lookups(uint64_t ino) const;

 private:
  friend class Node;
  // The flags of a document node (a missing one is stale).
  bool DocumentStale(uint64_t ino) const;
  bool DocumentNeedsCheck(uint64_t ino) const;
  void DocumentChecked(uint64_t ino) const;
  bool DocumentTakePagesOffer(uint64_t ino) const;

  // REQUIRES: mu_ held.
  std::shared_ptr<Node> DocumentViewLocked(const DocumentNodes::Slot& slot) const;
  std::vector<std::shared_ptr<Node>> MarkDocumentsLocked(uint64_t topic_id, uint64_t from,
                                                         uint64_t to);
  // The index of a topic's name for document slots, counting one more
  // slot that uses it; and one fewer.
  uint32_t AcquireTopicLocked(uint64_t topic_id, const std::string& name);
  void ReleaseTopicLocked(uint32_t index);

  struct TopicName {
    std::string name;
    uint64_t id = 0;
    uint64_t slots = 0;  // document slots that name it; 0: the entry is free
  };

  mutable std::mutex mu_;
  // Guarded by mu_. Documents are packed apart from the other nodes; their
  // flags change under const methods (Node views), hence mutable.
  std::unordered_map<uint64_t, std::shared_ptr<Node>> nodes_;  // all but documents
  mutable DocumentNodes documents_;
  std::vector<TopicName> topics_;
  std::vector<uint32_t> free_topics_;
  std::unordered_map<uint64_t, uint32_t> topic_index_;  // topic id -> index in topics_
  uint64_t epoch_ = 0;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_NODE_TABLE_H_
