// The Katar crash loop: the real `pdfs serve --data DIR --listen 127.0.0.1:0`
// with producers and three consumer groups at once on the Katar face
// (docs/KATAR.md), killed with SIGKILL at a random moment, started again on
// the same data directory, and checked — over and over.
//
// The workload, all at once:
//  - producers publishing to the topics k0 and k1 in the four forms:
//    POST /publish with one "message", with a batch of "messages" to one
//    topic, with "topics":[k0,k1] (a batch to both), and POST /publish/{t}
//    with one raw value; the values are objects, strings, numbers and
//    arrays, each unique (it names its producer, iteration and sequence);
//  - for each of the groups g0, g1 and g2 and each topic, one consumer
//    pulling (POST /subscribe with "group", "max", "wait":1) and committing
//    the answer's next_offset, mostly with POST /subscribe/commit,
//    sometimes with the next pull's "commit", sometimes not at all (so the
//    next pull gets the same messages again).
//
// What must hold after every restart (and at the end):
//  - no acknowledged message lost: every publish that got a 200 is at the
//    offsets its answer gave, with its exact value; every message a
//    consumer was given is still where it was given (a visible message is
//    a durable one); no message twice; the topic's count is its recount;
//  - every publish request entirely stored or not at all — also one cut
//    short by the kill, and also one to both topics (one atomic commit) —
//    and its messages at consecutive offsets, in the order sent;
//  - no committed offset lost or moved backwards: GET /subscribe/commit is
//    at least the last commit acknowledged before the kill, and at most the
//    last one sent;
//  - a consumer is only ever given messages at or after its group's last
//    acknowledged commit, starting exactly at the group's committed offset
//    (so after a restart it gets again exactly the messages after it);
// and after the last restart every group drains every topic to its end,
// having then been given every message of it at least once.
//
// PDFS_KATAR_CRASH_ITERATIONS (default 20) sets the number of kills and
// PDFS_CRASH_SEED the random seed (printed, for replaying a failure).
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "reliability/reliability_support.h"
#include "support/capped_report.h"
#include "support/pdfs_process.h"
#include "support/temp_dir.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kTopics = {"k0", "k1"};
const std::vector<std::string> kGroups = {"g0", "g1", "g2"};
constexpr int kProducers = 3;
// Reports of one kind of discrepancy beyond this many are only counted.
constexpr int kMaxReports = 25;

// A client with short timeouts, so that no thread waits long on a server
// gone wrong (a killed one closes its connections at once; a pull waits at
// most 1 s on the server; the rest is one fsync'ed commit away).
std::unique_ptr<httplib::Client> ShortClient(int port) {
  auto c = LoopbackClient(port, /*read_timeout_seconds=*/10);
  c->set_connection_timeout(2, 0);
  c->set_write_timeout(10, 0);
  return c;
}

std::string Describe(const httplib::Result& r) {
  return r ? std::to_string(r->status) + " " + r->body.substr(0, 300)
           : httplib::to_string(r.error());
}

// Producer p's value number s of iteration r, in one of four shapes; unique
// (every shape names p, r and s), and with text that must come back exactly.
json MakeValue(int p, uint64_t r, uint64_t s, std::mt19937_64& rng) {
  const std::string pad(rng() % 200, static_cast<char>('a' + s % 26));
  switch (rng() % 6) {
    case 0:
    case 1:
    case 2:
      return json{{"p", p},
                  {"r", r},
                  {"s", s},
                  {"pad", pad + "\"q\\ \n\t\u00e9\u2713"},
                  {"n", {{"a", json::array({1, -2, nullptr, true})}, {"b", json::object()}}}};
    case 3:
      return "p" + std::to_string(p) + ".r" + std::to_string(r) + ".s" + std::to_string(s) + " " +
             pad;
    case 4:
      return static_cast<uint64_t>(p) * 1000000000000ULL + r * 100000000ULL + s;
    default:
      return json::array({p, r, s, nullptr, false, pad});
  }
}

// One message as this test knows it: its topic and its value, canonical
// (nlohmann's dump of the parsed value: sorted keys, no spaces).
struct Message {
  std::string topic;
  std::string value;
};

// One publish request and what became of it.
struct PublishRecord {
  std::string kind;               // single, batch, both topics, raw
  std::vector<Message> messages;  // as the server stores them: topic by topic, in order
  bool acked = false;
  std::vector<uint64_t> offsets;  // each message's, if acked
  int outcome = -1;               // not acked: 1 stored, 0 not (after a restart)
};

// One consumer: a group reading one topic. Its fields outlive iterations.
struct Consumer {
  std::string group, topic;
  // The last commit acknowledged (200) — or read back after a restart.
  std::optional<uint64_t> acked_commit;
  // The last commit sent, acknowledged or not.
  std::optional<uint64_t> sent_commit;
  // The group's committed offset on the server as far as this consumer
  // knows (its only writer): where its next pull must start.
  uint64_t committed = 0;
  std::vector<uint8_t> delivered;  // by offset: given at least once
  uint64_t deliveries = 0, redeliveries = 0, pulls = 0, commits = 0;
};

class KatarCrashLoop {
 public:
  KatarCrashLoop() : seed_(EnvNumber("PDFS_CRASH_SEED", std::random_device{}())), rng_(seed_) {
    data_ = dir_.Sub("data");
    for (const std::string& g : kGroups) {
      for (const std::string& t : kTopics) {
        consumers_.push_back(std::make_unique<Consumer>());
        consumers_.back()->group = g;
        consumers_.back()->topic = t;
      }
    }
  }

  void Run(uint64_t iterations);

 private:
  void Start();
  void Workload(uint64_t iteration, std::chrono::milliseconds kill_after);
  void Producer(int id, uint64_t iteration, uint64_t seed, std::vector<PublishRecord>* out);
  bool Publish(httplib::Client& http, PublishRecord& rec, const std::string& topic,
               const std::vector<json>& values, const std::vector<std::string>& both);
  void ConsumerLoop(Consumer& c, uint64_t seed);
  // One pull (and maybe a commit). Sets *caught_up when the pull found
  // nothing new; false once a request failed.
  bool PullOnce(Consumer& c, httplib::Client& http, std::mt19937_64& rng, bool drain,
                std::optional<uint64_t>* pending_commit, bool* caught_up);
  bool Commit(Consumer& c, httplib::Client& http, uint64_t offset);
  void CheckAfterRestart();
  bool ReadTopic(httplib::Client& http, const std::string& topic, std::vector<std::string>* out);
  void CheckCommits(httplib::Client& http);
  void Drain();

  // A message seen at (topic, offset): by an acknowledgement, a pull or a
  // readback after a restart. Another value seen there before is a failure.
  void Known(const std::string& topic, uint64_t offset, const std::string& value,
             const char* source) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = known_[topic].try_emplace(offset, value);
    if (!inserted && it->second != value) {
      Report(&mismatches_) << topic << " offset " << offset << " held " << it->second << ", but "
                           << source << " shows " << value;
    }
  }
  // A failure while the server lives is a defect; after the kill, expected.
  void Unexpected(const std::string& what) {
    if (!killed_) ADD_FAILURE() << what;
  }
  // Counts one discrepancy of a kind and reports the first kMaxReports.
  testing::CappedReport Report(std::atomic<uint64_t>* counter) {
    return testing::ReportCapped(counter, kMaxReports);
  }

  const uint64_t seed_;
  std::mt19937_64 rng_;
  TempDir dir_;
  std::string data_;
  std::unique_ptr<PdfsServe> server_;
  int port_ = 0;
  std::atomic<bool> killed_{false};
  std::atomic<bool> stop_{false};

  std::mutex mu_;  // guards known_
  std::map<std::string, std::map<uint64_t, std::string>> known_;
  std::vector<PublishRecord> publishes_;  // every request sent, all iterations
  std::vector<std::unique_ptr<Consumer>> consumers_;
  std::map<std::string, uint64_t> counts_;  // each topic's count at the last check

  // Tallies for the report.
  std::atomic<uint64_t> acked_messages_{0}, acked_publishes_{0};
  std::atomic<uint64_t> lost_{0}, mismatches_{0}, torn_{0}, commit_errors_{0}, order_errors_{0};
  std::map<std::string, std::pair<int, int>> in_flight_;  // kind -> (stored, not stored)
  int commits_in_flight_applied_ = 0, commits_in_flight_not_ = 0;
};

void KatarCrashLoop::Start() {
  server_ = std::make_unique<PdfsServe>(PDFS_BINARY, data_);
  ASSERT_TRUE(server_->ok()) << server_->process().stderr_text();
  port_ = server_->port();
}

void KatarCrashLoop::Run(uint64_t iterations) {
  std::printf("katar crash loop: %llu iterations, seed %llu (PDFS_CRASH_SEED)\n",
              static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed_));
  const Clock::time_point t0 = Clock::now();
  Start();
  if (::testing::Test::HasFatalFailure()) return;
  {
    // The topics exist before the consumers' first pull (a pull of a
    // missing topic is a 404); they are made through the Katar face.
    auto http = ShortClient(port_);
    for (const std::string& t : kTopics) {
      auto r = http->Post(("/topic/" + t).c_str(), "", "application/json");
      ASSERT_TRUE(r && r->status == 201) << Describe(r);
      ASSERT_EQ(json::parse(r->body)["topic"], t);
    }
  }
  uint64_t kills = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    const auto kill_after = std::chrono::milliseconds(200 + rng_() % 2300);
    Workload(i, kill_after);
    ++kills;
    if (::testing::Test::HasFatalFailure()) return;
    CheckAfterRestart();
    if (::testing::Test::HasFatalFailure()) return;
    std::printf(
        "iteration %llu: killed after %lld ms; %llu messages acknowledged so far; topics hold "
        "%llu + %llu\n",
        static_cast<unsigned long long>(i + 1), static_cast<long long>(kill_after.count()),
        static_cast<unsigned long long>(acked_messages_.load()),
        static_cast<unsigned long long>(counts_["k0"]),
        static_cast<unsigned long long>(counts_["k1"]));
    std::fflush(stdout);
    if (::testing::Test::HasFailure()) break;
  }
  if (!::testing::Test::HasFailure()) Drain();
  // The last start stops cleanly.
  const int status = server_->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server_->process().stderr_text();

  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "katar crash loop totals: %llu kills in %.1f s; %llu publishes acknowledged "
      "(%llu messages); %zu publish requests in all; topics end at k0 %llu, k1 %llu; "
      "lost %llu, mismatched %llu, torn requests %llu, commit errors %llu, order errors %llu\n",
      static_cast<unsigned long long>(kills), seconds,
      static_cast<unsigned long long>(acked_publishes_.load()),
      static_cast<unsigned long long>(acked_messages_.load()), publishes_.size(),
      static_cast<unsigned long long>(counts_["k0"]),
      static_cast<unsigned long long>(counts_["k1"]), static_cast<unsigned long long>(lost_.load()),
      static_cast<unsigned long long>(mismatches_.load()),
      static_cast<unsigned long long>(torn_.load()),
      static_cast<unsigned long long>(commit_errors_.load()),
      static_cast<unsigned long long>(order_errors_.load()));
  for (const auto& [kind, n] : in_flight_) {
    std::printf("publish in flight at a kill: %-12s stored %d, not stored %d\n", kind.c_str(),
                n.first, n.second);
  }
  std::printf("commit in flight at a kill: applied %d, not applied %d\n",
              commits_in_flight_applied_, commits_in_flight_not_);
  for (const auto& c : consumers_) {
    std::printf(
        "group %s on %s: %llu pulls, %llu messages given, %llu of them again, %llu "
        "commits acknowledged\n",
        c->group.c_str(), c->topic.c_str(), static_cast<unsigned long long>(c->pulls),
        static_cast<unsigned long long>(c->deliveries),
        static_cast<unsigned long long>(c->redeliveries),
        static_cast<unsigned long long>(c->commits));
  }
  EXPECT_EQ(lost_.load(), 0u);
  EXPECT_EQ(mismatches_.load(), 0u);
  EXPECT_EQ(torn_.load(), 0u);
  EXPECT_EQ(commit_errors_.load(), 0u);
  EXPECT_EQ(order_errors_.load(), 0u);
}

// ---------------------------------------------------------------------------
// One iteration: the workload, the kill at `kill_after`, the restart.

void KatarCrashLoop::Workload(uint64_t iteration, std::chrono::milliseconds kill_after) {
  killed_ = false;
  stop_ = false;
  std::vector<std::thread> threads;
  std::vector<std::vector<PublishRecord>> sent(kProducers);
  const uint64_t base = rng_();
  for (int i = 0; i < kProducers; ++i) {
    threads.emplace_back(
        [this, i, iteration, base, &sent] { Producer(i, iteration, base + i, &sent[i]); });
  }
  for (size_t i = 0; i < consumers_.size(); ++i) {
    threads.emplace_back([this, i, base] { ConsumerLoop(*consumers_[i], base + 100 + i); });
  }
  std::this_thread::sleep_for(kill_after);
  killed_ = true;
  server_->Kill();  // SIGKILL, then reaped
  stop_ = true;
  // Every request in flight fails at once (the kernel closes the dead
  // server's sockets), and every later one is refused: all threads return.
  for (std::thread& t : threads) t.join();
  for (auto& records : sent) {
    for (PublishRecord& r : records) publishes_.push_back(std::move(r));
  }
  Start();
}

void KatarCrashLoop::Producer(int id, uint64_t iteration, uint64_t seed,
                              std::vector<PublishRecord>* out) {
  std::mt19937_64 rng(seed);
  auto http = ShortClient(port_);
  for (uint64_t seq = 0; !stop_;) {
    const std::string& topic = kTopics[rng() % kTopics.size()];
    const int pick = static_cast<int>(rng() % 100);
    PublishRecord rec;
    std::vector<json> values;
    std::vector<std::string> both;  // the topics of a publish to both, in the order named
    size_t n = 1;
    if (pick < 25) {
      rec.kind = "single";
    } else if (pick < 55) {
      rec.kind = "batch";
      n = 2 + rng() % 49;
    } else if (pick < 75) {
      rec.kind = "both topics";
      n = 1 + rng() % 20;
      both =
          rng() % 2 ? std::vector<std::string>{"k0", "k1"} : std::vector<std::string>{"k1", "k0"};
    } else {
      rec.kind = "raw";
    }
    for (size_t i = 0; i < n; ++i) values.push_back(MakeValue(id, iteration, seq++, rng));
    const bool ok = Publish(*http, rec, topic, values, both);
    out->push_back(std::move(rec));
    if (!ok) return;
  }
}

// Sends one publish request; fills `rec`. False if it was not acknowledged.
bool KatarCrashLoop::Publish(httplib::Client& http, PublishRecord& rec, const std::string& topic,
                             const std::vector<json>& values,
                             const std::vector<std::string>& both) {
  for (const std::string& t : both.empty() ? std::vector<std::string>{topic} : both) {
    for (const json& v : values) rec.messages.push_back(Message{t, v.dump()});
  }
  std::string path = "/publish", body;
  if (rec.kind == "raw") {
    path += "/" + topic;
    body = values[0].dump();
  } else {
    json j;
    if (!both.empty()) {
      j["topics"] = both;
    } else {
      j["topic"] = topic;
    }
    if (rec.kind == "single") {
      j["message"] = values[0];
    } else {
      j["messages"] = values;
    }
    body = j.dump();
  }
  const std::string what = "POST " + path + " (" + rec.kind + ")";
  httplib::Result r = http.Post(path.c_str(), body, "application/json");
  if (!r || r->status != 200) {
    Unexpected(what + ": " + Describe(r));
    return false;
  }
  // The answer: one offset per message, in the order stored.
  json j = json::parse(r->body, nullptr, false);
  std::vector<json> results;
  if (rec.kind == "raw") {
    results.push_back(j);
  } else if (j.is_object() && j.contains("results") && j["results"].is_array()) {
    results.assign(j["results"].begin(), j["results"].end());
  }
  if (results.size() != rec.messages.size()) {
    ADD_FAILURE() << what << " answered " << r->body.substr(0, 300) << " for "
                  << rec.messages.size() << " messages";
    return false;
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const json& res = results[i];
    if (!res.is_object() || res.value("topic", "") != rec.messages[i].topic ||
        !res.contains("offset") || !res["offset"].is_number_unsigned()) {
      ADD_FAILURE() << what << ": result " << i << " is " << res.dump() << ", for topic "
                    << rec.messages[i].topic;
      return false;
    }
    rec.offsets.push_back(res["offset"].get<uint64_t>());
    // One request is one commit: a topic's messages at consecutive offsets.
    if (i > 0 && rec.messages[i - 1].topic == rec.messages[i].topic &&
        rec.offsets[i] != rec.offsets[i - 1] + 1) {
      Report(&order_errors_) << what << ": message " << i << " at offset " << rec.offsets[i]
                             << ", the one before at " << rec.offsets[i - 1];
    }
  }
  rec.acked = true;
  ++acked_publishes_;
  acked_messages_ += rec.messages.size();
  for (size_t i = 0; i < rec.messages.size(); ++i) {
    Known(rec.messages[i].topic, rec.offsets[i], rec.messages[i].value, "a publish answer");
  }
  return true;
}

// ---------------------------------------------------------------------------
// Consumers.

void KatarCrashLoop::ConsumerLoop(Consumer& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto http = ShortClient(port_);
  std::optional<uint64_t> pending;  // a commit to send with the next pull
  bool caught_up = false;
  while (!stop_ && PullOnce(c, *http, rng, /*drain=*/false, &pending, &caught_up)) {
  }
}

bool KatarCrashLoop::PullOnce(Consumer& c, httplib::Client& http, std::mt19937_64& rng, bool drain,
                              std::optional<uint64_t>* pending_commit, bool* caught_up) {
  const std::string who = "group " + c.group + " on " + c.topic;
  json body = {{"topic", c.topic},
               {"group", c.group},
               {"max", drain ? 1000 : 1 + rng() % 200},
               {"wait", drain ? 0 : 1}};
  if (*pending_commit) {
    body["commit"] = **pending_commit;
    c.sent_commit = **pending_commit;
  }
  auto r = http.Post("/subscribe", body.dump(), "application/json");
  if (!r || r->status != 200) {
    Unexpected("POST /subscribe " + body.dump() + ": " + Describe(r));
    return false;
  }
  ++c.pulls;
  if (*pending_commit) {  // committed before the pull
    c.acked_commit = c.committed = **pending_commit;
    ++c.commits;
    pending_commit->reset();
  }
  json j = json::parse(r->body, nullptr, false);
  if (!j.is_object() || !j.contains("messages") || !j["messages"].is_array() ||
      !j.contains("next_offset") || !j["next_offset"].is_number_unsigned() ||
      !j.contains("count")) {
    ADD_FAILURE() << who << ": pull answered " << r->body.substr(0, 300);
    return false;
  }
  if (j.value("reset", false)) {
    ADD_FAILURE() << who << ": pull answered reset (no retention, no deletion here): "
                  << r->body.substr(0, 300);
  }
  const json& messages = j["messages"];
  const uint64_t next = j["next_offset"].get<uint64_t>();
  // A pull starts at the group's committed offset — never below the last
  // acknowledged commit — and gives consecutive offsets.
  const uint64_t start = messages.empty() ? next : messages[0].value("offset", uint64_t{0});
  if (start != c.committed || (c.acked_commit && start < *c.acked_commit)) {
    Report(&commit_errors_) << who << ": pull started at " << start << "; committed offset "
                            << c.committed << ", last acknowledged commit "
                            << (c.acked_commit ? std::to_string(*c.acked_commit) : "none");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const json& m = messages[i];
    const uint64_t offset = m.value("offset", uint64_t{0});
    if (offset != start + i || !m.contains("value")) {
      Report(&order_errors_) << who << ": message " << i << " of a pull from " << start << " is "
                             << m.dump().substr(0, 300);
      return false;
    }
    Known(c.topic, offset, m["value"].dump(), "a pull");
    if (c.delivered.size() <= offset) c.delivered.resize(offset + 1 + offset / 2, 0);
    if (c.delivered[offset]) ++c.redeliveries;
    c.delivered[offset] = 1;
    ++c.deliveries;
  }
  if (!messages.empty() && next != start + messages.size()) {
    Report(&order_errors_) << who << ": next_offset " << next << " after " << messages.size()
                           << " messages from " << start;
  }
  *caught_up = messages.empty() && next >= j["count"].get<uint64_t>();
  if (messages.empty()) return true;
  // Commit what was given: now, with the next pull, or (sometimes) not at
  // all, so that the next pull gives the same messages again.
  const int pick = drain ? 0 : static_cast<int>(rng() % 100);
  if (pick < 75) return Commit(c, http, next);
  if (pick < 90) *pending_commit = next;
  return true;
}

bool KatarCrashLoop::Commit(Consumer& c, httplib::Client& http, uint64_t offset) {
  const std::string body = json{{"topic", c.topic}, {"group", c.group}, {"offset", offset}}.dump();
  c.sent_commit = offset;
  auto r = http.Post("/subscribe/commit", body, "application/json");
  if (!r || r->status != 200) {
    Unexpected("POST /subscribe/commit " + body + ": " + Describe(r));
    return false;
  }
  json j = json::parse(r->body, nullptr, false);
  const bool moves = offset > c.committed;
  if (!j.is_object() || j.value("offset", uint64_t{0}) != std::max(offset, c.committed) ||
      j.value("moved", !moves) != moves || j.value("group", "") != c.group ||
      j.value("topic", "") != c.topic) {
    Report(&commit_errors_) << "POST /subscribe/commit " << body << " answered " << r->body
                            << " (committed before: " << c.committed << ")";
  }
  c.acked_commit = c.committed = std::max(offset, c.committed);
  ++c.commits;
  return true;
}

// ---------------------------------------------------------------------------
// Checks after a restart.

// Reads a whole topic through Katar pulls by offset: each offset's value.
bool KatarCrashLoop::ReadTopic(httplib::Client& http, const std::string& topic,
                               std::vector<std::string>* out) {
  out->clear();
  auto meta = http.Get(("/topic/" + topic).c_str());
  if (!meta || meta->status != 200) {
    ADD_FAILURE() << "GET /topic/" << topic << ": " << Describe(meta);
    return false;
  }
  json view = json::parse(meta->body);
  EXPECT_EQ(view["first"], 0) << meta->body;
  const uint64_t count = view["count"].get<uint64_t>();
  while (out->size() < count) {
    json body = {{"topic", topic}, {"offset", out->size()}, {"max", 10000}, {"max_bytes", 1 << 26}};
    auto r = http.Post("/subscribe", body.dump(), "application/json");
    if (!r || r->status != 200) {
      ADD_FAILURE() << "POST /subscribe " << body.dump() << ": " << Describe(r);
      return false;
    }
    json j = json::parse(r->body);
    if (j["messages"].empty()) break;
    for (const json& m : j["messages"]) {
      if (m["offset"].get<uint64_t>() != out->size() || !m.contains("value")) {
        ADD_FAILURE() << topic << ": expected offset " << out->size() << ", read "
                      << m.dump().substr(0, 300);
        return false;
      }
      out->push_back(m["value"].dump());
    }
  }
  EXPECT_EQ(out->size(), count) << topic << ": GET /topic says " << count << " messages";
  return true;
}

void KatarCrashLoop::CheckAfterRestart() {
  auto http = ShortClient(port_);
  // Each topic read whole, against everything known about it.
  std::map<std::string, std::unordered_map<std::string, uint64_t>> where;
  for (const std::string& topic : kTopics) {
    std::vector<std::string> values;
    ASSERT_TRUE(ReadTopic(*http, topic, &values));
    EXPECT_GE(values.size(), counts_[topic]) << topic << " shrank";
    counts_[topic] = values.size();
    std::unordered_map<std::string, uint64_t>& at = where[topic];
    for (uint64_t i = 0; i < values.size(); ++i) {
      auto [it, inserted] = at.emplace(values[i], i);
      if (!inserted) {
        Report(&mismatches_) << topic << ": " << values[i] << " stored twice, at " << it->second
                             << " and " << i;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [offset, value] : known_[topic]) {
      if (offset >= values.size()) {
        Report(&lost_) << topic << " lost offset " << offset << " (" << value
                       << "): the topic now ends at " << values.size();
      } else if (values[offset] != value) {
        Report(&lost_) << topic << " offset " << offset << " was " << value << ", is now "
                       << values[offset];
      }
    }
    // Everything stored now must stay so.
    for (uint64_t i = 0; i < values.size(); ++i) known_[topic].emplace(i, values[i]);
  }

  // Every request entirely stored or not at all, in order, at consecutive
  // offsets per topic; an acknowledged one where its answer said.
  for (PublishRecord& rec : publishes_) {
    size_t present = 0;
    std::vector<uint64_t> found;
    for (const Message& m : rec.messages) {
      auto it = where[m.topic].find(m.value);
      if (it != where[m.topic].end()) {
        ++present;
        found.push_back(it->second);
      }
    }
    if (present != 0 && present != rec.messages.size()) {
      std::ostringstream d;
      for (const Message& m : rec.messages) {
        d << "\n  " << m.topic << " " << (where[m.topic].count(m.value) ? "stored" : "MISSING")
          << " " << m.value.substr(0, 80);
      }
      Report(&torn_) << "a " << rec.kind << " publish" << (rec.acked ? " (acknowledged)" : "")
                     << " is stored in part: " << present << " of " << rec.messages.size()
                     << d.str();
      continue;
    }
    if (present == rec.messages.size()) {
      for (size_t i = 1; i < found.size(); ++i) {
        if (rec.messages[i].topic == rec.messages[i - 1].topic && found[i] != found[i - 1] + 1) {
          Report(&order_errors_) << "a " << rec.kind << " publish: message " << i
                                 << " is at offset " << found[i] << ", the one before at "
                                 << found[i - 1];
        }
      }
    }
    if (rec.acked) {
      if (present != rec.messages.size() || found != rec.offsets) {
        Report(&lost_) << "an acknowledged " << rec.kind << " publish is not where its answer "
                       << "said (" << present << " of " << rec.messages.size() << " found)";
      }
    } else if (rec.outcome < 0) {
      rec.outcome = present > 0 ? 1 : 0;
      auto& tally = in_flight_[rec.kind];
      (present > 0 ? tally.first : tally.second)++;
    } else if (rec.outcome != (present > 0 ? 1 : 0)) {
      Report(&lost_) << "a " << rec.kind << " publish cut short by a kill was "
                     << (rec.outcome ? "stored" : "not stored") << " after one restart and is "
                     << (present > 0 ? "stored" : "not stored") << " now";
    }
  }
  CheckCommits(*http);
}

// Every group's committed offset: at least the last acknowledged commit,
// at most the last one sent. The consumers start there next time.
void KatarCrashLoop::CheckCommits(httplib::Client& http) {
  for (const auto& cp : consumers_) {
    Consumer& c = *cp;
    const std::string path = "/subscribe/commit?topic=" + c.topic + "&group=" + c.group;
    auto r = http.Get(path.c_str());
    if (r && r->status == 404 && !c.acked_commit) {
      if (c.sent_commit) ++commits_in_flight_not_;  // the group's first, lost
      c.sent_commit.reset();
      c.committed = 0;
      continue;
    }
    if (!r || r->status != 200) {
      Report(&commit_errors_) << "GET " << path << ": " << Describe(r) << "; last acknowledged "
                              << (c.acked_commit ? std::to_string(*c.acked_commit) : "none");
      continue;
    }
    const uint64_t offset = json::parse(r->body)["offset"].get<uint64_t>();
    if ((c.acked_commit && offset < *c.acked_commit) || !c.sent_commit || offset > *c.sent_commit ||
        offset > counts_[c.topic]) {
      Report(&commit_errors_) << "GET " << path << " is " << offset
                              << " after the restart; last acknowledged commit "
                              << (c.acked_commit ? std::to_string(*c.acked_commit) : "none")
                              << ", last sent "
                              << (c.sent_commit ? std::to_string(*c.sent_commit) : "none")
                              << ", topic count " << counts_[c.topic];
    }
    if (c.sent_commit != c.acked_commit) {
      (offset == *c.sent_commit ? commits_in_flight_applied_ : commits_in_flight_not_)++;
    }
    c.acked_commit = c.committed = offset;
    c.sent_commit = offset;
  }
}

// After the last restart: every group pulls every topic to its end and
// commits, and has then been given every message at least once.
void KatarCrashLoop::Drain() {
  auto http = ShortClient(port_);
  std::mt19937_64 rng(rng_());
  for (const auto& cp : consumers_) {
    Consumer& c = *cp;
    std::optional<uint64_t> pending;
    bool caught_up = false;
    for (int pulls = 0; !caught_up; ++pulls) {
      ASSERT_LT(pulls, 10000) << "group " << c.group << " never reached the end of " << c.topic;
      ASSERT_TRUE(PullOnce(c, *http, rng, /*drain=*/true, &pending, &caught_up));
    }
    const uint64_t count = counts_[c.topic];
    EXPECT_EQ(c.committed, count) << c.group << " on " << c.topic;
    uint64_t missed = 0;
    for (uint64_t o = 0; o < count; ++o) {
      if (o >= c.delivered.size() || !c.delivered[o]) ++missed;
    }
    EXPECT_EQ(missed, 0u) << "group " << c.group << " was never given " << missed << " of the "
                          << count << " messages of " << c.topic;
    auto r = http->Get(("/subscribe/commit?topic=" + c.topic + "&group=" + c.group).c_str());
    ASSERT_TRUE(r && r->status == 200) << Describe(r);
    EXPECT_EQ(json::parse(r->body)["offset"], count) << c.group << " on " << c.topic;
  }
  // Every acknowledged message is one of those read.
  std::lock_guard<std::mutex> lock(mu_);
  for (const PublishRecord& rec : publishes_) {
    for (size_t i = 0; rec.acked && i < rec.messages.size(); ++i) {
      if (rec.offsets[i] >= counts_[rec.messages[i].topic]) {
        Report(&lost_) << "acknowledged offset " << rec.offsets[i] << " of "
                       << rec.messages[i].topic << " is past its end";
      }
    }
  }
}

TEST(KatarCrashLoopTest, SigkillUnderProducersAndConsumerGroupsLosesNoAckedMessageOrCommit) {
  KatarCrashLoop loop;
  loop.Run(EnvNumber("PDFS_KATAR_CRASH_ITERATIONS", 20));
}

}  // namespace
}  // namespace pdfs
