// Store: a set of topics (append-only streams of JSON documents) in one data
// directory. This header, with status.h, options.h and document.h, is all that
// http/, fs/ and mountd/ may include from the engine.
#ifndef PDFS_ENGINE_STORE_H_
#define PDFS_ENGINE_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/document.h"
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

  uint64_t documents() const { return count - first; }
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
  std::string data;          // the document's bytes, exactly as stored
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

// What changed; delivered to ChangeListeners after the change is durable
// and visible to readers.
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
// concurrently. Writers to the same or different topics are merged into one
// atomic RocksDB write with one fsync (group commit); readers never block
// writers. Methods that take a topic name return InvalidArgument for an
// invalid one before looking anything up.
class Store {
 public:
  // Opens (creating it if Options::create_if_missing) the data directory.
  // Fails with Unavailable if another process holds `dir`, IOError otherwise.
  static Result<std::unique_ptr<Store>> Open(const Options& options, const std::string& dir);

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  // Wakes every waiter (they get Unavailable) and closes the data directory.
  // REQUIRES: no other thread is inside a method, and every RangeReader is gone.
  virtual ~Store() = default;

  // Creates an empty topic. AlreadyExists if it exists.
  virtual Result<TopicMeta> CreateTopic(std::string_view topic) = 0;

  // Every topic, sorted by name (bytewise).
  virtual std::vector<TopicMeta> ListTopics() = 0;

  // NotFound if the topic does not exist.
  virtual Result<TopicMeta> Stat(std::string_view topic) = 0;

  // Deletes the topic and all its documents. NotFound if it does not exist.
  virtual Status DeleteTopic(std::string_view topic) = 0;

  struct AppendResult {
    uint64_t first_location = 0;  // the documents got [first_location, first_location + n)
    TopicMeta meta;               // the topic right after this append
  };
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
  // `count` if there is none. NotFound if the topic does not exist.
  virtual Result<uint64_t> FindLocationAtTime(std::string_view topic, int64_t time_ms) = 0;

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

}  // namespace pdfs

#endif  // PDFS_ENGINE_STORE_H_
