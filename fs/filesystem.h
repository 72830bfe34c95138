// Filesystem: the mapping of README.md's "The mounted filesystem" — topics as directories,
// documents as read-only files, appenders, the follow file — as plain
// functions over a Backend. Each returns a value carrying its own cache
// timeouts, or an Errno. fuse_ops.cc only converts these into replies, so
// everything here is testable without a kernel.
//
// Cache timeouts (seconds), by kind:
//   documents           entry and attributes: FilesystemOptions::document_timeout,
//                       pages kept across opens (keep_cache) and stored by the
//                       first read-only open (SetPageStore). A document never
//                       changes while it exists, and a removed one is
//                       invalidated and answers ESTALE, so long is safe.
//   topics and the root entry and attributes: directory_timeout (<= 1 s, so
//                       changes made over HTTP show within a second even
//                       without the invalidations the change listener sends)
//   missing topics      negative entry: directory_timeout (a creation also
//                       invalidates it)
//   missing documents   no negative entry: an HTTP append may create the name
//                       at any moment
//   unpadded names,
//   appenders, written
//   names, .follow      zero: never cached
#ifndef PDFS_FS_FILESYSTEM_H_
#define PDFS_FS_FILESYSTEM_H_

#include <fuse_lowlevel.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "backend.h"
#include "error_map.h"
#include "follower.h"
#include "invalidator.h"
#include "mime_types.h"
#include "names.h"
#include "node_table.h"
#include "written_names.h"

namespace pdfs::fs {

struct FilesystemOptions {
  // Kernel cache lifetime of document entries and attributes. Default: 1 h.
  double document_timeout = 3600;
  // Kernel cache lifetime of topic and root entries and attributes. Must
  // stay <= 1 s: that is the promise for changes made over HTTP.
  // Default: 1 s.
  double directory_timeout = 1.0;
  // Largest document (larger: EFBIG) and deepest nesting an appender
  // accepts: the store's (DocumentLimitsOf(Store::options())) when mounted.
  DocumentParser::Limits document_limits;
  // Owner of every file and directory (the daemon's user by default).
  uid_t uid = ::getuid();
  gid_t gid = ::getgid();
  // How long the name a new file was written under still answers lookup
  // after its last close (see written_names.h). Default: 5 s.
  std::chrono::milliseconds written_name_grace{5000};
  // Largest document whose bytes its first open offers to the kernel's page
  // cache (see Filesystem::SetPageStore). Default: 128 KiB, the kernel's
  // readahead window: larger ones are read as the reader asks.
  uint64_t page_store_limit = 128 * 1024;
  // Extensions of item names by content type; null: MimeTypes::Load() of
  // the system's /etc/mime.types, once, when the Filesystem is made.
  std::shared_ptr<const MimeTypes> mime_types;
};

// A name handed to the kernel: fuse_reply_entry's argument. ino 0 is a
// negative entry (cached for entry_timeout).
struct Entry {
  fuse_entry_param param{};
};

struct Attr {
  struct stat st {};
  double timeout = 0;
};

// How an open file behaves in the kernel.
struct Opened {
  uint64_t fh = 0;
  bool keep_cache = false;   // page cache survives this open (documents)
  bool direct_io = false;    // bypass the page cache (writes, the follow file)
  bool nonseekable = false;  // the follow file
  bool noflush = false;      // close() sends no FLUSH: nothing to report (read-only files)
};

struct Created {
  Entry entry;
  Opened opened;
};

// Receives directory entries for one readdir reply.
class DirectoryReplier {
 public:
  virtual ~DirectoryReplier() = default;
  // Adds `name`, after which a listing resumes at `next_offset`. For
  // readdirplus, `entry` is complete and its lookup count already raised;
  // otherwise only param.ino and param.attr.st_mode matter. Returns false,
  // adding nothing, when the reply is full.
  virtual bool Add(std::string_view name, const fuse_entry_param& entry, off_t next_offset) = 0;
};

// Thread-safe: every method may be called from any FUSE worker at once.
// State lives in the NodeTable (its own lock), per-file handles (handles_mu_,
// a leaf lock), Appenders and the Follower; no lock of this class is held
// across a backend call.
class Filesystem : public ChangeListener {
 public:
  // Registers itself as the backend's change listener. `invalidator` must
  // outlive the Filesystem.
  Filesystem(Backend* backend, Invalidator* invalidator, FilesystemOptions options);
  Filesystem(const Filesystem&) = delete;
  Filesystem& operator=(const Filesystem&) = delete;
  ~Filesystem() override;  // unregisters the listener, Shutdown()s

  // Puts `data` into the kernel's page cache of inode `ino` from offset 0
  // (fuse_lowlevel_notify_store); may block on the kernel's page locks.
  using PageStore = std::function<void(uint64_t ino, std::string_view data)>;
  // Set before the first request. With a store, the first read-only open of
  // each document (up to page_store_limit bytes) stores its bytes before the
  // open is answered, so the kernel never sends READ for them, and, since a
  // READ is what makes the kernel forget a file's atime, the next fstat of
  // the file sends no GETATTR either (docs/PERFORMANCE.md, issue 16).
  void SetPageStore(PageStore store);

  // Ends every waiting follow read (end of file) and every later one at
  // once. For unmount and daemon shutdown. Idempotent.
  void Shutdown();

  // Each method below answers one FUSE request; see fuse_ops.cc.
  FsResult<Entry> Lookup(uint64_t parent, std::string_view name);
  void Forget(uint64_t ino, uint64_t nlookup);
  FsResult<Attr> GetAttr(uint64_t ino);
  // `to_set` is a mask of FUSE_SET_ATTR_*; `fh` is the open file the change
  // came through (ftruncate), none for a change by name (truncate(2),
  // chmod, utimensat).
  FsResult<Attr> SetAttr(uint64_t ino, const struct stat& attr, int to_set,
                         std::optional<uint64_t> fh = std::nullopt);
  FsResult<Entry> MakeDir(uint64_t parent, std::string_view name);
  Errno RemoveDir(uint64_t parent, std::string_view name);
  Errno Unlink(uint64_t parent, std::string_view name);
  // `flags` are renameat2's (RENAME_NOREPLACE, RENAME_EXCHANGE).
  Errno Rename(uint64_t parent, std::string_view name, uint64_t new_parent,
               std::string_view new_name, unsigned int flags);
  FsResult<Opened> Open(uint64_t ino, int flags);
  FsResult<Created> Create(uint64_t parent, std::string_view name, int flags);
  // Reads a document: a copy of at most `size` bytes from `offset`. A copy,
  // not a view into the open file: the kernel may send the file's release
  // while this read's reply is still being written (a reader killed
  // mid-read), and release frees the file's bytes.
  FsResult<std::string> Read(uint64_t ino, uint64_t fh, size_t size, off_t offset);
  // Reads the follow file: `read` is answered later, maybe before this
  // returns (see follower.h).
  void ReadFollow(uint64_t fh, size_t size, const void* key, std::unique_ptr<PendingRead> read);
  void Interrupt(const void* key) { follower_.Interrupt(key); }
  // `offset` matters only to a whole-file item (the others append).
  FsResult<size_t> Write(uint64_t ino, uint64_t fh, std::string_view data, off_t offset = 0);
  Errno Flush(uint64_t ino, uint64_t fh);
  void Release(uint64_t ino, uint64_t fh);
  Errno OpenDir(uint64_t ino);
  Errno ReadDir(uint64_t ino, off_t offset, bool plus, DirectoryReplier& out);
  // The value of xattr `name`: ENODATA if there is none.
  FsResult<std::string> GetXattr(uint64_t ino, std::string_view name);
  // Every xattr name, each followed by NUL.
  FsResult<std::string> ListXattr(uint64_t ino);
  FsResult<struct statvfs> StatFs();

  // ChangeListener: enqueues invalidations and wakes followers.
  void OnChange(const ChangeEvent& event) override;

  const NodeTable& nodes() const { return nodes_; }
  // Open files. For tests.
  size_t open_files() const;

 private:
  struct Handle;

  // The node for `ino`, or ESTALE if the kernel should not hold it.
  FsResult<std::shared_ptr<Node>> FindNode(uint64_t ino) const;
  // The topic named by a directory node, still the same incarnation;
  // ENOENT (gone) or ENOTDIR (not a topic).
  FsResult<TopicMeta> CurrentTopic(const Node& dir) const;
  // For operations on names inside a topic directory: the topic of the
  // directory `parent`; EPERM with `root_refusal` for the root, ENOTDIR for
  // a file.
  FsResult<TopicMeta> TopicOfDirectory(uint64_t parent, const char* root_refusal) const;
  // The record a document node names, if it still exists; ESTALE if not.
  FsResult<Record> CurrentRecord(const Node& doc) const;
  FsResult<Entry> LookupTopic(std::string_view name);
  FsResult<Entry> LookupInTopic(const Node& dir, std::string_view name);
  // The record stored under `name` in `topic`: its location holds an item
  // whose extension is the name's. NotFound (as ENOENT) otherwise, so a
  // wrong extension never reaches another item.
  FsResult<Record> NamedItem(const std::string& topic, std::string_view name,
                             bool* canonical = nullptr) const;
  uint16_t ExtensionOf(const Record& r) const { return mime_->IdOf(r.content_type, r.document); }
  std::string NameOf(const NodeIdentity& id) const {
    return ItemName(id.location, mime_->Extension(id.extension));
  }
  // The entry of a name an appender was written under, or ENOENT.
  FsResult<Entry> LookupWrittenName(const TopicMeta& topic, std::string_view name, uint64_t epoch);

  FsResult<Attr> SetDocumentAttr(Node& node, const struct stat& attr, int to_set,
                                 std::optional<uint64_t> fh);
  FsResult<Attr> SetAppenderAttr(const Node& node, const struct stat& attr, int to_set,
                                 std::optional<uint64_t> fh);
  // EPERM unless every mode and owner `to_set` asks for is what the file
  // already has (`mode`, and the mount's owner): chmod and chown to the same
  // values succeed without effect, as do times (README, "Documents are
  // immutable").
  Errno CheckFixedAttributes(const struct stat& attr, int to_set, mode_t mode,
                             const NodeIdentity& id) const;
  // Unlink of an existing document: the first is trimmed, the last cut,
  // any other refused. ENOENT if `location` is not stored.
  Errno RemoveDocument(const std::string& topic, uint64_t location);
  // Cuts the stream at the document a handle's ftruncate(0) asked for, if
  // it asked, did not write, and the cut is not done yet (at close).
  Errno FinishCut(Handle& handle);
  // A whole-file item's write at `offset`: EFBIG past max_document_bytes,
  // after which nothing of the file is stored.
  FsResult<size_t> WriteBlob(Handle& handle, std::string_view data, off_t offset);
  // Stores a whole-file item's bytes as one item (an empty file: a
  // zero-byte item), once, at release.
  Errno StoreBlob(const Handle& handle);
  // For a document being opened: the first open of its node stores its
  // bytes (if `offer`) while every other open of the same node waits.
  void OfferPages(Node& node, const std::string& data, bool offer);

  Entry TopicEntry(const Node& node, const TopicMeta& meta) const;
  Entry DocumentEntry(const Node& node, bool canonical) const;
  // A file written to a topic: never cached.
  Entry AppenderEntry(uint64_t ino) const;
  struct stat RootStat() const;
  struct stat TopicStat(uint64_t ino, const TopicMeta& meta) const;
  struct stat DocumentStat(const NodeIdentity& id) const;
  struct stat FileStat(uint64_t ino, mode_t mode, int64_t mtime_ms) const;

  uint64_t AddHandle(std::shared_ptr<Handle> handle);
  std::shared_ptr<Handle> FindHandle(uint64_t fh) const;

  Errno ReadRoot(off_t offset, bool plus, DirectoryReplier& out);
  Errno ReadTopic(const Node& dir, off_t offset, bool plus, DirectoryReplier& out);
  // Adds one name to a listing: with readdirplus the node of `id` is held
  // and described by make_entry(node); false, holding nothing, if the reply
  // is full.
  template <typename MakeEntry>
  bool AddDirEntry(DirectoryReplier& out, bool plus, std::string_view name, off_t next_offset,
                   NodeIdentity id, uint64_t epoch, mode_t type, MakeEntry make_entry);

  // Fixed after construction.
  Backend* const backend_;
  Invalidator* const invalidator_;
  const FilesystemOptions options_;
  const int64_t mount_time_ms_;
  const std::shared_ptr<const MimeTypes> mime_;

  // Synchronised internally.
  NodeTable nodes_;
  WrittenNames written_names_;
  Follower follower_;
  std::atomic<uint64_t> next_appender_{1};

  PageStore page_store_;  // Set before the first request.
  // A leaf lock, never held across a kernel call. Guarded by it: the
  // documents whose bytes are being stored right now.
  std::mutex store_mu_;
  std::condition_variable store_done_;
  std::unordered_set<uint64_t> storing_;

  mutable std::mutex handles_mu_;
  // Guarded by handles_mu_.
  std::unordered_map<uint64_t, std::shared_ptr<Handle>> handles_;
  uint64_t next_fh_ = 1;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_FILESYSTEM_H_
