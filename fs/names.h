// Names inside the mount: document file names and the follow file.
//
// Grammar of a document name:
//   name      = digits ".json"
//   digits    = 1*20 DIGIT              ; a location, decimal, at most UINT64_MAX
//   canonical = the location zero-padded to at least 6 digits (000123.json,
//               1234567.json); readdir lists only canonical names, lookup
//               also accepts every other spelling of the same number
//               (123.json, 0000123.json).
//
// Items of any content type (README.md, "Items of other types") generalise it:
//   item name = digits "." extension   ; the extension of the item's type
// so a PNG at 7 is 000007.png; ParseItemName splits any such name, and
// lookup then refuses an extension that is not the item's own.
#ifndef PDFS_FS_NAMES_H_
#define PDFS_FS_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pdfs::fs {

// The hidden per-topic file whose reads follow the topic as it grows.
inline constexpr std::string_view kFollowName = ".follow";

// The canonical file name of the document at `location`.
std::string DocumentName(uint64_t location);

struct ParsedDocumentName {
  uint64_t location = 0;
  bool canonical = false;  // the name is DocumentName(location)
};
// The location a file name designates, or nullopt if it is not a document
// name.
std::optional<ParsedDocumentName> ParseDocumentName(std::string_view name);

// The canonical file name of the item at `location` with extension `ext`.
std::string ItemName(uint64_t location, std::string_view ext);

struct ParsedItemName {
  uint64_t location = 0;
  std::string_view extension;  // into the parsed name; never empty
  bool canonical = false;      // the name is ItemName(location, extension)
};
// Digits, a dot and a non-empty extension; nullopt for any other name.
std::optional<ParsedItemName> ParseItemName(std::string_view name);

}  // namespace pdfs::fs

#endif  // PDFS_FS_NAMES_H_
