// Topic name validation.
#include "pdfs/topic_name.h"

#include <string>

namespace pdfs {
namespace {

bool IsNameByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

}  // namespace

Status ValidateTopicName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("a topic name must not be empty");
  if (name.size() > kMaxTopicNameBytes) {
    return Status::InvalidArgument("a topic name must be at most " +
                                   std::to_string(kMaxTopicNameBytes) + " bytes; this one has " +
                                   std::to_string(name.size()));
  }
  for (unsigned char c : name) {
    if (!IsNameByte(c)) {
      std::string shown = c >= 0x21 && c < 0x7f
                              ? std::string("'") + static_cast<char>(c) + "'"
                              : "byte " + std::to_string(static_cast<unsigned>(c));
      return Status::InvalidArgument("a topic name may contain only A-Z a-z 0-9 _ - . (found " +
                                     shown + ")");
    }
  }
  if (name.front() == '.') return Status::InvalidArgument("a topic name must not start with '.'");
  return Status::Ok();
}

}  // namespace pdfs
