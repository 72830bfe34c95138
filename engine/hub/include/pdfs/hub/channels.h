// Hub channels: administration (list, get, create, upsert, patch, delete)
// and single inserts, protocol-neutral; the routes parse requests, call
// these and format the answers.
//
// A channel is a pdfs topic. Every user topic whose name is a valid channel
// name (1-48 of [A-Za-z0-9_-]) is a channel, whichever face made it, and a
// channel made here is a topic every face sees. Topics are case-sensitive;
// the Hub looks names up case-insensitively. ResolveChannel bridges the
// two without ever guessing: an exact match wins, else the one topic that
// matches ignoring case, and two such topics are a Conflict naming both.
// For the same reason a channel cannot be created under a name that
// differs only in case from an existing topic.
//
// Thread safety: every function may be called concurrently (they use the
// Store's thread-safe methods; configuration changes are compare-and-set).
#ifndef PDFS_ENGINE_HUB_CHANNELS_H_
#define PDFS_ENGINE_HUB_CHANNELS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pdfs/hub/channel_config.h"
#include "pdfs/hub/keys.h"
#include "pdfs/hub/multipart.h"
#include "pdfs/status.h"
#include "pdfs/store.h"

namespace pdfs::hub {

// One channel as the Hub shows it. A value type.
struct ChannelView {
  std::string name;  // the topic's name, in its own case
  ChannelConfig config;
  TopicMeta meta;
};

// The topic that `name` (as a client wrote it) names: NotFound if none;
// InvalidArgument for a name that is not a channel name; Conflict if
// several topics match it ignoring case and none exactly.
Result<std::string> ResolveChannel(Store& store, std::string_view name);

// Every user topic that is a channel, sorted by name.
std::vector<std::string> ListChannels(Store& store);

// NotFound if the channel does not exist; InvalidArgument for a bad name or
// a configuration this face cannot show.
Result<ChannelView> GetChannel(Store& store, std::string_view name);

// POST /channel: creates the channel named by the body's "name" with the
// config `body` (channel_config.h). AlreadyExists if a topic of that name
// exists in any case; InvalidArgument for a missing or bad name or config.
Result<ChannelView> CreateChannel(Store& store, std::string_view body, const Requester& who);

// PUT /channel/{name}: creates the channel, or changes the fields the body
// names. `created` says which.
struct UpsertedChannel {
  ChannelView view;
  bool created = false;
};
Result<UpsertedChannel> PutChannel(Store& store, std::string_view name, std::string_view body,
                                   const Requester& who);

// PATCH /channel/{name}: changes the fields the body names. NotFound if it
// does not exist.
Result<ChannelView> PatchChannel(Store& store, std::string_view name, std::string_view body,
                                 const Requester& who);

// Deletes the channel and every item. NotFound if it does not exist;
// PermissionDenied for a protected channel unless `who` is local.
Status DeleteChannel(Store& store, std::string_view name, const Requester& who);

// Where an inserted item went. A value type.
struct InsertedItem {
  std::string channel;  // the topic's name
  uint64_t location = 0;
  int64_t time_ms = 0;  // the time of its key: its append time, if live
  std::string hash;     // a historical item's own hash; empty if live
  ContentKey key() const {
    return hash.empty() ? KeyOf(time_ms, location) : ContentKey{time_ms, hash};
  }
};

// Stores one item of `content_type` (empty: application/octet-stream, as
// the Hub) in the channel. NotFound if it does not exist; PermissionDenied
// for a channel that replicates from another hub (only replication writes
// it); InvalidArgument for zero bytes when the channel does not allow them,
// or a bad content type; TooLarge over the topic's (or the store's) item
// limit.
Result<InsertedItem> InsertItem(Store& store, std::string_view name, std::string_view content_type,
                                std::string_view data);

// POST /channel/{name}/Y/M/D/h/m/s/ms[/hash]: stores one item of a
// historical channel under the key {time_ms, hash} (an empty hash: a
// random one, RandomHash), in its index (keys.h). PermissionDenied if the
// channel has no mutableTime; InvalidArgument if time_ms is after it;
// AlreadyExists if an item has that key (live or historical); Conflict if
// other appends to the channel kept winning the race for its next location
// (uniqueness is checked against the location the item will take); the
// errors of InsertItem otherwise. REQUIRES: `hash` empty or 1-64 of
// [0-9A-Za-z] (ParseTimePath checks it).
Result<InsertedItem> InsertHistorical(Store& store, std::string_view name, int64_t time_ms,
                                      std::string_view hash, std::string_view content_type,
                                      std::string_view data);

// Where a bulk insert went: `count` consecutive locations from
// `first_location`, all appended at `time_ms`. A value type.
struct InsertedBulk {
  std::string channel;  // the topic's name
  uint64_t first_location = 0;
  size_t count = 0;
  int64_t time_ms = 0;
};

// POST /channel/{name}/bulk: stores every part as one item of its content
// type, in order, in ONE atomic append (all or nothing). The errors of
// InsertItem for any part (the part named, numbered from 1), and
// InvalidArgument for no parts, or a part with a Content-Key (pdfs computes
// keys from locations; keys given by a client are for replication, which is
// not served yet).
Result<InsertedBulk> InsertBulk(Store& store, std::string_view name,
                                const std::vector<BulkPart>& parts);

// POST /provider: as InsertItem, but a channel that does not exist is first
// created with the Hub's defaults (a concurrent creation is fine).
// InvalidArgument for a bad name; otherwise the errors of InsertItem.
Result<InsertedItem> ProvideItem(Store& store, std::string_view name, std::string_view content_type,
                                 std::string_view data);

}  // namespace pdfs::hub

#endif  // PDFS_ENGINE_HUB_CHANNELS_H_
