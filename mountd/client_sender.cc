// BatchSender: see client_sender.h.
#include "client_sender.h"

#include <poll.h>
#include <unistd.h>

#include "client_tools.h"

namespace pdfs::mountd {

bool StdinReady() {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

Status BatchSender::Send(const std::vector<std::string_view>& items) {
  std::string body;
  for (size_t i = 0; i < items.size();) {
    body.assign("[");
    size_t n = 0;
    while (i + n < items.size() && n < batch_items_ &&
           (n == 0 || body.size() + items[i + n].size() + 2 <= kBatchBytes)) {
      if (n > 0) body.push_back(',');
      body.append(items[i + n]);
      ++n;
    }
    body.push_back(']');
    Result<std::vector<uint64_t>> locations = send_(body, n);
    if (!locations.ok()) {
      // The request went out but no answer came: it may have been stored.
      if (locations.status().IsIOError()) unknown_ = n;
      return locations.status();
    }
    if (Status s = Print(*locations); !s.ok()) return s;
    i += n;
  }
  return Status::Ok();
}

std::string BatchSender::Items(uint64_t n) const {
  return n == 1 ? "1 " + noun_ : std::to_string(n) + " " + noun_ + "s";
}

std::string BatchSender::Summary() const {
  const std::string unknown = Items(unknown_);
  if (stored_ == 0) {
    if (unknown_ == 0) return "no " + noun_ + " from stdin was stored";
    return "the first " + unknown + " from stdin may or may not have been stored, as the " +
           "answer was lost";
  }
  std::string s = stored_ == 1 ? "the first " + noun_ + " from stdin was stored"
                               : "the first " + Items(stored_) + " from stdin were stored";
  s += " (" + Locations() + ")";
  if (unknown_ > 0) {
    return s + "; the next " + unknown + " may or may not have been, as the answer was lost";
  }
  return s + ", none after " + (stored_ == 1 ? "it" : "them");
}

Status BatchSender::Print(const std::vector<uint64_t>& locations) {
  std::string out;
  for (uint64_t l : locations) {
    if (stored_ > 0 && l != last_ + 1) contiguous_ = false;
    if (stored_ == 0) first_ = l;
    last_ = l;
    ++stored_;
    out += std::to_string(l);
    out += '\n';
  }
  // Flushed per request: a caller reading locations should see them as soon
  // as the items are stored.
  if (Status s = WriteOut(out); !s.ok()) return s;
  return FlushOut();
}

std::string BatchSender::Locations() const {
  if (!contiguous_) return "their " + place_ + "s are on stdout";
  if (stored_ == 1) return place_ + " " + std::to_string(first_);
  return place_ + "s " + std::to_string(first_) + "-" + std::to_string(last_);
}

}  // namespace pdfs::mountd
