// Follower: see follower.h.
#include "follower.h"

#include <cerrno>
#include <deque>
#include <limits>

namespace pdfs::fs {

namespace {

struct WaitingRead {
  std::unique_ptr<PendingRead> read;
  size_t size = 0;
  const void* key = nullptr;
  bool interrupted = false;
};

constexpr uint64_t kUnset = std::numeric_limits<uint64_t>::max();

}  // namespace

// One open follow file.
class FollowStream {
 public:
  FollowStream(std::string t, uint64_t id) : topic(std::move(t)), topic_id(id) {}

  // Fixed after construction.
  const std::string topic;
  const uint64_t topic_id;

  // Guarded by Follower::mu_.
  uint64_t next = kUnset;   // the location of the next document to deliver
  uint64_t skip = 0;        // bytes of that document's line already delivered
  uint64_t generation = 0;  // bumped whenever a change moves next or ends the stream
  bool gone = false;        // the topic was deleted
  std::deque<WaitingRead> reads;
};

Follower::Follower(Backend* backend) : backend_(backend) {
  thread_ = std::thread([this] { Loop(); });
}

Follower::~Follower() { Shutdown(); }

FsResult<std::shared_ptr<FollowStream>> Follower::Open(const std::string& topic,
                                                       uint64_t topic_id) {
  auto stream = std::make_shared<FollowStream>(topic, topic_id);
  // Registered before the end is read, so a truncation in between clamps
  // the position instead of being missed.
  {
    std::lock_guard<std::mutex> lock(mu_);
    by_topic_[topic_id].insert(stream);
  }
  Result<TopicMeta> meta = backend_->StatTopic(topic);
  std::lock_guard<std::mutex> lock(mu_);
  if (!meta.ok() || meta->id != topic_id) {
    auto it = by_topic_.find(topic_id);
    it->second.erase(stream);
    if (it->second.empty()) by_topic_.erase(it);
    return Errno(ENOENT, "topic \"" + topic + "\" no longer exists");
  }
  stream->next = std::min(stream->next, meta->count);
  return stream;
}

void Follower::Close(const std::shared_ptr<FollowStream>& stream) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_topic_.find(stream->topic_id);
  if (it != by_topic_.end()) {
    it->second.erase(stream);
    if (it->second.empty()) by_topic_.erase(it);
  }
  ready_.erase(stream);
}

void Follower::Read(const std::shared_ptr<FollowStream>& stream, size_t size, const void* key,
                    std::unique_ptr<PendingRead> read) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!shutdown_) {
      stream->reads.push_back(WaitingRead{std::move(read), size, key, false});
      by_key_[key] = stream;
      ready_.insert(stream);
      wake_.notify_one();
      return;
    }
  }
  read->Reply({});
}

void Follower::Interrupt(const void* key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  for (WaitingRead& w : it->second->reads) {
    if (w.key == key) w.interrupted = true;
  }
  ready_.insert(it->second);
  wake_.notify_one();
}

void Follower::OnChange(const ChangeEvent& event) {
  using Kind = ChangeEvent::Kind;
  if (event.kind == Kind::kTopicCreated) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_topic_.find(event.topic_id);
  if (it == by_topic_.end()) return;
  bool woke = false;
  for (const std::shared_ptr<FollowStream>& s : it->second) {
    switch (event.kind) {
      case Kind::kTopicCreated:
      case Kind::kAppended:
        break;
      case Kind::kTruncated:
        // Locations from `from` on will be assigned again; deliver them.
        if (s->next > event.from || (s->next == event.from && s->skip > 0)) {
          s->next = event.from;
          s->skip = 0;
          ++s->generation;
        }
        break;
      case Kind::kTrimmed:
        if (s->next < event.to) {
          s->next = event.to;
          s->skip = 0;
          ++s->generation;
        }
        break;
      case Kind::kTopicDeleted:
        s->gone = true;
        ++s->generation;
        break;
    }
    if (!s->reads.empty()) {
      ready_.insert(s);
      woke = true;
    }
  }
  if (woke) wake_.notify_one();
}

void Follower::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    wake_.notify_one();
  }
  std::lock_guard<std::mutex> join_lock(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void Follower::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return shutdown_ || !ready_.empty(); });
    if (shutdown_) break;
    std::set<std::shared_ptr<FollowStream>> batch;
    batch.swap(ready_);
    for (const std::shared_ptr<FollowStream>& stream : batch) Serve(stream, lock);
  }
  // Shutting down: every waiting read ends with end of file, so `cat`
  // exits instead of holding the mount busy.
  std::vector<std::unique_ptr<PendingRead>> ending;
  for (auto& [id, streams] : by_topic_) {
    for (const std::shared_ptr<FollowStream>& s : streams) {
      for (WaitingRead& w : s->reads) ending.push_back(std::move(w.read));
      s->reads.clear();
    }
  }
  by_key_.clear();
  ready_.clear();
  lock.unlock();
  for (std::unique_ptr<PendingRead>& read : ending) read->Reply({});
}

void Follower::Serve(const std::shared_ptr<FollowStream>& s, std::unique_lock<std::mutex>& lock) {
  // Only this thread removes waiting reads, so the front stays the front
  // while mu_ is dropped (a deque keeps references on push_back).
  auto finish = [&](auto&& answer) {
    WaitingRead done = std::move(s->reads.front());
    s->reads.pop_front();
    by_key_.erase(done.key);
    lock.unlock();
    answer(*done.read);
    lock.lock();
  };
  while (!s->reads.empty()) {
    WaitingRead& front = s->reads.front();
    if (front.interrupted || front.read->Interrupted()) {
      finish([](PendingRead& r) { r.Fail(EINTR); });
      continue;
    }
    if (s->gone) {
      finish([](PendingRead& r) { r.Reply({}); });
      continue;
    }
    uint64_t next = s->next, skip = s->skip;
    const uint64_t generation = s->generation;
    const size_t size = front.size;
    lock.unlock();
    std::string data;
    Status status = Fill(*s, size, &next, &skip, &data);
    lock.lock();
    if (s->generation != generation) continue;  // moved meanwhile: read again
    if (!status.ok()) {
      if (status.IsNotFound()) {
        s->gone = true;
      } else {
        finish([&](PendingRead& r) { r.Fail(ErrnoFor(status.code())); });
      }
      continue;
    }
    if (data.empty()) break;  // nothing yet; an append will wake us
    s->next = next;
    s->skip = skip;
    finish([&](PendingRead& r) { r.Reply(data); });
  }
}

Status Follower::Fill(const FollowStream& stream, size_t size, uint64_t* next, uint64_t* skip,
                      std::string* out) {
  Result<TopicMeta> meta = backend_->StatTopic(stream.topic);
  if (!meta.ok()) return meta.status();
  if (meta->id != stream.topic_id) {
    return Status::NotFound("topic \"" + stream.topic + "\" was deleted");
  }
  if (meta->count <= *next || size == 0) return Status::Ok();
  Result<std::unique_ptr<RangeReader>> reader = backend_->Read(stream.topic, *next, meta->count);
  if (!reader.ok()) return reader.status();
  while (out->size() < size) {
    const Record* r = (*reader)->Next();
    if (r == nullptr) break;
    if (r->location != *next) {  // trimmed from the front meanwhile
      *next = r->location;
      *skip = 0;
    }
    const size_t line = r->data.size() + 1;
    const size_t take = std::min<size_t>(line - *skip, size - out->size());
    const size_t from_data =
        *skip < r->data.size() ? std::min<size_t>(take, r->data.size() - *skip) : 0;
    out->append(r->data, *skip, from_data);
    if (from_data < take) out->push_back('\n');
    if (*skip + take == line) {
      ++*next;
      *skip = 0;
    } else {
      *skip += take;
    }
  }
  return (*reader)->status();
}

}  // namespace pdfs::fs
