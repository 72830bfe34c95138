// A topic of 10^6 small documents: appended, counted and read back whole
// through one RangeReader with memory that does not grow with the range.
#include <gtest/gtest.h>

#include <algorithm>

#include "pdfs/store.h"
#include "support/docs.h"
#include "support/proc_stats.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using pdfs::testing::NumberedDoc;
using pdfs::testing::ResidentBytes;
using pdfs::testing::TempDir;

TEST(LargeTopicTest, AMillionDocumentsReadBackWithBoundedMemory) {
  constexpr uint64_t kDocs = 1'000'000, kBatch = 10'000;
  TempDir dir;
  auto opened = Store::Open(Options(), dir.Sub("data"));
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<Store> store = std::move(opened).value();

  uint64_t bytes = 0;
  for (uint64_t base = 0; base < kDocs; base += kBatch) {
    std::string input;
    for (uint64_t i = base; i < base + kBatch; ++i) input += NumberedDoc(i) + "\n";
    DocumentBatch batch;
    ASSERT_TRUE(
        DocumentParser::ParseAll(input, DocumentParser::Shape::kObjectStream, {}, &batch).ok());
    bytes += batch.bytes();
    auto r = store->Append("big", batch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->first_location, base);
  }
  auto meta = store->Stat("big");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->count, kDocs);
  EXPECT_EQ(meta->size, bytes);

  const uint64_t rss_before = ResidentBytes();
  uint64_t rss_peak = rss_before;
  auto reader = store->Read("big", 0, ~0ull);
  ASSERT_TRUE(reader.ok());
  uint64_t n = 0, read_bytes = 0;
  while (const Record* r = (*reader)->Next()) {
    if (r->location != n || r->data != NumberedDoc(n)) {
      FAIL() << "document " << n << " is wrong: " << r->data;
    }
    read_bytes += r->data.size();
    if (++n % 100'000 == 0) rss_peak = std::max(rss_peak, ResidentBytes());
  }
  ASSERT_TRUE((*reader)->status().ok());
  EXPECT_EQ(n, kDocs);
  EXPECT_EQ(read_bytes, bytes);
  // The range is ~20 MB of documents; a reader that held it (or the keys)
  // would show here. The bound is on memory, not time.
  EXPECT_LT(rss_peak - rss_before, uint64_t{64} << 20)
      << "RSS grew from " << rss_before << " to " << rss_peak;
  EXPECT_EQ(store->Get("big", kDocs - 1)->data, NumberedDoc(kDocs - 1));
}

}  // namespace
}  // namespace pdfs
