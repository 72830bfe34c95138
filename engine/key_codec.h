// The bytes pdfs writes into RocksDB: keys, topic metadata, items,
// collections and indexes. Everything here reaches disk: never renumber or
// reorder a field; add a new format byte instead.
//
// The data directory's format is the u64le under "format_version" in the
// default column family: absent in directories written before it existed
// (format 1, release 0.1.0: families default, docs, topics), 2 since
// collections, indexes and topic configuration (families collections,
// records and index added; nothing else changed, so opening a format-1
// directory upgrades it by creating the families and writing the key).
// Store::Open refuses a format newer than kFormatVersion.
//
// Column family "docs" (items; the name is older than items):
//   key    := topic_id:u64be last_location:u64be
//   value  := format:u8 (=2) count:u32le first_serial:u64le append_time_ms:i64le
//             first_offset:u64le content_type_len:u8 content_type:bytes
//             end:u32le[count] data:bytes
//   One entry, a "chunk", holds a run of `count` consecutive items appended
//   by one group commit (at most kMaxChunkDocuments and, unless a single
//   item is larger, kMaxChunkBytes), keyed by the location of its LAST item,
//   so that Seek(id|L) lands on the chunk holding L. Keys are big-endian:
//   one topic's chunks are one contiguous key range in location order (a
//   range read is one iterator, truncation and deletion are one
//   DeleteRange). Item i of a chunk is at location last - count + 1 + i, its
//   bytes are data[end[i-1], end[i]) (end[-1] = 0), its serial is
//   first_serial + i, and its offset (bytes of every item before it since
//   the topic was created: truncating or trimming at L learns the new `size`
//   from L's chunk alone) is first_offset + end[i-1]. All items of a chunk
//   share the append time and the content type: content_type_len 0 means
//   the items are documents (validated, minified JSON objects, reported as
//   application/json); otherwise content_type is the items' type, verbatim
//   (an item may say application/json without being a document). A group
//   starts a new chunk wherever the content type changes.
//   Why chunks: RocksDB's cost per entry (memtable skip-list insert, flush,
//   compaction) dominated batch appends with one entry per document.
//   Format 1 (one entry per document) never left development; it is refused.
// Column family "topics" (metadata and configuration):
//   key    := topic name (never empty, never starts with a NUL byte)
//   value  := format:u8 (=1) id:u64le count:u64le first:u64le
//             first_offset:u64le end_offset:u64le last_append_ms:i64le
//             size = end_offset - first_offset.
//   key    := 0x00 'c' topic name     (the topic's configuration document;
//                                      absent until it is first set)
//   value  := format:u8 (=1) version:u64le json:bytes (a minified object)
//   Both keys of a topic change in the same write batch. The configuration
//   has a key of its own so that appends, which rewrite the metadata every
//   group, never rewrite it.
// Column family "collections" (collection metadata):
//   key    := collection name (never starts with a NUL byte)
//   value  := format:u8 (=1) id:u64le revision:u64le records:u64le
//   key    := 0x00 "next_id"          value := u64le, the next collection id
// Column family "records" (collection records):
//   key    := collection_id:u64be record_key:bytes
//   value  := format:u8 (=1) version:u64le value:bytes (a minified object)
//   One collection's records are one contiguous key range in key order.
// Column family "index" (topic indexes: key -> location):
//   key    := topic_id:u64be 0x01 escaped(index_key) 0x00 0x01 location:u64be
//   value  := empty                                   (the ordering)
//   key    := topic_id:u64be 0x02 location:u64be
//   value  := index_key:bytes                         (the way back)
//   escaped() writes 0x00 as 0x00 0xFF, so entries order by index key
//   (bytewise), then location, and a key is never a prefix of another's
//   encoding. The way back lets a truncation or trim find the entries of the
//   locations it removes without scanning the index; a topic's entries are
//   one key range, removed with the topic.
// Column family "default" (store-wide values):
//   "format_version" -> u64le     "next_topic_id" -> u64le
//   "next_serial" -> u64le
//   "next_serial" is rewritten by every group of appends. RocksDB inserts a
//   new version of a key in front of its older ones, walking past every key
//   that sorts before it in the memory table, so nothing else that sorts
//   before it is written here during normal work: the format key is flushed
//   into a table right after it is written, and the collection id counter
//   lives with the collections.
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
inline constexpr std::string_view kFormatVersionKey = "format_version";
inline constexpr std::string_view kNextTopicIdKey = "next_topic_id";
inline constexpr std::string_view kNextSerialKey = "next_serial";
// In the collections family (a name never starts with a NUL byte).
inline constexpr std::string_view kNextCollectionIdKey{"\0next_id", 8};
// The format this code writes (and the newest it reads).
inline constexpr uint64_t kFormatVersion = 2;
// The format of a directory without a format key.
inline constexpr uint64_t kFirstFormatVersion = 1;

void PutFixed64LE(std::string* dst, uint64_t v);
uint64_t DecodeFixed64LE(const char* p);

// A docs key in a fixed buffer: 16 bytes do not fit std::string's inline
// storage, and a batch append encodes one key per document.
using DocKey = std::array<char, kDocKeyBytes>;
DocKey EncodeDocKey(uint64_t topic_id, uint64_t location);
// Decodes a docs key; false if it is not one.
bool DecodeDocKey(std::string_view key, uint64_t* topic_id, uint64_t* location);

// Encodes one chunk of `docs` (consecutive items) into *dst.
struct ChunkHeader {
  uint64_t first_serial = 0;
  int64_t append_time_ms = 0;
  uint64_t first_offset = 0;
  // As stored: empty for documents, else the items' content type (at most
  // 255 bytes; callers validate).
  std::string_view stored_type;
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
  // kJsonContentType for documents.
  std::string_view content_type() const {
    return stored_type_.empty() ? kJsonContentType : stored_type_;
  }
  bool is_document() const { return stored_type_.empty(); }
  // As in ChunkHeader.
  std::string_view stored_type() const { return stored_type_; }
  // REQUIRES: i < count().
  std::string_view document(uint32_t i) const;
  uint64_t offset(uint32_t i) const { return first_offset_ + Start(i); }
  // The whole encoded chunk this view parsed.
  std::string_view raw() const { return raw_; }

 private:
  uint32_t Start(uint32_t i) const;
  uint32_t End(uint32_t i) const;

  uint32_t count_ = 0;
  uint64_t first_serial_ = 0;
  int64_t append_time_ms_ = 0;
  uint64_t first_offset_ = 0;
  std::string_view stored_type_;
  const char* ends_ = nullptr;
  std::string_view data_;
  std::string_view raw_;
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

// A topic's configuration document.
struct StoredConfig {
  uint64_t version = 0;  // 0: never set (then nothing is stored)
  std::string json;      // minified object; empty when version is 0
};
std::string ConfigKey(std::string_view topic);
// True iff `key` (of the topics family) is a configuration key; sets *topic.
bool DecodeConfigKey(std::string_view key, std::string_view* topic);
std::string EncodeConfig(const StoredConfig& config);
bool DecodeConfig(std::string_view value, StoredConfig* config);

struct StoredCollection {
  uint64_t id = 0;
  uint64_t revision = 0;
  uint64_t records = 0;
};
std::string EncodeCollection(const StoredCollection& c);
bool DecodeCollection(std::string_view value, StoredCollection* c);

// Records: the key range of collection `id` is [RecordKey(id, ""),
// RecordKey(id + 1, "")).
std::string RecordKey(uint64_t collection_id, std::string_view key);
// The record key part of a records-family key; false if too short.
bool DecodeRecordKey(std::string_view raw, uint64_t* collection_id, std::string_view* key);
std::string EncodeRecordValue(uint64_t version, std::string_view value);
bool DecodeRecordValue(std::string_view raw, uint64_t* version, std::string_view* value);

// Index keys (see the grammar above).
// The whole index of topic `id`: [IndexTopicBegin(id), IndexTopicBegin(id + 1)).
std::string IndexTopicBegin(uint64_t topic_id);
std::string IndexForwardKey(uint64_t topic_id, std::string_view key, uint64_t location);
// Every forward entry of `key` starts with this.
std::string IndexForwardPrefix(uint64_t topic_id, std::string_view key);
// Bounds for index keys >= `key` (lower) or < `key` (upper); the empty key
// as an upper bound means "no bound" and gives the end of the forward part.
std::string IndexForwardLower(uint64_t topic_id, std::string_view key);
std::string IndexForwardUpper(uint64_t topic_id, std::string_view key);
bool DecodeIndexForwardKey(std::string_view raw, std::string* key, uint64_t* location);
std::string IndexReverseKey(uint64_t topic_id, uint64_t location);
bool DecodeIndexReverseKey(std::string_view raw, uint64_t* location);

}  // namespace pdfs::engine

#endif  // PDFS_ENGINE_KEY_CODEC_H_
