// WrittenNames: see written_names.h.
#include "written_names.h"

#include <algorithm>
#include <iterator>

namespace pdfs::fs {

WrittenNames::WrittenNames(Clock::duration grace) : grace_(grace) {}

void WrittenNames::Created(uint64_t topic_id, std::string_view name, uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  PruneLocked(Clock::now());
  names_[Key(topic_id, std::string(name))] = ino;
  ++lives_[ino].open;
}

void WrittenNames::Opened(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  ++lives_[ino].open;
}

void WrittenNames::Released(uint64_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = lives_.find(ino);
  if (it == lives_.end() || it->second.open == 0) return;
  if (--it->second.open == 0) it->second.visible_until = Clock::now() + grace_;
}

std::optional<uint64_t> WrittenNames::FindLocked(const Key& key, Clock::time_point now) const {
  auto name = names_.find(key);
  if (name == names_.end()) return std::nullopt;
  auto life = lives_.find(name->second);
  if (life == lives_.end()) return std::nullopt;
  if (life->second.open == 0 && now >= life->second.visible_until) return std::nullopt;
  return name->second;
}

std::optional<uint64_t> WrittenNames::Find(uint64_t topic_id, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked(Key(topic_id, std::string(name)), Clock::now());
}

bool WrittenNames::Remove(uint64_t topic_id, std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  const Key key(topic_id, std::string(name));
  const bool visible = FindLocked(key, Clock::now()).has_value();
  names_.erase(key);
  return visible;
}

WrittenNames::RenameResult WrittenNames::Rename(uint64_t topic_id, std::string_view from,
                                                std::string_view to, bool noreplace) {
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  const Key source(topic_id, std::string(from)), target(topic_id, std::string(to));
  std::optional<uint64_t> ino = FindLocked(source, now);
  if (!ino) return RenameResult::kNoSource;
  if (source == target) return RenameResult::kMoved;
  if (noreplace && FindLocked(target, now)) return RenameResult::kTargetExists;
  names_.erase(source);
  names_[target] = *ino;
  return RenameResult::kMoved;
}

size_t WrittenNames::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return names_.size();
}

void WrittenNames::PruneLocked(Clock::time_point now) {
  if (names_.size() + lives_.size() < prune_at_) return;
  for (auto it = lives_.begin(); it != lives_.end();) {
    const bool expired = it->second.open == 0 && now >= it->second.visible_until;
    it = expired ? lives_.erase(it) : std::next(it);
  }
  for (auto it = names_.begin(); it != names_.end();) {
    it = lives_.count(it->second) == 0 ? names_.erase(it) : std::next(it);
  }
  // Amortised: the next sweep waits until the table has doubled.
  prune_at_ = std::max<size_t>(256, 2 * (names_.size() + lives_.size()));
}

}  // namespace pdfs::fs
