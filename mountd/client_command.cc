// The client tools: `pdfs topics|stat|get|write|truncate|delete|follow`
// (the stream API) and `pdfs publish|subscribe` (Katar). This file parses
// their command lines, opens the StreamClient and runs the simple commands;
// write, follow, publish and subscribe have files of their own.
//
// Exit status: 0 success, 1 the server or the network failed (the message is
// the server's own sentence when it sent one), 2 the command line is wrong.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "args.h"
#include "client_tools.h"
#include "commands.h"
#include "defaults.h"
#include "pdfs/http/stream_client.h"

namespace pdfs::mountd {

// Each command's block starts with "  pdfs NAME"; UsageOf() cuts it out for
// usage errors, so keep that shape.
const char kClientHelp[] =
    "  pdfs topics [--json] [--url URL]\n"
    "      List the topics with their document count and size in bytes.\n"
    "  pdfs stat TOPIC [--json] [--url URL]\n"
    "      Show one topic's document count and size in bytes.\n"
    "  pdfs get TOPIC LOCATION|START-END|START- [--limit N] [--url URL]\n"
    "      Print documents as JSON Lines, byte for byte as stored (END is inclusive).\n"
    "  pdfs write TOPIC [--batch N] [--url URL] < DOCUMENTS\n"
    "      Append the JSON objects on stdin (one per line, concatenated, pretty-printed,\n"
    "      or one array) in requests of at most N (default 1000) documents and 1 MiB;\n"
    "      print each assigned location on a line of its own. At invalid JSON, the\n"
    "      documents before it are stored and nothing from it on.\n"
    "  pdfs truncate TOPIC LOCATION [--json] [--url URL]\n"
    "      Remove LOCATION and every later document; print the topic's new metadata.\n"
    "  pdfs delete TOPIC [--json] [--url URL]\n"
    "      Delete the topic and all its documents.\n"
    "  pdfs follow TOPIC [--from N | --from-end] [--wait SECONDS] [--url URL]\n"
    "      Print documents as they are appended, from the current end or location N,\n"
    "      until SIGINT/SIGTERM, long-polling SECONDS (default 30) at a time.\n"
    "  pdfs publish TOPIC [--batch N] [--url URL] < MESSAGES\n"
    "      Publish each line of stdin (any JSON value) as a Katar message, in atomic\n"
    "      batches of at most N (default 1000) messages and 1 MiB; print each offset\n"
    "      on a line of its own. At a line that is not JSON, the messages before it\n"
    "      are published and nothing from it on.\n"
    "  pdfs subscribe TOPIC (--group G [--from N] | --from N) [--max N] [--wait SECONDS]\n"
    "                 [--count N] [--envelope] [--url URL]\n"
    "      Print messages as JSON Lines as they are published, long-polling SECONDS\n"
    "      (default 30) at a time, until SIGINT/SIGTERM or N messages (--count). With\n"
    "      --group, start at the group's committed offset (or --from) and commit after\n"
    "      printing: at least once, a restart gets the messages after the last commit.\n"
    "      --envelope prints {\"offset\",\"timestamp\",\"value\"} instead of the value.\n"
    "  The server is --url URL, else $PDFS_URL, else http://127.0.0.1:9080.\n";

static_assert(std::string_view(kDefaultUrl) == "http://127.0.0.1:9080",
              "kClientHelp names the default URL");

namespace {

constexpr size_t kDefaultBatchDocs = 1000;
// Far beyond where larger batches stop paying; the 1 MiB body cap in
// client_write.cc applies in any case.
constexpr uint64_t kMaxBatchDocs = 100000;
constexpr uint64_t kDefaultWaitSeconds = 30;
// The server's limits (docs/KATAR.md): at most this many messages per pull,
// and a long-poll of at most a minute.
constexpr uint64_t kMaxPullMessages = 10000;
constexpr uint64_t kMaxPullWaitSeconds = 60;

// One invocation of a client command, parsed.
struct Invocation {
  std::string cmd;
  Args args;
  std::vector<std::string> operands;  // positionals after the command name
  std::unique_ptr<StreamClient> client;
};

// The block of kClientHelp for `cmd`, plus the closing lines every command
// shares.
std::string UsageOf(const std::string& cmd) {
  const std::string_view help = kClientHelp;
  const std::string head = "  pdfs " + cmd + " ";
  std::string usage;
  bool in_block = false;
  for (size_t pos = 0; pos < help.size();) {
    const size_t end = help.find('\n', pos) + 1;
    const std::string_view line = help.substr(pos, end - pos);
    pos = end;
    if (!line.starts_with("      ")) {
      in_block = line.starts_with(head) || !line.starts_with("  pdfs ");
    }
    if (in_block) usage += line;
  }
  return usage;
}

int UsageError(const std::string& cmd, const std::string& message) {
  std::fprintf(stderr, "pdfs %s: %s\nusage:\n%s", cmd.c_str(), message.c_str(),
               UsageOf(cmd).c_str());
  return 2;
}

int Fail(const Invocation& in, const Status& status) {
  ReportError(in.cmd, status.message());
  return 1;
}

// Stdout errors end a command as failures of their own.
int Finish(const Invocation& in, Status out) {
  if (out.ok()) out = FlushOut();
  return out.ok() ? 0 : Fail(in, out);
}

// The server's JSON as it sent it, on a line of its own.
int PrintJson(const Invocation& in, const std::string& json) {
  Status s = WriteOut(json);
  if (s.ok() && (json.empty() || json.back() != '\n')) s = WriteOut("\n");
  return Finish(in, s);
}

// TOPIC, COUNT and SIZE in aligned columns, numbers right-aligned.
int PrintTable(const Invocation& in, const std::vector<TopicMeta>& topics) {
  size_t name_width = 5, count_width = 5, size_width = 4;
  for (const TopicMeta& t : topics) {
    name_width = std::max(name_width, t.topic.size());
    count_width = std::max(count_width, std::to_string(t.count).size());
    size_width = std::max(size_width, std::to_string(t.size).size());
  }
  auto row = [&](const std::string& name, const std::string& count, const std::string& size) {
    return name + std::string(name_width - name.size() + 2 + count_width - count.size(), ' ') +
           count + std::string(2 + size_width - size.size(), ' ') + size + "\n";
  };
  std::string out = row("TOPIC", "COUNT", "SIZE");
  for (const TopicMeta& t : topics) {
    out += row(t.topic, std::to_string(t.count), std::to_string(t.size));
  }
  return Finish(in, WriteOut(out));
}

// LOCATION is digits; a range is digits '-' and optionally digits. The server
// judges the numbers; this only keeps other text out of the path and gives
// a usage error for what is plainly not a location.
bool IsLocationSpec(const std::string& spec, bool allow_range) {
  const size_t dash = spec.find('-');
  if (dash != std::string::npos && !allow_range) return false;
  const std::string start = spec.substr(0, dash);
  const std::string end = dash == std::string::npos ? "" : spec.substr(dash + 1);
  auto digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return !start.empty() && digits(start) && digits(end);
}

int Topics(Invocation& in) {
  std::string json;
  Result<std::vector<TopicMeta>> topics = in.client->ListTopics(&json);
  if (!topics.ok()) return Fail(in, topics.status());
  return in.args.Has("json") ? PrintJson(in, json) : PrintTable(in, *topics);
}

int Stat(Invocation& in) {
  std::string json;
  Result<TopicMeta> meta = in.client->Stat(in.operands[0], &json);
  if (!meta.ok()) return Fail(in, meta.status());
  return in.args.Has("json") ? PrintJson(in, json) : PrintTable(in, {*meta});
}

int Get(Invocation& in) {
  const std::string& topic = in.operands[0];
  const std::string& spec = in.operands[1];
  if (!IsLocationSpec(spec, /*allow_range=*/true)) {
    return UsageError(in.cmd, "\"" + spec + "\" is not a location or a range (N, A-B or A-)");
  }
  const bool range = spec.find('-') != std::string::npos;
  uint64_t limit = 0;
  if (!in.args.GetU64("limit", 0, &limit)) return UsageError(in.cmd, in.args.error());
  if (!range) {
    if (in.args.Has("limit")) return UsageError(in.cmd, "--limit applies to ranges only");
    Result<std::string> doc = in.client->GetDocument(topic, spec);
    if (!doc.ok()) return Fail(in, doc.status());
    *doc += '\n';
    return Finish(in, WriteOut(*doc));
  }
  StreamClient::RangeQuery query;
  query.spec = spec;
  if (in.args.Has("limit")) query.limit = limit;
  Status out;
  uint64_t received = 0;
  Status s = in.client->GetRange(
      topic, query,
      [&out](std::string_view lines, uint64_t) {
        out = WriteOut(lines);
        return out.ok();
      },
      &received);
  if (!out.ok()) return Fail(in, out);
  if (!s.ok()) {
    // What was printed stays printed; say how far it got.
    (void)FlushOut();
    std::string where = received > 0 ? " (after " + std::to_string(received) + " documents)" : "";
    return Fail(in, Status::IOError(s.message() + where));
  }
  return Finish(in, Status::Ok());
}

// --batch N, checked; 0 after a usage error (printed).
size_t BatchOption(Invocation& in) {
  uint64_t batch = 0;
  if (!in.args.GetU64("batch", kDefaultBatchDocs, &batch)) {
    UsageError(in.cmd, in.args.error());
    return 0;
  }
  if (batch < 1 || batch > kMaxBatchDocs) {
    UsageError(in.cmd, "--batch must be from 1 to " + std::to_string(kMaxBatchDocs));
    return 0;
  }
  return static_cast<size_t>(batch);
}

int Write(Invocation& in) {
  const size_t batch = BatchOption(in);
  return batch == 0 ? 2 : RunWriteCommand(*in.client, in.operands[0], batch);
}

int Publish(Invocation& in) {
  const size_t batch = BatchOption(in);
  return batch == 0 ? 2 : RunPublishCommand(*in.client, in.operands[0], batch);
}

int Subscribe(Invocation& in) {
  SubscribeOptions options;
  options.group = in.args.Get("group");
  uint64_t from = 0, count = 0;
  if (!in.args.GetU64("from", 0, &from) || !in.args.GetU64("max", options.max, &options.max) ||
      !in.args.GetU64("wait", kDefaultWaitSeconds, &options.wait_seconds) ||
      !in.args.GetU64("count", 0, &count)) {
    return UsageError(in.cmd, in.args.error());
  }
  if (in.args.Has("group") && options.group.empty()) {
    return UsageError(in.cmd, "the group name is empty");
  }
  if (options.group.empty() && !in.args.Has("from")) {
    return UsageError(in.cmd, "say where to start: --group G, --from N, or both");
  }
  if (options.max < 1 || options.max > kMaxPullMessages) {
    return UsageError(in.cmd, "--max must be from 1 to " + std::to_string(kMaxPullMessages));
  }
  if (options.wait_seconds < 1 || options.wait_seconds > kMaxPullWaitSeconds) {
    return UsageError(
        in.cmd, "--wait must be from 1 to " + std::to_string(kMaxPullWaitSeconds) + " seconds");
  }
  if (in.args.Has("count") && count < 1) return UsageError(in.cmd, "--count must be at least 1");
  if (in.args.Has("from")) options.from = from;
  if (in.args.Has("count")) options.count = count;
  options.envelope = in.args.Has("envelope");
  return RunSubscribeCommand(*in.client, in.operands[0], options);
}

int Truncate(Invocation& in) {
  const std::string& location = in.operands[1];
  if (!IsLocationSpec(location, /*allow_range=*/false)) {
    return UsageError(in.cmd, "\"" + location + "\" is not a location (a whole number)");
  }
  std::string json;
  Result<TopicMeta> meta = in.client->Truncate(in.operands[0], location, &json);
  if (!meta.ok()) return Fail(in, meta.status());
  return in.args.Has("json") ? PrintJson(in, json) : PrintTable(in, {*meta});
}

int Delete(Invocation& in) {
  std::string json;
  if (Status s = in.client->DeleteTopic(in.operands[0], &json); !s.ok()) return Fail(in, s);
  return in.args.Has("json") ? PrintJson(in, json) : 0;
}

int Follow(Invocation& in) {
  if (in.args.Has("from") && in.args.Has("from-end")) {
    return UsageError(in.cmd, "--from and --from-end exclude each other");
  }
  uint64_t from = 0, wait = 0;
  if (!in.args.GetU64("from", 0, &from) || !in.args.GetU64("wait", kDefaultWaitSeconds, &wait)) {
    return UsageError(in.cmd, in.args.error());
  }
  if (wait < 1) return UsageError(in.cmd, "--wait must be at least 1 second");
  return RunFollowCommand(*in.client, in.operands[0],
                          in.args.Has("from") ? std::optional<uint64_t>(from) : std::nullopt, wait);
}

struct ClientCommand {
  const char* name;
  std::set<std::string> values;  // options with a value, besides --url
  std::set<std::string> flags;   // besides --help
  std::vector<const char*> operands;
  int (*run)(Invocation&);
};

const std::vector<ClientCommand>& Commands() {
  static const std::vector<ClientCommand> commands = {
      {"topics", {}, {"json"}, {}, Topics},
      {"stat", {}, {"json"}, {"TOPIC"}, Stat},
      {"get", {"limit"}, {}, {"TOPIC", "LOCATION or range"}, Get},
      {"write", {"batch"}, {}, {"TOPIC"}, Write},
      {"truncate", {}, {"json"}, {"TOPIC", "LOCATION"}, Truncate},
      {"delete", {}, {"json"}, {"TOPIC"}, Delete},
      {"follow", {"from", "wait"}, {"from-end"}, {"TOPIC"}, Follow},
      {"publish", {"batch"}, {}, {"TOPIC"}, Publish},
      {"subscribe", {"group", "from", "max", "wait", "count"}, {"envelope"}, {"TOPIC"}, Subscribe},
  };
  return commands;
}

// After a failed write to stdout, with errno from it.
Status StdoutError() {
  if (errno == EPIPE) {
    signal(SIGPIPE, SIG_DFL);
    raise(SIGPIPE);
  }
  return Status::IOError(std::string("cannot write to stdout: ") + std::strerror(errno));
}

}  // namespace

void ReportError(std::string_view cmd, std::string_view message) {
  std::fprintf(stderr, "pdfs %.*s: %.*s\n", static_cast<int>(cmd.size()), cmd.data(),
               static_cast<int>(message.size()), message.data());
}

Status WriteOut(std::string_view bytes) {
  if (bytes.empty() || std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size()) {
    return Status::Ok();
  }
  return StdoutError();
}

Status FlushOut() { return std::fflush(stdout) == 0 ? Status::Ok() : StdoutError(); }

int RunClient(int argc, char** argv) {
  const std::string name = argv[1];
  auto command = std::find_if(Commands().begin(), Commands().end(),
                              [&](const ClientCommand& c) { return name == c.name; });
  if (command == Commands().end()) return -1;

  std::set<std::string> values = command->values, flags = command->flags;
  values.insert("url");
  flags.insert("help");
  Invocation in{name, Args(values, flags, {{"h", "help"}}), {}, nullptr};
  if (!in.args.Parse(argc, argv, 2)) return UsageError(name, in.args.error());
  if (in.args.Has("help")) {
    std::printf("usage:\n%s", UsageOf(name).c_str());
    return 0;
  }
  in.operands = in.args.positionals();
  if (in.operands.size() < command->operands.size()) {
    return UsageError(name, std::string(command->operands[in.operands.size()]) + " is missing");
  }
  if (in.operands.size() > command->operands.size()) {
    return UsageError(name,
                      "unexpected argument \"" + in.operands[command->operands.size()] + "\"");
  }
  if (!command->operands.empty()) {
    if (Status s = StreamClient::CheckTopicArgument(in.operands[0]); !s.ok()) {
      return UsageError(name, s.message());
    }
  }

  // --url wins over $PDFS_URL, which wins over the default: the most specific
  // setting is the one typed on this command line.
  const char* env_url = std::getenv("PDFS_URL");
  std::string url = in.args.Get(
      "url", env_url != nullptr && env_url[0] != '\0' ? std::string(env_url) : kDefaultUrl);
  Result<std::unique_ptr<StreamClient>> client = StreamClient::Open(url);
  if (!client.ok()) return UsageError(name, client.status().message());
  in.client = std::move(client).value();

  // httplib 0.11.4 writes to sockets without MSG_NOSIGNAL: a server that
  // closes a connection must not kill us. WriteOut() restores the usual
  // SIGPIPE ending for a closed stdout.
  signal(SIGPIPE, SIG_IGN);
  return command->run(in);
}

}  // namespace pdfs::mountd
