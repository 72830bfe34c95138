// Document names; see names.h for the grammar.
#include "names.h"

#include <charconv>
#include <cstdio>

namespace pdfs::fs {
namespace {

constexpr std::string_view kSuffix = ".json";
constexpr size_t kMaxDigits = 20;  // UINT64_MAX has 20 digits

}  // namespace

std::string DocumentName(uint64_t location) {
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%06llu.json", static_cast<unsigned long long>(location));
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<ParsedDocumentName> ParseDocumentName(std::string_view name) {
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > kMaxDigits) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  ParsedDocumentName parsed;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed.location);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  parsed.canonical = DocumentName(parsed.location) == name;
  return parsed;
}

std::string ItemName(uint64_t location, std::string_view ext) {
  char buf[32];
  int n = std::snprintf(buf, sizeof(buf), "%06llu.", static_cast<unsigned long long>(location));
  std::string name(buf, static_cast<size_t>(n));
  name.append(ext);
  return name;
}

std::optional<ParsedItemName> ParseItemName(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == name.size()) return std::nullopt;
  std::string_view digits = name.substr(0, dot);
  if (digits.size() > kMaxDigits) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  ParsedItemName parsed;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), parsed.location);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  parsed.extension = name.substr(dot + 1);
  parsed.canonical = ItemName(parsed.location, parsed.extension) == name;
  return parsed;
}

}  // namespace pdfs::fs
