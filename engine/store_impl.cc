// StoreImpl: topics and collections on RocksDB with a group-committing
// writer queue.
//
// Every change (append, create, truncate, trim, delete, commit) is a Writer
// in one queue. The writer at the head leads: it takes the writers waiting
// behind it (GatherGroupLocked), runs each one's operation on one GroupBatch
// (group_batch.h), which builds ONE WriteBatch holding the items, records,
// index entries and new metadata of everything the group touches, writes it
// with one fsync, publishes the new committed state, tells listeners, and
// hands each writer its result. Only one batch is ever in flight, so the WAL
// holds writes in location order and a crash can never leave a later item
// without an earlier one.
#include "store_impl.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <system_error>

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/table.h>

#include "chunk_cursor.h"
#include "disk_admission.h"
#include "group_batch.h"
#include "pdfs/topic_name.h"
#include "range_reader_impl.h"
#include "rocksdb_logger.h"
#include "snapshot_scan.h"

namespace pdfs::engine {
namespace {

// Column families, in the order OpenDb opens them (key_codec.h has what
// each holds).
constexpr const char* kFamilies[] = {"default",     "docs",    "topics",
                                     "collections", "records", "index"};

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Quote(std::string_view topic) { return "topic \"" + std::string(topic) + "\""; }

Status TopicNotFound(std::string_view topic) {
  return Status::NotFound(Quote(topic) + " does not exist");
}

bool IsDotName(std::string_view topic) { return !topic.empty() && topic.front() == '.'; }

// What a reader is told when `topic` is not a topic it can read. A name
// beginning with '.' names a topic only while the faces hold a system topic
// of that name; to everyone else it is no topic name at all, as
// ValidateTopicName says (InvalidArgument).
Status NoSuchTopic(std::string_view topic) {
  return IsDotName(topic) ? ValidateTopicName(topic) : TopicNotFound(topic);
}

// OK iff `topic` may name a topic to read (ValidateReadableTopicName);
// otherwise the error a user would get for it.
Status CheckReadableName(std::string_view topic) {
  Status s = ValidateReadableTopicName(topic);
  return s.ok() || !IsDotName(topic) ? s : ValidateTopicName(topic);
}

Status LocationNotFound(std::string_view topic, uint64_t location, const TopicMeta& meta) {
  std::string held = meta.count == meta.first ? "has no documents"
                                              : "holds locations " + std::to_string(meta.first) +
                                                    ".." + std::to_string(meta.count - 1);
  return Status::NotFound(Quote(topic) + " " + held + "; location " + std::to_string(location) +
                          " does not exist");
}

Status CheckRecordKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxRecordKeyBytes) {
    return Status::InvalidArgument("a record key must have 1 to " +
                                   std::to_string(kMaxRecordKeyBytes) + " bytes; this one has " +
                                   std::to_string(key.size()));
  }
  return Status::Ok();
}

// Moves a result into a writer's status and output.
template <typename T>
void Take(Result<T>&& result, Status* status, T* out) {
  if (result.ok()) {
    *out = std::move(result).value();
  } else {
    *status = result.status();
  }
}

CollectionInfo PublicCollection(std::string_view name, const StoredCollection& c) {
  return CollectionInfo{std::string(name), c.id, c.revision, c.records};
}

}  // namespace

StoreImpl::StoreImpl(const Options& options, std::string dir, DirLock lock)
    : options_(options), dir_(std::move(dir)), lock_(std::move(lock)) {
  write_options_.sync = options_.sync;
  handles_.dir = dir_;
}

StoreImpl::~StoreImpl() {
  Shutdown();
  if (db_) {
    for (auto* cf : {handles_.defaults, handles_.docs, handles_.topics, handles_.collections,
                     handles_.records, handles_.index}) {
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
  if (Status s = store->CheckFormat(); !s.ok()) return s;
  if (Status s = store->LoadState(); !s.ok()) return s;
  return std::unique_ptr<Store>(std::move(store));
}

Status StoreImpl::OpenDb() {
  rocksdb::Options db_options;
  db_options.create_if_missing = options_.create_if_missing;
  // Also how a format-1 directory gains the families added since.
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

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const char* name : kFamilies) families.emplace_back(name, cf_options);
  handles_.memtable_bytes_bound = uint64_t{cf_options.write_buffer_size} *
                                  static_cast<uint64_t>(cf_options.max_write_buffer_number) *
                                  families.size() * 5 / 4;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (options_.create_if_missing) {
    // RocksDB creates it too, but reports an error first.
    std::error_code ec;
    std::filesystem::create_directory(dir_ + "/db", ec);
  }
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(db_options), dir_ + "/db", families, &handles, &raw);
  if (!s.ok()) return handles_.FromRocks(s, "cannot open the database in " + dir_);
  db_.reset(raw);
  handles_.db = raw;
  handles_.defaults = handles[0];
  handles_.docs = handles[1];
  handles_.topics = handles[2];
  handles_.collections = handles[3];
  handles_.records = handles[4];
  handles_.index = handles[5];
  return Status::Ok();
}

Status StoreImpl::CheckFormat() {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_.defaults, kFormatVersionKey, &value);
  uint64_t format = kFirstFormatVersion;
  if (s.ok()) {
    if (value.size() != 8) return Status::IOError("the store's format key is corrupt");
    format = DecodeFixed64LE(value.data());
  } else if (!s.IsNotFound()) {
    return handles_.FromRocks(s, "reading the store's format");
  }
  if (format > kFormatVersion) {
    return Status::IOError("the data directory " + dir_ + " was written by a newer pdfs (format " +
                           std::to_string(format) + "); this pdfs reads formats up to " +
                           std::to_string(kFormatVersion));
  }
  if (s.ok() && format == kFormatVersion) return Status::Ok();
  // A new directory, or format 1: the families added since were created by
  // OpenDb and are empty, which is their correct content for format-1 data.
  // Written last and synced, so an upgrade cut short is redone next time;
  // never onto a full disk, where RocksDB's failed log write would abort.
  DiskAdmission space(handles_, options_);
  if (Status s = space.Admit(0, DiskAdmission::Kind::kRemoval); !s.ok()) {
    return s.IsNoSpace() ? Status::NoSpace("cannot record the store's format: " + s.message()) : s;
  }
  std::string v;
  PutFixed64LE(&v, kFormatVersion);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (Status s = handles_.FromRocks(db_->Put(sync, handles_.defaults, kFormatVersionKey, v),
                                    "recording the store's format");
      !s.ok()) {
    return s;
  }
  // Out of the memory table, where every group's "next_serial" would walk
  // past it (key_codec.h).
  return handles_.FromRocks(db_->Flush(rocksdb::FlushOptions(), handles_.defaults),
                            "recording the store's format");
}

Status StoreImpl::LoadState() {
  auto read_counter = [&](rocksdb::ColumnFamilyHandle* cf, std::string_view key,
                          uint64_t* out) -> Status {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf, key, &value);
    if (s.IsNotFound()) return Status::Ok();
    if (!s.ok()) return handles_.FromRocks(s, "reading store counters");
    if (value.size() != 8) {
      return Status::IOError("store counter " + std::string(key) + " is corrupt");
    }
    *out = DecodeFixed64LE(value.data());
    return Status::Ok();
  };
  const DbHandles& h = handles_;
  if (Status s = read_counter(h.defaults, kNextTopicIdKey, &state_.next_topic_id); !s.ok()) {
    return s;
  }
  if (Status s = read_counter(h.defaults, kNextSerialKey, &state_.next_serial); !s.ok()) return s;
  if (Status s = read_counter(h.collections, kNextCollectionIdKey, &state_.next_collection_id);
      !s.ok()) {
    return s;
  }

  // Configuration keys (0x00 'c' name) sort before every topic name.
  std::map<std::string, StoredConfig, std::less<>> configs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_.topics));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = View(it->key());
    std::string_view config_of;
    if (DecodeConfigKey(key, &config_of)) {
      if (!DecodeConfig(View(it->value()), &configs[std::string(config_of)])) {
        return Status::IOError("the configuration of " + Quote(config_of) + " is corrupt");
      }
      continue;
    }
    auto state = std::make_shared<TopicState>();
    state->name = std::string(key);
    if (!DecodeMeta(View(it->value()), &state->meta)) {
      return Status::IOError("metadata of " + Quote(state->name) + " is corrupt");
    }
    if (auto c = configs.find(state->name); c != configs.end()) state->config = c->second;
    state_.next_topic_id = std::max(state_.next_topic_id, state->meta.id + 1);
    state_.topics.emplace(state->name, std::move(state));
  }
  if (!it->status().ok()) return handles_.FromRocks(it->status(), "reading topics");

  it.reset(db_->NewIterator(rocksdb::ReadOptions(), handles_.collections));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().starts_with(rocksdb::Slice("\0", 1))) continue;  // the id counter
    StoredCollection c;
    if (!DecodeCollection(View(it->value()), &c)) {
      return Status::IOError("metadata of collection \"" + it->key().ToString() + "\" is corrupt");
    }
    state_.next_collection_id = std::max(state_.next_collection_id, c.id + 1);
    state_.collections.emplace(it->key().ToString(), c);
  }
  if (!it->status().ok()) return handles_.FromRocks(it->status(), "reading collections");
  return Status::Ok();
}

std::shared_ptr<TopicState> StoreImpl::FindLocked(std::string_view topic) const {
  auto it = state_.topics.find(topic);
  return it == state_.topics.end() ? nullptr : it->second;
}

// ---------------------------------------------------------------------------
// The writer queue.

std::vector<std::shared_ptr<Writer>> StoreImpl::GatherGroupLocked() const {
  std::vector<std::shared_ptr<Writer>> group;
  std::set<std::string_view> touched;  // topics changed by the group so far
  size_t bytes = 0;
  for (const std::shared_ptr<Writer>& x : writers_) {
    const size_t x_bytes = x->bytes();
    if (!group.empty()) {
      if (bytes + x_bytes > options_.max_group_commit_bytes) break;
      if (x->removes_items() && touched.count(x->name) != 0) break;
    }
    group.push_back(x);
    bytes += x_bytes;
    if (x->op == Writer::Op::kCommit) {
      for (const auto& op : x->commit->batch->appends()) touched.insert(op.topic);
      for (const auto& op : x->commit->batch->configs()) touched.insert(op.topic);
    } else if (x->op != Writer::Op::kCreateCollection && x->op != Writer::Op::kDeleteCollection) {
      touched.insert(x->name);
    }
  }
  return group;
}

void StoreImpl::Apply(GroupBatch& group, DiskAdmission& space, Writer& w) {
  const bool removal = w.removes_items() || w.op == Writer::Op::kDeleteCollection;
  w.status = space.Admit(w.bytes(),
                         removal ? DiskAdmission::Kind::kRemoval : DiskAdmission::Kind::kGrowth);
  if (!w.status.ok()) return;
  switch (w.op) {
    case Writer::Op::kCreateTopic:
      return Take(group.CreateTopic(w.name, w.config), &w.status, &w.meta);
    case Writer::Op::kAppend: {
      Result<AppendResult> r = group.Append(w.name, *w.items, w.expected_next, w.create_missing);
      if (!r.ok()) {
        w.status = r.status();
        return;
      }
      w.first_location = r->first_location;
      w.meta = std::move(r->meta);
      return;
    }
    case Writer::Op::kTruncate:
      return Take(group.Truncate(w.name, w.location, w.expected_next), &w.status, &w.meta);
    case Writer::Op::kTrim:
      return Take(group.Trim(w.name, w.location), &w.status, &w.meta);
    case Writer::Op::kDeleteTopic:
      w.status = group.DeleteTopic(w.name);
      return;
    case Writer::Op::kCreateCollection:
      return Take(group.CreateCollection(w.name), &w.status, &w.collection);
    case Writer::Op::kDeleteCollection:
      w.status = group.DeleteCollection(w.name);
      return;
    case Writer::Op::kCommit:
      return Take(group.Commit(*w.commit), &w.status, &w.commit_result);
  }
}

Status StoreImpl::Enqueue(const std::shared_ptr<Writer>& w) {
  bool lead = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    writers_.push_back(w);
    lead = writers_.front() == w;
  }
  // Sleep until a leader commits this writer or hands it the lead.
  if (!lead && w->Await() == Writer::Next::kDone) return w->status;

  // This writer leads.
  std::vector<std::shared_ptr<Writer>> group;
  {
    std::lock_guard<std::mutex> lock(mu_);
    group = GatherGroupLocked();
  }
  // Without mu_: only the leader changes state_, so reading it here is safe.
  std::vector<ChangeEvent> events;
  {
    GroupBatch batch(handles_, state_, NowMs());
    DiskAdmission space(handles_, options_);
    for (const std::shared_ptr<Writer>& x : group) Apply(batch, space, *x);
    Status written = batch.Write(write_options_);
    if (written.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      events = batch.Publish(&state_);
    } else {
      // A write that failed anyway (the disk filled between the admission
      // and the write) leaves RocksDB read-only until its own recovery,
      // which polls for free space, resumes it.
      for (const std::shared_ptr<Writer>& x : group) {
        if (x->status.ok()) x->status = written;
      }
    }
  }
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

// ---------------------------------------------------------------------------
// Topics.

Result<TopicMeta> StoreImpl::CreateChecked(std::string_view topic, std::string_view config_json) {
  std::optional<std::string> config;
  if (!config_json.empty()) {
    Result<std::string> prepared = PrepareConfig(config_json, options_);
    if (!prepared.ok()) return prepared.status();
    config = std::move(prepared).value();
  }
  auto w = std::make_shared<Writer>(Writer::Op::kCreateTopic, topic);
  w->config = config.has_value() ? &*config : nullptr;
  if (Status s = Enqueue(w); !s.ok()) return s;
  return std::move(w->meta);
}

Result<TopicMeta> StoreImpl::CreateTopic(std::string_view topic) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  return CreateChecked(topic, {});
}

Result<TopicMeta> StoreImpl::CreateTopic(std::string_view topic, std::string_view config_json) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  if (config_json.empty()) {
    return Status::InvalidArgument("a topic configuration must be a JSON object");
  }
  return CreateChecked(topic, config_json);
}

Result<TopicMeta> StoreImpl::CreateSystemTopic(std::string_view topic,
                                               std::string_view config_json) {
  if (Status s = ValidateSystemTopicName(topic); !s.ok()) return s;
  return CreateChecked(topic, config_json);
}

std::vector<TopicMeta> StoreImpl::ListTopics() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<TopicMeta> out;
  out.reserve(state_.topics.size());
  for (const auto& [name, state] : state_.topics) {
    out.push_back(ToPublic(name, state->meta, state->config.version));
  }
  return out;
}

Result<TopicMeta> StoreImpl::Current(std::string_view topic) {
  if (Status s = CheckReadableName(topic); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<TopicState> state = FindLocked(topic);
  if (state == nullptr) return NoSuchTopic(topic);
  return ToPublic(state->name, state->meta, state->config.version);
}

Result<TopicMeta> StoreImpl::CurrentWithSnapshot(std::string_view topic,
                                                 const rocksdb::Snapshot** snapshot) {
  if (Status s = CheckReadableName(topic); !s.ok()) return s;
  *snapshot = db_->GetSnapshot();
  Result<TopicMeta> meta = Current(topic);
  if (!meta.ok()) {
    db_->ReleaseSnapshot(*snapshot);
    *snapshot = nullptr;
  }
  return meta;
}

Result<TopicMeta> StoreImpl::Stat(std::string_view topic) { return Current(topic); }

Status StoreImpl::DeleteTopic(std::string_view topic) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  return Enqueue(std::make_shared<Writer>(Writer::Op::kDeleteTopic, topic));
}

Status StoreImpl::DeleteSystemTopic(std::string_view topic) {
  if (Status s = ValidateSystemTopicName(topic); !s.ok()) return s;
  return Enqueue(std::make_shared<Writer>(Writer::Op::kDeleteTopic, topic));
}

Result<AppendResult> StoreImpl::AppendItems(std::string_view topic, ItemSource items,
                                            std::optional<uint64_t> expected_next) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  if (Status s = CheckItems(items, options_); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kAppend, topic);
  w->items = items;
  w->expected_next = expected_next;
  if (Status s = Enqueue(w); !s.ok()) return s;
  return AppendResult{w->first_location, std::move(w->meta)};
}

Result<AppendResult> StoreImpl::Append(std::string_view topic, const DocumentBatch& docs) {
  return AppendItems(topic, ItemSource(docs), std::nullopt);
}

Result<AppendResult> StoreImpl::AppendIfNext(std::string_view topic, const DocumentBatch& docs,
                                             uint64_t expected_next) {
  return AppendItems(topic, ItemSource(docs), expected_next);
}

Result<AppendResult> StoreImpl::Append(std::string_view topic, const ItemBatch& items) {
  return AppendItems(topic, ItemSource(items), std::nullopt);
}

Result<AppendResult> StoreImpl::AppendIfNext(std::string_view topic, const ItemBatch& items,
                                             uint64_t expected_next) {
  return AppendItems(topic, ItemSource(items), expected_next);
}

Result<Record> StoreImpl::Get(std::string_view topic, uint64_t location) {
  Result<TopicMeta> meta = Current(topic);
  if (!meta.ok()) return meta.status();
  if (location < meta->first || location >= meta->count) {
    return LocationNotFound(topic, location, *meta);
  }
  StoredChunk c;
  Status s = ReadChunk(handles_, meta->id, location, &c);
  // NotFound here: a truncation or deletion committed since the check above.
  if (s.IsNotFound()) return LocationNotFound(topic, location, *meta);
  if (!s.ok()) return s;
  Record record;
  FillRecord(c.view, c.first, static_cast<uint32_t>(location - c.first), &record);
  // Read after the chunk, like it from the latest state: only a truncation
  // and re-append of this very location in between could pair them wrongly.
  rocksdb::Status ks = db_->Get(rocksdb::ReadOptions(), handles_.index,
                                IndexReverseKey(meta->id, location), &record.index_key);
  if (ks.IsNotFound()) {
    record.index_key.clear();
  } else if (!ks.ok()) {
    return handles_.FromRocks(ks, "reading a topic's index");
  }
  return record;
}

Result<std::unique_ptr<RangeReader>> StoreImpl::Read(std::string_view topic, uint64_t begin,
                                                     uint64_t end) {
  const rocksdb::Snapshot* snapshot = nullptr;
  Result<TopicMeta> meta = CurrentWithSnapshot(topic, &snapshot);
  if (!meta.ok()) return meta.status();
  // The result is always a consecutive run of one committed state.
  begin = std::max(begin, meta->first);
  end = std::min(end, meta->count);
  if (end < begin) end = begin;
  return std::unique_ptr<RangeReader>(
      new RangeReaderImpl(handles_, snapshot, meta->id, begin, end));
}

Result<TopicMeta> StoreImpl::TruncateChecked(std::string_view topic, uint64_t location,
                                             std::optional<uint64_t> expected_next) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kTruncate, topic);
  w->location = location;
  w->expected_next = expected_next;
  if (Status s = Enqueue(w); !s.ok()) return s;
  return std::move(w->meta);
}

Result<TopicMeta> StoreImpl::Truncate(std::string_view topic, uint64_t location) {
  return TruncateChecked(topic, location, std::nullopt);
}

Result<TopicMeta> StoreImpl::TruncateIfNext(std::string_view topic, uint64_t location,
                                            uint64_t expected_next) {
  return TruncateChecked(topic, location, expected_next);
}

Result<TopicMeta> StoreImpl::TrimChecked(std::string_view topic, uint64_t location) {
  auto w = std::make_shared<Writer>(Writer::Op::kTrim, topic);
  w->location = location;
  if (Status s = Enqueue(w); !s.ok()) return s;
  return std::move(w->meta);
}

Result<TopicMeta> StoreImpl::TrimFront(std::string_view topic, uint64_t location) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  return TrimChecked(topic, location);
}

Result<TopicMeta> StoreImpl::TrimSystemTopic(std::string_view topic, uint64_t location) {
  if (Status s = ValidateSystemTopicName(topic); !s.ok()) return s;
  return TrimChecked(topic, location);
}

Result<uint64_t> StoreImpl::FindLocationAtTime(std::string_view topic, int64_t time_ms) {
  // One snapshot for every probe: the search sees one committed state, and
  // a location the snapshot lacks (appended since) counts as past the end.
  const rocksdb::Snapshot* snapshot = nullptr;
  Result<TopicMeta> meta = CurrentWithSnapshot(topic, &snapshot);
  if (!meta.ok()) return meta.status();
  Status failed;
  uint64_t lo = meta->first;
  uint64_t hi = meta->count;
  {
    ChunkCursor cursor(handles_, meta->id, snapshot);
    // Append times never decrease within a topic, and all items of a chunk
    // share one: binary search, narrowed a whole chunk at a time.
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      ChunkRef chunk;
      Status s = cursor.Seek(mid, &chunk);
      if (s.IsNotFound()) {
        hi = mid;
      } else if (!s.ok()) {
        failed = s;
        break;
      } else if (chunk.view.append_time_ms() < time_ms) {
        lo = std::min(hi, chunk.last + 1);
      } else {
        hi = std::max(lo, chunk.first);
      }
    }
  }
  db_->ReleaseSnapshot(snapshot);
  if (!failed.ok()) return failed;
  return lo;
}

Result<TopicMeta> StoreImpl::WaitForLocation(std::string_view topic, uint64_t location,
                                             std::chrono::steady_clock::time_point deadline) {
  if (Status s = CheckReadableName(topic); !s.ok()) return s;
  std::unique_lock<std::mutex> lock(mu_);
  std::shared_ptr<TopicState> state = FindLocked(topic);
  if (state == nullptr) return NoSuchTopic(topic);
  for (;;) {
    if (shutting_down_) return Status::Unavailable("the server is shutting down");
    if (state->deleted) return Status::NotFound(Quote(topic) + " was deleted");
    if (state->meta.count > location || std::chrono::steady_clock::now() >= deadline) {
      return ToPublic(state->name, state->meta, state->config.version);
    }
    state->changed.wait_until(lock, deadline);
  }
}

// ---------------------------------------------------------------------------
// Topic configuration.

Result<TopicConfig> StoreImpl::GetTopicConfig(std::string_view topic) {
  if (Status s = CheckReadableName(topic); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<TopicState> state = FindLocked(topic);
  if (state == nullptr) return NoSuchTopic(topic);
  TopicConfig config;
  if (state->config.version > 0) {
    config.json = state->config.json;
    config.version = state->config.version;
  }
  return config;
}

Result<TopicMeta> StoreImpl::SetTopicConfig(std::string_view topic, std::string_view config_json,
                                            std::optional<uint64_t> expected_version) {
  if (Status s = ValidateTopicName(topic); !s.ok()) return s;
  CommitBatch batch;
  batch.SetTopicConfig(topic, config_json, expected_version);
  Result<CommitResult> r = Commit(batch);
  if (!r.ok()) return r.status();
  return std::move(r->configured[0]);
}

// ---------------------------------------------------------------------------
// Indexes.

Result<std::unique_ptr<IndexReader>> StoreImpl::ScanIndex(std::string_view topic,
                                                          std::string_view begin_key,
                                                          std::string_view end_key,
                                                          ScanOrder order) {
  const rocksdb::Snapshot* snapshot = nullptr;
  Result<TopicMeta> meta = CurrentWithSnapshot(topic, &snapshot);
  if (!meta.ok()) return meta.status();
  return std::unique_ptr<IndexReader>(
      new IndexReaderImpl(handles_, snapshot, meta->id, begin_key, end_key, order));
}

Result<uint64_t> StoreImpl::FindIndexKey(std::string_view topic, std::string_view key) {
  Result<TopicMeta> meta = Current(topic);
  if (!meta.ok()) return meta.status();
  const std::string prefix = IndexForwardPrefix(meta->id, key);
  const std::string upper = IndexForwardUpper(meta->id, {});
  rocksdb::Slice upper_bound(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handles_.index));
  it->Seek(prefix);
  if (it->Valid() && it->key().starts_with(prefix)) {
    std::string found;
    uint64_t location = 0;
    if (!DecodeIndexForwardKey(View(it->key()), &found, &location)) {
      return Status::IOError("a stored index entry is corrupt");
    }
    return location;
  }
  if (!it->status().ok()) return handles_.FromRocks(it->status(), "reading a topic's index");
  return Status::NotFound(Quote(topic) + " has no item with that index key");
}

Result<std::string> StoreImpl::IndexKeyAt(std::string_view topic, uint64_t location) {
  Result<TopicMeta> meta = Current(topic);
  if (!meta.ok()) return meta.status();
  if (location < meta->first || location >= meta->count) {
    return LocationNotFound(topic, location, *meta);
  }
  std::string key;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_.index, IndexReverseKey(meta->id, location), &key);
  if (s.IsNotFound()) {
    return Status::NotFound("location " + std::to_string(location) + " of " + Quote(topic) +
                            " has no index key");
  }
  if (!s.ok()) return handles_.FromRocks(s, "reading a topic's index");
  return key;
}

// ---------------------------------------------------------------------------
// Collections.

Result<CollectionInfo> StoreImpl::CreateCollection(std::string_view name) {
  if (Status s = ValidateCollectionName(name); !s.ok()) return s;
  auto w = std::make_shared<Writer>(Writer::Op::kCreateCollection, name);
  if (Status s = Enqueue(w); !s.ok()) return s;
  return std::move(w->collection);
}

Status StoreImpl::DeleteCollection(std::string_view name) {
  if (Status s = ValidateCollectionName(name); !s.ok()) return s;
  return Enqueue(std::make_shared<Writer>(Writer::Op::kDeleteCollection, name));
}

std::vector<CollectionInfo> StoreImpl::ListCollections() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<CollectionInfo> out;
  out.reserve(state_.collections.size());
  for (const auto& [name, c] : state_.collections) out.push_back(PublicCollection(name, c));
  return out;
}

Result<CollectionInfo> StoreImpl::CurrentCollection(std::string_view name) {
  if (Status s = ValidateCollectionName(name); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = state_.collections.find(name);
  if (it == state_.collections.end()) {
    return Status::NotFound("collection \"" + std::string(name) + "\" does not exist");
  }
  return PublicCollection(name, it->second);
}

Result<CollectionInfo> StoreImpl::StatCollection(std::string_view name) {
  return CurrentCollection(name);
}

Result<CollectionRecord> StoreImpl::GetRecord(std::string_view collection, std::string_view key) {
  if (Status s = CheckRecordKey(key); !s.ok()) return s;
  Result<CollectionInfo> info = CurrentCollection(collection);
  if (!info.ok()) return info.status();
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), handles_.records, RecordKey(info->id, key), &value);
  if (s.IsNotFound()) {
    return Status::NotFound(DescribeRecordKey(key) + " does not exist in collection \"" +
                            std::string(collection) + "\"");
  }
  if (!s.ok()) return handles_.FromRocks(s, "reading a collection record");
  CollectionRecord record;
  std::string_view json;
  if (!DecodeRecordValue(View(value), &record.version, &json)) {
    return Status::IOError("a stored collection record is corrupt");
  }
  record.key.assign(key);
  record.value.assign(json);
  return record;
}

Result<std::unique_ptr<RecordReader>> StoreImpl::ScanRecords(std::string_view collection,
                                                             std::string_view begin_key,
                                                             std::string_view end_key) {
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  Result<CollectionInfo> info = CurrentCollection(collection);
  if (!info.ok()) {
    db_->ReleaseSnapshot(snapshot);
    return info.status();
  }
  return std::unique_ptr<RecordReader>(
      new RecordReaderImpl(handles_, snapshot, info->id, begin_key, end_key));
}

Result<CommitResult> StoreImpl::Commit(const CommitBatch& batch) {
  Result<PreparedCommit> prepared = PrepareCommit(batch, options_);
  if (!prepared.ok()) return prepared.status();
  auto w = std::make_shared<Writer>(Writer::Op::kCommit, std::string_view());
  w->commit = &*prepared;
  if (Status s = Enqueue(w); !s.ok()) return s;
  return std::move(w->commit_result);
}

// ---------------------------------------------------------------------------
// Waiters and listeners.

void StoreImpl::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  for (auto& [name, state] : state_.topics) state->changed.notify_all();
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
