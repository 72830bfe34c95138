// Appender: a file opened for writing on a new name in a topic directory.
// The bytes written to it are a stream of JSON objects and arrays of objects
// (DocumentParser::Shape::kObjectStream); each object, and each element of
// an array, is appended as a document when the write that completes it
// arrives (README, "Appending (writing to a new name)"). One per open file.
#ifndef PDFS_FS_APPENDER_H_
#define PDFS_FS_APPENDER_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "backend.h"
#include "error_map.h"
#include "pdfs/document.h"

namespace pdfs::fs {

// Thread-safe: mu_ serialises writes, so the parser sees the bytes of one
// appender in the order the kernel delivered them. mu_ is held across the
// backend append (which may wait for an fsync); lock order: mu_ before any
// lock the backend's change listeners take (NodeTable, Invalidator,
// Follower), never the other way round.
class Appender {
 public:
  // `topic_id` is the incarnation of the directory the name was created in;
  // writes fail with ENOENT once it is gone rather than re-creating it.
  Appender(Backend* backend, std::string topic, uint64_t topic_id, DocumentParser::Limits limits);
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Feeds `data`. Every object it completes is appended, all in one atomic
  // batch, before this returns. Returns the bytes accepted: all of them, or
  // a short count ending after the last object completed before a syntax
  // error (or an object over the size limit). If no object was completed
  // before the error: EINVAL (EFBIG for the size limit), nothing appended,
  // and whatever was pending before this write still is. If the append
  // itself fails, its errno; the appender is then broken and every later
  // write and flush fails the same way (the writer cannot know which of its
  // bytes were stored, so it must not go on as if they were).
  FsResult<size_t> Write(std::string_view data);

  // For close(): EINVAL if part of an object, an array or a byte order
  // mark is pending (the bytes are kept for other descriptors of the same
  // open file), the append error if broken, otherwise success.
  Errno Flush();

  // Open files on this appender. At the last release the pending bytes of
  // an incomplete object are dropped; returns how many were.
  void Opened();
  size_t Released();

  const std::string& topic() const { return topic_; }
  // Bytes accepted by Write() so far: the size the writer believes it wrote.
  uint64_t accepted_bytes();

 private:
  // Fixed after construction.
  Backend* const backend_;
  const std::string topic_;
  const uint64_t topic_id_;
  const DocumentParser::Limits limits_;

  std::mutex mu_;
  // Guarded by mu_.
  DocumentParser parser_;
  Errno broken_;
  int open_files_ = 0;
  uint64_t accepted_bytes_ = 0;
};

}  // namespace pdfs::fs

#endif  // PDFS_FS_APPENDER_H_
