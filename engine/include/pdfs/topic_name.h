// Topic names: 1-128 bytes of A-Z a-z 0-9 _ - . not starting with '.'.
// Such a name can never escape the data directory, the mount or a URL path.
// System topic names (the faces' own topics, such as a collection's change
// topic) are '.' followed by a topic name that does not start with '.':
// never "." or "..", and never a name a user can choose.
#ifndef PDFS_ENGINE_TOPIC_NAME_H_
#define PDFS_ENGINE_TOPIC_NAME_H_

#include <cstddef>
#include <string_view>

#include "pdfs/status.h"

namespace pdfs {

inline constexpr size_t kMaxTopicNameBytes = 128;

// OK iff `name` is a valid topic name; otherwise InvalidArgument with a
// sentence saying what is wrong (the name is quoted only when it is printable
// and short, so hostile names never reach a log or a response verbatim).
Status ValidateTopicName(std::string_view name);

// OK iff `name` is a valid system topic name ('.' and a topic name, at most
// kMaxTopicNameBytes in all); otherwise InvalidArgument.
Status ValidateSystemTopicName(std::string_view name);

// OK iff `name` is a valid topic name or system topic name: what the read
// methods of Store accept.
Status ValidateReadableTopicName(std::string_view name);

}  // namespace pdfs

#endif  // PDFS_ENGINE_TOPIC_NAME_H_
