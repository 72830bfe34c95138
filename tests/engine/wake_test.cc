// The engine wakes a waiter when its location is appended (issue 19): a
// WaitForLocation with a 30 s deadline returns within 5 s of the append.
// The HTTP face waits in 250 ms slices, which would hide a missing wake-up;
// the mount's .follow and embedders of the engine would not.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/store_fixture.h"

namespace pdfs {
namespace {

using Clock = std::chrono::steady_clock;
using pdfs::testing::Batch;

class StoreWakeTest : public pdfs::testing::StoreFixture {};

TEST_F(StoreWakeTest, AWaiterIsWokenByTheAppendNotByItsDeadline) {
  ASSERT_TRUE(store_->Append("t", Batch({"{}"})).ok());
  auto waiter = std::async(std::launch::async, [this] {
    return store_->WaitForLocation("t", 1, Clock::now() + std::chrono::seconds(30));
  });
  // It waits: location 1 does not exist yet.
  ASSERT_EQ(waiter.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  const auto appended = Clock::now();
  ASSERT_TRUE(store_->Append("t", Batch({R"({"late":1})"})).ok());
  const bool woken =
      waiter.wait_until(appended + std::chrono::seconds(5)) == std::future_status::ready;
  if (!woken) store_->Shutdown();  // ends the wait now (Unavailable)
  ASSERT_TRUE(woken) << "WaitForLocation did not return within 5 s of the append";
  auto meta = waiter.get();
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->count, 2u);
}

// The same for a waiter on another location than the next one: the append
// of a batch reaching past it wakes it.
TEST_F(StoreWakeTest, ABatchReachingTheAwaitedLocationWakesItsWaiter) {
  ASSERT_TRUE(store_->Append("t", Batch({"{}"})).ok());
  auto waiter = std::async(std::launch::async, [this] {
    return store_->WaitForLocation("t", 3, Clock::now() + std::chrono::seconds(30));
  });
  ASSERT_EQ(waiter.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  const auto appended = Clock::now();
  ASSERT_TRUE(store_->Append("t", Batch({"{}", "{}", R"({"third":3})"})).ok());
  const bool woken =
      waiter.wait_until(appended + std::chrono::seconds(5)) == std::future_status::ready;
  if (!woken) store_->Shutdown();
  ASSERT_TRUE(woken);
  auto meta = waiter.get();
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, 4u);
}

}  // namespace
}  // namespace pdfs
