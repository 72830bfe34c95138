// What the client tool commands share: their output and error conventions,
// and the commands that live in files of their own (client_write.cc,
// client_follow.cc, client_publish.cc, client_subscribe.cc). Dispatch and the
// simple commands are in client_command.cc.
#ifndef PDFS_MOUNTD_CLIENT_TOOLS_H_
#define PDFS_MOUNTD_CLIENT_TOOLS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pdfs/http/stream_client.h"

namespace pdfs::mountd {

using http::StreamClient;

// Prints "pdfs CMD: MESSAGE" on stderr, one line.
void ReportError(std::string_view cmd, std::string_view message);

// Write to stdout through stdio. If the reader has gone (EPIPE), the process
// ends as it would by SIGPIPE, like cat in `pdfs get ... | head`; the client
// tools must ignore SIGPIPE because httplib writes to sockets without
// MSG_NOSIGNAL. Other failures return a Status naming errno.
Status WriteOut(std::string_view bytes);
Status FlushOut();

// pdfs write TOPIC: appends the documents on stdin, printing each location.
// Returns the exit status.
int RunWriteCommand(StreamClient& client, const std::string& topic, size_t batch_docs);

// pdfs follow TOPIC: prints documents as they are appended, from `from` (or
// the topic's end) until SIGINT/SIGTERM. Returns the exit status.
int RunFollowCommand(StreamClient& client, const std::string& topic, std::optional<uint64_t> from,
                     uint64_t wait_seconds);

// pdfs publish TOPIC: publishes each line of stdin (a JSON value) as a
// Katar message, printing each offset. Returns the exit status.
int RunPublishCommand(StreamClient& client, const std::string& topic, size_t batch_messages);

struct SubscribeOptions {
  std::string group;              // empty: no group, nothing is committed
  std::optional<uint64_t> from;   // the first offset, instead of the group's
  uint64_t max = 1000;            // messages per pull
  uint64_t wait_seconds = 30;     // long-poll
  std::optional<uint64_t> count;  // end after this many messages
  bool envelope = false;          // print {"offset","timestamp","value"}
};
// pdfs subscribe TOPIC: prints messages as JSON Lines as they come,
// committing the group's offset after each pull is printed, until
// SIGINT/SIGTERM or `count`. Returns the exit status.
int RunSubscribeCommand(StreamClient& client, const std::string& topic,
                        const SubscribeOptions& options);

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_CLIENT_TOOLS_H_
