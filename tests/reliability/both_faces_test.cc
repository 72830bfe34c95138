// Concurrency through both faces of one process: on one topic, HTTP
// appenders (single documents and batches) and mount appenders write, one
// worker cuts the stream (HTTP DELETE, truncate(2) and unlink through the
// mount), and readers read it (HTTP ranges as JSON Lines and as arrays,
// single documents, ls + cat through the mount) — all at once, on the real
// `pdfs mount … --listen`.
//
// Every document names its writer and sequence number and is padded (some
// to 64 KiB and more) as a function of them, so a reader can tell a whole
// document from a torn one. Every read must show:
//  - whole documents only;
//  - each document at one location only, over the whole run, and at the
//    location its HTTP append acknowledged: a gap or a duplicate in a range
//    would move documents;
//  - within one range, no document twice and each writer's documents in
//    the order it wrote them (a range is one consistent state);
//  - no document that an acknowledged cut removed before the read began.
// At the end, count and size equal a recount, on both faces; every
// acknowledged document is at its location unless a cut at or below it
// came after it.
//
// PDFS_BOTH_FACES_SECONDS (default 15) sets how long the load runs.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
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

const std::string kTopic = "c";

// Writer `w`'s document number `s`: every 40th is 64 KiB or more (it spans
// reads and range chunks), the others up to 300 bytes.
std::string MakeDoc(const std::string& w, uint64_t s) {
  const size_t pad = s % 40 == 7 ? 65536 + s % 1000 : (s * 7919) % 300;
  return "{\"w\":\"" + w + "\",\"s\":" + std::to_string(s) + ",\"p\":\"" +
         std::string(pad, static_cast<char>('a' + s % 26)) + "\"}";
}

struct DocId {
  std::string w;
  uint64_t s = 0;
  bool operator<(const DocId& o) const { return std::tie(w, s) < std::tie(o.w, o.s); }
};

// The id of a whole document, or false if `doc` is not one MakeDoc made.
bool Identify(const std::string& doc, DocId* id) {
  json j = json::parse(doc, nullptr, false);
  if (!j.is_object() || !j.contains("w") || !j.contains("s") || !j["w"].is_string() ||
      !j["s"].is_number_unsigned()) {
    return false;
  }
  id->w = j["w"].get<std::string>();
  id->s = j["s"].get<uint64_t>();
  return MakeDoc(id->w, id->s) == doc;
}

std::string Name(const DocId& id) { return id.w + "#" + std::to_string(id.s); }

// Everything known about the run, and the checks over it.
class Oracle {
 public:
  void Acked(const DocId& id, Clock::time_point start, Clock::time_point end,
             std::optional<uint64_t> location) {
    std::lock_guard<std::mutex> lock(mu_);
    appends_[id] = {start, end};
    if (location) Place(id, *location, "its acknowledgement");
  }
  void Cut(uint64_t at, Clock::time_point start, Clock::time_point end) {
    std::lock_guard<std::mutex> lock(mu_);
    cuts_.push_back({at, start, end});
  }

  // One read: documents seen at consecutive locations from `first`, in a
  // read that started at `start`. `snapshot`: one consistent state (an HTTP
  // range), so order and uniqueness within it are checked too.
  void Saw(const std::vector<std::string>& docs, uint64_t first, Clock::time_point start,
           bool snapshot, const std::string& what) {
    std::vector<DocId> ids(docs.size());
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!Identify(docs[i], &ids[i])) {
        Violation(what + ": a torn or unknown document at " + std::to_string(first + i) + ": " +
                  docs[i].substr(0, 120));
        return;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    reads_ += docs.size();
    std::set<DocId> seen;
    std::map<std::string, uint64_t> last;
    for (size_t i = 0; i < ids.size(); ++i) {
      const DocId& id = ids[i];
      const uint64_t location = first + i;
      Place(id, location, what);
      if (snapshot) {
        if (!seen.insert(id).second) Violation(what + ": " + Name(id) + " twice in one range");
        auto it = last.find(id.w);
        if (it != last.end() && it->second >= id.s) {
          Violation(what + ": " + Name(id) + " after " + id.w + "#" + std::to_string(it->second));
        }
        last[id.w] = id.s;
      }
      // Not removed by a cut acknowledged before this read began.
      auto append = appends_.find(id);
      if (append == appends_.end()) continue;
      for (const CutRecord& c : cuts_) {
        if (c.at <= location && c.end < start && append->second.second < c.start) {
          Violation(what + ": " + Name(id) + " at " + std::to_string(location) +
                    " was removed by an acknowledged cut at " + std::to_string(c.at));
        }
      }
    }
  }

  // The final state: every acknowledged document is where it was placed,
  // unless a cut at or below that location did not end before its append.
  void CheckFinal(const std::vector<std::string>& docs) {
    Saw(docs, 0, Clock::now(), true, "the final state");
    std::lock_guard<std::mutex> lock(mu_);
    std::set<DocId> present;
    for (const std::string& d : docs) {
      DocId id;
      if (Identify(d, &id)) present.insert(id);
    }
    for (const auto& [id, times] : appends_) {
      if (present.count(id) != 0) continue;
      auto placed = where_.find(id);
      bool explained = false;
      for (const CutRecord& c : cuts_) {
        const bool at_or_below = placed == where_.end() || c.at <= placed->second;
        if (at_or_below && c.end > times.first) explained = true;
      }
      if (!explained) Violation("acknowledged " + Name(id) + " is gone, and no cut explains it");
      ++removed_;
    }
  }

  std::vector<std::string> violations() {
    std::lock_guard<std::mutex> lock(mu_);
    return violations_;
  }
  uint64_t reads() const { return reads_; }
  uint64_t acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return appends_.size();
  }
  uint64_t cuts() {
    std::lock_guard<std::mutex> lock(mu_);
    return cuts_.size();
  }
  uint64_t removed() const { return removed_; }

 private:
  struct CutRecord {
    uint64_t at;
    Clock::time_point start, end;
  };
  // REQUIRES: mu_ held.
  void Place(const DocId& id, uint64_t location, const std::string& what) {
    auto [it, inserted] = where_.emplace(id, location);
    if (!inserted && it->second != location) {
      Violation(what + ": " + Name(id) + " at " + std::to_string(location) + ", but it was at " +
                std::to_string(it->second));
    }
  }
  void Violation(const std::string& v) {
    if (violations_.size() < 20) violations_.push_back(v);
    ADD_FAILURE() << v;
  }

  std::mutex mu_;
  std::map<DocId, std::pair<Clock::time_point, Clock::time_point>> appends_;
  std::map<DocId, uint64_t> where_;
  std::vector<CutRecord> cuts_;
  std::vector<std::string> violations_;
  std::atomic<uint64_t> reads_{0};
  uint64_t removed_ = 0;
};

class BothFacesTest : public MountTestBase {};

TEST_F(BothFacesTest, WritersCutsAndReadersOnOneTopicSeeOnlyWholeGaplessConsistentRanges) {
  ASSERT_EQ(::mkdir(Path(kTopic).c_str(), 0755), 0);
  const auto seconds = std::chrono::seconds(EnvNumber("PDFS_BOTH_FACES_SECONDS", 15));
  const int port = pdfs_->port();
  Oracle oracle;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> http_docs{0}, mount_docs{0}, range_reads{0}, mount_reads{0};
  std::map<std::string, std::atomic<int>> cut_kinds;
  cut_kinds["HTTP DELETE"];
  cut_kinds["truncate(2)"];
  cut_kinds["unlink"];
  std::vector<std::thread> threads;

  for (int k = 0; k < 3; ++k) {  // HTTP appenders
    threads.emplace_back([&, k] {
      std::mt19937 rng(k);
      auto http = LoopbackClient(port);
      const std::string w = "h" + std::to_string(k);
      for (uint64_t s = 0; !stop;) {
        const size_t n = rng() % 2 ? 1 : 1 + rng() % 8;
        std::vector<DocId> ids;
        std::string body = n > 1 ? "[" : "";
        for (size_t i = 0; i < n; ++i, ++s) {
          ids.push_back({w, s});
          body += (i ? "," : "") + MakeDoc(w, s);
        }
        if (n > 1) body += "]";
        const auto start = Clock::now();
        auto r = http->Post(("/stream/" + kTopic).c_str(), body, "application/json");
        ASSERT_TRUE(r && r->status == 200) << (r ? r->body : httplib::to_string(r.error()));
        json j = json::parse(r->body);
        const uint64_t first =
            n > 1 ? j["location_list"][0].get<uint64_t>() : j["location"].get<uint64_t>();
        for (size_t i = 0; i < n; ++i) oracle.Acked(ids[i], start, Clock::now(), first + i);
        http_docs += n;
      }
    });
  }
  for (int k = 0; k < 3; ++k) {  // mount appenders, one file a few writes long
    threads.emplace_back([&, k] {
      std::mt19937 rng(10 + k);
      const std::string w = "m" + std::to_string(k);
      for (uint64_t s = 0, file = 0; !stop; ++file) {
        int fd = ::open(Path(kTopic + "/" + w + "-" + std::to_string(file)).c_str(),
                        O_WRONLY | O_CREAT | O_APPEND, 0644);
        ASSERT_GE(fd, 0) << std::strerror(errno);
        for (int writes = 1 + rng() % 5; writes > 0 && !stop; --writes) {
          std::vector<DocId> ids;
          std::string bytes;
          for (size_t n = 1 + rng() % 3; n > 0; --n, ++s) {
            ids.push_back({w, s});
            bytes += MakeDoc(w, s) + "\n";
          }
          const auto start = Clock::now();
          ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()))
              << std::strerror(errno);
          for (const DocId& id : ids) oracle.Acked(id, start, Clock::now(), std::nullopt);
          mount_docs += ids.size();
        }
        ASSERT_EQ(::close(fd), 0) << std::strerror(errno);
      }
    });
  }
  threads.emplace_back([&] {  // the cutter
    std::mt19937 rng(20);
    auto http = LoopbackClient(port);
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 60));
      auto meta = http->Get(("/stream/" + kTopic).c_str());
      ASSERT_TRUE(meta && meta->status == 200);
      const uint64_t count = json::parse(meta->body)[0]["count"].get<uint64_t>();
      if (count < 20) continue;
      // Keep most of the stream: cut somewhere in its last half.
      const uint64_t at = count / 2 + rng() % (count - count / 2);
      const auto start = Clock::now();
      switch (rng() % 3) {
        case 0: {
          auto r = http->Delete(("/stream/" + kTopic + "/" + std::to_string(at)).c_str());
          ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
          ++cut_kinds["HTTP DELETE"];
          break;
        }
        case 1:
          ASSERT_EQ(::truncate(Path(kTopic + "/" + DocFileName(at)).c_str(), 0), 0)
              << at << ": " << std::strerror(errno);
          ++cut_kinds["truncate(2)"];
          break;
        default: {
          // unlink removes only the last document (or the first); an
          // append that lands first makes it a middle one, refused with
          // EPERM and changing nothing.
          const uint64_t last = count - 1;
          if (::unlink(Path(kTopic + "/" + DocFileName(last)).c_str()) != 0) {
            ASSERT_EQ(errno, EPERM) << last << ": " << std::strerror(errno);
            continue;
          }
          ++cut_kinds["unlink"];
          oracle.Cut(last, start, Clock::now());
          continue;
        }
      }
      oracle.Cut(at, start, Clock::now());
    }
  });
  for (int k = 0; k < 2; ++k) {  // HTTP readers
    threads.emplace_back([&, k] {
      std::mt19937 rng(30 + k);
      auto http = LoopbackClient(port);
      while (!stop) {
        auto meta = http->Get(("/stream/" + kTopic).c_str());
        ASSERT_TRUE(meta && meta->status == 200);
        const uint64_t count = json::parse(meta->body)[0]["count"].get<uint64_t>();
        const uint64_t first = count == 0 ? 0 : rng() % count;
        const std::string spec = std::to_string(first) + "-" +
                                 (rng() % 4 == 0 ? "" : std::to_string(first + rng() % 400));
        const std::string path = "/stream/" + kTopic + "/" + spec;
        const auto start = Clock::now();
        const int mode = static_cast<int>(rng() % 3);
        if (mode == 0) {  // JSON Lines: exact bytes
          auto r = http->Get(path.c_str(), httplib::Headers{{"Accept", "application/x-ndjson"}});
          ASSERT_TRUE(r && r->status == 200) << path;
          ASSERT_TRUE(r->body.empty() || r->body.back() == '\n') << path << ": a cut-off range";
          oracle.Saw(SplitLines(r->body), first, start, true, "GET " + path + " (JSON Lines)");
        } else if (mode == 1) {  // an array: the same documents
          auto r = http->Get(path.c_str());
          ASSERT_TRUE(r && r->status == 200) << path;
          auto a = nlohmann::ordered_json::parse(r->body, nullptr, false);
          ASSERT_TRUE(a.is_array()) << path << ": not a whole JSON array";
          std::vector<std::string> docs;
          for (const auto& d : a) docs.push_back(d.dump());
          oracle.Saw(docs, first, start, true, "GET " + path);
        } else {  // one document
          auto r = http->Get(("/stream/" + kTopic + "/" + std::to_string(first)).c_str());
          ASSERT_TRUE(r && (r->status == 200 || r->status == 404));
          if (r->status == 200) oracle.Saw({r->body}, first, start, true, "GET one document");
        }
        ++range_reads;
      }
    });
  }
  for (int k = 0; k < 2; ++k) {  // mount readers: ls, then cat of some names
    threads.emplace_back([&, k] {
      std::mt19937 rng(40 + k);
      while (!stop) {
        int error = 0;
        std::vector<std::string> names = ListDir(Path(kTopic), &error);
        ASSERT_EQ(error, 0) << std::strerror(error);
        for (int i = 0; i < 10 && !names.empty(); ++i) {
          const std::string& name = names[rng() % names.size()];
          const uint64_t location = std::stoull(name);
          const auto start = Clock::now();
          std::string doc = ReadAll(Path(kTopic + "/" + name), &error);
          // A cut since the listing may have removed it (or its location
          // holds a newer document now): both are fine.
          if (error == ENOENT || error == ESTALE) continue;
          ASSERT_EQ(error, 0) << name << ": " << std::strerror(error);
          oracle.Saw({doc}, location, start, true, "cat " + name);
          ++mount_reads;
        }
      }
    });
  }

  std::this_thread::sleep_for(seconds);
  stop = true;
  for (std::thread& t : threads) t.join();

  // Quiet now: the counters equal a recount on both faces.
  TopicReadback got;
  std::string error;
  ASSERT_TRUE(ReadBack(http(), kTopic, &got, &error)) << error;
  EXPECT_TRUE(got.Consistent()) << "count " << got.count << ", size " << got.size << "; recount "
                                << got.docs.size() << ", " << got.DocBytes();
  std::vector<std::string> names = ListDir(Path(kTopic));
  ASSERT_EQ(names.size(), got.docs.size());
  for (size_t i = 0; i < names.size(); ++i) ASSERT_EQ(names[i], DocFileName(i));
  char buf[32];
  ssize_t n = ::getxattr(Path(kTopic).c_str(), "user.pdfs.size", buf, sizeof(buf));
  EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0), std::to_string(got.size));
  oracle.CheckFinal(got.docs);
  std::printf(
      "both faces, %lld s: %llu documents appended (%llu over HTTP, %llu through the "
      "mount), %llu cuts (HTTP DELETE %d, truncate(2) %d, unlink %d), %llu reads (%llu "
      "HTTP, %llu cat) checking %llu documents; final %zu documents; %llu removed by "
      "cuts; violations: %zu\n",
      static_cast<long long>(seconds.count()), static_cast<unsigned long long>(oracle.acked()),
      static_cast<unsigned long long>(http_docs.load()),
      static_cast<unsigned long long>(mount_docs.load()),
      static_cast<unsigned long long>(oracle.cuts()), cut_kinds["HTTP DELETE"].load(),
      cut_kinds["truncate(2)"].load(), cut_kinds["unlink"].load(),
      static_cast<unsigned long long>(range_reads + mount_reads),
      static_cast<unsigned long long>(range_reads.load()),
      static_cast<unsigned long long>(mount_reads.load()),
      static_cast<unsigned long long>(oracle.reads()), got.docs.size(),
      static_cast<unsigned long long>(oracle.removed()), oracle.violations().size());
}

}  // namespace
}  // namespace pdfs
