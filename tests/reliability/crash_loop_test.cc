// The crash loop: the real `pdfs mount MNT --data DIR --listen 127.0.0.1:0 -f`
// under a mixed workload through both faces, killed with SIGKILL at a random
// moment, started again on its dead mount (which the start clears), and
// checked — over and over.
//
// The workload, all at once:
//  - HTTP appenders (single documents and batches, keep-alive) and mount
//    appenders (threads, plus one shell process running /bin/echo >>) on the
//    append-only topics s0 and s1;
//  - HTTP readers (ranges, JSON Lines and arrays, single documents) and
//    mount readers (ls, cat) on s0 and s1, checking as they go;
//  - one worker per model topic m0..m3, doing one change at a time in a
//    random order: appends (HTTP single, HTTP batch, mount write), cuts
//    (HTTP DELETE of a location, truncate(2), open + ftruncate(0), unlink),
//    topic deletion (HTTP DELETE, rmdir) and creation (mkdir, first append).
//
// What must hold after every restart:
//  - s0, s1: every acknowledged document is there with its exact bytes — at
//    its acknowledged location for HTTP, exactly once for the mount (a
//    write() does not say where); every document any reader saw is still
//    where it was seen (a visible document is a durable one); no document
//    twice; locations gapless (the range and `ls` both list 0..count-1);
//    count and size equal a recount (also user.pdfs.count/size).
//  - m0..m3: exactly the state the worker's acknowledged changes produced,
//    or, for the one change in flight at the kill, the state before it or
//    the state after it — so an in-flight cut or topic deletion happened
//    entirely or not at all (a mount write in flight: any prefix of its
//    objects, since each complete object is appended when it arrives).
//
// PDFS_CRASH_ITERATIONS (default 4) sets the number of kills and
// PDFS_CRASH_SEED the random seed (printed, for replaying a failure).
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "fs/mount_fixture.h"
#include "reliability/reliability_support.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kAppendOnlyTopics = {"s0", "s1"};
constexpr int kModelTopics = 4;

// A document that names its writer and sequence number, padded to a length
// that varies with them, so every document is unique and any mix-up shows.
std::string MakeDoc(const std::string& writer, uint64_t seq, uint64_t iteration) {
  const size_t pad = (seq * 7919 + writer.size() * 104729) % 300;
  return "{\"w\":\"" + writer + "\",\"r\":" + std::to_string(iteration) +
         ",\"s\":" + std::to_string(seq) + ",\"p\":\"" + std::string(pad, 'a' + seq % 26) + "\"}";
}

std::string ArrayBody(const std::vector<std::string>& docs) {
  std::string body = "[";
  for (size_t i = 0; i < docs.size(); ++i) body += (i ? "," : "") + docs[i];
  return body + "]";
}

std::string JoinLines(const std::vector<std::string>& docs) {
  std::string s;
  for (const std::string& d : docs) s += d + "\n";
  return s;
}

// What is known about the append-only topics, from acknowledgements and
// from what readers saw. Shared by all threads of all iterations.
class AppendOnlyTruth {
 public:
  // A document is at `location` (an HTTP acknowledgement, a read, or a
  // checked restart). Fails the test if another one was there before.
  void At(const std::string& topic, uint64_t location, const std::string& doc, const char* source) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = at_[topic].try_emplace(location, doc);
    if (!inserted && it->second != doc) {
      ADD_FAILURE() << topic << " location " << location << " held " << it->second << ", but "
                    << source << " shows " << doc;
    }
  }
  // A document acknowledged by the mount (location unknown).
  void AckedSomewhere(const std::string& topic, const std::string& doc) {
    std::lock_guard<std::mutex> lock(mu_);
    somewhere_[topic].insert(doc);
  }
  void CountAck(uint64_t n) { acked_ += n; }
  uint64_t acked() const { return acked_; }

  // Checks a restarted topic against everything known, then records all of
  // it as known. Returns the number of acknowledged or seen documents
  // checked; counts the missing ones in *lost.
  uint64_t Check(const std::string& topic, const std::vector<std::string>& docs, uint64_t* lost) {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t checked = 0;
    std::map<std::string, uint64_t> where;
    for (uint64_t i = 0; i < docs.size(); ++i) {
      auto [it, inserted] = where.emplace(docs[i], i);
      EXPECT_TRUE(inserted) << topic << ": " << docs[i] << " stored twice, at " << it->second
                            << " and " << i;
    }
    for (const auto& [location, doc] : at_[topic]) {
      ++checked;
      if (location >= docs.size()) {
        ++*lost;
        ADD_FAILURE() << topic << " lost location " << location << " (" << doc
                      << "): the topic now ends at " << docs.size();
      } else if (docs[location] != doc) {
        ++*lost;
        ADD_FAILURE() << topic << " location " << location << " was " << doc << ", is now "
                      << docs[location];
      }
    }
    for (const std::string& doc : somewhere_[topic]) {
      ++checked;
      if (where.count(doc) == 0) {
        ++*lost;
        ADD_FAILURE() << topic << " lost a document acknowledged by the mount: " << doc;
      }
    }
    for (uint64_t i = 0; i < docs.size(); ++i) at_[topic].emplace(i, docs[i]);
    return checked;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::map<uint64_t, std::string>> at_;
  std::map<std::string, std::set<std::string>> somewhere_;
  std::atomic<uint64_t> acked_{0};
};

// One model topic: its acknowledged state and, while a change is under way,
// every state the store may be left in if the daemon dies during it.
struct ModelState {
  bool exists = false;
  std::vector<std::string> docs;
  bool operator==(const ModelState& o) const { return exists == o.exists && docs == o.docs; }
};

std::string Describe(const ModelState& s) {
  if (!s.exists) return "absent";
  std::string d = std::to_string(s.docs.size()) + " documents";
  if (!s.docs.empty()) d += ", last " + s.docs.back();
  return d;
}

struct ModelTopic {
  std::string name;
  ModelState state;
  std::vector<ModelState> outcomes;  // non-empty while a change is under way
  std::string change;                // what that change is
  uint64_t generation = 0;           // creations so far: documents name it
  uint64_t seq = 0;
};

// Tallies of what in-flight changes turned out to be, for the report.
struct InFlightTally {
  std::mutex mu;
  std::map<std::string, std::pair<int, int>> kinds;  // kind -> (happened, did not)
  void Add(const std::string& kind, bool happened) {
    std::lock_guard<std::mutex> lock(mu);
    auto& k = kinds[kind];
    (happened ? k.first : k.second)++;
  }
};

class CrashLoop {
 public:
  CrashLoop() : seed_(EnvNumber("PDFS_CRASH_SEED", std::random_device{}())), rng_(seed_) {
    data_ = dir_.Sub("data");
    mnt_ = dir_.Sub("mnt");
    for (int i = 0; i < kModelTopics; ++i) {
      models_.push_back(ModelTopic{"m" + std::to_string(i), {}, {}, {}, 0, 0});
    }
  }

  void Run(uint64_t iterations);

 private:
  void StartDaemon(bool after_kill);
  void CheckAfterRestart();
  void CheckAppendOnly(const std::string& topic);
  void CheckModel(ModelTopic& m);
  void Workload(uint64_t iteration, std::chrono::milliseconds kill_after);

  // Workers; each runs until the daemon dies or `stop_`.
  void HttpAppender(int id, uint64_t iteration, uint64_t seed);
  void MountAppender(int id, uint64_t iteration, uint64_t seed);
  void HttpReader(uint64_t seed);
  void MountReader(uint64_t seed);
  void ModelWorker(ModelTopic& m, uint64_t seed);
  bool ModelStep(ModelTopic& m, httplib::Client& http, std::mt19937_64& rng);

  // A failure while the daemon lives is a defect; after the kill, expected.
  void Unexpected(const std::string& what) {
    if (!killed_) ADD_FAILURE() << what;
  }
  std::string Mount(const std::string& rel) const { return mnt_ + "/" + rel; }

  const uint64_t seed_;
  std::mt19937_64 rng_;
  TempDir dir_;
  std::string data_, mnt_;
  // Killed daemons stay here until the end: destroying one would unmount
  // whatever is mounted at MNT by then.
  std::vector<std::unique_ptr<MountedPdfs>> daemons_;
  int port_ = 0;
  std::atomic<bool> killed_{false};
  std::atomic<bool> stop_{false};
  std::atomic<size_t> finished_{0};  // workers returned
  uint64_t wedged_ = 0;              // kills after which workers stayed blocked

  AppendOnlyTruth truth_;
  std::vector<ModelTopic> models_;
  std::mutex models_mu_;  // guards models_[i].state/outcomes/change
  InFlightTally tally_;
  uint64_t checked_ = 0;
  uint64_t lost_ = 0;
  uint64_t reads_checked_ = 0;
  std::atomic<uint64_t> reads_{0};
};

void CrashLoop::StartDaemon(bool after_kill) {
  daemons_.push_back(std::make_unique<MountedPdfs>(data_, mnt_));
  MountedPdfs& pdfs = *daemons_.back();
  ASSERT_TRUE(pdfs.ok()) << pdfs.process().stderr_text();
  port_ = pdfs.port();
  if (after_kill) {
    std::string unused;
    pdfs.process().ReadLine(&unused, std::chrono::milliseconds(200));  // collects stderr
    EXPECT_NE(pdfs.process().stderr_text().find("detached the dead mount"), std::string::npos)
        << pdfs.process().stderr_text();
  }
}

void CrashLoop::Run(uint64_t iterations) {
  std::printf("crash loop: %llu iterations, seed %llu (PDFS_CRASH_SEED)\n",
              static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed_));
  ASSERT_EQ(::mkdir(mnt_.c_str(), 0755), 0);
  StartDaemon(false);
  for (const std::string& t : kAppendOnlyTopics) ASSERT_EQ(::mkdir(Mount(t).c_str(), 0755), 0);
  for (uint64_t i = 0; i < iterations; ++i) {
    const auto kill_after = std::chrono::milliseconds(150 + rng_() % 1350);
    Workload(i, kill_after);
    if (::testing::Test::HasFatalFailure()) return;
    CheckAfterRestart();
    std::printf("iteration %llu: killed after %lld ms; %llu acknowledged documents so far\n",
                static_cast<unsigned long long>(i + 1), static_cast<long long>(kill_after.count()),
                static_cast<unsigned long long>(truth_.acked()));
    std::fflush(stdout);
    if (::testing::Test::HasFailure()) break;
  }
  // The last start stops cleanly and leaves nothing mounted.
  MountedPdfs& last = *daemons_.back();
  int status = last.Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << last.process().stderr_text();
  EXPECT_FALSE(IsMounted(mnt_));
  std::printf(
      "crash loop totals: %llu iterations, %llu documents acknowledged, %llu "
      "acknowledged-or-seen document checks after restarts, %llu reads checked during "
      "the runs, lost %llu; %llu kills left the mount hung until the restart cleared it\n",
      static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(truth_.acked()),
      static_cast<unsigned long long>(checked_), static_cast<unsigned long long>(reads_.load()),
      static_cast<unsigned long long>(lost_), static_cast<unsigned long long>(wedged_));
  for (const auto& [kind, n] : tally_.kinds) {
    std::printf("in flight at a kill: %-26s happened %d, did not %d\n", kind.c_str(), n.first,
                n.second);
  }
  EXPECT_EQ(lost_, 0u);
}

// ---------------------------------------------------------------------------
// The workload of one iteration.

// Runs the workload, kills the daemon after `kill_after` and starts it
// again.
void CrashLoop::Workload(uint64_t iteration, std::chrono::milliseconds kill_after) {
  killed_ = false;
  stop_ = false;
  finished_ = 0;
  std::vector<std::thread> threads;
  const uint64_t base = rng_();
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([this, i, iteration, base] {
      HttpAppender(i, iteration, base + i);
      ++finished_;
    });
  }
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([this, i, iteration, base] {
      MountAppender(i, iteration, base + 10 + i);
      ++finished_;
    });
  }
  threads.emplace_back([this, base] {
    HttpReader(base + 20);
    ++finished_;
  });
  threads.emplace_back([this, base] {
    MountReader(base + 21);
    ++finished_;
  });
  for (size_t i = 0; i < models_.size(); ++i) {
    threads.emplace_back([this, i, base] {
      ModelWorker(models_[i], base + 30 + i);
      ++finished_;
    });
  }
  // A separate process appending with the shell: it prints each sequence
  // number once its `>>` has returned, so printed means acknowledged.
  const std::string shell_writer = "sh" + std::to_string(iteration);
  const std::string script = "i=0; while :; do /bin/echo \"{\\\"w\\\":\\\"" + shell_writer +
                             "\\\",\\\"r\\\":" + std::to_string(iteration) +
                             ",\\\"s\\\":$i}\" >> '" + Mount("s1/" + shell_writer) +
                             "' || exit 0; echo $i; i=$((i+1)); done";
  Subprocess shell({"/bin/bash", "-c", script});

  std::this_thread::sleep_for(kill_after);
  killed_ = true;
  daemons_.back()->process().Signal(SIGKILL);
  stop_ = true;
  // Normally every worker returns at once, its request failed. Workers that
  // stay blocked mean the kill wedged the mount (see fs::ClearDeadMount):
  // only the restart, which must clear that, lets them return.
  if (!Eventually([&] { return finished_ == threads.size(); }, std::chrono::seconds(5))) {
    ++wedged_;
  }
  StartDaemon(true);
  for (std::thread& t : threads) t.join();
  std::string line;
  while (shell.ReadLine(&line, std::chrono::seconds(10))) {
    const std::string doc = "{\"w\":\"" + shell_writer + "\",\"r\":" + std::to_string(iteration) +
                            ",\"s\":" + line + "}";
    truth_.AckedSomewhere("s1", doc);
    truth_.CountAck(1);
  }
  shell.Wait(std::chrono::seconds(10));
}

void CrashLoop::HttpAppender(int id, uint64_t iteration, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto http = LoopbackClient(port_);
  const std::string writer = "h" + std::to_string(id);
  for (uint64_t seq = 0; !stop_;) {
    const std::string& topic = kAppendOnlyTopics[rng() % kAppendOnlyTopics.size()];
    const bool batch = rng() % 2 == 0;
    std::vector<std::string> docs;
    for (size_t n = batch ? 1 + rng() % 20 : 1; n > 0; --n) {
      docs.push_back(MakeDoc(writer, seq++, iteration));
    }
    auto r = http->Post(("/stream/" + topic).c_str(), batch ? ArrayBody(docs) : docs[0],
                        "application/json");
    if (!r || r->status != 200) {
      Unexpected("POST /stream/" + topic + ": " +
                 (r ? std::to_string(r->status) + " " + r->body : httplib::to_string(r.error())));
      return;
    }
    json j = json::parse(r->body);
    std::vector<uint64_t> locations = batch ? j["location_list"].get<std::vector<uint64_t>>()
                                            : std::vector<uint64_t>{j["location"].get<uint64_t>()};
    EXPECT_EQ(locations.size(), docs.size());
    for (size_t i = 0; i < docs.size() && i < locations.size(); ++i) {
      EXPECT_EQ(locations[i], locations[0] + i) << "a batch gets consecutive locations";
      truth_.At(topic, locations[i], docs[i], "an HTTP acknowledgement");
    }
    truth_.CountAck(docs.size());
  }
}

void CrashLoop::MountAppender(int id, uint64_t iteration, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::string writer = "f" + std::to_string(id);
  uint64_t seq = 0;
  for (int file = 0; !stop_; ++file) {
    const std::string& topic = kAppendOnlyTopics[rng() % kAppendOnlyTopics.size()];
    const std::string path =
        Mount(topic + "/" + writer + "-" + std::to_string(iteration) + "-" + std::to_string(file));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return Unexpected("open " + path + ": " + std::strerror(errno));
    // A few writes per file, each of one to four whole lines.
    for (int w = 1 + static_cast<int>(rng() % 8); w > 0 && !stop_; --w) {
      std::vector<std::string> docs;
      for (size_t n = 1 + rng() % 4; n > 0; --n) docs.push_back(MakeDoc(writer, seq++, iteration));
      const std::string bytes = JoinLines(docs);
      ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n != static_cast<ssize_t>(bytes.size())) {
        Unexpected("write " + path + ": " + (n < 0 ? std::strerror(errno) : "short count"));
        ::close(fd);
        return;
      }
      for (const std::string& d : docs) truth_.AckedSomewhere(topic, d);
      truth_.CountAck(docs.size());
    }
    if (::close(fd) != 0) return Unexpected("close " + path + ": " + std::strerror(errno));
  }
}

void CrashLoop::HttpReader(uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto http = LoopbackClient(port_);
  while (!stop_) {
    const std::string& topic = kAppendOnlyTopics[rng() % kAppendOnlyTopics.size()];
    auto meta = http->Get(("/stream/" + topic).c_str());
    if (!meta || meta->status != 200) return Unexpected("GET /stream/" + topic);
    const uint64_t count = json::parse(meta->body)[0]["count"].get<uint64_t>();
    const uint64_t start = count == 0 ? 0 : rng() % count;
    const uint64_t end = start + rng() % 300;
    const std::string path =
        "/stream/" + topic + "/" + std::to_string(start) + "-" + std::to_string(end);
    switch (rng() % 3) {
      case 0: {  // JSON Lines: the exact bytes
        auto r = http->Get(path.c_str(), httplib::Headers{{"Accept", "application/x-ndjson"}});
        if (!r || r->status != 200) return Unexpected("GET " + path);
        std::vector<std::string> lines = SplitLines(r->body);
        EXPECT_TRUE(r->body.empty() || r->body.back() == '\n') << "a range ends with a whole line";
        EXPECT_LE(lines.size(), end - start + 1);
        EXPECT_GE(lines.size(), std::min(count, end + 1) - start) << "at least what was there";
        for (size_t i = 0; i < lines.size(); ++i)
          truth_.At(topic, start + i, lines[i], path.c_str());
        reads_ += lines.size();
        break;
      }
      case 1: {  // a JSON array: the same documents
        auto r = http->Get(path.c_str());
        if (!r || r->status != 200) return Unexpected("GET " + path);
        // Parsed keeping key order, so that dump() gives the stored bytes.
        auto a = nlohmann::ordered_json::parse(r->body, nullptr, false);
        ASSERT_TRUE(a.is_array()) << path << ": " << r->body.substr(0, 200);
        for (size_t i = 0; i < a.size(); ++i)
          truth_.At(topic, start + i, a[i].dump(), path.c_str());
        reads_ += a.size();
        break;
      }
      default: {  // one document
        if (count == 0) break;
        auto r = http->Get(("/stream/" + topic + "/" + std::to_string(start)).c_str());
        if (!r || r->status != 200) return Unexpected("GET one document of " + topic);
        truth_.At(topic, start, r->body, "GET of one document");
        ++reads_;
        break;
      }
    }
  }
}

void CrashLoop::MountReader(uint64_t seed) {
  std::mt19937_64 rng(seed);
  while (!stop_) {
    const std::string& topic = kAppendOnlyTopics[rng() % kAppendOnlyTopics.size()];
    int error = 0;
    std::vector<std::string> names = ListDir(Mount(topic), &error);
    if (error != 0) return Unexpected("ls " + topic + ": " + std::strerror(error));
    // Only appends happen here, so a listing is gapless from 0, whatever
    // was appended while it went on.
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] != DocFileName(i)) {
        ADD_FAILURE() << "ls " << topic << ": entry " << i << " is " << names[i];
        break;
      }
    }
    for (int k = 0; k < 20 && !names.empty() && !stop_; ++k) {
      const uint64_t location = rng() % names.size();
      std::string doc = ReadAll(Mount(topic + "/" + names[location]), &error);
      if (error != 0) return Unexpected("cat " + topic + "/" + names[location]);
      truth_.At(topic, location, doc, "cat through the mount");
      ++reads_;
    }
  }
}

// ---------------------------------------------------------------------------
// Model topics: one worker, one change at a time.

void CrashLoop::ModelWorker(ModelTopic& m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto http = LoopbackClient(port_);
  while (!stop_ && ModelStep(m, *http, rng)) {
  }
}

// Performs one change. Sets m.outcomes before it starts and the new state
// once it is acknowledged; returns false once something failed.
bool CrashLoop::ModelStep(ModelTopic& m, httplib::Client& http, std::mt19937_64& rng) {
  const ModelState before = m.state;
  const uint64_t count = before.docs.size();
  auto begin = [&](const std::string& change, std::vector<ModelState> afters) {
    std::lock_guard<std::mutex> lock(models_mu_);
    m.change = change;
    m.outcomes = {before};
    m.outcomes.insert(m.outcomes.end(), afters.begin(), afters.end());
  };
  auto done = [&](const ModelState& after) {
    std::lock_guard<std::mutex> lock(models_mu_);
    m.state = after;
    m.outcomes.clear();
  };
  auto fail = [&](const std::string& why) {
    Unexpected(m.name + ": " + m.change + ": " + why);
    return false;
  };
  auto new_docs = [&](size_t n) {
    std::vector<std::string> docs;
    for (size_t i = 0; i < n; ++i) {
      docs.push_back(MakeDoc(m.name + "g" + std::to_string(m.generation), m.seq++, 0));
    }
    return docs;
  };
  // A change made over HTTP to the topic itself reaches the mount within a
  // second (README, Visibility); wait for it before the next change
  // through the mount, which the kernel checks against its cache.
  auto settle = [&](bool exists) {
    bool ok = Eventually(
        [&] {
          struct stat st;
          return (::stat(Mount(m.name).c_str(), &st) == 0) == exists || killed_;
        },
        std::chrono::seconds(3));
    if (!ok)
      return fail(std::string("the mount did not show the topic ") +
                  (exists ? "created" : "deleted") + " within 3 s");
    return true;
  };

  const int pick = static_cast<int>(rng() % 100);
  if (!before.exists) {
    if (pick < 50) {  // created by its first append
      std::vector<std::string> docs = new_docs(1 + rng() % 5);
      ++m.generation;
      ModelState after{true, docs};
      begin("HTTP append creating the topic", {after});
      auto r = http.Post(("/stream/" + m.name).c_str(), ArrayBody(docs), "application/json");
      if (!r || r->status != 200) return fail(r ? r->body : httplib::to_string(r.error()));
      done(after);
      return settle(true);
    }
    ++m.generation;
    begin("mkdir", {ModelState{true, {}}});
    if (::mkdir(Mount(m.name).c_str(), 0755) != 0) return fail(std::strerror(errno));
    done(ModelState{true, {}});
    return true;
  }

  if (pick < 20) {  // HTTP append, one document or a batch
    const bool batch = rng() % 2 == 0;
    std::vector<std::string> docs = new_docs(batch ? 1 + rng() % 10 : 1);
    ModelState after = before;
    after.docs.insert(after.docs.end(), docs.begin(), docs.end());
    begin(batch ? "HTTP append (batch)" : "HTTP append", {after});
    auto r = http.Post(("/stream/" + m.name).c_str(), batch ? ArrayBody(docs) : docs[0],
                       "application/json");
    if (!r || r->status != 200) return fail(r ? r->body : httplib::to_string(r.error()));
    json j = json::parse(r->body);
    const uint64_t first =
        batch ? j["location_list"][0].get<uint64_t>() : j["location"].get<uint64_t>();
    if (first != count) return fail("appended at " + std::to_string(first));
    done(after);
    return true;
  }
  if (pick < 40) {  // mount append: each object of the write is a document
    std::vector<std::string> docs = new_docs(1 + rng() % 6);
    std::vector<ModelState> afters;
    for (size_t k = 1; k <= docs.size(); ++k) {
      ModelState a = before;
      a.docs.insert(a.docs.end(), docs.begin(), docs.begin() + static_cast<long>(k));
      afters.push_back(a);
    }
    begin("mount write", afters);
    const std::string bytes = JoinLines(docs);
    AppendOutcome out = AppendFile(Mount(m.name + "/new" + std::to_string(m.seq)), {bytes});
    if (out.writes.size() != 1 || out.writes[0].result != static_cast<long>(bytes.size())) {
      return fail(std::string("write: ") + (out.writes.empty() ? std::strerror(out.close.err)
                                                               : std::strerror(out.writes[0].err)));
    }
    if (!out.close.ok()) return fail(std::string("close: ") + std::strerror(out.close.err));
    done(afters.back());
    return true;
  }
  if (pick < 85 && count > 0) {  // a cut, four ways
    const int way = static_cast<int>(rng() % 4);
    // unlink removes only the first or the last document: the last here.
    const uint64_t at = way == 3 ? count - 1 : rng() % count;
    ModelState after = before;
    after.docs.resize(at);
    const std::string doc_path = Mount(m.name + "/" + DocFileName(at));
    switch (way) {
      case 0: {
        begin("HTTP DELETE of a location", {after});
        auto r = http.Delete(("/stream/" + m.name + "/" + std::to_string(at)).c_str());
        if (!r || r->status != 200) return fail(r ? r->body : httplib::to_string(r.error()));
        json j = json::parse(r->body);
        if (j["count"].get<uint64_t>() != at) return fail("count after the cut: " + r->body);
        break;
      }
      case 1:
        begin("truncate(2) to 0", {after});
        if (::truncate(doc_path.c_str(), 0) != 0) return fail(std::strerror(errno));
        break;
      case 2: {
        begin("open + ftruncate(0)", {after});
        int fd = ::open(doc_path.c_str(), O_WRONLY);
        if (fd < 0) return fail(std::string("open: ") + std::strerror(errno));
        int rc = ::ftruncate(fd, 0);
        int err = errno;
        // The cut happens at the close, so the close's result is the cut's
        // (a kill during it: ECONNABORTED, and either state may follow).
        if (::close(fd) != 0 && rc == 0) {
          rc = -1;
          err = errno;
        }
        if (rc != 0) return fail(std::strerror(err));
        break;
      }
      default:
        begin("unlink", {after});
        if (::unlink(doc_path.c_str()) != 0) return fail(std::strerror(errno));
        break;
    }
    done(after);
    return true;
  }
  if (count == 0 && pick < 92) {
    begin("rmdir of the empty topic", {ModelState{}});
    if (::rmdir(Mount(m.name).c_str()) != 0) return fail(std::strerror(errno));
    done(ModelState{});
    return true;
  }
  if (pick < 92) return true;  // nothing to cut: next step
  begin("HTTP DELETE of the topic", {ModelState{}});
  auto r = http.Delete(("/stream/" + m.name).c_str());
  if (!r || r->status != 200) return fail(r ? r->body : httplib::to_string(r.error()));
  done(ModelState{});
  return settle(false);
}

// ---------------------------------------------------------------------------
// Checks after a restart.

void CrashLoop::CheckAfterRestart() {
  for (const std::string& t : kAppendOnlyTopics) CheckAppendOnly(t);
  for (ModelTopic& m : models_) CheckModel(m);
  // No topic appears that nobody made.
  auto http = LoopbackClient(port_);
  auto list = http->Get("/stream/");
  ASSERT_TRUE(list && list->status == 200);
  std::set<std::string> expected(kAppendOnlyTopics.begin(), kAppendOnlyTopics.end());
  for (const ModelTopic& m : models_) {
    if (m.state.exists) expected.insert(m.name);
  }
  std::set<std::string> listed;
  for (const json& t : json::parse(list->body)) listed.insert(t["topic"].get<std::string>());
  EXPECT_EQ(listed, expected);
  std::vector<std::string> dirs = ListDir(mnt_);
  EXPECT_EQ(std::set<std::string>(dirs.begin(), dirs.end()), expected);
}

void CrashLoop::CheckAppendOnly(const std::string& topic) {
  auto http = LoopbackClient(port_);
  TopicReadback got;
  std::string error;
  ASSERT_TRUE(ReadBack(*http, topic, &got, &error)) << error;
  ASSERT_TRUE(got.exists) << topic << " is gone";
  EXPECT_TRUE(got.Consistent()) << topic << ": count " << got.count << ", size " << got.size
                                << "; recount " << got.docs.size() << " documents, "
                                << got.DocBytes() << " bytes";
  checked_ += truth_.Check(topic, got.docs, &lost_);
  // The mount agrees: every location listed once, in order, no gap, and
  // the same counters.
  std::vector<std::string> names = ListDir(Mount(topic));
  ASSERT_EQ(names.size(), got.docs.size()) << "ls " << topic;
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_EQ(names[i], DocFileName(i)) << "ls " << topic << " has a gap or a stray name";
  }
  char buf[32];
  ssize_t n = ::getxattr(Mount(topic).c_str(), "user.pdfs.count", buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), std::to_string(got.count));
  n = ::getxattr(Mount(topic).c_str(), "user.pdfs.size", buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), std::to_string(got.size));
  // cat of the last 200 documents (the ones written just before the kill)
  // gives the same bytes as HTTP.
  for (size_t i = got.docs.size() > 200 ? got.docs.size() - 200 : 0; i < got.docs.size(); ++i) {
    ASSERT_EQ(ReadAll(Mount(topic + "/" + names[i])), got.docs[i]) << topic << "/" << names[i];
  }
}

void CrashLoop::CheckModel(ModelTopic& m) {
  auto http = LoopbackClient(port_);
  TopicReadback got;
  std::string error;
  ASSERT_TRUE(ReadBack(*http, m.name, &got, &error)) << error;
  EXPECT_TRUE(!got.exists || got.Consistent())
      << m.name << ": count " << got.count << ", size " << got.size << "; recount "
      << got.docs.size() << " documents, " << got.DocBytes() << " bytes";
  ModelState found{got.exists, got.docs};
  std::vector<ModelState> allowed =
      m.outcomes.empty() ? std::vector<ModelState>{m.state} : m.outcomes;
  auto match = std::find(allowed.begin(), allowed.end(), found);
  if (match == allowed.end()) {
    std::string want;
    for (const ModelState& s : allowed) want += "\n  " + Describe(s);
    ADD_FAILURE() << m.name << " after the kill"
                  << (m.outcomes.empty() ? "" : " during \"" + m.change + "\"") << " is "
                  << Describe(found) << "; allowed:" << want;
    ++lost_;
  } else if (!m.outcomes.empty()) {
    tally_.Add(m.change, match != allowed.begin());
  }
  m.state = found;
  m.outcomes.clear();
  // The mount shows the same.
  struct stat st;
  const bool listed = ::stat(Mount(m.name).c_str(), &st) == 0;
  EXPECT_EQ(listed, found.exists) << m.name;
  if (found.exists) {
    std::vector<std::string> names = ListDir(Mount(m.name));
    ASSERT_EQ(names.size(), found.docs.size()) << "ls " << m.name;
    for (size_t i = 0; i < names.size(); ++i) {
      ASSERT_EQ(names[i], DocFileName(i)) << "ls " << m.name;
    }
    if (!names.empty()) {
      EXPECT_EQ(ReadAll(Mount(m.name + "/" + names.back())), found.docs.back());
    }
  }
}

TEST(CrashLoopTest, SigkillAtRandomMomentsLosesNothingAcknowledgedAndChangesAreAllOrNothing) {
  PDFS_REQUIRE_FUSE();
  CrashLoop loop;
  loop.Run(EnvNumber("PDFS_CRASH_ITERATIONS", 4));
}

}  // namespace
}  // namespace pdfs
