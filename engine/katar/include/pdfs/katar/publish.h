// Katar publish: messages (any JSON value) to one or many topics.
//
// A message that is a JSON object is stored as a document (minified, its
// bytes otherwise kept), so /stream and the mount show it inline like any
// other; any other JSON value (array, string, number, true, false, null) is
// stored, minified, as an item of content type application/json that is not
// a document (item.h). Either way a subscriber gets the value back.
//
// Publishing to a topic that does not exist creates it with the default
// settings (keep everything, the store's item limit), as Store::Append
// does for /stream: a producer never has to configure a topic first.
//
// Thread safety: Publish may be called concurrently from any thread.
#ifndef PDFS_ENGINE_KATAR_PUBLISH_H_
#define PDFS_ENGINE_KATAR_PUBLISH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::katar {

// One message to publish. A value type.
struct OutgoingMessage {
  std::string topic;
  std::string value_json;  // any JSON value, as text
};

// Where a published message was stored. A value type.
struct PublishedMessage {
  std::string topic;
  uint64_t offset = 0;  // the item's location in the topic
};

// Stores every message or none, in ONE atomic commit: the messages to each
// topic get consecutive offsets in the order given, and a publish that
// fails stores nothing in any topic. Returns one entry per message, in the
// order given. Fails with:
//  - InvalidArgument: no messages; an invalid (or system) topic name; a
//    message that is not one JSON value; a topic whose configuration this
//    face cannot read;
//  - TooLarge: a message over its topic's max_message_bytes (or the
//    store's max_document_bytes);
//  - NoSpace, IOError, Unavailable: as Store::Commit.
// The sentence names the message by its position (0-based).
Result<std::vector<PublishedMessage>> Publish(Store& store,
                                              const std::vector<OutgoingMessage>& messages);

}  // namespace pdfs::katar

#endif  // PDFS_ENGINE_KATAR_PUBLISH_H_
