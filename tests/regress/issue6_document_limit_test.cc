// Issue 6 (found by fuzz_document_split): a document exactly one byte over
// max_document_bytes was accepted by DocumentParser whenever its closing
// bracket was that byte, because the size was checked only before each byte.
// Through the mount the store then refused it and the appender was broken
// for good, instead of that write failing cleanly with EFBIG.
// Reproducer: tests/fuzz/regressions/fuzz_document_split/document-one-over-limit.
#include <gtest/gtest.h>

#include <string>

#include "pdfs/document.h"

namespace pdfs {
namespace {

using Shape = DocumentParser::Shape;

TEST(Issue6DocumentLimitTest, ADocumentOneByteOverTheLimitIsTooLarge) {
  const std::string doc = R"({"a":"1234"})";  // 12 bytes
  for (Shape shape : {Shape::kOneObject, Shape::kObjectStream, Shape::kObjectOrArray}) {
    DocumentBatch batch;
    Status s = DocumentParser::ParseAll(doc, shape, {.max_document_bytes = doc.size() - 1}, &batch);
    EXPECT_TRUE(s.IsTooLarge()) << s.ToString();
    EXPECT_TRUE(batch.empty());

    DocumentBatch fits;
    ASSERT_TRUE(
        DocumentParser::ParseAll(doc, shape, {.max_document_bytes = doc.size()}, &fits).ok());
    ASSERT_EQ(fits.size(), 1u);
    EXPECT_EQ(fits[0], doc);
  }
}

TEST(Issue6DocumentLimitTest, TheSmallestDocumentRespectsALimitOfOne) {
  DocumentBatch batch;
  Status s = DocumentParser::ParseAll("{}", Shape::kOneObject, {.max_document_bytes = 1}, &batch);
  EXPECT_TRUE(s.IsTooLarge()) << s.ToString();
  EXPECT_TRUE(batch.empty());
}

// The appender's way: a stream where the second document is one byte over.
// Feed() completes the first, then fails with TooLarge and is rewound to
// right after it.
TEST(Issue6DocumentLimitTest, AStreamStopsBeforeTheDocumentOverTheLimit) {
  const std::string first = R"({"b":2})";
  const std::string second = R"({"a":"1234"})";
  DocumentParser parser(Shape::kObjectStream, {.max_document_bytes = second.size() - 1});
  DocumentBatch batch;
  const std::string input = first + "\n" + second;
  DocumentParser::FeedResult r = parser.Feed(input, &batch);
  EXPECT_TRUE(r.status.IsTooLarge()) << r.status.ToString();
  EXPECT_EQ(r.consumed, first.size());
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0], first);
  EXPECT_FALSE(parser.has_pending());
}

}  // namespace
}  // namespace pdfs
