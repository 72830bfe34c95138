// The bytes pdfs writes into RocksDB: keys, topic metadata and records.
// Everything here reaches disk: never renumber or reorder a field; add a new
// format byte instead.
//
// Column family "docs" (documents):
//   key    := topic_id:u64be last_location:u64be
//   value  := format:u8 (=2) count:u32le first_serial:u64le append_time_ms:i64le
//             first_offset:u64le content_type_len:u8 content_type:bytes
//             end:u32le[count] data:bytes
//   One entry, a "chunk", holds a run of `count` consecutive documents
//   appended by one group commit (at most kMaxChunkDocuments and, unless a
//   single document is larger, kMaxChunkBytes), keyed by the location of its
//   LAST document, so that Seek(id|L) lands on the chunk holding L. Keys are
//   big-endian: one topic's chunks are one contiguous key range in location
//   order (a range read is one iterator, truncation and deletion are one
//   DeleteRange). Document i of a chunk is at location last - count + 1 + i,
//   its bytes are data[end[i-1], end[i]) (end[-1] = 0), its serial is
//   first_serial + i, and its offset (bytes of every document before it since
//   the topic was created: truncating or trimming at L learns the new `size`
//   from L's chunk alone) is first_offset + end[i-1]. All documents of a
//   chunk share the append time and the content type (content_type_len 0
//   means "application/json").
//   Why chunks: RocksDB's cost per entry (memtable skip-list insert, flush,
//   compaction) dominated batch appends with one entry per document.
//   Format 1 (one entry per document) never left development; it is refused.
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
// A chunk closes at whichever limit comes first. Small enough that a random
// read decodes little; large enough that per-entry costs vanish in batches.
inline constexpr size_t kMaxChunkDocuments = 1024;
inline constexpr size_t kMaxChunkBytes = 32 * 1024;
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

// Encodes one chunk of `docs` (consecutive documents) into *dst.
struct ChunkHeader {
  uint64_t first_serial = 0;
  int64_t append_time_ms = 0;
  uint64_t first_offset = 0;
  std::string_view content_type;  // empty or "application/json" means JSON
};
void EncodeChunk(const ChunkHeader& header, const std::string_view* docs, size_t count,
                 std::string* dst);

// A decoded chunk over bytes it does not own (valid while they are).
class ChunkView {
 public:
  // False if `value` is not a well-formed chunk.
  bool Parse(std::string_view value);

  uint32_t count() const { return count_; }
  uint64_t first_serial() const { return first_serial_; }
  int64_t append_time_ms() const { return append_time_ms_; }
  std::string_view content_type() const { return content_type_; }
  // REQUIRES: i < count().
  std::string_view document(uint32_t i) const;
  uint64_t offset(uint32_t i) const { return first_offset_ + Start(i); }

 private:
  uint32_t Start(uint32_t i) const;
  uint32_t End(uint32_t i) const;

  uint32_t count_ = 0;
  uint64_t first_serial_ = 0;
  int64_t append_time_ms_ = 0;
  uint64_t first_offset_ = 0;
  std::string_view content_type_;
  const char* ends_ = nullptr;
  std::string_view data_;
};

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
