// Mounting a Store as a filesystem (README.md, "The mounted filesystem"). All that mountd
// needs from fs/.
#ifndef PDFS_FS_MOUNT_H_
#define PDFS_FS_MOUNT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::fs {

// A plain struct; each field states its default.
struct MountOptions {
  // Where to mount: an existing directory. Required.
  std::string mountpoint;
  // The filesystem's source as /proc/mounts and mount(8) show it (the data
  // directory). Default: "pdfs".
  std::string source = "pdfs";
  // libfuse prints every request and every refusal is logged, to stderr.
  // Default: false.
  bool debug = false;
  // Further mount options for libfuse, each as it would follow -o
  // ("allow_other", "ro", "max_read=65536"). default_permissions,
  // fsname and subtype=pdfs are always set. Default: none.
  std::vector<std::string> fuse_options;
  // Most FUSE worker threads. A blocked follow read takes none, so this
  // bounds only concurrent ordinary requests. Default: 16.
  unsigned max_threads = 16;
  // (The largest document and the deepest nesting an append accepts are the
  // store's own: Store::options(), so the faces can never disagree.)
};

// The absolute, symlink-free path of a mountpoint, or one sentence saying
// why it cannot be one: NotFound if it does not exist, InvalidArgument if it
// is not a directory, AlreadyExists if a live pdfs is mounted there (a
// second mount would hide it), IOError otherwise (for a dead mount left by a
// crashed daemon, with the command that clears it).
Result<std::string> ResolveMountpoint(const std::string& path);

// A pdfs daemon that was killed (kill -9, a crash) leaves its mount behind:
// every access to it fails with ENOTCONN until it is unmounted — or hangs,
// if the daemon died while a request it had read held a directory lock its
// invalidation thread was waiting for, since the half-dead process then
// cannot exit. If `path` is such a dead mount of type fuse.pdfs (and only
// then), aborts a hung one's connection (so that its daemon can exit),
// detaches it lazily and returns true, so that a restarted daemon can mount
// again. False if there was nothing to clear; IOError if aborting or
// detaching failed.
Result<bool> ClearDeadMount(const std::string& path);

// A Store mounted at a directory. Start() and the destructor are called
// from one thread; Run() from one thread (usually the same); Stop() from
// any thread.
class Mount {
 public:
  // Mounts `store`, which must outlive the Mount. On failure nothing is
  // mounted and the Status is one sentence: NotFound for a missing
  // mountpoint, InvalidArgument for a mountpoint that is not a directory or
  // for unknown options, IOError when the kernel refuses the mount.
  static Result<std::unique_ptr<Mount>> Start(Store* store, const MountOptions& options);

  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;
  // Unmounts if still mounted (lazily, if files are open), then frees the
  // session. REQUIRES: Run() is not running.
  ~Mount();

  // Serves requests with the multi-threaded session loop until the
  // filesystem is unmounted (fusermount3 -u, umount) or Stop() is called;
  // then answers every waiting follow read with end of file, stops the
  // invalidation thread and unmounts. Call at most once. IOError if the
  // session ended with an error.
  Status Run();

  // Makes Run() return soon (or return at once if it has not started).
  // Safe from any thread, any number of times; not from a signal handler.
  // Uses SIGUSR2 to wake Run()'s thread, whose handler does nothing.
  void Stop();

  const std::string& mountpoint() const;

 private:
  struct Impl;
  explicit Mount(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_MOUNT_H_
