// MimeTypes: file name extensions for item content types, from the system's
// mime.types (Debian package media-types), read once at mount.
//
// An item's file name is its location plus the extension of its content
// type (README.md, "Items of other types"). Extensions are kept as small ids so that a
// document node (document_nodes.h) can remember the name it was given in a
// few bits: id 0 is always "json" (every document, whatever mime.types
// says), id 1 always "bin" (a type mime.types does not list).
#ifndef PDFS_FS_MIME_TYPES_H_
#define PDFS_FS_MIME_TYPES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace pdfs::fs {

// Immutable after construction: safe to share between threads.
class MimeTypes {
 public:
  static constexpr uint16_t kJsonId = 0;
  static constexpr uint16_t kBinId = 1;
  static constexpr std::string_view kSystemPath = "/etc/mime.types";
  static constexpr std::string_view kOctetStream = "application/octet-stream";

  // No types known: every document is .json, every other item .bin.
  MimeTypes();
  // Parses the text of a mime.types file: "type ext ext ..." per line, '#'
  // comments. A type's extension is the first one listed for it; an
  // extension's type (ReverseLookup) is the first type listing it.
  static MimeTypes FromText(std::string_view text);
  // Reads `path`; an unreadable file gives MimeTypes() (and a line on
  // stderr), since names with .bin still keep every item reachable.
  static MimeTypes Load(const std::string& path = std::string(kSystemPath));

  // The extension id of an item: kJsonId for a document, else its type's
  // (parameters such as "; charset=utf-8" and letter case ignored).
  uint16_t IdOf(std::string_view content_type, bool document) const;
  // REQUIRES: id came from this object.
  std::string_view Extension(uint16_t id) const { return extensions_[id]; }
  // The id of extension `ext` (exact, case-sensitive, as names are), or -1
  // if no type has it.
  int IdOfExtension(std::string_view ext) const;
  // The content type of a file named with extension `ext` (lowercased):
  // application/octet-stream for an unknown one.
  std::string TypeOfExtension(std::string_view ext) const;
  // Whether some type lists `ext` (lowercased).
  bool KnowsExtension(std::string_view ext) const;

 private:
  uint16_t Intern(std::string_view ext);

  std::vector<std::string> extensions_;                     // by id
  std::unordered_map<std::string, uint16_t> ids_;           // extension -> id
  std::unordered_map<std::string, uint16_t> type_ids_;      // normalised type -> id
  std::unordered_map<std::string, std::string> ext_types_;  // extension -> type
};

// "text/plain" from " Text/Plain; charset=utf-8".
std::string NormaliseContentType(std::string_view content_type);

}  // namespace pdfs::fs

#endif  // PDFS_FS_MIME_TYPES_H_
