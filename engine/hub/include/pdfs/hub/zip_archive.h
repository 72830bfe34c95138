// The Hub's zip bulk reads (`Accept: application/zip`): items packed into
// one zip archive with libzip, protocol-neutral.
//
// Thread safety: a pure function; may be called concurrently.
#ifndef PDFS_ENGINE_HUB_ZIP_ARCHIVE_H_
#define PDFS_ENGINE_HUB_ZIP_ARCHIVE_H_

#include <string>
#include <vector>

#include "pdfs/status.h"

namespace pdfs::hub {

// One file of an archive. A value type.
struct ZipEntry {
  std::string name;  // the path inside the archive, e.g. "c/2026/12/03/12/00/00/000/<hash>"
  std::string data;
};

// The zip archive (stored, not compressed: items are often compressed
// already, and a bulk read should cost what copying costs) holding
// `entries` in order. The whole archive is built in memory: the caller
// bounds the entries' total size. IOError if libzip fails.
Result<std::string> ZipArchive(const std::vector<ZipEntry>& entries);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_ZIP_ARCHIVE_H_
