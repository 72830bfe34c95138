// The comma-separated lists of HTTP header values (RFC 9110 5.6.1):
// Accept, Accept-Encoding, Content-Encoding, ... split in one place.
#ifndef PDFS_HTTP_HEADER_LISTS_H_
#define PDFS_HTTP_HEADER_LISTS_H_

#include <string>
#include <string_view>
#include <vector>

namespace pdfs::http {

// The items of a list header's value, each without the optional whitespace
// (spaces, tabs) around it; empty items ("a,,b") are dropped, as the RFC
// asks of a recipient.
inline std::vector<std::string> HeaderListItems(std::string_view value) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = value.substr(start, end - start);
    const size_t first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
      items.emplace_back(item);
    }
    start = end + 1;
  }
  return items;
}

}  // namespace pdfs::http

#endif  // PDFS_HTTP_HEADER_LISTS_H_
