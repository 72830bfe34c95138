// NodeTable: see node_table.h.
#include "node_table.h"

#include <cstdio>
#include <cstdlib>
#include <limits>

namespace pdfs::fs {
namespace {

[[noreturn]] void MiscountAbort(uint64_t ino, uint64_t n) {
  // The kernel forgets only what we gave it: a miscount here would later
  // hand out a freed node or leak one, so stop at once.
  std::fprintf(stderr, "pdfs: BUG: forget(%llu, %llu) exceeds the lookup count\n",
               static_cast<unsigned long long>(ino), static_cast<unsigned long long>(n));
  std::abort();
}

}  // namespace

bool Node::stale() const {
  if (table_ != nullptr) return table_->DocumentStale(id.ino);
  return stale_.load(std::memory_order_acquire);
}

bool Node::needs_check() const {
  if (table_ != nullptr) return table_->DocumentNeedsCheck(id.ino);
  return needs_check_.load(std::memory_order_acquire);
}

void Node::MarkChecked() {
  if (table_ != nullptr) return table_->DocumentChecked(id.ino);
  needs_check_.store(false, std::memory_order_release);
}

bool Node::TakePagesOffer() { return table_ != nullptr && table_->DocumentTakePagesOffer(id.ino); }

NodeTable::NodeTable() { nodes_.emplace(kRootIno, std::make_shared<Node>(NodeIdentity{})); }

uint64_t NodeTable::epoch() const {
  std::lock_guard<std::mutex> lock(mu_);
  return epoch_;
}

std::shared_ptr<Node> NodeTable::DocumentViewLocked(const DocumentNodes::Slot& slot) const {
  const TopicName& topic = topics_[slot.topic];
  return std::make_shared<Node>(NodeIdentity{NodeKind::kDocument, slot.ino, topic.name, topic.id,
                                             slot.location, slot.ino & kIdMask, slot.size,
                                             slot.mtime_ms, static_cast<uint16_t>(slot.extension)},
                                this);
}

uint32_t NodeTable::AcquireTopicLocked(uint64_t topic_id, const std::string& name) {
  auto [it, inserted] = topic_index_.try_emplace(topic_id, 0);
  if (inserted) {
    if (free_topics_.empty()) {
      it->second = static_cast<uint32_t>(topics_.size());
      topics_.emplace_back();
    } else {
      it->second = free_topics_.back();
      free_topics_.pop_back();
    }
    topics_[it->second] = TopicName{name, topic_id, 0};
  }
  ++topics_[it->second].slots;
  return it->second;
}

void NodeTable::ReleaseTopicLocked(uint32_t index) {
  TopicName& topic = topics_[index];
  if (--topic.slots > 0) return;
  topic_index_.erase(topic.id);
  topic.name.clear();
  free_topics_.push_back(index);
}

std::shared_ptr<Node> NodeTable::Ref(NodeIdentity identity, uint64_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  if (identity.kind == NodeKind::kDocument) {
    DocumentNodes::Slot* slot = documents_.Find(identity.ino);
    if (slot == nullptr) {
      DocumentNodes::Slot fresh;
      fresh.ino = identity.ino;
      fresh.location = identity.location;
      fresh.size = identity.size;
      fresh.mtime_ms = identity.mtime_ms;
      fresh.extension = identity.extension;
      fresh.topic = AcquireTopicLocked(identity.topic_id, identity.topic);
      fresh.needs_check = epoch != epoch_;
      slot = documents_.Add(fresh);
    }
    if (slot->lookups == DocumentNodes::kMaxLookups) MiscountAbort(identity.ino, 0);
    ++slot->lookups;
    return DocumentViewLocked(*slot);
  }
  auto [it, inserted] = nodes_.try_emplace(identity.ino);
  if (inserted) {
    it->second = std::make_shared<Node>(std::move(identity));
    if (epoch != epoch_) it->second->needs_check_.store(true, std::memory_order_release);
  }
  ++it->second->lookups_;
  return it->second;
}

std::shared_ptr<Node> NodeTable::Find(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (KindOf(ino) == NodeKind::kDocument) {
    const DocumentNodes::Slot* slot = documents_.Find(ino);
    return slot == nullptr ? nullptr : DocumentViewLocked(*slot);
  }
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? nullptr : it->second;
}

void NodeTable::Forget(uint64_t ino, uint64_t n) {
  if (ino == kRootIno) return;  // the kernel never gives the root back for good
  std::lock_guard<std::mutex> lock(mu_);
  if (KindOf(ino) == NodeKind::kDocument) {
    DocumentNodes::Slot* slot = documents_.Find(ino);
    if (slot == nullptr || slot->lookups < n) MiscountAbort(ino, n);
    slot->lookups -= static_cast<uint32_t>(n);
    if (slot->lookups != 0) return;
    const uint32_t topic = slot->topic;
    documents_.Remove(ino);
    ReleaseTopicLocked(topic);
    return;
  }
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second->lookups_ < n) MiscountAbort(ino, n);
  it->second->lookups_ -= n;
  if (it->second->lookups_ == 0) nodes_.erase(it);
}

bool NodeTable::DocumentStale(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  const DocumentNodes::Slot* slot = documents_.Find(ino);
  return slot == nullptr || slot->stale;
}

bool NodeTable::DocumentNeedsCheck(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  const DocumentNodes::Slot* slot = documents_.Find(ino);
  return slot != nullptr && slot->needs_check;
}

void NodeTable::DocumentChecked(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (DocumentNodes::Slot* slot = documents_.Find(ino)) slot->needs_check = 0;
}

bool NodeTable::DocumentTakePagesOffer(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  DocumentNodes::Slot* slot = documents_.Find(ino);
  if (slot == nullptr || slot->pages_offered) return false;
  slot->pages_offered = 1;
  return true;
}

std::vector<std::shared_ptr<Node>> NodeTable::MarkDocumentsLocked(uint64_t topic_id, uint64_t from,
                                                                  uint64_t to) {
  std::vector<std::shared_ptr<Node>> marked;
  auto topic = topic_index_.find(topic_id);
  if (topic == topic_index_.end()) return marked;  // the kernel holds none of its documents
  documents_.ForRange(topic->second, from, to, [&](DocumentNodes::Slot& slot) {
    if (slot.stale) return;
    slot.stale = 1;
    marked.push_back(DocumentViewLocked(slot));
  });
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
  return nodes_.size() + documents_.size();
}

uint64_t NodeTable::lookups(uint64_t ino) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (KindOf(ino) == NodeKind::kDocument) {
    const DocumentNodes::Slot* slot = documents_.Find(ino);
    return slot == nullptr ? 0 : slot->lookups;
  }
  auto it = nodes_.find(ino);
  return it == nodes_.end() ? 0 : it->second->lookups_;
}

}  // namespace pdfs::fs
