// pdfs publish TOPIC: each line of stdin is one message (JSON Lines: any
// JSON value, one per line; blank lines are skipped), published in bounded
// atomic batches (client_sender.h says how they are sent and what is
// printed: each message's offset, in input order).
//
// A line that is not JSON ends the command: the messages before it are
// published, nothing from it on, and the message names the line. Lines are
// judged here, so that a bad one is named by its line number rather than by
// its place in a batch the server refused as a whole.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "client_sender.h"
#include "client_tools.h"

namespace pdfs::mountd {
namespace {

// A message is at most the server's body limit; a line longer than this,
// still without its newline, is refused rather than held in memory.
constexpr size_t kMaxLineBytes = size_t{64} << 20;

// The line without surrounding whitespace (and a CR of CRLF input).
std::string_view Trimmed(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

}  // namespace

int RunPublishCommand(StreamClient& client, const std::string& topic, size_t batch_messages) {
  BatchSender sender(
      [&](const std::string& array, size_t n) { return client.Publish(topic, array, n); },
      batch_messages, "message", "offset");
  auto fail = [&](const Status& s) {
    ReportError("publish", s.message() + "; " + sender.Summary());
    return 1;
  };
  std::string input;         // read and not yet sent; starts at the start of a line
  size_t newlines = 0;       // in `input`
  uint64_t line_number = 0;  // of the last line sent
  std::vector<char> buf(kReadBytes);
  for (;;) {
    const ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return fail(Status::IOError(std::string("cannot read stdin: ") + std::strerror(errno)));
    }
    const bool at_end = n == 0;
    input.append(buf.data(), static_cast<size_t>(n));
    newlines += static_cast<size_t>(std::count(buf.data(), buf.data() + n, '\n'));
    // The complete lines, all of the input at its end.
    const size_t last_newline = input.rfind('\n');
    const size_t complete =
        at_end ? input.size() : (last_newline == std::string::npos ? 0 : last_newline + 1);
    if (input.size() - complete > kMaxLineBytes) {
      return fail(Status::TooLarge("line " + std::to_string(line_number + 1) +
                                   " of stdin is longer than " + std::to_string(kMaxLineBytes) +
                                   " bytes"));
    }
    const bool send_now = at_end || newlines >= batch_messages || complete >= kBatchBytes ||
                          (complete > 0 && !StdinReady());
    if (send_now) {
      std::vector<std::string_view> items;
      Status taken;
      for (size_t pos = 0; pos < complete;) {
        const size_t end = std::min(input.find('\n', pos), complete);
        const std::string_view line = Trimmed(std::string_view(input).substr(pos, end - pos));
        pos = end + 1;
        ++line_number;
        if (line.empty()) continue;
        if (!nlohmann::json::accept(line)) {
          taken = Status::InvalidArgument("line " + std::to_string(line_number) +
                                          " of stdin is not a JSON value");
          break;
        }
        items.push_back(line);
      }
      // The lines before a bad one are published, as `pdfs write` stores the
      // documents before invalid JSON.
      if (Status s = sender.Send(items); !s.ok()) return fail(s);
      if (!taken.ok()) return fail(taken);
      input.erase(0, complete);
      newlines = 0;
    }
    if (at_end) return 0;
  }
}

}  // namespace pdfs::mountd
