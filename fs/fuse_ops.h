// The libfuse low-level operations over a Filesystem (the session's
// userdata).
#ifndef PDFS_FS_FUSE_OPS_H_
#define PDFS_FS_FUSE_OPS_H_

#include <fuse_lowlevel.h>

namespace pdfs::fs {

// Every operation the mount answers, wired in one place. Operations left
// out get ENOSYS from libfuse, which the kernel turns into its fallback
// (local locks, generic lseek, read/write instead of copy_file_range) or
// EOPNOTSUPP (fallocate).
fuse_lowlevel_ops MakeLowlevelOps();

// Log every refused request to stderr (with -d); otherwise only real
// faults (EIO, ENOSPC, ...) are logged.
void SetLogRefusals(bool on);

}  // namespace pdfs::fs

#endif  // PDFS_FS_FUSE_OPS_H_
