// fuse_ops: one short op_* per FUSE request. Each asks the Filesystem (which
// takes and drops its locks inside, so none is held across a reply) and
// answers exactly once: the typed reply, fuse_reply_err(req, 0) for bare
// success, fuse_reply_none for forget.
#include "fuse_ops.h"

#include <errno.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filesystem.h"

namespace pdfs::fs {
namespace {

std::atomic<bool> g_log_refusals{false};

// Requests received, by kind: the daemon's own count of FUSE round trips
// (docs/PERFORMANCE.md, issue 16), read as the root's
// user.pdfs.fuse_requests. Relaxed: each is a tally, ordered with nothing.
enum Op : size_t {
  kLookup,
  kForget,
  kForgetMulti,
  kGetattr,
  kSetattr,
  kMkdir,
  kRmdir,
  kUnlink,
  kRename,
  kLink,
  kSymlink,
  kMknod,
  kOpen,
  kCreate,
  kRead,
  kWrite,
  kFlush,
  kRelease,
  kFsync,
  kOpendir,
  kReaddir,
  kReaddirplus,
  kReleasedir,
  kFsyncdir,
  kStatfs,
  kGetxattr,
  kListxattr,
  kSetxattr,
  kRemovexattr,
  kOpCount
};
constexpr const char* kOpNames[kOpCount] = {
    "lookup", "forget",   "forget_multi", "getattr",     "setattr",     "mkdir",
    "rmdir",  "unlink",   "rename",       "link",        "symlink",     "mknod",
    "open",   "create",   "read",         "write",       "flush",       "release",
    "fsync",  "opendir",  "readdir",      "readdirplus", "releasedir",  "fsyncdir",
    "statfs", "getxattr", "listxattr",    "setxattr",    "removexattr",
};
std::atomic<uint64_t> g_requests[kOpCount];

void Count(Op op) { g_requests[op].fetch_add(1, std::memory_order_relaxed); }

constexpr std::string_view kRequestsXattr = "user.pdfs.fuse_requests";

// One "NAME COUNT" line per kind that has been received.
std::string RequestCounts() {
  std::string out;
  for (size_t i = 0; i < kOpCount; ++i) {
    const uint64_t n = g_requests[i].load(std::memory_order_relaxed);
    if (n == 0) continue;
    out.append(kOpNames[i]).append(" ").append(std::to_string(n)).append("\n");
  }
  return out;
}

Filesystem& FilesystemOf(fuse_req_t req) {
  return *static_cast<Filesystem*>(fuse_req_userdata(req));
}

// Shells probe names constantly and tools test what a file allows, so
// ENOENT, EPERM and the like are routine; only faults of the store or the
// disk are worth a line without -d.
bool IsFault(int code) {
  return code == EIO || code == ENOSPC || code == ESHUTDOWN || code == EOVERFLOW || code == EFBIG;
}

void ReplyError(fuse_req_t req, const Errno& error, const char* op) {
  if (g_log_refusals.load(std::memory_order_relaxed) || IsFault(error.code())) {
    std::fprintf(stderr, "pdfs: %s: %s (%s)\n", op, std::strerror(error.code()),
                 error.why().c_str());
  }
  fuse_reply_err(req, error.code());
}

void Reply(fuse_req_t req, const Errno& result, const char* op) {
  if (!result.ok()) return ReplyError(req, result, op);
  fuse_reply_err(req, 0);
}

void SetOpenFlags(const Opened& opened, fuse_file_info* fi) {
  fi->fh = opened.fh;
  fi->keep_cache = opened.keep_cache;
  fi->direct_io = opened.direct_io;
  fi->nonseekable = opened.nonseekable;
  fi->noflush = opened.noflush;
}

// A follow read answered later by the Follower's thread.
class FusePendingRead : public PendingRead {
 public:
  explicit FusePendingRead(fuse_req_t req) : req_(req) {}
  void Reply(std::string_view data) override { fuse_reply_buf(req_, data.data(), data.size()); }
  void Fail(int error) override { fuse_reply_err(req_, error); }
  bool Interrupted() override { return fuse_req_interrupted(req_) != 0; }

 private:
  fuse_req_t req_;
};

// Fills one readdir(plus) reply buffer.
class BufferReplier : public DirectoryReplier {
 public:
  BufferReplier(fuse_req_t req, size_t size, bool plus) : req_(req), buf_(size), plus_(plus) {}

  bool Add(std::string_view name, const fuse_entry_param& entry, off_t next_offset) override {
    const std::string n(name);
    char* p = buf_.data() + used_;
    const size_t rem = buf_.size() - used_;
    const size_t need = plus_
                            ? fuse_add_direntry_plus(req_, p, rem, n.c_str(), &entry, next_offset)
                            : fuse_add_direntry(req_, p, rem, n.c_str(), &entry.attr, next_offset);
    if (need > rem) return false;
    used_ += need;
    if (plus_ && entry.ino != 0) counted_.push_back(entry.ino);
    return true;
  }

  // Sends the reply; if the kernel refused it, the counts raised for its
  // entries are given back, since the kernel will never forget them.
  void Send(Filesystem& fs) {
    if (fuse_reply_buf(req_, buf_.data(), used_) != 0) {
      for (uint64_t ino : counted_) fs.Forget(ino, 1);
    }
  }

 private:
  fuse_req_t req_;
  std::vector<char> buf_;
  size_t used_ = 0;
  const bool plus_;
  std::vector<uint64_t> counted_;
};

void op_init(void* userdata, fuse_conn_info* conn) {
  (void)userdata;
  // O_TRUNC arrives with open, so `echo x > doc` (EPERM) is told apart from
  // `truncate -s 0 doc` (a setattr that cuts the stream).
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  // Appends go through the daemon: every write is an append decision.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  if (conn->capable & FUSE_CAP_READDIRPLUS_AUTO) conn->want |= FUSE_CAP_READDIRPLUS_AUTO;
}

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Count(kLookup);
  Filesystem& fs = FilesystemOf(req);
  FsResult<Entry> entry = fs.Lookup(parent, name);
  if (!entry.ok()) return ReplyError(req, entry.status(), "lookup");
  // The count is already raised; if the kernel did not take the entry it
  // will never forget it.
  if (fuse_reply_entry(req, &entry->param) != 0 && entry->param.ino != 0) {
    fs.Forget(entry->param.ino, 1);
  }
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup) {
  Count(kForget);
  FilesystemOf(req).Forget(ino, nlookup);
  fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, fuse_forget_data* forgets) {
  Count(kForgetMulti);
  Filesystem& fs = FilesystemOf(req);
  for (size_t i = 0; i < count; ++i) fs.Forget(forgets[i].ino, forgets[i].nlookup);
  fuse_reply_none(req);
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Count(kGetattr);
  (void)fi;
  FsResult<Attr> attr = FilesystemOf(req).GetAttr(ino);
  if (!attr.ok()) return ReplyError(req, attr.status(), "getattr");
  fuse_reply_attr(req, &attr->st, attr->timeout);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat* attr, int to_set, fuse_file_info* fi) {
  Count(kSetattr);
  // A file handle comes with ftruncate(); truncate(2), chmod and the rest
  // come by name.
  std::optional<uint64_t> fh;
  if (fi != nullptr) fh = fi->fh;
  FsResult<Attr> result = FilesystemOf(req).SetAttr(ino, *attr, to_set, fh);
  if (!result.ok()) return ReplyError(req, result.status(), "setattr");
  fuse_reply_attr(req, &result->st, result->timeout);
}

void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  Count(kMkdir);
  (void)mode;  // topics are always 0755
  Filesystem& fs = FilesystemOf(req);
  FsResult<Entry> entry = fs.MakeDir(parent, name);
  if (!entry.ok()) return ReplyError(req, entry.status(), "mkdir");
  if (fuse_reply_entry(req, &entry->param) != 0) fs.Forget(entry->param.ino, 1);
}

void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Count(kRmdir);
  Reply(req, FilesystemOf(req).RemoveDir(parent, name), "rmdir");
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  Count(kUnlink);
  Reply(req, FilesystemOf(req).Unlink(parent, name), "unlink");
}

// Only a name a file was just written under can be renamed (see
// Filesystem::Rename); documents keep their locations.
void op_rename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent,
               const char* new_name, unsigned int flags) {
  Count(kRename);
  Reply(req, FilesystemOf(req).Rename(parent, name, new_parent, new_name, flags), "rename");
}

// Refused: a stream has no second name, no links and no special files.
void op_link(fuse_req_t req, fuse_ino_t, fuse_ino_t, const char*) {
  Count(kLink);
  ReplyError(req, Errno(EPERM, "links are not supported"), "link");
}
void op_symlink(fuse_req_t req, const char*, fuse_ino_t, const char*) {
  Count(kSymlink);
  ReplyError(req, Errno(EPERM, "symbolic links are not supported"), "symlink");
}
void op_mknod(fuse_req_t req, fuse_ino_t, const char*, mode_t, dev_t) {
  Count(kMknod);
  ReplyError(req, Errno(EPERM, "special files are not supported"), "mknod");
}

void op_open(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Count(kOpen);
  Filesystem& fs = FilesystemOf(req);
  FsResult<Opened> opened = fs.Open(ino, fi->flags);
  if (!opened.ok()) return ReplyError(req, opened.status(), "open");
  SetOpenFlags(*opened, fi);
  if (fuse_reply_open(req, fi) != 0) fs.Release(ino, opened->fh);  // the open was cancelled
}

void op_create(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode,
               fuse_file_info* fi) {
  Count(kCreate);
  (void)mode;  // appenders are always 0644
  Filesystem& fs = FilesystemOf(req);
  FsResult<Created> created = fs.Create(parent, name, fi->flags);
  if (!created.ok()) return ReplyError(req, created.status(), "create");
  SetOpenFlags(created->opened, fi);
  if (fuse_reply_create(req, &created->entry.param, fi) != 0) {
    fs.Release(created->entry.param.ino, created->opened.fh);
    fs.Forget(created->entry.param.ino, 1);
  }
}

void OnInterrupt(fuse_req_t req, void* data) { static_cast<Filesystem*>(data)->Interrupt(req); }

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Count(kRead);
  Filesystem& fs = FilesystemOf(req);
  if (KindOf(ino) == NodeKind::kFollow) {
    // Registered before the read is queued: once queued it may be answered
    // (and req freed) at any moment. An interrupt that comes before the
    // queueing is seen through fuse_req_interrupted().
    fuse_req_interrupt_func(req, OnInterrupt, &fs);
    fs.ReadFollow(fi->fh, size, req, std::make_unique<FusePendingRead>(req));
    return;
  }
  FsResult<std::string> data = fs.Read(ino, fi->fh, size, off);
  if (!data.ok()) return ReplyError(req, data.status(), "read");
  fuse_reply_buf(req, data->data(), data->size());
}

void op_write(fuse_req_t req, fuse_ino_t ino, const char* buf, size_t size, off_t off,
              fuse_file_info* fi) {
  Count(kWrite);
  // Appenders append wherever the writer thinks it is; a whole-file item
  // places the bytes at `off`.
  FsResult<size_t> written = FilesystemOf(req).Write(ino, fi->fh, std::string_view(buf, size), off);
  if (!written.ok()) return ReplyError(req, written.status(), "write");
  fuse_reply_write(req, *written);
}

void op_flush(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Count(kFlush);
  Reply(req, FilesystemOf(req).Flush(ino, fi->fh), "flush");
}

void op_release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Count(kRelease);
  FilesystemOf(req).Release(ino, fi->fh);
  fuse_reply_err(req, 0);
}

// Every document a write appended is already durable (as the store's sync
// option says) when the write returns; bytes of an incomplete object are
// not a document and cannot be made durable.
void op_fsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
  Count(kFsync);
  fuse_reply_err(req, 0);
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Count(kOpendir);
  Errno opened = FilesystemOf(req).OpenDir(ino);
  if (!opened.ok()) return ReplyError(req, opened, "opendir");
  // No cache_readdir: listings always come from the store, so documents
  // appended over HTTP show at once.
  fi->fh = 0;
  fuse_reply_open(req, fi);
}

void ReadDir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, bool plus) {
  Filesystem& fs = FilesystemOf(req);
  BufferReplier out(req, size, plus);
  Errno listed = fs.ReadDir(ino, off, plus, out);
  if (!listed.ok()) return ReplyError(req, listed, plus ? "readdirplus" : "readdir");
  out.Send(fs);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Count(kReaddir);
  (void)fi;
  ReadDir(req, ino, size, off, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  Count(kReaddirplus);
  (void)fi;
  ReadDir(req, ino, size, off, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t, fuse_file_info*) {
  Count(kReleasedir);
  fuse_reply_err(req, 0);
}
void op_fsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) {
  Count(kFsyncdir);
  fuse_reply_err(req, 0);
}

void op_statfs(fuse_req_t req, fuse_ino_t) {
  Count(kStatfs);
  FsResult<struct statvfs> st = FilesystemOf(req).StatFs();
  if (!st.ok()) return ReplyError(req, st.status(), "statfs");
  fuse_reply_statfs(req, &*st);
}

void ReplyXattr(fuse_req_t req, const FsResult<std::string>& value, size_t size, const char* op) {
  if (!value.ok()) return ReplyError(req, value.status(), op);
  const std::string& v = *value;
  if (size == 0) {
    fuse_reply_xattr(req, v.size());
  } else if (v.size() > size) {
    fuse_reply_err(req, ERANGE);
  } else {
    fuse_reply_buf(req, v.data(), v.size());
  }
}

void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  Count(kGetxattr);
  // Not listed: the adapter's bookkeeping, not the store's.
  if (ino == FUSE_ROOT_ID && name == kRequestsXattr) {
    return ReplyXattr(req, RequestCounts(), size, "getxattr");
  }
  ReplyXattr(req, FilesystemOf(req).GetXattr(ino, name), size, "getxattr");
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  Count(kListxattr);
  ReplyXattr(req, FilesystemOf(req).ListXattr(ino), size, "listxattr");
}

// The xattrs are the topic's metadata, computed by the store.
void op_setxattr(fuse_req_t req, fuse_ino_t, const char*, const char*, size_t, int) {
  Count(kSetxattr);
  ReplyError(req, Errno(ENOTSUP, "extended attributes are read-only"), "setxattr");
}
void op_removexattr(fuse_req_t req, fuse_ino_t, const char*) {
  Count(kRemovexattr);
  ReplyError(req, Errno(ENOTSUP, "extended attributes are read-only"), "removexattr");
}

}  // namespace

void SetLogRefusals(bool on) { g_log_refusals.store(on, std::memory_order_relaxed); }

fuse_lowlevel_ops MakeLowlevelOps() {
  fuse_lowlevel_ops ops{};
  ops.init = op_init;
  ops.lookup = op_lookup;
  ops.forget = op_forget;
  ops.forget_multi = op_forget_multi;
  ops.getattr = op_getattr;
  ops.setattr = op_setattr;
  ops.mknod = op_mknod;
  ops.mkdir = op_mkdir;
  ops.unlink = op_unlink;
  ops.rmdir = op_rmdir;
  ops.symlink = op_symlink;
  ops.rename = op_rename;
  ops.link = op_link;
  ops.open = op_open;
  ops.read = op_read;
  ops.write = op_write;
  ops.flush = op_flush;
  ops.release = op_release;
  ops.fsync = op_fsync;
  ops.opendir = op_opendir;
  ops.readdir = op_readdir;
  ops.readdirplus = op_readdirplus;
  ops.releasedir = op_releasedir;
  ops.fsyncdir = op_fsyncdir;
  ops.statfs = op_statfs;
  ops.setxattr = op_setxattr;
  ops.getxattr = op_getxattr;
  ops.listxattr = op_listxattr;
  ops.removexattr = op_removexattr;
  ops.create = op_create;
  return ops;
}

}  // namespace pdfs::fs
