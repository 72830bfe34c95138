// The bytes pdfs writes into RocksDB: keys, topic metadata and records.
// Everything here reaches disk: never renumber or reorder a field; add a new
// format byte instead.
//
// Column family "docs" (documents):
//   key    := topic_id:u64be location:u64be
//             (big-endian, so one topic's documents are one contiguous key range
//             in location order: a range read is one iterator, truncation and
//             deletion are one DeleteRange)
//   value  := format:u8 (=1) serial:u64le append_time_ms:i64le offset:u64le
//             content_type_len:u8 content_type:bytes data:bytes
//             offset = bytes of all documents before this location since the
//             topic was created (a prefix sum, so truncating or trimming at L
//             learns the new `size` from record L alone, without a scan);
//             content_type_len = 0 means "application/json".
// Column family "topics" (metadata):
//   key    := topic name (never empty, never starts with a NUL byte)
//   value  := format:u8 (=1) id:u64le count:u64le first:u64le
//             first_offset:u64le end_offset:u64le last_append_ms:i64le
//             size = end_offset - first_offset.
// Column family "default" (store-wide counters):
//   "next_topic_id" -> u64le     "next_serial" -> u64le
#ifndef PDFS_ENGINE_KEY_CODEC_H_
#define PDFS_ENGINE_KEY_CODEC_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pdfs::engine {

inline constexpr size_t kDocKeyBytes = 16;
inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kNextTopicIdKey = "next_topic_id";
inline constexpr std::string_view kNextSerialKey = "next_serial";

void PutFixed64LE(std::string* dst, uint64_t v);
uint64_t DecodeFixed64LE(const char* p);

// A docs key in a fixed buffer: 16 bytes do not fit std::string's inline
// storage, and a batch append encodes one key per document.
using DocKey = std::array<char, kDocKeyBytes>;
DocKey EncodeDocKey(uint64_t topic_id, uint64_t location);
// Decodes a docs key; false if it is not one.
bool DecodeDocKey(std::string_view key, uint64_t* topic_id, uint64_t* location);

struct RecordHeader {
  uint64_t serial = 0;
  int64_t append_time_ms = 0;
  uint64_t offset = 0;
  std::string_view content_type;  // empty means application/json
};
// Appends the encoded record to *dst (so a batch can reuse one buffer).
void EncodeRecord(const RecordHeader& header, std::string_view data, std::string* dst);
// Splits a stored value; false if it is corrupt.
bool DecodeRecord(std::string_view value, RecordHeader* header, std::string_view* data);

struct StoredMeta {
  uint64_t id = 0;
  uint64_t count = 0;
  uint64_t first = 0;
  uint64_t first_offset = 0;
  uint64_t end_offset = 0;
  int64_t last_append_ms = 0;
};
std::string EncodeMeta(const StoredMeta& meta);
bool DecodeMeta(std::string_view value, StoredMeta* meta);

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_KEY_CODEC_H_
