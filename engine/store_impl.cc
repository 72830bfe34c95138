// StoreImpl: topics on RocksDB with a group-committing writer queue.
//
// Every mutation (append, create, truncate, trim, delete) is a Writer in one
// queue. The writer at the head leads: it takes the writers waiting behind it
// (up to max_group_commit_bytes), assigns locations in queue order, builds
// ONE WriteBatch holding the documents and the new metadata of every topic it
// touches, writes it with one fsync, publishes the new metadata, tells
// listeners, and hands each writer its result. Only one batch is ever in
// flight, so the WAL holds writes in location order and a crash can never
// leave a later document without an earlier one.
#include "store_impl.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <system_error>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/env.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "pdfs/topic_name.h"

namespace pdfs::engine {
namespace {

constexpr char kDocsFamily[] = "docs";
// Truncations and deletions write a few hundred bytes; this margin keeps
// even them from ever meeting ENOSPC inside RocksDB.
constexpr uint64_t kMinFreeForRemovals = 1 << 20;
constexpr char kTopicsFamily[] = "topics";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Quote(std::string_view topic) { return "topic \"" + std::string(topic) + "\""; }

// The key must outlive the Slice: use it within one expression.
rocksdb::Slice KeySlice(const DocKey& key) { return rocksdb::Slice(key.data(), key.size()); }

Status TopicNotFound(std::string_view topic) {
  return Status::NotFound(Quote(topic) + " does not exist");
}

Status LocationNotFound(std::string_view topic, uint64_t location, const TopicMeta& meta) {
  std::string held = meta.count == meta.first ? "has no documents"
                                              : "holds locations " + std::to_string(meta.first) +
                                                    ".." + std::to_string(meta.count - 1);
  return Status::NotFound(Quote(topic) + " " + held + "; location " + std::to_string(location) +
                          " does not exist");
}

// RocksDB's own LOG file is written through a WritableFileWriter, which in
// Debian's build (assertions on) aborts the process at the write after one
// that failed. So a disk filled by anyone else killed pdfs at RocksDB's next
// log line: a stats dump, a flush, opening or closing the store. pdfs keeps
// RocksDB's data writes away from a full disk (Options::min_free_disk_bytes)
// but cannot reserve room for an info log, so RocksDB gets this logger
// instead: errors go to stderr (the daemon's log), the rest is dropped.
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::ERROR_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel() || level == rocksdb::InfoLogLevel::HEADER_LEVEL) return;
    char text[1024];
    std::vsnprintf(text, sizeof(text), format, ap);
    // One line each: some messages go on with a dump of internal state.
    std::string_view line(text);
    line = line.substr(0, line.find('\n'));
    std::fprintf(stderr, "pdfs: rocksdb: %.*s\n", static_cast<int>(line.size()), line.data());
  }
};

TopicMeta ToPublic(std::string_view name, const StoredMeta& m) {
  TopicMeta t;
  t.topic = std::string(name);
  t.id = m.id;
  t.count = m.count;
  t.first = m.first;
  t.size = m.end_offset - m.first_offset;
  t.last_append_ms = m.last_append_ms;
  return t;
}

// Reads a document range from one snapshot, chunk by chunk.
class RangeReaderImpl : public RangeReader {
 public:
  RangeReaderImpl(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snap,
                  uint64_t topic_id, uint64_t begin, uint64_t end)
      : db_(db),
        snapshot_(snap),
        topic_id_(topic_id),
        begin_(begin),
        end_(end),
        upper_key_(EncodeDocKey(topic_id + 1, 0)),
        upper_bound_(upper_key_.data(), upper_key_.size()) {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    ro.iterate_upper_bound = &upper_bound_;
    // Large scans should not evict the hot working set of point reads.
    ro.fill_cache = false;
    ro.adaptive_readahead = true;
    it_.reset(db_->NewIterator(ro, cf));
  }
  ~RangeReaderImpl() override {
    it_.reset();
    db_->ReleaseSnapshot(snapshot_);
  }

  const Record* Next() override {
    for (;;) {
      if (done_) return nullptr;
      if (index_ < chunk_.count()) {
        const uint64_t location = chunk_first_ + index_;
        if (location >= end_) {
          done_ = true;
          return nullptr;
        }
        record_.location = location;
        record_.serial = chunk_.first_serial() + index_;
        record_.append_time_ms = chunk_.append_time_ms();
        record_.content_type.assign(chunk_.content_type());
        record_.data.assign(chunk_.document(index_));
        ++index_;
        return &record_;
      }
      // The next chunk; the view stays valid until the iterator moves.
      if (!started_) {
        started_ = true;
        it_->Seek(KeySlice(EncodeDocKey(topic_id_, begin_)));
      } else {
        it_->Next();
      }
      if (!it_->Valid()) {
        if (!it_->status().ok()) {
          status_ = Status::IOError("reading documents: " + it_->status().ToString());
        }
        done_ = true;
        return nullptr;
      }
      uint64_t id = 0, last = 0;
      rocksdb::Slice key = it_->key();
      rocksdb::Slice value = it_->value();
      if (!DecodeDocKey(std::string_view(key.data(), key.size()), &id, &last) ||
          !chunk_.Parse(std::string_view(value.data(), value.size())) ||
          chunk_.count() > last + 1) {
        status_ = Status::IOError("a stored chunk of documents is corrupt");
        done_ = true;
        return nullptr;
      }
      chunk_first_ = last + 1 - chunk_.count();
      index_ = begin_ > chunk_first_ ? static_cast<uint32_t>(begin_ - chunk_first_) : 0;
    }
  }

  Status status() const override { return status_; }

 private:
  rocksdb::DB* const db_;
  const rocksdb::Snapshot* const snapshot_;
  const uint64_t topic_id_;
  const uint64_t begin_;
  const uint64_t end_;
  const DocKey upper_key_;
  rocksdb::Slice upper_bound_;  // points into upper_key_; must outlive it_
  std::unique_ptr<rocksdb::Iterator> it_;
  bool started_ = false;
  bool done_ = false;
  ChunkView chunk_;  // the current chunk, over it_->value()
  uint64_t chunk_first_ = 0;
  uint32_t index_ = 0;
  Record record_;
  Status status_;
};

}  // namespace

StoreImpl::StoreImpl(const Options& options, std::string dir, DirLock lock)
    : options_(options), dir_(std::move(dir)), lock_(std::move(lock)) {
  write_options_.sync = options_.sync;
}

StoreImpl::~StoreImpl() {
  Shutdown();
  if (db_) {
    for (auto* cf : {docs_cf_, topics_cf_, default_cf_}) {
      if (cf != nullptr) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
    db_.reset();
  }
}

Result<std::unique_ptr<Store>> StoreImpl::Open(const Options& options, const std::string& dir) {
  std::error_code ec;
  if (options.create_if_missing) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create data directory " + dir + ": " + ec.message());
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::IOError("data directory " + dir + " does not exist or is not a directory");
  }
  Result<DirLock> lock = DirLock::Acquire(dir);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<StoreImpl> store(new StoreImpl(options, dir, std::move(lock).value()));
  if (Status s = store->OpenDb(); !s.ok()) return s;
  if (Status s = store->LoadTopics(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

Status StoreImpl::FromRocks(const rocksdb::Status& s, std::string_view what) const {
  if (s.ok()) return Status::Ok();
  if (s.IsNoSpace()) {
    return Status::NoSpace(std::string(what) + ": the disk holding " + dir_ +
                           " is full; free space and try again");
  }
  return Status::IOError(std::string(what) + ": " + s.ToString());
}

Status StoreImpl::OpenDb() {
  rocksdb::Options db_options;
  db_options.create_if_missing = options_.create_if_missing;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.info_log = std::make_shared<StderrLogger>();

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Not memtable_insert_with_hint_prefix_extractor, though it made batch
  // appends ~35% faster: it requires keys of one prefix to arrive in
  // increasing order, and a truncation followed by an append re-inserts a
  // smaller key (Debian's RocksDB asserts in its skip list; an NDEBUG build
  // would corrupt the memtable). Any test that truncates and appends again
  // through the real program catches it (e.g. CliTest.TruncateThenGet...).
  const auto supported = rocksdb::GetSupportedCompressions();
  if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end()) {
    cf_options.compression = rocksdb::kLZ4Compression;
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {kDocsFamily, cf_options},
      {kTopicsFamily, cf_options},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (options_.create_if_missing) {
    // RocksDB creates it too, but reports an error first.
    std::error_code ec;
    std::filesystem::create_directory(dir_ + "/db", ec);
  }
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(db_options), dir_ + "/db", families, &handles, &raw);
  if (!s.ok()) return FromRocks(s, "cannot open the database in " + dir_);
  db_.reset(raw);
  default_cf_ = handles[0];
  docs_cf_ = handles[1];
  topics_cf_ = handles[2];
  return Status::Ok();
}

Status StoreImpl::LoadTopics() {
  auto read_counter = [&](std::string_view key, uint64_t* out) -> Status {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), default_cf_, key, &value);
    if (s.IsNotFound()) return Status::Ok();
    if (!s.ok()) return FromRocks(s, "reading store counters");
    if (value.size() != 8)
      return Status::IOError("store counter " + std::string(key) + " is corrupt");
    *out = DecodeFixed64LE(value.data());
    return Status::Ok();
  };
  if (Status s = read_counter(kNextTopicIdKey, &next_topic_id_); !s.ok()) return s;
  if (Status s = read_counter(kNextSerialKey, &next_serial_); !s.ok()) return s;

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), topics_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto state = std::make_shared<TopicState>();
    state->name = it->key().ToString();
    if (!DecodeMeta(std::string_view(it->value().data(), it->value().size()), &state->meta)) {
      return Status::IOError("metadata of " + Quote(state->name) + " is corrupt");
    }
    next_topic_id_ = std::max(next_topic_id_, state->meta.id + 1);
    topics_.emplace(state->name, std::move(state));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading topics");
  return Status::Ok();
}

std::shared_ptr<StoreImpl::TopicState> StoreImpl::FindLocked(std::string_view topic) const {
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : it->second;
}

TopicMeta StoreImpl::PublicMeta(const TopicState& state) const {
  return ToPublic(state.name, state.meta);
}

// ---------------------------------------------------------------------------
// The writer queue.

Status StoreImpl::Commit(const std::shared_ptr<Writer>& w) {
  bool lead = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    writers_.push_back(w);
    lead = writers_.front() == w;
  }
  // Sleep until a leader commits this writer or hands it the lead.
  if (!lead && w->Await() == Writer::Next::kDone) return w->status;

  // This writer leads. Gather the group: a truncation, trim or deletion of a
  // topic that an earlier writer of the group changed ends the group, since
  // its size bookkeeping reads records that must already be on disk.
  std::vector<std::shared_ptr<Writer>> group;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::string_view> touched;
    size_t bytes = 0;
    for (const std::shared_ptr<Writer>& x : writers_) {
      size_t x_bytes = x->docs != nullptr ? x->docs->bytes() : 0;
      if (!group.empty()) {
        if (bytes + x_bytes > options_.max_group_commit_bytes) break;
        if (x->op != Writer::Op::kAppend && touched.count(x->topic) != 0) break;
      }
      group.push_back(x);
      touched.insert(x->topic);
      bytes += x_bytes;
    }
  }

  std::vector<ChangeEvent> events;
  WriteGroup(group, &events);
  if (!events.empty()) {
    std::lock_guard<std::mutex> listeners_lock(listeners_mu_);
    for (const ChangeEvent& event : events) {
      for (ChangeListener* listener : listeners_) listener->OnChange(event);
    }
  }

  std::shared_ptr<Writer> next;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::shared_ptr<Writer>& x : group) {
      assert(writers_.front() == x);
      (void)x;
      writers_.pop_front();
    }
    if (!writers_.empty()) next = writers_.front();
  }
  // Wake outside mu_; `group` and `next` keep the writers alive meanwhile.
  for (const std::shared_ptr<Writer>& x : group) {
    if (x != w) x->Tell(Writer::Next::kDone);
  }
  if (next != nullptr) next->Tell(Writer::Next::kLead);
  return w->status;
}

// The leader's work: compute every writer's result against a scratch copy of
// the metadata, write one batch, then publish. Runs without mu_ except to
// publish; only the leader changes topics_, so reading it here is safe.
void StoreImpl::WriteGroup(const std::vector<std::shared_ptr<Writer>>& group,
                           std::vector<ChangeEvent>* events) {
  // The state of one topic as the group changes it.
  struct Pending {
    std::shared_ptr<TopicState> before;  // committed state, null if none
    bool exists = false;
    bool recreated = false;  // deleted (and maybe created again) in this group
    bool dirty = false;
    StoredMeta meta;
    // Documents appended in this group and not yet written as a chunk; they
    // end at location meta.count - 1.
    std::vector<std::string_view> chunk_docs;
    size_t chunk_bytes = 0;
    uint64_t chunk_first_offset = 0;
    int64_t chunk_time = 0;
  };
  std::map<std::string_view, Pending> pending;
  auto pending_for = [&](std::string_view name) -> Pending& {
    auto [it, inserted] = pending.try_emplace(name);
    if (inserted) {
      auto found = topics_.find(name);
      if (found != topics_.end()) {
        it->second.before = found->second;
        it->second.exists = true;
        it->second.meta = found->second->meta;
      }
    }
    return it->second;
  };

  uint64_t next_topic_id = next_topic_id_;
  uint64_t next_serial = next_serial_;
  const int64_t now = NowMs();
  rocksdb::WriteBatch batch;
  std::string value;
  std::vector<ChangeEvent> group_events;
  auto event = [&](ChangeEvent::Kind kind, std::string_view name, const StoredMeta& m,
                   uint64_t from, uint64_t to) {
    group_events.push_back(ChangeEvent{kind, std::string(name), m.id, from, to});
  };
  // Writes p's pending documents as one chunk keyed by their last location.
  auto flush_chunk = [&](Pending& p) {
    if (p.chunk_docs.empty()) return;
    value.clear();
    EncodeChunk(ChunkHeader{next_serial, p.chunk_time, p.chunk_first_offset, {}},
                p.chunk_docs.data(), p.chunk_docs.size(), &value);
    next_serial += p.chunk_docs.size();
    batch.Put(docs_cf_, KeySlice(EncodeDocKey(p.meta.id, p.meta.count - 1)), value);
    p.chunk_docs.clear();
    p.chunk_bytes = 0;
  };
  auto add_document = [&](Pending& p, std::string_view doc, int64_t time) {
    if (!p.chunk_docs.empty() &&
        (p.chunk_docs.size() >= kMaxChunkDocuments || p.chunk_bytes + doc.size() > kMaxChunkBytes ||
         time != p.chunk_time)) {
      flush_chunk(p);
    }
    if (p.chunk_docs.empty()) {
      p.chunk_first_offset = p.meta.end_offset;
      p.chunk_time = time;
    }
    p.chunk_docs.push_back(doc);
    p.chunk_bytes += doc.size();
    p.meta.end_offset += doc.size();
    ++p.meta.count;
  };
  auto create = [&](std::string_view name, Pending& p) {
    p.exists = true;
    p.dirty = true;
    p.meta = StoredMeta{};
    p.meta.id = next_topic_id++;
    p.meta.last_append_ms = now;
    event(ChangeEvent::Kind::kTopicCreated, name, p.meta, 0, 0);
  };

  // Admission by free space (see Options::min_free_disk_bytes). Measured
  // once per group; each append must leave the reserve on top of the
  // appends before it in this group.
  uint64_t free_bytes = 0, memtable_bytes = 0;
  Status space = DiskSpace(&free_bytes, &memtable_bytes);
  uint64_t group_bytes = 0;
  // Keys, headers and metadata roughly double small documents; count twice.
  auto fits = [&](uint64_t adds, uint64_t reserve) {
    return free_bytes >= memtable_bytes + reserve + 2 * (group_bytes + adds);
  };
  auto no_space = [&](uint64_t adds, uint64_t reserve) {
    return Status::NoSpace(
        "the disk holding " + dir_ + " has " + std::to_string(free_bytes) +
        " bytes free, less than the " +
        std::to_string(memtable_bytes + reserve + 2 * (group_bytes + adds)) +
        " bytes this change needs with what pdfs keeps free (--min-free-space, and room to "
        "flush unwritten data); free space and try again");
  };

  for (const std::shared_ptr<Writer>& x : group) {
    x->status = Status::Ok();
    if (!space.ok()) {
      x->status = space;
      continue;
    }
    const uint64_t adds = x->docs != nullptr ? x->docs->bytes() : 0;
    const uint64_t reserve = x->op == Writer::Op::kAppend || x->op == Writer::Op::kCreate
                                 ? options_.min_free_disk_bytes
                                 : kMinFreeForRemovals;
    if (!fits(adds, reserve)) {
      x->status = no_space(adds, reserve);
      continue;
    }
    group_bytes += adds;
    Pending& p = pending_for(x->topic);
    // Removals act on what is stored: put this group's documents there first.
    if (x->op != Writer::Op::kAppend) flush_chunk(p);
    // Judged against this group's state so far, so two conditional writers
    // in one group see each other as if committed one after the other. A
    // missing topic is empty to an append; a removal reports it NotFound.
    const uint64_t next = p.exists ? p.meta.count : 0;
    if (x->expected_next.has_value() && *x->expected_next != next &&
        (p.exists || x->op == Writer::Op::kAppend)) {
      x->status = Status::Conflict(Quote(x->topic) + "'s next location is " + std::to_string(next) +
                                   ", not " + std::to_string(*x->expected_next) + " as expected");
      continue;
    }
    switch (x->op) {
      case Writer::Op::kCreate:
        if (p.exists) {
          x->status = Status::AlreadyExists(Quote(x->topic) + " already exists");
          break;
        }
        create(x->topic, p);
        break;

      case Writer::Op::kAppend: {
        if (!p.exists) create(x->topic, p);
        const uint64_t n = x->docs->size();
        if (p.meta.count > std::numeric_limits<uint64_t>::max() - 1 - n) {
          x->status = Status::InvalidArgument(Quote(x->topic) + " has no locations left");
          break;
        }
        const int64_t time = std::max(now, p.meta.last_append_ms);
        x->first_location = p.meta.count;
        for (size_t i = 0; i < n; ++i) add_document(p, (*x->docs)[i], time);
        p.meta.last_append_ms = time;
        p.dirty = true;
        event(ChangeEvent::Kind::kAppended, x->topic, p.meta, x->first_location, p.meta.count);
        break;
      }

      case Writer::Op::kTruncate: {
        if (!p.exists) {
          x->status = TopicNotFound(x->topic);
          break;
        }
        const uint64_t at = x->location;
        const uint64_t old_count = p.meta.count;
        if (at >= old_count) break;  // at or past the end: nothing to do
        if (at <= p.meta.first) {
          p.meta.end_offset = p.meta.first_offset;
          batch.DeleteRange(docs_cf_, KeySlice(EncodeDocKey(p.meta.id, p.meta.first)),
                            KeySlice(EncodeDocKey(p.meta.id, old_count)));
        } else {
          // Every chunk whose last location is at or after `at` goes; the
          // one holding `at` comes back holding only what precedes it.
          StoredChunk c;
          if (Status s = ReadChunk(p.meta.id, at, &c); !s.ok()) {
            x->status = s;
            break;
          }
          const uint32_t keep = static_cast<uint32_t>(at - c.first);
          p.meta.end_offset = c.view.offset(keep);
          batch.DeleteRange(docs_cf_, KeySlice(EncodeDocKey(p.meta.id, at)),
                            KeySlice(EncodeDocKey(p.meta.id, old_count)));
          if (keep > 0) {
            RewriteChunk(c, 0, keep, p.meta.id, at - 1, &batch);
          }
        }
        p.meta.count = at;
        p.meta.first = std::min(p.meta.first, at);
        p.dirty = true;
        event(ChangeEvent::Kind::kTruncated, x->topic, p.meta, at, old_count);
        break;
      }

      case Writer::Op::kTrim: {
        if (!p.exists) {
          x->status = TopicNotFound(x->topic);
          break;
        }
        const uint64_t to = std::min(x->location, p.meta.count);
        const uint64_t old_first = p.meta.first;
        if (to <= old_first) break;  // already trimmed that far
        uint64_t new_first_offset = p.meta.end_offset;
        // Every chunk whose last location is before `to` goes; the one
        // holding `to` keeps only `to` and after, under the same key.
        batch.DeleteRange(docs_cf_, KeySlice(EncodeDocKey(p.meta.id, old_first)),
                          KeySlice(EncodeDocKey(p.meta.id, to)));
        if (to < p.meta.count) {
          StoredChunk c;
          if (Status s = ReadChunk(p.meta.id, to, &c); !s.ok()) {
            x->status = s;
            break;
          }
          const uint32_t drop = static_cast<uint32_t>(to - c.first);
          new_first_offset = c.view.offset(drop);
          if (drop > 0) RewriteChunk(c, drop, c.view.count(), p.meta.id, c.last, &batch);
        }
        p.meta.first = to;
        p.meta.first_offset = new_first_offset;
        p.dirty = true;
        event(ChangeEvent::Kind::kTrimmed, x->topic, p.meta, old_first, to);
        break;
      }

      case Writer::Op::kDelete:
        if (!p.exists) {
          x->status = TopicNotFound(x->topic);
          break;
        }
        batch.DeleteRange(docs_cf_, KeySlice(EncodeDocKey(p.meta.id, 0)),
                          KeySlice(EncodeDocKey(p.meta.id + 1, 0)));
        event(ChangeEvent::Kind::kTopicDeleted, x->topic, p.meta, p.meta.first, p.meta.count);
        p.exists = false;
        p.recreated = true;
        p.dirty = true;
        break;
    }
    if (x->status.ok() && p.exists) x->meta = ToPublic(x->topic, p.meta);
  }

  for (auto& [name, p] : pending) flush_chunk(p);
  // Metadata goes last, one entry per topic, so the batch holds each topic's
  // final state for this group.
  for (auto& [name, p] : pending) {
    if (!p.dirty) continue;
    if (p.exists) {
      batch.Put(topics_cf_, rocksdb::Slice(name.data(), name.size()), EncodeMeta(p.meta));
    } else {
      batch.Delete(topics_cf_, rocksdb::Slice(name.data(), name.size()));
    }
  }
  if (next_topic_id != next_topic_id_) {
    std::string v;
    PutFixed64LE(&v, next_topic_id);
    batch.Put(default_cf_, kNextTopicIdKey, v);
  }
  if (next_serial != next_serial_) {
    std::string v;
    PutFixed64LE(&v, next_serial);
    batch.Put(default_cf_, kNextSerialKey, v);
  }
  if (batch.Count() == 0) return;

  Status written = FromRocks(db_->Write(write_options_, &batch), "writing to the store");
  if (!written.ok()) {
    // A write that failed anyway (the disk filled between the check above
    // and the write) leaves RocksDB read-only until its own recovery, which
    // polls for free space, resumes it.
    for (const std::shared_ptr<Writer>& x : group) {
      if (x->status.ok()) x->status = written;
    }
    return;
  }

  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, p] : pending) {
    if (!p.dirty) continue;
    if (p.before != nullptr && (p.recreated || !p.exists)) {
      p.before->deleted = true;
      p.before->changed.notify_all();
      topics_.erase(p.before->name);
      p.before = nullptr;
    }
    if (!p.exists) continue;
    if (p.before == nullptr) {
      auto state = std::make_shared<TopicState>();
      state->name = std::string(name);
      p.before = state;
      topics_.emplace(state->name, state);
    }
    p.before->meta = p.meta;
    p.before->changed.notify_all();
  }
  next_topic_id_ = next_topic_id;
  next_serial_ = next_serial;
  *events = std::move(group_events);
}

Status StoreImpl::DiskSpace(uint64_t* free_bytes, uint64_t* memtable_bytes) const {
  struct statvfs vfs;
  if (::statvfs(dir_.c_str(), &vfs) != 0) {
    return Status::IOError("cannot measure free space of " + dir_ + ": " + std::strerror(errno));
  }
  *free_bytes = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  if (!db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables,
                                     memtable_bytes)) {
    *memtable_bytes = 0;
  }
  return Status::Ok();
}

Status StoreImpl::ReadChunk(uint64_t id, uint64_t location, StoredChunk* out,
                            const rocksdb::Snapshot* snapshot) const {
  const DocKey upper = EncodeDocKey(id + 1, 0);
  rocksdb::Slice upper_bound(upper.data(), upper.size());
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, docs_cf_));
  it->Seek(KeySlice(EncodeDocKey(id, location)));
  if (!it->Valid()) {
    if (!it->status().ok()) return FromRocks(it->status(), "reading a document");
    return Status::NotFound("location " + std::to_string(location) + " is not stored");
  }
  uint64_t key_id = 0;
  rocksdb::Slice key = it->key();
  if (!DecodeDocKey(std::string_view(key.data(), key.size()), &key_id, &out->last)) {
    return Status::IOError("a stored document key is corrupt");
  }
  out->value.assign(it->value().data(), it->value().size());
  if (!out->view.Parse(out->value) || out->view.count() > out->last + 1) {
    return Status::IOError("the chunk holding location " + std::to_string(location) +
                           " is corrupt");
  }
  out->first = out->last + 1 - out->view.count();
  // Chunks tile the stored locations, so a chunk starting after `location`
  // means it is not stored (a truncation committed since the caller looked).
  if (out->first > location) {
    return Status::NotFound("location " + std::to_string(location) + " is not stored");
  }
  return Status::Ok();
}

void StoreImpl::RewriteChunk(const StoredChunk& c, uint32_t from, uint32_t to, uint64_t id,
                             uint64_t last_location, rocksdb::WriteBatch* batch) const {
  std::vector<std::string_view> docs;
  docs.reserve(to - from);
  for (uint32_t i = from; i < to; ++i) docs.push_back(c.view.document(i));
  std::string value;
  EncodeChunk(ChunkHeader{c.view.first_serial() + from, c.view.append_time_ms(),
                          c.view.offset(from), c.view.content_type()},
              docs.data(), docs.size(), &value);
  batch->Put(docs_cf_, KeySlice(EncodeDocKey(id, last_location)), value);
}

// ---------------------------------------------------------------------------
// Public operations.

Result<TopicMeta> StoreImpl::CreateTopic(std::string_view topic) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kCreate, topic);
  if (Status s = Commit(w); !s.ok()) return s;
  return std::move(w->meta);
}

std::vector<TopicMeta> StoreImpl::ListTopics() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TopicMeta> out;
  out.reserve(topics_.size());
  for (const auto& [name, state] : topics_) out.push_back(PublicMeta(*state));
  return out;
}

Result<TopicMeta> StoreImpl::Stat(std::string_view topic) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<TopicState> state = FindLocked(topic);
  if (state == nullptr) return TopicNotFound(topic);
  return PublicMeta(*state);
}

Status StoreImpl::DeleteTopic(std::string_view topic) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kDelete, topic);
  return Commit(w);
}

Result<Store::AppendResult> StoreImpl::AppendChecked(std::string_view topic,
                                                     const DocumentBatch& docs,
                                                     std::optional<uint64_t> expected_next) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  if (docs.empty()) return Status::InvalidArgument("an append needs at least one document");
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].size() > options_.max_document_bytes) {
      return Status::TooLarge("document " + std::to_string(i) + " has " +
                              std::to_string(docs[i].size()) + " bytes; the limit is " +
                              std::to_string(options_.max_document_bytes));
    }
  }
  auto w = std::make_shared<Writer>(Writer::Op::kAppend, topic);
  w->docs = &docs;
  w->expected_next = expected_next;
  if (Status s = Commit(w); !s.ok()) return s;
  return AppendResult{w->first_location, std::move(w->meta)};
}

Result<Store::AppendResult> StoreImpl::Append(std::string_view topic, const DocumentBatch& docs) {
  return AppendChecked(topic, docs, std::nullopt);
}

Result<Store::AppendResult> StoreImpl::AppendIfNext(std::string_view topic,
                                                    const DocumentBatch& docs,
                                                    uint64_t expected_next) {
  return AppendChecked(topic, docs, expected_next);
}

Result<Record> StoreImpl::Get(std::string_view topic, uint64_t location) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  TopicMeta meta;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<TopicState> state = FindLocked(topic);
    if (state == nullptr) return TopicNotFound(topic);
    meta = PublicMeta(*state);
  }
  if (location < meta.first || location >= meta.count) {
    return LocationNotFound(topic, location, meta);
  }
  StoredChunk c;
  Status s = ReadChunk(meta.id, location, &c);
  // NotFound here: a truncation or deletion committed since the check above.
  if (s.IsNotFound()) return LocationNotFound(topic, location, meta);
  if (!s.ok()) return s;
  const uint32_t i = static_cast<uint32_t>(location - c.first);
  Record record;
  record.location = location;
  record.serial = c.view.first_serial() + i;
  record.append_time_ms = c.view.append_time_ms();
  record.content_type.assign(c.view.content_type());
  record.data.assign(c.view.document(i));
  return record;
}

Result<std::unique_ptr<RangeReader>> StoreImpl::Read(std::string_view topic, uint64_t begin,
                                                     uint64_t end) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  // The snapshot is taken before the metadata is read. Any snapshot is one
  // committed state, and the bounds below only narrow it, so the result is
  // always a consecutive run of one committed state.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  TopicMeta meta;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<TopicState> state = FindLocked(topic);
    if (state == nullptr) {
      db_->ReleaseSnapshot(snapshot);
      return TopicNotFound(topic);
    }
    meta = PublicMeta(*state);
  }
  begin = std::max(begin, meta.first);
  end = std::min(end, meta.count);
  if (end < begin) end = begin;
  return std::unique_ptr<RangeReader>(
      new RangeReaderImpl(db_.get(), docs_cf_, snapshot, meta.id, begin, end));
}

Result<TopicMeta> StoreImpl::TruncateChecked(std::string_view topic, uint64_t location,
                                             std::optional<uint64_t> expected_next) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kTruncate, topic);
  w->location = location;
  w->expected_next = expected_next;
  if (Status s = Commit(w); !s.ok()) return s;
  return std::move(w->meta);
}

Result<TopicMeta> StoreImpl::Truncate(std::string_view topic, uint64_t location) {
  return TruncateChecked(topic, location, std::nullopt);
}

Result<TopicMeta> StoreImpl::TruncateIfNext(std::string_view topic, uint64_t location,
                                            uint64_t expected_next) {
  return TruncateChecked(topic, location, expected_next);
}

Result<TopicMeta> StoreImpl::TrimFront(std::string_view topic, uint64_t location) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kTrim, topic);
  w->location = location;
  if (Status s = Commit(w); !s.ok()) return s;
  return std::move(w->meta);
}

Result<uint64_t> StoreImpl::FindLocationAtTime(std::string_view topic, int64_t time_ms) {
  Result<TopicMeta> meta = Stat(topic);
  if (!meta.ok()) return meta.status();
  // Append times never decrease within a topic: binary search. A location
  // that vanished meanwhile (truncation) counts as past the end.
  uint64_t lo = meta->first;
  uint64_t hi = meta->count;
  while (lo < hi) {
    uint64_t mid = lo + (hi - lo) / 2;
    Result<Record> r = Get(topic, mid);
    if (!r.ok()) {
      if (!r.status().IsNotFound()) return r.status();
      hi = mid;
    } else if (r->append_time_ms < time_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

Result<TopicMeta> StoreImpl::WaitForLocation(std::string_view topic, uint64_t location,
                                             std::chrono::steady_clock::time_point deadline) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<TopicState> state = FindLocked(topic);
  if (state == nullptr) return TopicNotFound(topic);
  for (;;) {
    if (shutting_down_) return Status::Unavailable("the server is shutting down");
    if (state->deleted) return Status::NotFound(Quote(topic) + " was deleted");
    if (state->meta.count > location || std::chrono::steady_clock::now() >= deadline) {
      return PublicMeta(*state);
    }
    state->changed.wait_until(lock, deadline);
  }
}

void StoreImpl::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  for (auto& [name, state] : topics_) state->changed.notify_all();
}

void StoreImpl::AddListener(ChangeListener* listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.push_back(listener);
}

void StoreImpl::RemoveListener(ChangeListener* listener) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

}  // namespace pdfs::engine

namespace pdfs {

Result<std::unique_ptr<Store>> Store::Open(const Options& options, const std::string& dir) {
  return engine::StoreImpl::Open(options, dir);
}

}  // namespace pdfs
