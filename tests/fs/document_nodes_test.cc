// DocumentNodes: the packed table of document inodes, against a reference
// model under random adds, removes and range walks (both the per-location
// probe and the full pass), through growth and shrinking.
#include "document_nodes.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <tuple>

namespace pdfs::fs {
namespace {

using Slot = DocumentNodes::Slot;

Slot Make(uint64_t ino, uint32_t topic, uint64_t location) {
  Slot s;
  s.ino = ino;
  s.topic = topic;
  s.location = location;
  s.size = ino * 3;
  s.mtime_ms = static_cast<int64_t>(ino * 7);
  return s;
}

std::set<uint64_t> Walk(DocumentNodes& table, uint32_t topic, uint64_t from, uint64_t to) {
  std::set<uint64_t> inos;
  table.ForRange(topic, from, to, [&](Slot& s) {
    EXPECT_TRUE(inos.insert(s.ino).second) << "visited twice: " << s.ino;
  });
  return inos;
}

TEST(DocumentNodesTest, MatchesAReferenceModelThroughGrowthAndShrinking) {
  DocumentNodes table;
  std::map<uint64_t, std::tuple<uint32_t, uint64_t>> model;  // ino -> (topic, location)
  std::mt19937_64 rng(20);
  uint64_t next_ino = 1;
  for (int round = 0; round < 3; ++round) {
    // Grow to thousands of slots, several per location (a re-used location
    // while the kernel still holds the old document), then empty again.
    for (int i = 0; i < 6000; ++i) {
      if (model.empty() || rng() % 4 != 0) {
        const uint32_t topic = static_cast<uint32_t>(rng() % 3);
        const uint64_t location = rng() % 2000;
        const uint64_t ino = next_ino++;
        ASSERT_EQ(table.Find(ino), nullptr);
        Slot* s = table.Add(Make(ino, topic, location));
        ASSERT_EQ(s->ino, ino);
        model[ino] = {topic, location};
      } else {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        table.Remove(it->first);
        model.erase(it);
      }
    }
    ASSERT_EQ(table.size(), model.size());
    for (const auto& [ino, where] : model) {
      Slot* s = table.Find(ino);
      ASSERT_NE(s, nullptr) << ino;
      EXPECT_EQ(s->topic, std::get<0>(where));
      EXPECT_EQ(s->location, std::get<1>(where));
      EXPECT_EQ(s->size, ino * 3) << "the slot kept its contents when others moved";
    }
    for (int q = 0; q < 200; ++q) {
      const uint32_t topic = static_cast<uint32_t>(rng() % 3);
      const uint64_t from = rng() % 2100;
      // Short ranges probe per location, long ones pass over every slot.
      const uint64_t to = from + (q % 2 == 0 ? rng() % 8 : 1000 + rng() % 100000);
      std::set<uint64_t> want;
      for (const auto& [ino, where] : model) {
        if (std::get<0>(where) == topic && std::get<1>(where) >= from && std::get<1>(where) < to) {
          want.insert(ino);
        }
      }
      EXPECT_EQ(Walk(table, topic, from, to), want) << topic << " [" << from << ", " << to << ")";
    }
    while (!model.empty()) {
      table.Remove(model.begin()->first);
      model.erase(model.begin());
    }
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.Find(1), nullptr);
  }
}

TEST(DocumentNodesTest, RemovingAnAbsentInodeChangesNothing) {
  DocumentNodes table;
  table.Add(Make(5, 0, 1));
  table.Remove(6);
  ASSERT_NE(table.Find(5), nullptr);
  EXPECT_EQ(table.size(), 1u);
}

}  // namespace
}  // namespace pdfs::fs
