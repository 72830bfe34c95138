// Katar subscribe: pulling messages from an offset or as a consumer group,
// long-polling, and committing a group's offset.
//
// Consumer groups. A group's position in a topic is a record of the
// collection kOffsetsCollection under the key "<group>/<topic>", value
// {"offset": next offset to read, "topic_id": the topic's id}. It is as
// durable as an append (the store's sync), survives restarts, and is
// changed only by compare-and-set that never moves it backwards: of two
// racing committers the larger offset stays. A record naming another topic
// id (the topic was deleted and created again) counts as no commit.
//
// Delivery guarantee: at-least-once. A pull never moves the group; only
// CommitOffset does. A consumer that pulls, processes and then commits
// next_offset gets every message at least once, and after a crash or
// restart gets again exactly the messages after its last commit.
//
// Where a group starts: at its committed offset; with none, at the topic's
// first stored message (the earliest: nothing published before the group
// existed is skipped). Retention may since have removed the committed
// offset: the pull then starts at the topic's `first` and says so
// (reset = true, reset_from = the offset that was gone); the group's
// record moves only when the consumer commits.
//
// Thread safety: every function may be called concurrently from any thread.
#ifndef PDFS_ENGINE_KATAR_SUBSCRIBE_H_
#define PDFS_ENGINE_KATAR_SUBSCRIBE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::katar {

inline constexpr std::string_view kOffsetsCollection = ".katar.offsets";
inline constexpr size_t kMaxGroupNameBytes = 128;
inline constexpr size_t kMaxPullMessages = 10000;
inline constexpr std::chrono::milliseconds kMaxWait = std::chrono::seconds(60);

// OK iff `group` is 1-128 bytes of A-Z a-z 0-9 _ - . ; InvalidArgument
// otherwise.
Status ValidateGroupName(std::string_view group);

// What to pull. A value type.
struct PullRequest {
  std::string topic;
  // Read from here; if absent, from `group`'s committed offset.
  std::optional<uint64_t> offset;
  std::string group;                  // may be empty when `offset` is given
  size_t max_messages = 100;          // 1 .. kMaxPullMessages
  uint64_t max_bytes = 1 << 20;       // >= 1; the first message is returned whatever its size
  std::chrono::milliseconds wait{0};  // 0 .. kMaxWait: how long to wait for a first message
};

// One message pulled. A value type.
struct PulledMessage {
  uint64_t offset = 0;
  int64_t timestamp_ms = 0;  // append time
  std::string content_type;  // application/json for every message Katar published
  std::string data;          // the stored bytes: the JSON value for Katar's messages
};

// The outcome of a pull. A value type.
struct PullResult {
  std::string topic;
  std::vector<PulledMessage> messages;
  // The offset after the last message returned (or where the pull started,
  // if none): the next pull's offset, and what a group commits once it has
  // processed these messages.
  uint64_t next_offset = 0;
  uint64_t first = 0;  // the topic's lowest stored offset
  uint64_t count = 0;  // the topic's next offset to be written
  // The offset asked for (or committed) was no longer stored, or beyond the
  // end of a topic cut since: the pull started at `first` (or the end).
  bool reset = false;
  uint64_t reset_from = 0;
};

// Pulls up to max_messages / max_bytes messages. With `wait` and nothing to
// read yet, waits until a message arrives or the wait is over (then
// returns none). Fails with InvalidArgument for a bad topic or group name,
// neither offset nor group, out-of-range max_messages, max_bytes or wait, or
// an explicit offset past the topic's end; NotFound if the topic does not
// exist (or is deleted while waiting); Unavailable when the store shuts
// down.
Result<PullResult> Pull(Store& store, const PullRequest& request);

// The outcome of CommitOffset. A value type.
struct CommittedOffset {
  uint64_t offset = 0;  // the group's offset after the call
  bool moved = false;   // false: it already stood at or past the offset given
};

// Sets `group`'s offset in `topic` to `offset` (the next offset it will
// read), unless it already stands at or past it. InvalidArgument for bad
// names or an offset past the topic's end; NotFound if the topic does not
// exist.
Result<CommittedOffset> CommitOffset(Store& store, std::string_view group, std::string_view topic,
                                     uint64_t offset);

// The group's committed offset in `topic`. NotFound if it has none (never
// committed, or committed for a deleted topic of that name).
Result<uint64_t> GetCommittedOffset(Store& store, std::string_view group, std::string_view topic);

}  // namespace pdfs::katar

#endif  // PDFS_ENGINE_KATAR_SUBSCRIBE_H_
