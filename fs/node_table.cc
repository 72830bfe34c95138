// NodeTable: see node_table.h.
#include "node_table.h"

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace pdfs::fs {

NodeTable::NodeTable() { nodes_.emplace(kRootIno, std::make_shared<Node>(NodeIdentity{})); }

uint64_t NodeTable::epoch() const {
  std::lock_guard<std::mutex> lock(mu_);
  return epoch_;
}

std::shared_ptr<Node> NodeTable::Ref(NodeIdentity identity, uint64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = nodes_.try_emplace(identity.ino);
  if (inserted) {
    const bool is_document = identity.kind == NodeKind::kDocument;
    const uint64_t topic_id = identity.topic_id, location = identity.location, ino = identity.ino;
    it->second = std::make_shared<Node>(std::move(identity));
    if (epoch != epoch_) it->second->needs_check_.store(true, std::memory_order_release);
    if (is_document) documents_.emplace(topic_id, location, ino);
  }
  ++it->second->lookups_;
  return it->second;
}

std::shared_ptr<Node> NodeTable::Find(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : it->second;
}

void NodeTable::Forget(uint64_t ino, uint64_t n) {
  if (ino == kRootIno) return;  // the kernel never gives the root back for good
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second->lookups_ < n) {
    // The kernel forgets only what we gave it: a miscount here would later
    // hand out a freed node or leak one, so stop at once.
    std::fprintf(stderr, "pdfs: BUG: forget(%llu, %llu) exceeds the lookup count\n",
                 static_cast<unsigned long long>(ino), static_cast<unsigned long long>(n));
    std::abort();
  }
  it->second->lookups_ -= n;
  if (it->second->lookups_ != 0) return;
  const NodeIdentity& id = it->second->id;
  if (id.kind == NodeKind::kDocument) documents_.erase({id.topic_id, id.location, ino});
  nodes_.erase(it);
}

std::vector<std::shared_ptr<Node>> NodeTable::MarkDocumentsLocked(uint64_t topic_id, uint64_t from,
                                                                  uint64_t to) {
  std::vector<std::shared_ptr<Node>> marked;
  for (auto it = documents_.lower_bound({topic_id, from, 0});
       it != documents_.end() && std::get<0>(*it) == topic_id && std::get<1>(*it) < to; ++it) {
    auto node = nodes_.find(std::get<2>(*it));
    if (node == nodes_.end()) continue;
    if (!node->second->stale_.exchange(true, std::memory_order_acq_rel)) {
      marked.push_back(node->second);
    }
  }
  return marked;
}

std::vector<std::shared_ptr<Node>> NodeTable::MarkRemoved(uint64_t topic_id, uint64_t from,
                                                          uint64_t to) {
  std::lock_guard<std::mutex> lock(mu_);
  ++epoch_;
  return MarkDocumentsLocked(topic_id, from, to);
}

std::vector<std::shared_ptr<Node>> NodeTable::MarkTopicGone(uint64_t topic_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ++epoch_;
  for (NodeKind kind : {NodeKind::kTopic, NodeKind::kFollow}) {
    auto it = nodes_.find(MakeIno(kind, topic_id));
    if (it != nodes_.end()) it->second->stale_.store(true, std::memory_order_release);
  }
  return MarkDocumentsLocked(topic_id, 0, std::numeric_limits<uint64_t>::max());
}

size_t NodeTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return nodes_.size();
}

uint64_t NodeTable::lookups(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? 0 : it->second->lookups_;
}

}  // namespace pdfs::fs
