// How the document fuzz targets read the first byte of an input. The
// committed corpora and reproducers depend on this layout: change it and
// they test something else.
#ifndef PDFS_TESTS_FUZZ_PARSE_CONFIG_H_
#define PDFS_TESTS_FUZZ_PARSE_CONFIG_H_

#include <cstddef>
#include <cstdint>

#include "pdfs/document.h"

namespace pdfs::fuzz {

// A document size limit no fuzz input reaches.
constexpr size_t kUnlimited = size_t{1} << 40;

struct ParseConfig {
  DocumentParser::Shape shape;
  bool default_depth;  // max_depth is the parser's default of 512
  size_t max_depth;
  size_t max_document_bytes;  // kUnlimited or a few bytes
};

// Bits 0-1: the shape; bits 2-4: the depth limit (0: the default 512);
// bits 5-7: the document size limit, unlimited or tiny.
inline ParseConfig DecodeParseConfig(uint8_t config) {
  constexpr size_t kSmallLimits[8] = {kUnlimited, 1, 2, 3, 8, 16, 31, 64};
  const size_t depth_bits = (config >> 2) & 7;
  return {.shape = static_cast<DocumentParser::Shape>(config & 3),
          .default_depth = depth_bits == 0,
          .max_depth = depth_bits == 0 ? 512 : depth_bits,
          .max_document_bytes = kSmallLimits[(config >> 5) & 7]};
}

}  // namespace pdfs::fuzz

#endif  // PDFS_TESTS_FUZZ_PARSE_CONFIG_H_
