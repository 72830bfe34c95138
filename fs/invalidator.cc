// Invalidator: see invalidator.h.
#include "invalidator.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pdfs::fs {

Invalidator::Invalidator(Sink sink) : sink_(std::move(sink)) {}

Invalidator::~Invalidator() { Stop(); }

void Invalidator::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stop_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void Invalidator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    sent_ += queue_.size();  // dropped; Flush() waiters must not wait for them
    queue_.clear();
    attributes_pending_.clear();
    wake_.notify_all();
    idle_.notify_all();
  }
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void Invalidator::Push(Item item) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_) return;
  if (item.kind == Item::Kind::kAttributes && !attributes_pending_.insert(item.ino).second) return;
  queue_.push_back(std::move(item));
  ++queued_;
  wake_.notify_one();
}

void Invalidator::InvalidateEntry(uint64_t parent, std::string name) {
  Push(Item{Item::Kind::kEntry, parent, std::move(name)});
}

void Invalidator::InvalidateAttributes(uint64_t ino) {
  Push(Item{Item::Kind::kAttributes, ino, {}});
}

void Invalidator::InvalidateInode(uint64_t ino) { Push(Item{Item::Kind::kInode, ino, {}}); }

void Invalidator::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = queued_;
  idle_.wait(lock, [&] { return stop_ || sent_ >= target; });
}

uint64_t Invalidator::sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sent_;
}

void Invalidator::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Item item = std::move(queue_.front());
    queue_.pop_front();
    // Cleared before sending: a change after this point needs a new
    // notification, since this one may already have passed the kernel.
    if (item.kind == Item::Kind::kAttributes) attributes_pending_.erase(item.ino);
    lock.unlock();
    int rc = sink_(item);
    if (rc != 0 && rc != -ENOENT && rc != -ENOTCONN && rc != -ENODEV && rc != -EBADF) {
      std::fprintf(stderr, "pdfs: cache invalidation for inode %llu failed: %s\n",
                   static_cast<unsigned long long>(item.ino), std::strerror(-rc));
    }
    lock.lock();
    ++sent_;
    idle_.notify_all();
  }
}

}  // namespace pdfs::fs
