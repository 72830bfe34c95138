// Katar subscribe: pulls from an offset or as a consumer group, committed
// offsets that survive restarts and never move backwards, the reset after
// retention, and the long-poll.
#include "pdfs/katar/subscribe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "pdfs/katar/publish.h"
#include "support/store_fixture.h"

// Requests below name only the fields they set (designated initializers);
// GCC before 14 warns about every member left to its default there.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace pdfs::katar {
namespace {

using pdfs::testing::StoreFixture;

class KatarSubscribeTest : public StoreFixture {
 protected:
  // Publishes "0", "1", ... as messages n .. n + k - 1 of `topic`.
  void PublishNumbers(std::string_view topic, int k) {
    uint64_t n = store_->Stat(topic).ok() ? store_->Stat(topic)->count : 0;
    std::vector<OutgoingMessage> messages;
    for (int i = 0; i < k; ++i) {
      messages.push_back({std::string(topic), std::to_string(n + i)});
    }
    ASSERT_TRUE(Publish(*store_, messages).ok());
  }
  PullResult MustPull(const PullRequest& request) {
    Result<PullResult> r = Pull(*store_, request);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : PullResult();
  }
  static std::vector<uint64_t> Offsets(const PullResult& r) {
    std::vector<uint64_t> out;
    for (const PulledMessage& m : r.messages) {
      EXPECT_EQ(m.data, std::to_string(m.offset));  // the value published there
      out.push_back(m.offset);
    }
    return out;
  }
};

TEST_F(KatarSubscribeTest, APullFromAnOffsetReturnsUpToMaxMessagesAndBytes) {
  PublishNumbers("t", 10);
  PullResult r = MustPull({.topic = "t", .offset = 3, .max_messages = 4});
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(r.next_offset, 7u);
  EXPECT_EQ(r.count, 10u);
  EXPECT_FALSE(r.reset);
  // max_bytes: each message here is one byte; the first is always given.
  EXPECT_EQ(Offsets(MustPull({.topic = "t", .offset = 0, .max_bytes = 3})),
            (std::vector<uint64_t>{0, 1, 2}));
  // At the end: nothing, and the next offset stays.
  r = MustPull({.topic = "t", .offset = 10});
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.next_offset, 10u);
}

TEST_F(KatarSubscribeTest, BadPullsAreRefused) {
  PublishNumbers("t", 2);
  auto refused = [&](PullRequest request) { return Pull(*store_, request).status(); };
  EXPECT_TRUE(refused({.topic = "t", .offset = 3}).IsInvalidArgument()) << "past the end";
  EXPECT_TRUE(refused({.topic = "t", .offset = ~0ull}).IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "t"}).IsInvalidArgument()) << "neither offset nor group";
  EXPECT_TRUE(refused({.topic = "t", .group = "a b"}).IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "t", .group = std::string(129, 'g')}).IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "t", .offset = 0, .max_messages = 0}).IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "t", .offset = 0, .max_messages = 10001}).IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "t", .offset = 0, .max_bytes = 0}).IsInvalidArgument());
  EXPECT_TRUE(
      refused({.topic = "t", .offset = 0, .wait = std::chrono::minutes(2)}).IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "t", .offset = 0, .wait = std::chrono::milliseconds(-1)})
                  .IsInvalidArgument());
  EXPECT_TRUE(refused({.topic = "missing", .offset = 0}).IsNotFound());
  EXPECT_TRUE(refused({.topic = "../x", .offset = 0}).IsInvalidArgument());
  EXPECT_TRUE(CommitOffset(*store_, "g", "t", 3).status().IsInvalidArgument()) << "past the end";
  EXPECT_TRUE(CommitOffset(*store_, "g", "missing", 0).status().IsNotFound());
  EXPECT_TRUE(GetCommittedOffset(*store_, "unknown", "t").status().IsNotFound());
}

TEST_F(KatarSubscribeTest, AGroupResumesFromItsCommittedOffsetAfterTheStoreIsReopened) {
  PublishNumbers("t", 6);
  // A new group starts at the earliest message.
  PullResult r = MustPull({.topic = "t", .group = "g", .max_messages = 4});
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{0, 1, 2, 3}));
  // Without a commit, the same messages come again (at-least-once).
  EXPECT_EQ(Offsets(MustPull({.topic = "t", .group = "g", .max_messages = 2})),
            (std::vector<uint64_t>{0, 1}));
  auto committed = CommitOffset(*store_, "g", "t", r.next_offset);
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_TRUE(committed->moved);
  Reopen();
  EXPECT_EQ(*GetCommittedOffset(*store_, "g", "t"), 4u);
  EXPECT_EQ(Offsets(MustPull({.topic = "t", .group = "g"})), (std::vector<uint64_t>{4, 5}));
  // Another group is independent.
  EXPECT_EQ(MustPull({.topic = "t", .group = "other", .max_messages = 1}).messages[0].offset, 0u);
  // A commit below the current offset does not move it.
  committed = CommitOffset(*store_, "g", "t", 1);
  ASSERT_TRUE(committed.ok());
  EXPECT_FALSE(committed->moved);
  EXPECT_EQ(committed->offset, 4u);
  EXPECT_EQ(*GetCommittedOffset(*store_, "g", "t"), 4u);
}

TEST_F(KatarSubscribeTest, TwoRacingCommittersNeverMoveTheOffsetBackwards) {
  PublishNumbers("t", 200);
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  // A reader watches the committed offset while two committers race: one
  // climbs by ones, the other jumps ahead by larger steps.
  std::thread watcher([&] {
    uint64_t last = 0;
    while (!done) {
      auto seen = GetCommittedOffset(*store_, "g", "t");
      if (seen.ok()) {
        if (*seen < last) ++backwards;
        last = *seen;
      }
    }
  });
  auto committer = [&](uint64_t step) {
    for (uint64_t offset = step; offset <= 200; offset += step) {
      EXPECT_TRUE(CommitOffset(*store_, "g", "t", offset).ok());
    }
  };
  std::thread a(committer, 1), b(committer, 7);
  a.join();
  b.join();
  done = true;
  watcher.join();
  EXPECT_EQ(backwards.load(), 0);
  EXPECT_EQ(*GetCommittedOffset(*store_, "g", "t"), 200u);
}

TEST_F(KatarSubscribeTest, AGroupWhoseOffsetWasRemovedByRetentionIsResetToFirstAndTold) {
  PublishNumbers("t", 10);
  ASSERT_TRUE(CommitOffset(*store_, "g", "t", 2).ok());
  ASSERT_TRUE(store_->TrimFront("t", 5).ok());
  PullResult r = MustPull({.topic = "t", .group = "g", .max_messages = 2});
  EXPECT_TRUE(r.reset);
  EXPECT_EQ(r.reset_from, 2u);
  EXPECT_EQ(r.first, 5u);
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{5, 6}));
  // An explicit offset below first is reset the same way.
  r = MustPull({.topic = "t", .offset = 0, .max_messages = 1});
  EXPECT_TRUE(r.reset);
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{5}));
  // The record moves only when the consumer commits.
  EXPECT_EQ(*GetCommittedOffset(*store_, "g", "t"), 2u);
  ASSERT_TRUE(CommitOffset(*store_, "g", "t", 7).ok());
  r = MustPull({.topic = "t", .group = "g"});
  EXPECT_FALSE(r.reset);
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{7, 8, 9}));
}

TEST_F(KatarSubscribeTest, AGroupPastTheEndOfATopicCutFromTheTailWaitsAtTheNewEnd) {
  PublishNumbers("t", 5);
  ASSERT_TRUE(CommitOffset(*store_, "g", "t", 5).ok());
  ASSERT_TRUE(store_->Truncate("t", 2).ok());  // through another face
  PullResult r = MustPull({.topic = "t", .group = "g"});
  EXPECT_TRUE(r.reset);
  EXPECT_EQ(r.reset_from, 5u);
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.next_offset, 2u);
  PublishNumbers("t", 1);
  EXPECT_EQ(Offsets(MustPull({.topic = "t", .offset = r.next_offset})), (std::vector<uint64_t>{2}));
}

TEST_F(KatarSubscribeTest, AnOffsetCommittedForADeletedTopicIsNotReusedByItsSuccessor) {
  PublishNumbers("t", 5);
  ASSERT_TRUE(CommitOffset(*store_, "g", "t", 5).ok());
  ASSERT_TRUE(store_->DeleteTopic("t").ok());
  PublishNumbers("t", 2);
  EXPECT_TRUE(GetCommittedOffset(*store_, "g", "t").status().IsNotFound());
  PullResult r = MustPull({.topic = "t", .group = "g"});
  EXPECT_TRUE(r.reset);
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{0, 1}));
  // Committing for the new topic replaces the old record, even lower.
  ASSERT_TRUE(CommitOffset(*store_, "g", "t", 1).ok());
  EXPECT_EQ(*GetCommittedOffset(*store_, "g", "t"), 1u);
}

TEST_F(KatarSubscribeTest, ALongPollWakesOnPublishAndOtherwiseReturnsNothing) {
  PublishNumbers("t", 1);
  // Nothing arrives: the wait ends with no messages.
  PullResult r = MustPull({.topic = "t", .offset = 1, .wait = std::chrono::milliseconds(20)});
  EXPECT_TRUE(r.messages.empty());
  EXPECT_EQ(r.next_offset, 1u);
  // A publish wakes a waiting pull long before its 30 s wait is over.
  auto start = std::chrono::steady_clock::now();
  std::thread publisher([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(Publish(*store_, {{"t", "1"}}).ok());
  });
  r = MustPull({.topic = "t", .offset = 1, .group = "g2", .wait = std::chrono::seconds(30)});
  publisher.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(Offsets(r), (std::vector<uint64_t>{1}));
}

}  // namespace
}  // namespace pdfs::katar
