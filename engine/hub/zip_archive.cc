// Zip archives with libzip, written into memory.
#include "pdfs/hub/zip_archive.h"

#include <zip.h>

#include <memory>

namespace pdfs::hub {

namespace {

Status ZipError(const std::string& what, zip_error_t* error) {
  return Status::IOError("cannot build the zip archive (" + what +
                         "): " + zip_error_strerror(error));
}

}  // namespace

Result<std::string> ZipArchive(const std::vector<ZipEntry>& entries) {
  zip_error_t error;
  zip_error_init(&error);
  // The archive is written into a growing buffer source that outlives the
  // zip_t (zip_source_keep), so its bytes can be read back after close.
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (buffer == nullptr) return ZipError("buffer", &error);
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> owned(buffer, zip_source_free);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  if (archive == nullptr) return ZipError("open", &error);
  zip_source_keep(buffer);
  for (const ZipEntry& entry : entries) {
    // libzip reads the data at zip_close: it must stay alive until then,
    // which `entries` does.
    zip_source_t* data = zip_source_buffer(archive, entry.data.data(), entry.data.size(), 0);
    if (data == nullptr) {
      zip_discard(archive);
      return Status::IOError("cannot build the zip archive: out of memory");
    }
    const zip_int64_t index =
        zip_file_add(archive, entry.name.c_str(), data, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      zip_source_free(data);
      const std::string why = zip_strerror(archive);
      zip_discard(archive);
      return Status::IOError("cannot add " + entry.name + " to the zip archive: " + why);
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  if (zip_close(archive) != 0) {
    const std::string why = zip_strerror(archive);
    zip_discard(archive);
    return Status::IOError("cannot write the zip archive: " + why);
  }
  zip_stat_t stat;
  if (zip_source_stat(buffer, &stat) != 0 || zip_source_open(buffer) != 0) {
    return ZipError("read back", zip_source_error(buffer));
  }
  std::string bytes(static_cast<size_t>(stat.size), '\0');
  const zip_int64_t read = zip_source_read(buffer, bytes.data(), stat.size);
  zip_source_close(buffer);
  if (read < 0 || static_cast<zip_uint64_t>(read) != stat.size) {
    return ZipError("read back", zip_source_error(buffer));
  }
  return bytes;
}

}  // namespace pdfs::hub
