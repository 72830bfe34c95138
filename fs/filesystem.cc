// Filesystem: see filesystem.h. Every refusal that is our policy rather than
// an engine result (EPERM, ESTALE, ENOTEMPTY, ...) is written where it
// happens, with its reason.
#include "filesystem.h"

#include <fcntl.h>
#include <stdio.h>  // RENAME_NOREPLACE, RENAME_EXCHANGE

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <limits>

#include "appender.h"
#include "names.h"
#include "pdfs/hub/keys.h"
#include "pdfs/item.h"
#include "pdfs/topic_name.h"

namespace pdfs::fs {
namespace {

// readdir offsets. An entry's offset is where the listing resumes after it:
// "." → 1, ".." → 2, then in the root topic id + 2 (topics are listed in id
// order, which never changes while they exist), in a topic location + 3.
// So a listing is incremental and stable while topics and documents are
// added, whatever their number.
constexpr off_t kAfterDot = 1;
constexpr off_t kAfterDotDot = 2;

off_t OffsetAfterTopic(uint64_t id) { return static_cast<off_t>(id + 2); }
off_t OffsetAfterDocument(uint64_t location) { return static_cast<off_t>(location + 3); }

const std::string_view kCountXattr = "user.pdfs.count";
const std::string_view kSizeXattr = "user.pdfs.size";
// On every item file (README.md, "Extended attributes").
const std::string_view kContentTypeXattr = "user.pdfs.content_type";
const std::string_view kHubKeyXattr = "user.hub.key";
// The only xattr namespace the mount has; ACLs (system.), security labels
// and trusted. are not supported at all.
const std::string_view kUserXattrPrefix = "user.";

constexpr mode_t kDocumentMode = 0644;
constexpr mode_t kDirectoryMode = 0755;
constexpr mode_t kFollowMode = 0444;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct timespec TimeOf(int64_t ms) {
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(ms / 1000);
  ts.tv_nsec = static_cast<long>((ms % 1000) * 1000000);
  return ts;
}

bool FitsInIno(uint64_t id) { return id <= kIdMask; }

// The extension of a new name that makes it a whole-file item: the part
// after its last dot (not a leading one). .json, .jsonl, .ndjson and names
// without one stay JSON appenders (README.md, "Items of other types").
std::string_view NewNameExtension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return {};
  std::string_view ext = name.substr(dot + 1);
  std::string lower(ext);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (lower == "json" || lower == "jsonl" || lower == "ndjson") return {};
  return ext;
}

Errno Stale(const std::string& what) { return Errno(ESTALE, what + " no longer exists"); }

std::string Describe(const NodeIdentity& id) {
  switch (id.kind) {
    case NodeKind::kRoot:
      return "the root";
    case NodeKind::kTopic:
      return "topic \"" + id.topic + "\"";
    case NodeKind::kDocument:
      return "document " + std::to_string(id.location) + " of topic \"" + id.topic + "\"";
    case NodeKind::kAppender:
      return "an appender in topic \"" + id.topic + "\"";
    case NodeKind::kFollow:
      return "the follow file of topic \"" + id.topic + "\"";
  }
  return "a node";
}

}  // namespace

// One open file.
struct Filesystem::Handle {
  // Fixed after Open/Create.
  std::shared_ptr<Node> node;
  std::shared_ptr<const Record> record;  // documents: the bytes checked at open
  std::shared_ptr<Appender> appender;    // appenders: one per open file
  std::shared_ptr<FollowStream> stream;  // the follow file

  // A whole-file item: a new name whose extension mime.types gives a type
  // (not JSON). Its bytes are kept here and stored as ONE item at release.
  struct Blob {
    std::string type;  // fixed at create
    std::mutex mu;
    std::string data;      // Guarded by mu.
    bool pending = true;   // Guarded by mu: not stored yet
    bool too_big = false;  // Guarded by mu: a write passed the limit; nothing is stored
  };
  std::shared_ptr<Blob> blob;

  // A document open for writing. `truncate -s 0` is open + ftruncate(0) +
  // close with no write: the cut waits for the close, and any write on the
  // same file (an editor saving in place: ftruncate(0), then write) cancels
  // it, so the editor's failed save never cuts the stream.
  std::mutex mu;
  bool cut_requested = false;  // Guarded by mu.
  bool wrote = false;          // Guarded by mu.
  bool cut_done = false;       // Guarded by mu.
};

Filesystem::Filesystem(Backend* backend, Invalidator* invalidator, FilesystemOptions options)
    : backend_(backend),
      invalidator_(invalidator),
      options_(options),
      mount_time_ms_(NowMs()),
      mime_(options_.mime_types != nullptr ? options_.mime_types
                                           : std::make_shared<const MimeTypes>(MimeTypes::Load())),
      written_names_(options.written_name_grace),
      follower_(backend) {
  backend_->AddListener(this);
}

Filesystem::~Filesystem() {
  backend_->RemoveListener(this);
  Shutdown();
}

void Filesystem::Shutdown() { follower_.Shutdown(); }

// ---------------------------------------------------------------------------
// Attributes.

struct stat Filesystem::FileStat(uint64_t ino, mode_t mode, int64_t mtime_ms) const {
  struct stat st {};
  st.st_ino = ino;
  st.st_mode = mode;
  st.st_nlink = S_ISDIR(mode) ? 2 : 1;
  st.st_uid = options_.uid;
  st.st_gid = options_.gid;
  st.st_blksize = 4096;
  st.st_atim = st.st_mtim = st.st_ctim = TimeOf(mtime_ms);
  return st;
}

struct stat Filesystem::RootStat() const {
  return FileStat(kRootIno, S_IFDIR | kDirectoryMode, mount_time_ms_);
}

struct stat Filesystem::TopicStat(uint64_t ino, const TopicMeta& meta) const {
  struct stat st = FileStat(ino, S_IFDIR | kDirectoryMode, meta.last_append_ms);
  st.st_size = static_cast<off_t>(meta.size);  // the bytes of its documents, as user.pdfs.size
  return st;
}

struct stat Filesystem::DocumentStat(const NodeIdentity& id) const {
  struct stat st = FileStat(id.ino, S_IFREG | kDocumentMode, id.mtime_ms);
  st.st_size = static_cast<off_t>(id.size);
  st.st_blocks = static_cast<blkcnt_t>((id.size + 511) / 512);
  return st;
}

Entry Filesystem::TopicEntry(const Node& node, const TopicMeta& meta) const {
  Entry e;
  e.param.ino = node.id.ino;
  e.param.attr = TopicStat(node.id.ino, meta);
  e.param.attr_timeout = e.param.entry_timeout = options_.directory_timeout;
  return e;
}

Entry Filesystem::DocumentEntry(const Node& node, bool canonical) const {
  Entry e;
  e.param.ino = node.id.ino;
  e.param.attr = DocumentStat(node.id);
  // An unpadded alias is never cached, so only canonical names ever need
  // invalidating after a truncation.
  e.param.attr_timeout = e.param.entry_timeout = canonical ? options_.document_timeout : 0;
  return e;
}

// ---------------------------------------------------------------------------
// Nodes.

FsResult<std::shared_ptr<Node>> Filesystem::FindNode(uint64_t ino) const {
  std::shared_ptr<Node> node = nodes_.Find(ino);
  if (node == nullptr) return Errno(ESTALE, "inode " + std::to_string(ino) + " is not held");
  return node;
}

FsResult<TopicMeta> Filesystem::CurrentTopic(const Node& node) const {
  if (node.stale()) return Stale("topic \"" + node.id.topic + "\"");
  Result<TopicMeta> meta = backend_->StatTopic(node.id.topic);
  if (!meta.ok()) {
    if (meta.status().IsNotFound()) return Stale("topic \"" + node.id.topic + "\"");
    return Errno::FromStatus(meta.status());
  }
  // The same name made again is another directory.
  if (meta->id != node.id.topic_id)
    return Stale("that incarnation of topic \"" + node.id.topic + "\"");
  return std::move(meta).value();
}

FsResult<TopicMeta> Filesystem::TopicOfDirectory(uint64_t parent, const char* root_refusal) const {
  FsResult<std::shared_ptr<Node>> dir = FindNode(parent);
  if (!dir.ok()) return dir.status();
  if ((*dir)->id.kind == NodeKind::kRoot) return Errno(EPERM, root_refusal);
  if ((*dir)->id.kind != NodeKind::kTopic) return Errno(ENOTDIR, "not a directory");
  return CurrentTopic(**dir);
}

FsResult<Record> Filesystem::CurrentRecord(const Node& doc) const {
  if (doc.stale()) return Stale(Describe(doc.id));
  Result<Record> record = backend_->Get(doc.id.topic, doc.id.location);
  if (!record.ok()) {
    if (record.status().IsNotFound()) return Stale(Describe(doc.id));
    return Errno::FromStatus(record.status());
  }
  // A truncation let another document take the location: not ours.
  if (record->serial != doc.id.serial) return Stale(Describe(doc.id));
  return std::move(record).value();
}

// ---------------------------------------------------------------------------
// Lookup and forget.

FsResult<Entry> Filesystem::Lookup(uint64_t parent, std::string_view name) {
  FsResult<std::shared_ptr<Node>> dir = FindNode(parent);
  if (!dir.ok()) return dir.status();
  switch ((*dir)->id.kind) {
    case NodeKind::kRoot:
      return LookupTopic(name);
    case NodeKind::kTopic:
      return LookupInTopic(**dir, name);
    case NodeKind::kDocument:
    case NodeKind::kAppender:
    case NodeKind::kFollow:
      break;
  }
  return Errno(ENOTDIR, Describe((*dir)->id) + " is not a directory");
}

FsResult<Entry> Filesystem::LookupTopic(std::string_view name) {
  if (!ValidateTopicName(name).ok()) {
    return Errno(ENOENT, "\"" + std::string(name.substr(0, 64)) + "\" is not a topic name");
  }
  const uint64_t epoch = nodes_.epoch();
  Result<TopicMeta> meta = backend_->StatTopic(name);
  if (!meta.ok()) {
    if (!meta.status().IsNotFound()) return Errno::FromStatus(meta.status());
    // A negative entry: a topic created later also invalidates it.
    Entry negative;
    negative.param.ino = 0;
    negative.param.entry_timeout = options_.directory_timeout;
    return negative;
  }
  if (!FitsInIno(meta->id)) return Errno(EOVERFLOW, "topic id out of inode range");
  std::shared_ptr<Node> node =
      nodes_.Ref(NodeIdentity{NodeKind::kTopic, MakeIno(NodeKind::kTopic, meta->id),
                              std::string(name), meta->id},
                 epoch);
  return TopicEntry(*node, *meta);
}

FsResult<Entry> Filesystem::LookupInTopic(const Node& dir, std::string_view name) {
  const uint64_t epoch = nodes_.epoch();
  FsResult<TopicMeta> meta = CurrentTopic(dir);
  if (!meta.ok()) return meta.status();
  if (name == kFollowName) {
    std::shared_ptr<Node> node =
        nodes_.Ref(NodeIdentity{NodeKind::kFollow, MakeIno(NodeKind::kFollow, meta->id),
                                meta->topic, meta->id},
                   epoch);
    Entry e;
    e.param.ino = node->id.ino;
    e.param.attr = FileStat(node->id.ino, S_IFREG | kFollowMode, meta->last_append_ms);
    e.param.entry_timeout = options_.directory_timeout;
    e.param.attr_timeout = 0;
    return e;
  }
  // A document wins over a name a file was written under: an append may
  // make a written name such as 000009.json a document at any moment.
  bool canonical = false;
  FsResult<Record> record = NamedItem(meta->topic, name, &canonical);
  if (record.ok()) {
    if (!FitsInIno(record->serial)) return Errno(EOVERFLOW, "record serial out of inode range");
    std::shared_ptr<Node> node =
        nodes_.Ref(NodeIdentity{NodeKind::kDocument, MakeIno(NodeKind::kDocument, record->serial),
                                meta->topic, meta->id, record->location, record->serial,
                                record->data.size(), record->append_time_ms, ExtensionOf(*record)},
                   epoch);
    return DocumentEntry(*node, canonical);
  }
  if (record.status().code() != ENOENT) return record.status();
  // Any other name is not visible (zero timeout, no negative entry, so a
  // later append at that location shows at once) — but for a name a file
  // was just written under.
  return LookupWrittenName(*meta, name, epoch);
}

FsResult<Record> Filesystem::NamedItem(const std::string& topic, std::string_view name,
                                       bool* canonical) const {
  std::optional<ParsedItemName> parsed = ParseItemName(name);
  if (!parsed) return Errno(ENOENT, "not an item name");
  Result<Record> record = backend_->Get(topic, parsed->location);
  if (!record.ok()) {
    if (record.status().IsNotFound()) return Errno(ENOENT, "no such item");
    return Errno::FromStatus(record.status());
  }
  // One name per item: 000001.json is not the PNG at 1 (nor anything else).
  if (mime_->Extension(ExtensionOf(*record)) != parsed->extension) {
    return Errno(ENOENT, "item " + std::to_string(parsed->location) + " is named ." +
                             std::string(mime_->Extension(ExtensionOf(*record))));
  }
  if (canonical != nullptr) *canonical = parsed->canonical;
  return std::move(record).value();
}

FsResult<Entry> Filesystem::LookupWrittenName(const TopicMeta& topic, std::string_view name,
                                              uint64_t epoch) {
  std::optional<uint64_t> ino = written_names_.Find(topic.id, name);
  if (!ino) return Errno(ENOENT, "no such document name");
  nodes_.Ref(NodeIdentity{NodeKind::kAppender, *ino, topic.topic, topic.id}, epoch);
  return AppenderEntry(*ino);
}

Entry Filesystem::AppenderEntry(uint64_t ino) const {
  Entry e;
  e.param.ino = ino;
  e.param.attr = FileStat(ino, S_IFREG | kDocumentMode, NowMs());
  e.param.attr_timeout = e.param.entry_timeout = 0;
  return e;
}

void Filesystem::Forget(uint64_t ino, uint64_t nlookup) { nodes_.Forget(ino, nlookup); }

// ---------------------------------------------------------------------------
// Attributes.

FsResult<Attr> Filesystem::GetAttr(uint64_t ino) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  Node& node = **found;
  switch (node.id.kind) {
    case NodeKind::kRoot:
      return Attr{RootStat(), options_.directory_timeout};
    case NodeKind::kTopic: {
      FsResult<TopicMeta> meta = CurrentTopic(node);
      if (!meta.ok()) return meta.status();
      return Attr{TopicStat(ino, *meta), options_.directory_timeout};
    }
    case NodeKind::kDocument: {
      if (node.stale()) return Stale(Describe(node.id));
      if (node.needs_check()) {
        FsResult<Record> record = CurrentRecord(node);
        if (!record.ok()) return record.status();
        node.MarkChecked();
      }
      return Attr{DocumentStat(node.id), options_.document_timeout};
    }
    case NodeKind::kAppender:
      return Attr{FileStat(ino, S_IFREG | kDocumentMode, NowMs()), 0};
    case NodeKind::kFollow: {
      FsResult<TopicMeta> meta = CurrentTopic(node);
      if (!meta.ok()) return meta.status();
      return Attr{FileStat(ino, S_IFREG | kFollowMode, meta->last_append_ms), 0};
    }
  }
  return Errno(EIO, "unknown node kind");
}

FsResult<Attr> Filesystem::SetAttr(uint64_t ino, const struct stat& attr, int to_set,
                                   std::optional<uint64_t> fh) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  Node& node = **found;
  const bool size = (to_set & FUSE_SET_ATTR_SIZE) != 0;
  switch (node.id.kind) {
    case NodeKind::kDocument:
      return SetDocumentAttr(node, attr, to_set, fh);
    case NodeKind::kAppender:
      return SetAppenderAttr(node, attr, to_set, fh);
    case NodeKind::kRoot:
    case NodeKind::kTopic:
      if (size) return Errno(EISDIR, "directories have no size to set");
      if (Errno e = CheckFixedAttributes(attr, to_set, kDirectoryMode, node.id); !e.ok()) return e;
      return GetAttr(ino);
    case NodeKind::kFollow:
      if (size) return Errno(EPERM, "the follow file is read-only");
      if (Errno e = CheckFixedAttributes(attr, to_set, kFollowMode, node.id); !e.ok()) return e;
      return GetAttr(ino);
  }
  return Errno(EIO, "unknown node kind");
}

Errno Filesystem::CheckFixedAttributes(const struct stat& attr, int to_set, mode_t mode,
                                       const NodeIdentity& id) const {
  // Modes and owners say what each kind of file can do, so they are fixed;
  // setting them to what they are is no change, and succeeds. Times are the
  // append times: setting them (touch, tar x, cp -p, rsync -t) succeeds
  // without effect, since the tools that do it have stored what they were
  // asked to store and must not report a failure that invites a retry.
  if ((to_set & FUSE_SET_ATTR_MODE) && (attr.st_mode & 07777) != mode) {
    char want[16];
    std::snprintf(want, sizeof(want), "%04o", static_cast<unsigned>(mode));
    return Errno(EPERM, "the mode of " + Describe(id) + " is fixed at " + want);
  }
  if (((to_set & FUSE_SET_ATTR_UID) && attr.st_uid != options_.uid) ||
      ((to_set & FUSE_SET_ATTR_GID) && attr.st_gid != options_.gid)) {
    return Errno(EPERM, "every file in the mount belongs to the daemon's user");
  }
  return Errno();
}

FsResult<Attr> Filesystem::SetDocumentAttr(Node& node, const struct stat& attr, int to_set,
                                           std::optional<uint64_t> fh) {
  if (Errno e = CheckFixedAttributes(attr, to_set, kDocumentMode, node.id); !e.ok()) return e;
  if (!(to_set & FUSE_SET_ATTR_SIZE)) return GetAttr(node.id.ino);
  if (attr.st_size != 0) {
    return Errno(EPERM,
                 "documents are immutable; only truncation to size 0 (which cuts the stream "
                 "there) is allowed");
  }
  FsResult<Record> record = CurrentRecord(node);
  if (!record.ok()) return record.status();
  if (fh) {
    // ftruncate(0) on an open file: the cut happens at close, unless the
    // same file writes first (see Handle). The attributes stay as they are
    // until then, so a cancelled cut leaves nothing stale in the kernel.
    std::shared_ptr<Handle> handle = FindHandle(*fh);
    if (handle == nullptr || handle->record == nullptr) return Errno(EBADF, "not a document");
    std::lock_guard<std::mutex> lock(handle->mu);
    if (handle->wrote) {
      return Errno(EPERM, "this file tried to write into " + Describe(node.id) +
                              "; a cut through it would lose the write, so it is refused");
    }
    handle->cut_requested = true;
    return Attr{DocumentStat(node.id), 0};
  }
  // truncate(2) by name: no file that could still write, so cut at once.
  Result<TopicMeta> cut = backend_->Truncate(node.id.topic, node.id.location);
  if (!cut.ok()) return Errno::FromStatus(cut.status());
  // The file is gone; size 0 makes the kernel drop its pages at once.
  NodeIdentity gone = node.id;
  gone.size = 0;
  return Attr{DocumentStat(gone), 0};
}

FsResult<Attr> Filesystem::SetAppenderAttr(const Node& node, const struct stat& attr, int to_set,
                                           std::optional<uint64_t> fh) {
  // A file written to a topic keeps no attributes of its own: its documents
  // take the mount's. Modes, owners and times set on it (cp -a, install -m,
  // mkstemp's fchmod, rsync, tar x) succeed without effect.
  if ((to_set & FUSE_SET_ATTR_SIZE) && attr.st_size != 0) {
    // The size the writer believes the file has (rsync --inplace ends with
    // ftruncate to the length it wrote) changes nothing; any other would
    // add bytes, or take back appended documents.
    std::shared_ptr<Handle> handle = fh ? FindHandle(*fh) : nullptr;
    bool as_written = handle != nullptr && handle->appender != nullptr &&
                      handle->appender->accepted_bytes() == static_cast<uint64_t>(attr.st_size);
    if (handle != nullptr && handle->blob != nullptr) {
      std::lock_guard<std::mutex> lock(handle->blob->mu);
      as_written = handle->blob->data.size() == static_cast<uint64_t>(attr.st_size);
    }
    if (!as_written) {
      return Errno(EPERM,
                   "a file written to a topic only appends; it cannot be extended or shortened");
    }
  }
  return Attr{FileStat(node.id.ino, S_IFREG | kDocumentMode, NowMs()), 0};
}

// ---------------------------------------------------------------------------
// Directories.

FsResult<Entry> Filesystem::MakeDir(uint64_t parent, std::string_view name) {
  FsResult<std::shared_ptr<Node>> dir = FindNode(parent);
  if (!dir.ok()) return dir.status();
  if ((*dir)->id.kind == NodeKind::kTopic) {
    return Errno(EPERM, "topics hold documents, not directories");
  }
  if ((*dir)->id.kind != NodeKind::kRoot) return Errno(ENOTDIR, "not a directory");
  const uint64_t epoch = nodes_.epoch();
  Result<TopicMeta> meta = backend_->CreateTopic(name);
  if (!meta.ok()) return Errno::FromStatus(meta.status());
  if (!FitsInIno(meta->id)) return Errno(EOVERFLOW, "topic id out of inode range");
  std::shared_ptr<Node> node =
      nodes_.Ref(NodeIdentity{NodeKind::kTopic, MakeIno(NodeKind::kTopic, meta->id),
                              std::string(name), meta->id},
                 epoch);
  return TopicEntry(*node, *meta);
}

Errno Filesystem::RemoveDir(uint64_t parent, std::string_view name) {
  FsResult<std::shared_ptr<Node>> dir = FindNode(parent);
  if (!dir.ok()) return dir.status();
  if ((*dir)->id.kind != NodeKind::kRoot) return Errno(ENOTDIR, "not a directory");
  if (!ValidateTopicName(name).ok()) return Errno(ENOENT, "not a topic name");
  Result<TopicMeta> meta = backend_->StatTopic(name);
  if (!meta.ok()) return Errno::FromStatus(meta.status());
  // rmdir removes only empty topics, as for any directory; `rm -rf` first
  // empties it through unlink. (An append racing this check can still be
  // deleted with the topic.)
  if (meta->documents() > 0) {
    return Errno(ENOTEMPTY, "topic \"" + meta->topic + "\" holds " +
                                std::to_string(meta->documents()) + " documents");
  }
  Status deleted = backend_->DeleteTopic(name);
  if (!deleted.ok()) return Errno::FromStatus(deleted);
  return Errno();
}

Errno Filesystem::Unlink(uint64_t parent, std::string_view name) {
  FsResult<TopicMeta> meta =
      TopicOfDirectory(parent, "the root holds only topics; remove them with rmdir or rm -r");
  if (!meta.ok()) return meta.status();
  if (name == kFollowName) return Errno(EPERM, "the follow file cannot be removed");
  if (FsResult<Record> item = NamedItem(meta->topic, name); item.ok()) {
    Errno removed = RemoveDocument(meta->topic, item->location);
    if (removed.code() != ENOENT) return removed;
  } else if (item.status().code() != ENOENT) {
    return item.status();
  }
  // A name a file was just written under goes; the documents it made stay
  // (rsync and sed clean up their temporary names this way).
  if (written_names_.Remove(meta->id, name)) return Errno();
  // A missing name is ENOENT, which `rm -f` ignores.
  return Errno(ENOENT, "no such document name");
}

Errno Filesystem::RemoveDocument(const std::string& topic, uint64_t location) {
  // README, "Cutting a stream and removing documents": unlink removes
  // exactly the named document or is refused; no unlink takes other
  // documents with it (`mv` out of the mount, `cp -f`, `tar x` and
  // `find -delete` unlink, and rely on that). A conflict means an append
  // came between the judgement and the cut, so the document is no longer
  // the last: judge again.
  constexpr int kJudgements = 3;
  for (int i = 0; i < kJudgements; ++i) {
    Result<TopicMeta> meta = backend_->StatTopic(topic);
    if (!meta.ok()) return Errno::FromStatus(meta.status());
    if (location < meta->first || location >= meta->count) {
      return Errno(ENOENT, "topic \"" + topic + "\" holds no document " + std::to_string(location));
    }
    if (location + 1 == meta->count) {
      // The last document (also when it is the only one): a cut that
      // commits only while it is still the last, so the next append takes
      // its location again, as after DELETE /stream/t/L.
      Result<TopicMeta> cut = backend_->TruncateIfNext(topic, location, location + 1);
      if (cut.ok()) return Errno();
      if (cut.status().code() != Status::Code::kConflict) return Errno::FromStatus(cut.status());
      continue;
    }
    if (location == meta->first) {
      // The first document: retention's trim. The others keep their
      // locations, and an append racing this lands after it and stays.
      Result<TopicMeta> trimmed = backend_->TrimFront(topic, location + 1);
      return trimmed.ok() ? Errno() : Errno::FromStatus(trimmed.status());
    }
    break;
  }
  return Errno(EPERM, "document " + std::to_string(location) + " of topic \"" + topic +
                          "\" is neither its first nor its last, and a stream has no holes; to "
                          "remove it and everything after it, truncate it to size 0 (or DELETE "
                          "/stream/" +
                          topic + "/" + std::to_string(location) + ")");
}

Errno Filesystem::Rename(uint64_t parent, std::string_view name, uint64_t new_parent,
                         std::string_view new_name, unsigned int flags) {
  FsResult<TopicMeta> meta = TopicOfDirectory(parent, "topics cannot be renamed");
  if (!meta.ok()) return meta.status();
  // EPERM, not EXDEV, for what cannot be renamed: `mv` answers EXDEV by
  // copying and unlinking, which here would append a copy.
  if (new_parent != parent) {
    return Errno(EPERM, "a file written in a topic stays in that topic's directory");
  }
  if (flags & RENAME_EXCHANGE) return Errno(EPERM, "names in a topic cannot be exchanged");
  auto is_document = [&](std::string_view n) { return NamedItem(meta->topic, n).ok(); };
  if (name == kFollowName || is_document(name)) {
    return Errno(EPERM, "documents keep their locations; rename is not supported");
  }
  if (new_name == kFollowName) return Errno(EPERM, "the follow file cannot be replaced");
  if (is_document(new_name)) {
    if (flags & RENAME_NOREPLACE) return Errno(EEXIST, "a document has that name");
    return Errno(EPERM, "documents are immutable; a document cannot be replaced");
  }
  // A name a file was just written under takes the new name (the documents
  // are stored already): the rename into place of rsync and of "atomic
  // save" code.
  switch (written_names_.Rename(meta->id, name, new_name, (flags & RENAME_NOREPLACE) != 0)) {
    case WrittenNames::RenameResult::kMoved:
      return Errno();
    case WrittenNames::RenameResult::kNoSource:
      return Errno(ENOENT, "no such file");
    case WrittenNames::RenameResult::kTargetExists:
      return Errno(EEXIST, "a file was just written under that name");
  }
  return Errno(EIO, "unknown rename result");
}

Errno Filesystem::OpenDir(uint64_t ino) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  switch ((*found)->id.kind) {
    case NodeKind::kRoot:
      return Errno();
    case NodeKind::kTopic: {
      FsResult<TopicMeta> meta = CurrentTopic(**found);
      return meta.ok() ? Errno() : meta.status();
    }
    case NodeKind::kDocument:
    case NodeKind::kAppender:
    case NodeKind::kFollow:
      break;
  }
  return Errno(ENOTDIR, "not a directory");
}

Errno Filesystem::ReadDir(uint64_t ino, off_t offset, bool plus, DirectoryReplier& out) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  switch ((*found)->id.kind) {
    case NodeKind::kRoot:
      return ReadRoot(offset, plus, out);
    case NodeKind::kTopic:
      return ReadTopic(**found, offset, plus, out);
    case NodeKind::kDocument:
    case NodeKind::kAppender:
    case NodeKind::kFollow:
      break;
  }
  return Errno(ENOTDIR, "not a directory");
}

namespace {

// "." and ".." carry no lookup count, even in readdirplus: the kernel
// ignores their entries (ino 0 here).
bool AddDots(off_t offset, uint64_t self, DirectoryReplier& out) {
  fuse_entry_param e{};
  e.attr.st_mode = S_IFDIR;
  if (offset < kAfterDot) {
    e.attr.st_ino = self;
    if (!out.Add(".", e, kAfterDot)) return false;
  }
  if (offset < kAfterDotDot) {
    e.attr.st_ino = kRootIno;
    if (!out.Add("..", e, kAfterDotDot)) return false;
  }
  return true;
}

}  // namespace

template <typename MakeEntry>
bool Filesystem::AddDirEntry(DirectoryReplier& out, bool plus, std::string_view name,
                             off_t next_offset, NodeIdentity id, uint64_t epoch, mode_t type,
                             MakeEntry make_entry) {
  if (!plus) {
    fuse_entry_param e{};
    e.attr.st_ino = id.ino;
    e.attr.st_mode = type;
    return out.Add(name, e, next_offset);
  }
  // readdirplus hands the kernel a lookup reference: hold the node first,
  // and let go again if the entry did not fit (the kernel never saw it).
  const uint64_t ino = id.ino;
  std::shared_ptr<Node> node = nodes_.Ref(std::move(id), epoch);
  if (out.Add(name, make_entry(*node).param, next_offset)) return true;
  nodes_.Forget(ino, 1);
  return false;
}

Errno Filesystem::ReadRoot(off_t offset, bool plus, DirectoryReplier& out) {
  if (!AddDots(offset, kRootIno, out)) return Errno();
  const uint64_t epoch = nodes_.epoch();
  std::vector<TopicMeta> topics = backend_->ListTopics();
  std::sort(topics.begin(), topics.end(),
            [](const TopicMeta& a, const TopicMeta& b) { return a.id < b.id; });
  for (const TopicMeta& meta : topics) {
    if (OffsetAfterTopic(meta.id) <= offset || !FitsInIno(meta.id)) continue;
    NodeIdentity id{NodeKind::kTopic, MakeIno(NodeKind::kTopic, meta.id), meta.topic, meta.id};
    if (!AddDirEntry(out, plus, meta.topic, OffsetAfterTopic(meta.id), std::move(id), epoch,
                     S_IFDIR, [&](const Node& node) { return TopicEntry(node, meta); })) {
      break;
    }
  }
  return Errno();
}

Errno Filesystem::ReadTopic(const Node& dir, off_t offset, bool plus, DirectoryReplier& out) {
  const uint64_t epoch = nodes_.epoch();
  FsResult<TopicMeta> meta = CurrentTopic(dir);
  if (!meta.ok()) return meta.status();
  bool added = offset < kAfterDotDot;
  if (!AddDots(offset, dir.id.ino, out)) return Errno();
  const uint64_t start = offset <= kAfterDotDot ? 0 : static_cast<uint64_t>(offset) - 2;
  Result<std::unique_ptr<RangeReader>> reader =
      backend_->Read(meta->topic, start, std::numeric_limits<uint64_t>::max());
  if (!reader.ok()) {
    if (added) return Errno();  // an error only while the reply is still empty
    return reader.status().IsNotFound() ? Stale("topic \"" + meta->topic + "\"")
                                        : Errno::FromStatus(reader.status());
  }
  // Items of a chunk share a content type, and a topic usually has one:
  // the extension is looked up again only when the type changes.
  std::string last_type;
  bool last_document = true;
  uint16_t extension = MimeTypes::kJsonId;
  while (const Record* r = (*reader)->Next()) {
    if (!FitsInIno(r->serial)) continue;
    if (r->document != last_document || r->content_type != last_type) {
      last_type = r->content_type;
      last_document = r->document;
      extension = ExtensionOf(*r);
    }
    NodeIdentity id{NodeKind::kDocument,
                    MakeIno(NodeKind::kDocument, r->serial),
                    meta->topic,
                    meta->id,
                    r->location,
                    r->serial,
                    r->data.size(),
                    r->append_time_ms,
                    extension};
    if (!AddDirEntry(out, plus, ItemName(r->location, mime_->Extension(extension)),
                     OffsetAfterDocument(r->location), std::move(id), epoch, S_IFREG,
                     [this](const Node& node) { return DocumentEntry(node, true); })) {
      break;
    }
    added = true;
  }
  if (!(*reader)->status().ok() && !added) return Errno::FromStatus((*reader)->status());
  return Errno();
}

// ---------------------------------------------------------------------------
// Files.

uint64_t Filesystem::AddHandle(std::shared_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(handles_mu_);
  const uint64_t fh = next_fh_++;
  handles_.emplace(fh, std::move(handle));
  return fh;
}

std::shared_ptr<Filesystem::Handle> Filesystem::FindHandle(uint64_t fh) const {
  std::lock_guard<std::mutex> lock(handles_mu_);
  auto it = handles_.find(fh);
  return it == handles_.end() ? nullptr : it->second;
}

size_t Filesystem::open_files() const {
  std::lock_guard<std::mutex> lock(handles_mu_);
  return handles_.size();
}

FsResult<Opened> Filesystem::Open(uint64_t ino, int flags) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  std::shared_ptr<Node> node = *found;
  const bool writing = (flags & O_ACCMODE) != O_RDONLY;
  auto handle = std::make_shared<Handle>();
  handle->node = node;
  Opened opened;
  switch (node->id.kind) {
    case NodeKind::kRoot:
    case NodeKind::kTopic:
      return Errno(EISDIR, "is a directory");
    case NodeKind::kDocument: {
      // O_TRUNC reaches us here (FUSE_CAP_ATOMIC_O_TRUNC) instead of as a
      // setattr, so `echo x > doc` is told apart from `truncate -s 0 doc`.
      if (flags & O_TRUNC) {
        return Errno(EPERM,
                     "documents are immutable; O_TRUNC would rewrite one (append by "
                     "writing to a new name)");
      }
      // Checked against the backend on every open: a stale inode answers
      // ESTALE, and the kernel then looks the name up again, so no open can
      // reach the cached pages of a document that is gone.
      FsResult<Record> record = CurrentRecord(*node);
      if (!record.ok()) return record.status();
      node->MarkChecked();
      handle->record = std::make_shared<const Record>(std::move(record).value());
      OfferPages(*node, handle->record->data, !writing);
      // Opening for writing is allowed so that ftruncate(0) works (the cut
      // waits for the close; see Handle); such a file bypasses the page
      // cache, so a refused write never touches it.
      opened.keep_cache = !writing;
      opened.direct_io = writing;
      opened.noflush = !writing;
      break;
    }
    case NodeKind::kAppender:
      // A name written under moments ago, opened again (`>>` twice): a new
      // stream of its own, so bytes of two opens never mix in one parser.
      handle->appender = std::make_shared<Appender>(backend_, node->id.topic, node->id.topic_id,
                                                    options_.document_limits);
      handle->appender->Opened();
      written_names_.Opened(node->id.ino);
      opened.direct_io = true;
      break;
    case NodeKind::kFollow: {
      if (writing) return Errno(EPERM, "the follow file is read-only");
      FsResult<std::shared_ptr<FollowStream>> stream =
          follower_.Open(node->id.topic, node->id.topic_id);
      if (!stream.ok()) return stream.status();
      handle->stream = *stream;
      opened.direct_io = true;
      // Seekable, although a seek changes nothing (reads continue where the
      // stream is): `head -n 1` seeks back over what it read past its line,
      // and reports a failed seek on a regular file as an error.
      // A close racing the daemon's shutdown then cannot fail.
      opened.noflush = true;
      break;
    }
  }
  opened.fh = AddHandle(std::move(handle));
  return opened;
}

void Filesystem::SetPageStore(PageStore store) { page_store_ = std::move(store); }

void Filesystem::OfferPages(Node& node, const std::string& data, bool offer) {
  if (!page_store_) return;
  const uint64_t ino = node.id.ino;
  std::unique_lock<std::mutex> lock(store_mu_);
  // No open of this node is answered while its bytes are being stored, so
  // no reader of it can hold a page lock the store waits for (a readahead
  // waiting for our READ reply): the store cannot deadlock, even with one
  // worker thread. An open for writing takes the offer without storing:
  // through its mmap the kernel may read pages at any time.
  store_done_.wait(lock, [&] { return storing_.count(ino) == 0; });
  if (!node.TakePagesOffer()) return;
  if (!offer || data.size() > options_.page_store_limit) return;
  storing_.insert(ino);
  lock.unlock();
  page_store_(ino, data);
  lock.lock();
  storing_.erase(ino);
  store_done_.notify_all();
}

FsResult<Created> Filesystem::Create(uint64_t parent, std::string_view name, int flags) {
  (void)flags;  // any access mode: an appender only ever appends
  const uint64_t epoch = nodes_.epoch();
  FsResult<TopicMeta> meta =
      TopicOfDirectory(parent, "the root holds only topics; make one with mkdir");
  if (!meta.ok()) return meta.status();
  if (name == kFollowName) return Errno(EEXIST, "the follow file exists");
  // Every new name is an appender (of JSON documents, or of one whole-file
  // item if mime.types gives its extension a type). Its name is never
  // listed and never cached; lookup knows it only while it is just written
  // (WrittenNames). An extension mime.types does not know stays JSON: the
  // temporary names of rsync (.x.json.Ab12Cd) and of atomic saves
  // (.x.json.tmp) must keep today's behaviour.
  auto handle = std::make_shared<Handle>();
  std::string_view ext = NewNameExtension(name);
  if (!ext.empty() && mime_->KnowsExtension(ext)) {
    handle->blob = std::make_shared<Handle::Blob>();
    handle->blob->type = mime_->TypeOfExtension(ext);
  } else {
    handle->appender =
        std::make_shared<Appender>(backend_, meta->topic, meta->id, options_.document_limits);
    handle->appender->Opened();
  }
  const uint64_t ino = MakeIno(NodeKind::kAppender, next_appender_.fetch_add(1));
  std::shared_ptr<Node> node =
      nodes_.Ref(NodeIdentity{NodeKind::kAppender, ino, meta->topic, meta->id}, epoch);
  written_names_.Created(meta->id, name, ino);
  handle->node = node;
  Created created;
  created.entry = AppenderEntry(ino);
  created.opened.direct_io = true;
  created.opened.fh = AddHandle(std::move(handle));
  return created;
}

FsResult<std::string> Filesystem::Read(uint64_t ino, uint64_t fh, size_t size, off_t offset) {
  (void)ino;
  std::shared_ptr<Handle> handle = FindHandle(fh);
  if (handle == nullptr) return Errno(EBADF, "unknown file handle");
  // appenders read as empty
  if (handle->appender != nullptr || handle->blob != nullptr) return std::string();
  if (handle->record == nullptr) return Errno(EBADF, "not a document");
  // A document removed while open answers ESTALE rather than old bytes.
  if (handle->node->stale()) return Stale(Describe(handle->node->id));
  const std::string& data = handle->record->data;
  if (offset < 0) return Errno(EINVAL, "negative offset");
  const size_t from = std::min(data.size(), static_cast<size_t>(offset));
  return std::string(std::string_view(data).substr(from, size));
}

void Filesystem::ReadFollow(uint64_t fh, size_t size, const void* key,
                            std::unique_ptr<PendingRead> read) {
  std::shared_ptr<Handle> handle = FindHandle(fh);
  if (handle == nullptr || handle->stream == nullptr) {
    read->Fail(EBADF);
    return;
  }
  follower_.Read(handle->stream, size, key, std::move(read));
}

FsResult<size_t> Filesystem::Write(uint64_t ino, uint64_t fh, std::string_view data, off_t offset) {
  (void)ino;
  std::shared_ptr<Handle> handle = FindHandle(fh);
  if (handle == nullptr) return Errno(EBADF, "unknown file handle");
  if (handle->appender != nullptr) return handle->appender->Write(data);
  if (handle->blob != nullptr) return WriteBlob(*handle, data, offset);
  if (handle->record != nullptr) {
    std::lock_guard<std::mutex> lock(handle->mu);
    handle->wrote = true;
    if (handle->cut_requested && !handle->cut_done) {
      // An editor saving in place: ftruncate(0), then write. The write
      // cannot be stored, so the cut is cancelled with it.
      handle->cut_requested = false;
      return Errno(EPERM, "documents are immutable: this write would rewrite " +
                              Describe(handle->node->id) +
                              "; it is refused, and the cut ftruncate(0) asked for is cancelled");
    }
    return Errno(EPERM, "documents are immutable; append by writing to a new name");
  }
  return Errno(EBADF, "not open for writing");
}

FsResult<size_t> Filesystem::WriteBlob(Handle& handle, std::string_view data, off_t offset) {
  Handle::Blob& blob = *handle.blob;
  if (offset < 0) return Errno(EINVAL, "negative offset");
  const uint64_t limit = options_.document_limits.max_document_bytes;
  std::lock_guard<std::mutex> lock(blob.mu);
  if (blob.too_big || static_cast<uint64_t>(offset) + data.size() > limit) {
    // Nothing of the file is stored, not even a prefix: an item is the
    // whole file or nothing.
    blob.too_big = true;
    blob.data.clear();
    blob.data.shrink_to_fit();
    return Errno(EFBIG, "an item holds at most " + std::to_string(limit) + " bytes");
  }
  const size_t end = static_cast<size_t>(offset) + data.size();
  if (blob.data.size() < end) blob.data.resize(end);  // a hole (a seek past the end) reads zeros
  blob.data.replace(static_cast<size_t>(offset), data.size(), data);
  blob.pending = true;
  return data.size();
}

Errno Filesystem::StoreBlob(const Handle& handle) {
  Handle::Blob& blob = *handle.blob;
  std::lock_guard<std::mutex> lock(blob.mu);
  if (blob.too_big) return Errno(EFBIG, "the file was too large to store as an item");
  if (!blob.pending) return Errno();
  ItemBatch batch;
  if (Status added = batch.Add(blob.type, blob.data); !added.ok()) {
    return Errno::FromStatus(added);
  }
  Result<Store::AppendResult> stored = backend_->AppendItems(handle.node->id.topic, batch);
  if (!stored.ok()) return Errno::FromStatus(stored.status());
  blob.pending = false;
  return Errno();
}

Errno Filesystem::Flush(uint64_t ino, uint64_t fh) {
  (void)ino;
  std::shared_ptr<Handle> handle = FindHandle(fh);
  if (handle == nullptr) return Errno(EBADF, "unknown file handle");
  if (handle->appender != nullptr) return handle->appender->Flush();
  if (handle->blob != nullptr) {
    // Stored at release, not here: a file has one FLUSH per close() of any
    // descriptor of it (a shell's redirection dup2s and closes one before
    // the command writes; `{ a; b; } > f` closes one per command), and it
    // must still become ONE item. Only a refusal already known is reported.
    std::lock_guard<std::mutex> lock(handle->blob->mu);
    if (handle->blob->too_big) return Errno(EFBIG, "the file was too large to store as an item");
    return Errno();
  }
  if (handle->record != nullptr) return FinishCut(*handle);
  return Errno();
}

Errno Filesystem::FinishCut(Handle& handle) {
  {
    std::lock_guard<std::mutex> lock(handle.mu);
    if (!handle.cut_requested || handle.wrote || handle.cut_done) return Errno();
    handle.cut_done = true;
  }
  const Node& node = *handle.node;
  // Removed meanwhile (another cut): what was asked holds already, and the
  // location may hold a newer document now, which this cut must not take.
  FsResult<Record> record = CurrentRecord(node);
  if (!record.ok()) return record.status().code() == ESTALE ? Errno() : record.status();
  Result<TopicMeta> cut = backend_->Truncate(node.id.topic, node.id.location);
  if (!cut.ok()) return Errno::FromStatus(cut.status());
  return Errno();
}

void Filesystem::Release(uint64_t ino, uint64_t fh) {
  (void)ino;
  std::shared_ptr<Handle> handle;
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    auto it = handles_.find(fh);
    if (it == handles_.end()) return;
    handle = std::move(it->second);
    handles_.erase(it);
  }
  if (handle->record != nullptr) {
    // No flush came (or it was interrupted): the cut is still due.
    if (Errno cut = FinishCut(*handle); !cut.ok()) {
      std::fprintf(stderr, "pdfs: the cut of %s asked by ftruncate(0) failed at release: %s\n",
                   Describe(handle->node->id).c_str(), cut.why().c_str());
    }
  }
  if (handle->blob != nullptr) {
    written_names_.Released(handle->node->id.ino);
    // The last descriptor is closed: the file becomes one item now. The
    // kernel sends RELEASE after close() has returned, so a failure here
    // can only be logged.
    if (Errno stored = StoreBlob(*handle); !stored.ok()) {
      std::fprintf(stderr, "pdfs: a file written to topic \"%s\" was not stored: %s\n",
                   handle->node->id.topic.c_str(), stored.why().c_str());
    }
  }
  if (handle->appender != nullptr) {
    written_names_.Released(handle->node->id.ino);
    size_t dropped = handle->appender->Released();
    if (dropped > 0) {
      std::fprintf(stderr,
                   "pdfs: an appender in topic \"%s\" was closed with %zu bytes of an incomplete "
                   "JSON object; they were dropped\n",
                   handle->appender->topic().c_str(), dropped);
    }
  }
  if (handle->stream != nullptr) follower_.Close(handle->stream);
}

// ---------------------------------------------------------------------------
// Extended attributes and statfs.

FsResult<std::string> Filesystem::GetXattr(uint64_t ino, std::string_view name) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  if ((*found)->id.kind == NodeKind::kTopic && (name == kCountXattr || name == kSizeXattr)) {
    FsResult<TopicMeta> meta = CurrentTopic(**found);
    if (!meta.ok()) return meta.status();
    return std::to_string(name == kCountXattr ? meta->count : meta->size);
  }
  if ((*found)->id.kind == NodeKind::kDocument &&
      (name == kContentTypeXattr || name == kHubKeyXattr)) {
    const Node& node = **found;
    // The node keeps only its extension; the exact type (with parameters,
    // in the writer's case) and a historical item's own key are the
    // record's.
    FsResult<Record> record = CurrentRecord(node);
    if (!record.ok()) return record.status();
    if (name == kHubKeyXattr) return hub::KeyOfRecord(*record).ToPath();
    return std::move(record->content_type);
  }
  // ENOTSUP, not ENODATA, outside user.*: ls -l and cp ask every file for
  // its security label and ACL, and stop asking for the rest of the device
  // once told the filesystem has none (one request per run, not two per
  // file).
  if (name.substr(0, kUserXattrPrefix.size()) != kUserXattrPrefix) {
    return Errno(ENOTSUP, "only user.* extended attributes exist in the mount");
  }
  return Errno(ENODATA, "no such attribute");
}

FsResult<std::string> Filesystem::ListXattr(uint64_t ino) {
  FsResult<std::shared_ptr<Node>> found = FindNode(ino);
  if (!found.ok()) return found.status();
  std::string names;
  auto add = [&](std::string_view n) {
    names.append(n);
    names.push_back('\0');
  };
  if ((*found)->id.kind == NodeKind::kTopic) {
    add(kCountXattr);
    add(kSizeXattr);
  } else if ((*found)->id.kind == NodeKind::kDocument) {
    add(kContentTypeXattr);
    add(kHubKeyXattr);
  }
  return names;
}

FsResult<struct statvfs> Filesystem::StatFs() {
  Result<struct statvfs> st = backend_->StatFs();
  if (!st.ok()) return Errno::FromStatus(st.status());
  return *st;
}

// ---------------------------------------------------------------------------
// Changes from either face.

void Filesystem::OnChange(const ChangeEvent& event) {
  using Kind = ChangeEvent::Kind;
  const uint64_t topic_ino = MakeIno(NodeKind::kTopic, event.topic_id);
  auto invalidate_removed = [&](const std::vector<std::shared_ptr<Node>>& removed) {
    for (const std::shared_ptr<Node>& node : removed) {
      invalidator_->InvalidateEntry(topic_ino, NameOf(node->id));
      invalidator_->InvalidateInode(node->id.ino);
    }
  };
  switch (event.kind) {
    case Kind::kTopicCreated:
      // Drops a negative entry the kernel may hold for the name.
      invalidator_->InvalidateEntry(kRootIno, event.topic);
      invalidator_->InvalidateAttributes(kRootIno);
      break;
    case Kind::kAppended:
      if (nodes_.Find(topic_ino) != nullptr) invalidator_->InvalidateAttributes(topic_ino);
      break;
    case Kind::kTruncated:
    case Kind::kTrimmed:
      invalidate_removed(nodes_.MarkRemoved(event.topic_id, event.from, event.to));
      if (nodes_.Find(topic_ino) != nullptr) invalidator_->InvalidateAttributes(topic_ino);
      break;
    case Kind::kTopicDeleted:
      invalidate_removed(nodes_.MarkTopicGone(event.topic_id));
      invalidator_->InvalidateEntry(kRootIno, event.topic);
      invalidator_->InvalidateAttributes(kRootIno);
      break;
  }
  follower_.OnChange(event);
}

}  // namespace pdfs::fs
