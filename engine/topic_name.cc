// Name validation: topics, system topics and collections share one
// alphabet, which can never escape a directory or a URL path.
#include "pdfs/topic_name.h"

#include <string>

#include "pdfs/collection.h"

namespace pdfs {
namespace {

bool IsNameByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// The checks common to both kinds of name; `what` names the kind.
Status ValidateNameBytes(std::string_view name, const char* what) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " must not be empty");
  if (name.size() > kMaxTopicNameBytes) {
    return Status::InvalidArgument(std::string(what) + " must be at most " +
                                   std::to_string(kMaxTopicNameBytes) + " bytes; this one has " +
                                   std::to_string(name.size()));
  }
  for (unsigned char c : name) {
    if (!IsNameByte(c)) {
      std::string shown = c >= 0x21 && c < 0x7f
                              ? std::string("'") + static_cast<char>(c) + "'"
                              : "byte " + std::to_string(static_cast<unsigned>(c));
      return Status::InvalidArgument(std::string(what) +
                                     " may contain only A-Z a-z 0-9 _ - . (found " + shown + ")");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTopicName(std::string_view name) {
  if (Status s = ValidateNameBytes(name, "a topic name"); !s.ok()) return s;
  if (name.front() == '.') return Status::InvalidArgument("a topic name must not start with '.'");
  return Status::Ok();
}

Status ValidateSystemTopicName(std::string_view name) {
  if (Status s = ValidateNameBytes(name, "a system topic name"); !s.ok()) return s;
  if (name.size() < 2 || name[0] != '.' || name[1] == '.') {
    return Status::InvalidArgument(
        "a system topic name must be '.' followed by a name that does not start with '.'");
  }
  return Status::Ok();
}

Status ValidateReadableTopicName(std::string_view name) {
  return !name.empty() && name.front() == '.' ? ValidateSystemTopicName(name)
                                              : ValidateTopicName(name);
}

Status ValidateCollectionName(std::string_view name) {
  static_assert(kMaxCollectionNameBytes == kMaxTopicNameBytes);
  return ValidateNameBytes(name, "a collection name");
}

}  // namespace pdfs
