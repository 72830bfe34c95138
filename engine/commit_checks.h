// The checks a change passes before it joins the writer queue: everything
// that needs no stored state (names, sizes, JSON), done on the caller's
// thread so that the group commit's leader only decides what depends on
// the state. Not part of the public API.
#ifndef PDFS_ENGINE_COMMIT_CHECKS_H_
#define PDFS_ENGINE_COMMIT_CHECKS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "item_source.h"
#include "pdfs/collection.h"
#include "pdfs/options.h"
#include "pdfs/status.h"

namespace pdfs::engine {

// A CommitBatch that passed every check, with its JSON minified. Refers to
// the batch, which must outlive it.
struct PreparedCommit {
  const CommitBatch* batch = nullptr;
  std::vector<std::string> values;   // per record op: the minified value of a put
  std::vector<std::string> configs;  // per config op: the minified configuration
  uint64_t bytes = 0;                // data it adds, for group sizing and disk admission
};

// InvalidArgument, TooLarge: see Store::Commit.
Result<PreparedCommit> PrepareCommit(const CommitBatch& batch, const Options& options);

// A configuration document, minified: InvalidArgument unless it is one JSON
// object, TooLarge over max_config_bytes.
Result<std::string> PrepareConfig(std::string_view json, const Options& options);

// InvalidArgument for no items; TooLarge for an item over
// max_document_bytes.
Status CheckItems(const ItemSource& items, const Options& options);

// A record key as a message may show it.
std::string DescribeRecordKey(std::string_view key);

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_COMMIT_CHECKS_H_
