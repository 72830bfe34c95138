// Store: a set of topics (append-only streams of items, most often JSON
// documents) and collections in one data directory. This header, with the
// others under pdfs/ (status, options, document, item, collection,
// topic_name), is all that http/, fs/, mountd/ and the faces may include from
// the engine.
#ifndef PDFS_ENGINE_STORE_H_
#define PDFS_ENGINE_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/collection.h"
#include "pdfs/document.h"
#include "pdfs/item.h"
#include "pdfs/options.h"
#include "pdfs/status.h"

namespace pdfs {

// A topic's metadata. A value type, intentionally copyable.
struct TopicMeta {
  std::string topic;
  // Unique for the life of the data directory: a topic deleted and created
  // again under the same name gets a new id (so caches keyed by it never mix
  // the two).
  uint64_t id = 0;
  // The next location to be assigned. Equals the number of documents while
  // nothing has been trimmed from the front.
  uint64_t count = 0;
  // Bytes of the documents still stored.
  uint64_t size = 0;
  // The lowest location still stored; 0 until retention trims the front.
  uint64_t first = 0;
  // Append time of the newest document (ms since the Unix epoch), or the
  // creation time if there is none.
  int64_t last_append_ms = 0;
  // Changes of the topic's configuration document so far; 0 if it was never
  // configured (see Store::GetTopicConfig).
  uint64_t config_version = 0;

  uint64_t documents() const { return count - first; }
  // A system topic (name beginning with '.'): written only by the faces.
  bool system() const { return !topic.empty() && topic.front() == '.'; }
};

// A topic's configuration document: one JSON object per topic, changed
// atomically with its metadata. The engine stores it; the faces define its
// fields (the Hub's channel config and Katar's topic config are views of
// it). A value type.
struct TopicConfig {
  std::string json = "{}";  // minified
  uint64_t version = 0;     // TopicMeta::config_version
};

// One stored document and what the store keeps with it. A value type.
struct Record {
  uint64_t location = 0;
  // Unique across the data directory and never re-used, even when a
  // truncation lets a new document take this location.
  uint64_t serial = 0;
  // When the document was appended, ms since the Unix epoch; never decreases
  // within a topic.
  int64_t append_time_ms = 0;
  std::string content_type;  // "application/json" for documents
  // True iff the item is a document (a validated, minified JSON object; see
  // item.h): only documents may be shown inline in a JSON array or as JSON
  // Lines. An item added with ItemBatch::Add is not one, whatever its type.
  bool document = true;
  std::string data;  // the item's bytes, exactly as stored
  // The item's index key (ItemBatch::SetIndexKey), empty if it has none:
  // a face that keys some items itself (the Hub's historical inserts) tells
  // them from the rest while reading in location order.
  std::string index_key;
};

// A streamed read of consecutive records from one consistent snapshot:
// appends, truncations and deletions that happen while it is open are not
// seen. Memory is bounded whatever the range. A RangeReader belongs to one
// thread at a time; it may outlive nothing: destroy it before its Store.
class RangeReader {
 public:
  RangeReader() = default;
  RangeReader(const RangeReader&) = delete;
  RangeReader& operator=(const RangeReader&) = delete;
  virtual ~RangeReader() = default;

  // The next record in location order, valid until the next call; nullptr
  // at the end of the range or on an error (then status() is not OK).
  virtual const Record* Next() = 0;
  virtual Status status() const = 0;
};

// One entry of a topic's index (Store::ScanIndex). A value type.
struct IndexEntry {
  std::string key;
  uint64_t location = 0;

  bool operator==(const IndexEntry&) const = default;
};

// A streamed scan of index entries from one snapshot, with bounded memory.
// Belongs to one thread at a time; destroy it before its Store.
class IndexReader {
 public:
  IndexReader() = default;
  IndexReader(const IndexReader&) = delete;
  IndexReader& operator=(const IndexReader&) = delete;
  virtual ~IndexReader() = default;

  // The next entry, valid until the next call; nullptr at the end or on an
  // error (then status() is not OK).
  virtual const IndexEntry* Next() = 0;
  virtual Status status() const = 0;
};

enum class ScanOrder { kAscending, kDescending };

// The outcome of one append. A value type.
struct AppendResult {
  uint64_t first_location = 0;  // the items got [first_location, first_location + n)
  TopicMeta meta;               // the topic right after this append
};

// The outcome of Store::Commit. A value type.
struct CommitResult {
  // One per record operation, in order: the record's version after the
  // commit (0 if it does not exist then).
  std::vector<uint64_t> versions;
  // One per append, in order.
  std::vector<AppendResult> appends;
  // One per configuration change, in order: the topic after it.
  std::vector<TopicMeta> configured;
};

// What changed in a topic (system topics included); delivered to
// ChangeListeners after the change is durable and visible to readers.
// Collections have no events of their own: a face that needs to watch one
// gives it a change topic (collection.h).
struct ChangeEvent {
  enum class Kind {
    kTopicCreated,
    kAppended,      // locations [from, to) were added
    kTruncated,     // locations [from, to) were removed from the end
    kTrimmed,       // locations [from, to) were removed from the front
    kTopicDeleted,  // the topic and locations [from, to) are gone
  };
  Kind kind;
  std::string topic;
  uint64_t topic_id = 0;
  uint64_t from = 0;
  uint64_t to = 0;
};

class ChangeListener {
 public:
  virtual ~ChangeListener() = default;
  // Called in commit order, on the thread that committed the change, with no
  // store lock held. It must be quick and must not modify the store (that
  // would wait for itself); reading is fine.
  virtual void OnChange(const ChangeEvent& event) = 0;
};

// A Store is safe to share between threads: every method may be called
// concurrently. Writers to the same or different topics and collections are
// merged into one atomic RocksDB write with one fsync (group commit);
// readers never block writers. Methods that take a topic name return
// InvalidArgument for an invalid one before looking anything up.
//
// System topics (names beginning with '.', see topic_name.h) are the faces'
// own streams, such as a collection's change topic. Every read method
// accepts the name of a system topic that exists; a name beginning with '.'
// that names none is InvalidArgument, as for any name a user cannot choose.
// The write and delete methods for users (CreateTopic, Append,
// AppendIfNext, Truncate, TruncateIfNext, TrimFront, DeleteTopic,
// SetTopicConfig, and commits without AllowSystemTopics) refuse such names
// with InvalidArgument, exactly as before system topics existed. Only the
// system methods below, which the faces call for topics they own, create,
// append to, trim or delete them.
class Store {
 public:
  // Opens (creating it if Options::create_if_missing) the data directory.
  // Fails with Unavailable if another process holds `dir`, IOError otherwise.
  static Result<std::unique_ptr<Store>> Open(const Options& options, const std::string& dir);

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  // Wakes every waiter (they get Unavailable) and closes the data directory.
  // REQUIRES: no other thread is inside a method, and every reader
  // (RangeReader, IndexReader, RecordReader) is gone.
  virtual ~Store() = default;

  // The options the store was opened with: the one source of every limit
  // (adapters read max_document_bytes, max_json_depth ... from here).
  virtual const Options& options() const = 0;

  // Creates an empty topic. AlreadyExists if it exists.
  virtual Result<TopicMeta> CreateTopic(std::string_view topic) = 0;
  // As CreateTopic, with its first configuration document (config_version
  // 1): InvalidArgument unless `config_json` is a JSON object, TooLarge over
  // Options::max_config_bytes.
  virtual Result<TopicMeta> CreateTopic(std::string_view topic, std::string_view config_json) = 0;

  // Every topic, system topics included, sorted by name (bytewise).
  virtual std::vector<TopicMeta> ListTopics() = 0;

  // NotFound if the topic does not exist.
  virtual Result<TopicMeta> Stat(std::string_view topic) = 0;

  // Deletes the topic and all its documents. NotFound if it does not exist.
  virtual Status DeleteTopic(std::string_view topic) = 0;

  using AppendResult = pdfs::AppendResult;
  // Appends every document of `docs` or none, at consecutive locations,
  // creating the topic if it does not exist. Concurrent appends never
  // interleave inside a batch. Acknowledged (returned OK) means durable as
  // Options::sync says. InvalidArgument for an empty batch; NoSpace when the
  // disk is full (nothing is stored; appends work again once space is freed).
  virtual Result<AppendResult> Append(std::string_view topic, const DocumentBatch& docs) = 0;

  // As Append, but only if the topic's next location (its count; 0 for a
  // topic that does not exist yet) is `expected_next` when the append
  // commits: then the documents get exactly [expected_next, expected_next +
  // n). Otherwise Conflict, and nothing is stored. Of concurrent appenders
  // that expect the same location, exactly one wins.
  virtual Result<AppendResult> AppendIfNext(std::string_view topic, const DocumentBatch& docs,
                                            uint64_t expected_next) = 0;

  // Append and AppendIfNext for items of any content type (item.h), with
  // their index keys if they have any. Consecutive items of different
  // content types are stored in separate chunks, so every item keeps its
  // own. TooLarge for an item over Options::max_document_bytes.
  virtual Result<AppendResult> Append(std::string_view topic, const ItemBatch& items) = 0;
  virtual Result<AppendResult> AppendIfNext(std::string_view topic, const ItemBatch& items,
                                            uint64_t expected_next) = 0;

  // The record at `location`. NotFound if the topic does not exist or the
  // location is not stored (past the end, or trimmed).
  virtual Result<Record> Get(std::string_view topic, uint64_t location) = 0;

  // Records at locations [begin, end) that exist, from one snapshot: the
  // range is clamped to what is stored, so it may be empty. NotFound if the
  // topic does not exist.
  virtual Result<std::unique_ptr<RangeReader>> Read(std::string_view topic, uint64_t begin,
                                                    uint64_t end) = 0;

  // Removes locations `location` and after; the next append gets `location`.
  // At or past the end: no change. Returns the metadata after the change.
  // NotFound if the topic does not exist.
  virtual Result<TopicMeta> Truncate(std::string_view topic, uint64_t location) = 0;

  // As Truncate, but only if the topic's next location is `expected_next`
  // when the cut commits; otherwise Conflict, and nothing changes. Removing
  // exactly the last document L is TruncateIfNext(topic, L, L + 1): an
  // append that commits first makes it a Conflict instead of cutting the
  // newer document too.
  virtual Result<TopicMeta> TruncateIfNext(std::string_view topic, uint64_t location,
                                           uint64_t expected_next) = 0;

  // Retention: removes every location below `location` (clamped to count);
  // every remaining document keeps its location and `first` becomes
  // `location`. Below `first`: no change. NotFound if the topic does not exist.
  virtual Result<TopicMeta> TrimFront(std::string_view topic, uint64_t location) = 0;

  // The first location whose append time is at or after `time_ms`, or
  // `count` if there is none, judged on one snapshot. NotFound if the topic
  // does not exist.
  virtual Result<uint64_t> FindLocationAtTime(std::string_view topic, int64_t time_ms) = 0;

  // --- Topic configuration ---------------------------------------------------

  // The topic's configuration document ({} and version 0 if never set).
  // NotFound if the topic does not exist.
  virtual Result<TopicConfig> GetTopicConfig(std::string_view topic) = 0;
  // Replaces the configuration document, in the same atomic write as the
  // metadata (config_version grows by one). With `expected_version`, only if
  // the version is still that (else Conflict): a read-modify-write loses no
  // concurrent change. InvalidArgument unless `config_json` is a JSON object;
  // TooLarge over Options::max_config_bytes; NotFound if the topic does not
  // exist. On failure nothing changes.
  virtual Result<TopicMeta> SetTopicConfig(std::string_view topic, std::string_view config_json,
                                           std::optional<uint64_t> expected_version) = 0;

  // --- Indexes ---------------------------------------------------------------
  // A topic's index maps keys (any bytes, ItemBatch::SetIndexKey) to the
  // locations of the items that carry them. Entries are written in the same
  // atomic write as their items and removed with them (Truncate, TrimFront,
  // DeleteTopic), so the index always equals a rebuild from the items. Keys
  // need not be unique: entries order by key, then location.

  // Entries with keys in [begin_key, end_key) (an empty end_key: no upper
  // bound), in the given order, from one snapshot. NotFound if the topic
  // does not exist.
  virtual Result<std::unique_ptr<IndexReader>> ScanIndex(std::string_view topic,
                                                         std::string_view begin_key,
                                                         std::string_view end_key,
                                                         ScanOrder order) = 0;
  // The lowest location whose index key is `key`. NotFound if the topic does
  // not exist or no stored item has that key.
  virtual Result<uint64_t> FindIndexKey(std::string_view topic, std::string_view key) = 0;
  // The index key of the item at `location`. NotFound if the topic or the
  // location does not exist, or the item has no key.
  virtual Result<std::string> IndexKeyAt(std::string_view topic, uint64_t location) = 0;

  // --- Collections (collection.h) --------------------------------------------

  // Creates an empty collection. AlreadyExists if it exists; InvalidArgument
  // for a bad name.
  virtual Result<CollectionInfo> CreateCollection(std::string_view name) = 0;
  // Deletes the collection and all its records. NotFound if it does not exist.
  virtual Status DeleteCollection(std::string_view name) = 0;
  // Every collection, sorted by name.
  virtual std::vector<CollectionInfo> ListCollections() = 0;
  // NotFound if the collection does not exist.
  virtual Result<CollectionInfo> StatCollection(std::string_view name) = 0;
  // The record under `key`. NotFound if the collection or the record does
  // not exist.
  virtual Result<CollectionRecord> GetRecord(std::string_view collection, std::string_view key) = 0;
  // Records with keys in [begin_key, end_key) (an empty end_key: no upper
  // bound) in key order, from one snapshot. NotFound if the collection does
  // not exist.
  virtual Result<std::unique_ptr<RecordReader>> ScanRecords(std::string_view collection,
                                                            std::string_view begin_key,
                                                            std::string_view end_key) = 0;
  // Applies every operation of `batch` or none, in one group-committed
  // write; acknowledged means durable as Options::sync says. Fails, with
  // nothing changed, with:
  //  - InvalidArgument: an empty batch; a bad collection or topic name (a
  //    system topic without AllowSystemTopics); an empty or too long record
  //    key; a value or configuration that is not a JSON object; an append
  //    without items; the same record, or the same topic, named twice;
  //  - TooLarge: a value over Options::max_record_bytes, an item over
  //    max_document_bytes, a configuration over max_config_bytes;
  //  - NotFound: a collection that does not exist; a system topic, or a
  //    topic to configure, that does not exist;
  //  - Conflict: an expected version or expected next location that does
  //    not hold when the commit applies (of racing commits that expect the
  //    same, exactly one wins);
  //  - NoSpace, IOError: as for Append.
  virtual Result<CommitResult> Commit(const CommitBatch& batch) = 0;

  // --- System topics -----------------------------------------------------------
  // For the faces only (see above). Names must begin with '.'
  // (ValidateSystemTopicName); appends go through Commit with
  // AllowSystemTopics.

  // AlreadyExists if it exists. `config_json` may be empty (no configuration).
  virtual Result<TopicMeta> CreateSystemTopic(std::string_view topic,
                                              std::string_view config_json) = 0;
  // NotFound if it does not exist.
  virtual Status DeleteSystemTopic(std::string_view topic) = 0;
  // TrimFront for a system topic (retention of change topics).
  virtual Result<TopicMeta> TrimSystemTopic(std::string_view topic, uint64_t location) = 0;

  // Blocks until the topic holds a document at `location` (count > location),
  // or `deadline` passes; returns the metadata at that moment, so the caller
  // tells the two apart by count. NotFound if the topic does not exist or is
  // deleted while waiting; Unavailable once the store is shutting down.
  virtual Result<TopicMeta> WaitForLocation(std::string_view topic, uint64_t location,
                                            std::chrono::steady_clock::time_point deadline) = 0;

  // Wakes every waiter with Unavailable and makes later waits return at
  // once, so that servers can drain before the store is destroyed.
  virtual void Shutdown() = 0;

  // Registers a listener for every later change. The listener must stay
  // alive until RemoveListener() returns or the store is destroyed.
  virtual void AddListener(ChangeListener* listener) = 0;
  virtual void RemoveListener(ChangeListener* listener) = 0;

  // The data directory's path as opened.
  virtual const std::string& dir() const = 0;
};

// The parser limits that go with `options`: what an adapter hands to
// DocumentParser, so that what it parses is what the store accepts.
inline DocumentParser::Limits DocumentLimitsOf(const Options& options) {
  return {.max_document_bytes = options.max_document_bytes, .max_depth = options.max_json_depth};
}

}  // namespace pdfs

#endif  // PDFS_ENGINE_STORE_H_
