// DocumentNodes: see document_nodes.h.
#include "document_nodes.h"

#include <cassert>

namespace pdfs::fs {

DocumentNodes::DocumentNodes() { Resize(kMinCells); }

// A 64-bit mix (splitmix64's finaliser): inode numbers and locations are
// sequential, so the low bits alone would cluster.
uint64_t DocumentNodes::InoHash(uint64_t ino) {
  ino ^= ino >> 30;
  ino *= 0xbf58476d1ce4e5b9ull;
  ino ^= ino >> 27;
  ino *= 0x94d049bb133111ebull;
  return ino ^ (ino >> 31);
}

uint64_t DocumentNodes::LocationHash(uint32_t topic, uint64_t location) {
  return InoHash(location * 0x9e3779b97f4a7c15ull + topic);
}

DocumentNodes::Slot* DocumentNodes::Find(uint64_t ino) {
  for (size_t i = InoHash(ino) & by_ino_.mask; by_ino_.cells[i] != 0; i = (i + 1) & by_ino_.mask) {
    Slot& s = slots_[by_ino_.cells[i] - 1];
    if (s.ino == ino) return &s;
  }
  return nullptr;
}

template <typename Key>
void DocumentNodes::Insert(Index& index, uint32_t slot, Key key) {
  size_t i = key(slot) & index.mask;
  while (index.cells[i] != 0) i = (i + 1) & index.mask;
  index.cells[i] = slot + 1;
}

template <typename Key>
void DocumentNodes::Repoint(Index& index, uint32_t from, uint32_t to, Key key) {
  size_t i = key(from) & index.mask;
  while (index.cells[i] != from + 1) {
    assert(index.cells[i] != 0 && "a slot missing from its index");
    i = (i + 1) & index.mask;
  }
  if (to != kNone) {
    index.cells[i] = to + 1;
    return;
  }
  // Backward shift: pull later cells of the probe run into the hole as long
  // as their home position allows, so lookups never need tombstones.
  for (size_t j = (i + 1) & index.mask; index.cells[j] != 0; j = (j + 1) & index.mask) {
    const size_t home = key(index.cells[j] - 1) & index.mask;
    const bool between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
    if (between) continue;
    index.cells[i] = index.cells[j];
    i = j;
  }
  index.cells[i] = 0;
}

void DocumentNodes::Resize(size_t capacity) {
  for (Index* index : {&by_ino_, &by_location_}) {
    index->cells.assign(capacity, 0);
    index->mask = capacity - 1;
  }
  for (uint32_t s = 0; s < slots_.size(); ++s) {
    Insert(by_ino_, s, [this](uint32_t x) { return InoKey(x); });
    Insert(by_location_, s, [this](uint32_t x) { return LocationKey(x); });
  }
}

DocumentNodes::Slot* DocumentNodes::Add(const Slot& slot) {
  assert(Find(slot.ino) == nullptr);
  // At most half full: probe runs stay short.
  if (2 * (slots_.size() + 1) > by_ino_.cells.size()) Resize(2 * by_ino_.cells.size());
  const uint32_t s = static_cast<uint32_t>(slots_.size());
  slots_.push_back(slot);
  Insert(by_ino_, s, [this](uint32_t x) { return InoKey(x); });
  Insert(by_location_, s, [this](uint32_t x) { return LocationKey(x); });
  return &slots_[s];
}

void DocumentNodes::Remove(uint64_t ino) {
  Slot* found = Find(ino);
  if (found == nullptr) return;
  const uint32_t s = static_cast<uint32_t>(found - slots_.data());
  const uint32_t last = static_cast<uint32_t>(slots_.size() - 1);
  auto ino_key = [this](uint32_t x) { return InoKey(x); };
  auto location_key = [this](uint32_t x) { return LocationKey(x); };
  Repoint(by_ino_, s, kNone, ino_key);
  Repoint(by_location_, s, kNone, location_key);
  if (s != last) {
    // The last slot moves into the hole; its cells follow it.
    Repoint(by_ino_, last, s, ino_key);
    Repoint(by_location_, last, s, location_key);
    slots_[s] = slots_[last];
  }
  slots_.pop_back();
  // Give memory back once the table is mostly empty (after a du, the
  // kernel forgets under memory pressure or at unmount).
  if (by_ino_.cells.size() > kMinCells && 8 * slots_.size() < by_ino_.cells.size()) {
    slots_.shrink_to_fit();
    Resize(by_ino_.cells.size() / 2);
  }
}

}  // namespace pdfs::fs
