// Helpers to build document batches in tests.
#ifndef PDFS_TESTS_SUPPORT_DOCS_H_
#define PDFS_TESTS_SUPPORT_DOCS_H_

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pdfs/document.h"

namespace pdfs::testing {

// Parses each string as one document; fails the test if one is invalid.
inline DocumentBatch Batch(const std::vector<std::string>& docs) {
  DocumentBatch batch;
  for (const std::string& d : docs) {
    Status s = DocumentParser::ParseAll(d, DocumentParser::Shape::kOneObject, {}, &batch);
    EXPECT_TRUE(s.ok()) << d << ": " << s.ToString();
  }
  return batch;
}

// {"n":i,"pad":"xxx..."} of about `bytes` bytes.
inline std::string NumberedDoc(uint64_t i, size_t bytes = 0) {
  std::string doc = "{\"n\":" + std::to_string(i);
  if (bytes > doc.size() + 10) doc += ",\"pad\":\"" + std::string(bytes - doc.size() - 10, 'x') + "\"";
  return doc + "}";
}

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_SUPPORT_DOCS_H_
