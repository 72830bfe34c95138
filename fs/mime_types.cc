// MimeTypes: see mime_types.h.
#include "mime_types.h"

#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace pdfs::fs {
namespace {

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r'; }

}  // namespace

std::string NormaliseContentType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (semi != std::string_view::npos) content_type = content_type.substr(0, semi);
  while (!content_type.empty() && IsSpace(content_type.front())) content_type.remove_prefix(1);
  while (!content_type.empty() && IsSpace(content_type.back())) content_type.remove_suffix(1);
  std::string out(content_type);
  for (char& c : out) c = Lower(c);
  return out;
}

MimeTypes::MimeTypes() {
  Intern("json");
  Intern("bin");
}

uint16_t MimeTypes::Intern(std::string_view ext) {
  auto it = ids_.find(std::string(ext));
  if (it != ids_.end()) return it->second;
  const auto id = static_cast<uint16_t>(extensions_.size());
  extensions_.emplace_back(ext);
  ids_.emplace(std::string(ext), id);
  return id;
}

MimeTypes MimeTypes::FromText(std::string_view text) {
  MimeTypes m;
  // Ids must fit the 16 bits a document node keeps; mime.types has ~1,500.
  constexpr size_t kMaxIds = std::numeric_limits<uint16_t>::max();
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    if (size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string type;
    if (!(words >> type)) continue;
    type = NormaliseContentType(type);
    std::string ext;
    bool first = true;
    while (words >> ext) {
      if (ext.find('/') != std::string::npos) break;  // not an extension: skip the line's rest
      if (first && m.type_ids_.count(type) == 0 && m.extensions_.size() < kMaxIds) {
        m.type_ids_.emplace(type, m.Intern(ext));
      }
      first = false;
      m.ext_types_.emplace(ext, type);
    }
  }
  return m;
}

MimeTypes MimeTypes::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "pdfs: cannot read %s: items other than JSON documents are named .bin\n",
                 path.c_str());
    return MimeTypes();
  }
  std::ostringstream text;
  text << in.rdbuf();
  return FromText(text.str());
}

uint16_t MimeTypes::IdOf(std::string_view content_type, bool document) const {
  if (document) return kJsonId;
  auto it = type_ids_.find(NormaliseContentType(content_type));
  return it == type_ids_.end() ? kBinId : it->second;
}

int MimeTypes::IdOfExtension(std::string_view ext) const {
  auto it = ids_.find(std::string(ext));
  return it == ids_.end() ? -1 : it->second;
}

std::string MimeTypes::TypeOfExtension(std::string_view ext) const {
  std::string lower(ext);
  for (char& c : lower) c = Lower(c);
  auto it = ext_types_.find(lower);
  return it == ext_types_.end() ? std::string(kOctetStream) : it->second;
}

bool MimeTypes::KnowsExtension(std::string_view ext) const {
  std::string lower(ext);
  for (char& c : lower) c = Lower(c);
  return ext_types_.count(lower) > 0;
}

}  // namespace pdfs::fs
