// The Hub crash loop: the real `pdfs serve --data DIR --listen 127.0.0.1:0`
// with writers inserting into one Hub channel (docs/HUB.md), killed with
// SIGKILL at a random moment, started again on the same data directory, and
// checked — over and over.
//
// The workload: writers, each sending one request at a time, chosen at
// random: a single insert (POST /channel/c) or a bulk insert of 2–6 parts
// (POST /channel/c/bulk, multipart/mixed). Items are text, JSON, binary
// (every byte value, NUL and CR LF included) and zero bytes; each is unique
// by its bytes and content type together (a zero-byte item carries its
// writer, round and sequence in a content-type parameter, since it has no
// bytes to carry them).
//
// What must hold after every restart (and at the end):
//  - no acknowledged item lost: every insert answered 201 is at the
//    location its key's hash encodes, with its exact bytes and content
//    type, both through its key (GET of its Location's path) and through
//    /stream/c/N; everything stored after one restart is unchanged at the
//    end;
//  - every bulk whole or absent — also one cut short by the kill — with its
//    parts at consecutive locations in the order sent; an acknowledged
//    bulk's _links.uris name exactly those locations;
//  - each writer's acknowledged items at increasing locations, in the order
//    it sent them; no item stored twice; nothing stored that no writer sent.
//
// PDFS_HUB_CRASH_ITERATIONS (default 15) sets the number of kills and
// PDFS_CRASH_SEED the random seed (printed, for replaying a failure).
#include <signal.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

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

constexpr int kWriters = 3;
constexpr int kMaxReports = 25;
// Long and random-looking, so that no payload (binary ones included)
// holds it at the start of a line by chance.
const std::string kBoundary = "pdfsHubCrash7Qx2Zr9Lw";

std::unique_ptr<httplib::Client> ShortClient(int port) {
  // Short timeouts: a killed server closes its connections at once, and
  // no thread should wait long on one gone wrong.
  auto c = LoopbackClient(port, /*read_timeout_seconds=*/10);
  c->set_connection_timeout(2, 0);
  c->set_write_timeout(10, 0);
  return c;
}

std::string Describe(const httplib::Result& r) {
  return r ? std::to_string(r->status) + " " + r->body.substr(0, 300)
           : httplib::to_string(r.error());
}

// The path of a URL the server gave.
std::string PathOf(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const size_t slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

// The location a key's 11-character base-62 hash (0-9A-Za-z) encodes, or
// nullopt if the URL does not end in one.
std::optional<uint64_t> LocationOf(const std::string& url) {
  const std::string path = PathOf(url);
  const std::string hash = path.substr(path.rfind('/') + 1);
  if (hash.size() != 11) return std::nullopt;
  unsigned __int128 value = 0;
  for (char ch : hash) {
    int digit;
    if (ch >= '0' && ch <= '9') {
      digit = ch - '0';
    } else if (ch >= 'A' && ch <= 'Z') {
      digit = 10 + ch - 'A';
    } else if (ch >= 'a' && ch <= 'z') {
      digit = 36 + ch - 'a';
    } else {
      return std::nullopt;
    }
    value = value * 62 + digit;
  }
  if (value > UINT64_MAX) return std::nullopt;
  return static_cast<uint64_t>(value);
}

struct Item {
  std::string type;
  std::string data;
  // What makes it unique among all items sent.
  std::string Identity() const { return type + '\n' + data; }
};

// Writer w's item number s of round r: its shape chosen at random.
Item MakeItem(int w, uint64_t r, uint64_t s, std::mt19937_64& rng) {
  const std::string id =
      "w" + std::to_string(w) + ".r" + std::to_string(r) + ".s" + std::to_string(s);
  switch (rng() % 5) {
    case 0:
      return {"text/plain", id + " " + std::string(rng() % 300, static_cast<char>('a' + s % 26))};
    case 1:
      return {"application/json",
              json{{"id", id}, {"pad", std::string(rng() % 200, 'j') + "\"\\\u00e9"}}.dump()};
    case 2: {
      // Every byte value, after the id: NUL, CR LF and "--" included.
      std::string data = id + '\0';
      const size_t n = rng() % 2000;
      for (size_t i = 0; i < n; ++i) data.push_back(static_cast<char>(rng() & 0xff));
      data += "\r\n--\r\n";
      return {rng() % 2 ? "application/octet-stream" : "image/png", data};
    }
    case 3:
      return {"application/x-empty; id=" + id, ""};
    default:
      return {"text/csv; charset=utf-8", id + ",1,2\r\n" + id + ",3,4\r\n"};
  }
}

// One insert request and what became of it.
struct Request {
  bool bulk = false;
  int writer = 0;
  std::vector<Item> items;
  bool acked = false;
  std::vector<uint64_t> locations;  // each item's, if acked
  std::vector<std::string> keys;    // each item's URL path, if acked
};

class HubCrashLoop {
 public:
  HubCrashLoop() : seed_(EnvNumber("PDFS_CRASH_SEED", std::random_device{}())), rng_(seed_) {
    data_ = dir_.Sub("data");
  }

  void Run(uint64_t iterations);

 private:
  void Start();
  void Workload(uint64_t iteration, std::chrono::milliseconds kill_after);
  void Writer(int id, uint64_t iteration, uint64_t seed, std::vector<Request>* out);
  bool Send(httplib::Client& http, Request& rec);
  bool ReadLocation(httplib::Client& http, uint64_t location, Item* out);
  void CheckAfterRestart(const std::vector<Request>& round);
  void CheckEverything();

  void Unexpected(const std::string& what) {
    if (!killed_) ADD_FAILURE() << what;
  }
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

  // Every location read so far, as read; and where each item is.
  std::vector<Item> stored_;
  std::unordered_map<std::string, uint64_t> where_;
  // Each writer's last acknowledged location, across rounds.
  std::vector<std::optional<uint64_t>> last_acked_ = std::vector<std::optional<uint64_t>>(kWriters);

  std::atomic<uint64_t> acked_items_{0}, acked_singles_{0}, acked_bulks_{0}, requests_{0};
  std::atomic<uint64_t> lost_{0}, mismatched_{0}, torn_{0}, duplicated_{0}, order_errors_{0},
      unknown_{0};
  // Requests in flight at a kill: (stored, not stored), singles and bulks.
  int single_stored_ = 0, single_not_ = 0, bulk_stored_ = 0, bulk_not_ = 0;
};

void HubCrashLoop::Start() {
  server_ = std::make_unique<PdfsServe>(PDFS_BINARY, data_);
  ASSERT_TRUE(server_->ok()) << server_->process().stderr_text();
  port_ = server_->port();
}

void HubCrashLoop::Run(uint64_t iterations) {
  std::printf("hub crash loop: %llu iterations, seed %llu (PDFS_CRASH_SEED)\n",
              static_cast<unsigned long long>(iterations), static_cast<unsigned long long>(seed_));
  const Clock::time_point t0 = Clock::now();
  Start();
  if (::testing::Test::HasFatalFailure()) return;
  {
    auto http = ShortClient(port_);
    auto r = http->Put("/channel/c", "", "application/json");
    ASSERT_TRUE(r && r->status == 201) << Describe(r);
  }
  uint64_t kills = 0;
  for (uint64_t i = 0; i < iterations; ++i) {
    const auto kill_after = std::chrono::milliseconds(200 + rng_() % 2300);
    Workload(i, kill_after);
    ++kills;
    if (::testing::Test::HasFailure()) break;
    std::printf(
        "iteration %llu: killed after %lld ms; %llu items acknowledged so far; c holds %zu\n",
        static_cast<unsigned long long>(i + 1), static_cast<long long>(kill_after.count()),
        static_cast<unsigned long long>(acked_items_.load()), stored_.size());
    std::fflush(stdout);
  }
  if (!::testing::Test::HasFailure()) CheckEverything();
  // The last start stops cleanly.
  const int status = server_->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << server_->process().stderr_text();

  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "hub crash loop totals: %llu kills in %.1f s; %llu items acknowledged (%llu single "
      "inserts, %llu bulks); %llu requests in all; c ends at %zu items; lost %llu, mismatched "
      "%llu, torn bulks %llu, duplicated %llu, order errors %llu, unknown %llu\n",
      static_cast<unsigned long long>(kills), seconds,
      static_cast<unsigned long long>(acked_items_.load()),
      static_cast<unsigned long long>(acked_singles_.load()),
      static_cast<unsigned long long>(acked_bulks_.load()),
      static_cast<unsigned long long>(requests_.load()), stored_.size(),
      static_cast<unsigned long long>(lost_.load()),
      static_cast<unsigned long long>(mismatched_.load()),
      static_cast<unsigned long long>(torn_.load()),
      static_cast<unsigned long long>(duplicated_.load()),
      static_cast<unsigned long long>(order_errors_.load()),
      static_cast<unsigned long long>(unknown_.load()));
  std::printf("in flight at a kill: single stored %d, not stored %d; bulk stored %d, not %d\n",
              single_stored_, single_not_, bulk_stored_, bulk_not_);
  EXPECT_EQ(lost_.load(), 0u);
  EXPECT_EQ(mismatched_.load(), 0u);
  EXPECT_EQ(torn_.load(), 0u);
  EXPECT_EQ(duplicated_.load(), 0u);
  EXPECT_EQ(order_errors_.load(), 0u);
  EXPECT_EQ(unknown_.load(), 0u);
}

void HubCrashLoop::Workload(uint64_t iteration, std::chrono::milliseconds kill_after) {
  killed_ = false;
  stop_ = false;
  std::vector<std::thread> threads;
  std::vector<std::vector<Request>> sent(kWriters);
  const uint64_t base = rng_();
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back(
        [this, i, iteration, base, &sent] { Writer(i, iteration, base + i, &sent[i]); });
  }
  std::this_thread::sleep_for(kill_after);
  killed_ = true;
  server_->Kill();  // SIGKILL, then reaped
  stop_ = true;
  // The kernel closes the dead server's sockets: every request in flight
  // fails at once, every later one is refused, and every writer returns.
  for (std::thread& t : threads) t.join();
  Start();
  if (::testing::Test::HasFatalFailure()) return;
  std::vector<Request> round;
  for (auto& requests : sent) {
    for (Request& r : requests) round.push_back(std::move(r));
  }
  CheckAfterRestart(round);
}

void HubCrashLoop::Writer(int id, uint64_t iteration, uint64_t seed, std::vector<Request>* out) {
  std::mt19937_64 rng(seed);
  auto http = ShortClient(port_);
  for (uint64_t seq = 0; !stop_;) {
    Request rec;
    rec.writer = id;
    rec.bulk = rng() % 100 < 40;
    const size_t n = rec.bulk ? 2 + rng() % 5 : 1;
    for (size_t i = 0; i < n; ++i) rec.items.push_back(MakeItem(id, iteration, seq++, rng));
    const bool ok = Send(*http, rec);
    out->push_back(std::move(rec));
    if (!ok) return;
  }
}

// Sends one request; fills `rec`. False if it was not acknowledged.
bool HubCrashLoop::Send(httplib::Client& http, Request& rec) {
  ++requests_;
  const char* what = rec.bulk ? "POST /channel/c/bulk" : "POST /channel/c";
  std::string body, type;
  if (rec.bulk) {
    for (const Item& item : rec.items) {
      body += "--" + kBoundary + "\r\nContent-Type: " + item.type + "\r\n\r\n" + item.data + "\r\n";
    }
    body += "--" + kBoundary + "--\r\n";
    type = "multipart/mixed; boundary=" + kBoundary;
  } else {
    body = rec.items[0].data;
    type = rec.items[0].type;
  }
  httplib::Result r = http.Post(rec.bulk ? "/channel/c/bulk" : "/channel/c", httplib::Headers{},
                                body, type.c_str());
  if (!r || r->status != 201) {
    Unexpected(std::string(what) + ": " + Describe(r));
    return false;
  }
  std::vector<std::string> urls;
  json j = json::parse(r->body, nullptr, false);
  if (rec.bulk) {
    if (j.is_object() && j.contains("_links") && j["_links"].contains("uris") &&
        j["_links"]["uris"].is_array()) {
      for (const json& u : j["_links"]["uris"])
        urls.push_back(u.is_string() ? u.get<std::string>() : "");
    }
    if (!j.is_object() ||
        r->get_header_value("Location") != j["_links"]["self"].value("href", "")) {
      ADD_FAILURE() << what << ": Location " << r->get_header_value("Location")
                    << " is not _links.self of " << r->body.substr(0, 300);
    }
  } else {
    urls.push_back(r->get_header_value("Location"));
  }
  if (urls.size() != rec.items.size()) {
    ADD_FAILURE() << what << " answered " << r->body.substr(0, 300) << " for " << rec.items.size()
                  << " items";
    return false;
  }
  for (const std::string& url : urls) {
    const std::optional<uint64_t> location = LocationOf(url);
    if (!location) {
      ADD_FAILURE() << what << ": " << url << " is not an item's key";
      return false;
    }
    rec.locations.push_back(*location);
    rec.keys.push_back(PathOf(url));
  }
  for (size_t i = 1; i < rec.locations.size(); ++i) {
    if (rec.locations[i] != rec.locations[i - 1] + 1) {
      Report(&order_errors_) << what << ": part " << i << " at " << rec.locations[i]
                             << ", the one before at " << rec.locations[i - 1];
    }
  }
  rec.acked = true;
  (rec.bulk ? acked_bulks_ : acked_singles_)++;
  acked_items_ += rec.items.size();
  return true;
}

// One location through the stream face: its bytes and content type.
bool HubCrashLoop::ReadLocation(httplib::Client& http, uint64_t location, Item* out) {
  auto r = http.Get(("/stream/c/" + std::to_string(location)).c_str());
  if (!r || r->status != 200) {
    ADD_FAILURE() << "GET /stream/c/" << location << ": " << Describe(r);
    return false;
  }
  out->type = r->get_header_value("Content-Type");
  out->data = r->body;
  return true;
}

void HubCrashLoop::CheckAfterRestart(const std::vector<Request>& round) {
  auto http = ShortClient(port_);
  auto meta = http->Get("/stream/c");
  ASSERT_TRUE(meta && meta->status == 200) << Describe(meta);
  const uint64_t count = json::parse(meta->body)[0]["count"].get<uint64_t>();
  ASSERT_GE(count, stored_.size()) << "c shrank";
  auto config = http->Get("/channel/c");
  ASSERT_TRUE(config && config->status == 200) << Describe(config);

  // What this round sent: each item's request, so that a stored item can be
  // traced to it.
  std::unordered_set<std::string> sent;
  for (const Request& rec : round) {
    for (const Item& item : rec.items) sent.insert(item.Identity());
  }
  // The new locations, read once each; the older ones were read and
  // resolved before, and CheckEverything reads them again at the end.
  for (uint64_t location = stored_.size(); location < count; ++location) {
    Item item;
    ASSERT_TRUE(ReadLocation(*http, location, &item));
    auto [it, inserted] = where_.emplace(item.Identity(), location);
    if (!inserted) {
      Report(&duplicated_) << "the item at " << location << " (" << item.type << ") is also at "
                           << it->second;
    }
    if (!sent.count(item.Identity())) {
      Report(&unknown_) << "location " << location << " holds an item this round did not send ("
                        << item.type << ", " << item.data.size() << " bytes)";
    }
    stored_.push_back(std::move(item));
  }

  for (const Request& rec : round) {
    const char* kind = rec.bulk ? "bulk" : "single insert";
    std::vector<uint64_t> found;
    for (const Item& item : rec.items) {
      auto it = where_.find(item.Identity());
      if (it != where_.end()) found.push_back(it->second);
    }
    if (!found.empty() && found.size() != rec.items.size()) {
      std::ostringstream d;
      for (const Item& item : rec.items) {
        d << "\n  " << (where_.count(item.Identity()) ? "stored  " : "MISSING ") << item.type;
      }
      Report(&torn_) << "a " << kind << (rec.acked ? " (acknowledged)" : "") << " of writer "
                     << rec.writer << " is stored in part: " << found.size() << " of "
                     << rec.items.size() << d.str();
      continue;
    }
    for (size_t i = 1; i < found.size(); ++i) {
      if (found[i] != found[i - 1] + 1) {
        Report(&order_errors_) << "a " << kind << ": part " << i << " is at " << found[i]
                               << ", the one before at " << found[i - 1];
      }
    }
    if (!found.empty()) {
      // In the writer's order: after everything it had acknowledged before.
      std::optional<uint64_t>& last = last_acked_[rec.writer];
      if (last && found.front() <= *last) {
        Report(&order_errors_) << "writer " << rec.writer << "'s " << kind << " is at "
                               << found.front() << ", not after its previous acknowledged item at "
                               << *last;
      }
      if (rec.acked) last = found.back();
    }
    if (!rec.acked) {
      if (rec.bulk) {
        (found.empty() ? bulk_not_ : bulk_stored_)++;
      } else {
        (found.empty() ? single_not_ : single_stored_)++;
      }
      continue;
    }
    if (found != rec.locations) {
      Report(&lost_) << "an acknowledged " << kind << " of writer " << rec.writer
                     << " is not where its answer said (" << found.size() << " of "
                     << rec.items.size() << " found)";
      continue;
    }
    // Through the Hub face, by the key the answer gave.
    for (size_t i = 0; i < rec.items.size(); ++i) {
      auto item = http->Get(rec.keys[i].c_str());
      if (!item || item->status != 200) {
        Report(&lost_) << "GET " << rec.keys[i] << ": " << Describe(item);
        continue;
      }
      if (item->body != rec.items[i].data ||
          item->get_header_value("Content-Type") != rec.items[i].type) {
        Report(&mismatched_) << "GET " << rec.keys[i] << " answered "
                             << item->get_header_value("Content-Type") << ", " << item->body.size()
                             << " bytes; sent " << rec.items[i].type << ", "
                             << rec.items[i].data.size() << " bytes";
      }
    }
  }
}

// After the last restart: every location read again, unchanged since it
// was first read.
void HubCrashLoop::CheckEverything() {
  auto http = ShortClient(port_);
  auto meta = http->Get("/stream/c");
  ASSERT_TRUE(meta && meta->status == 200) << Describe(meta);
  ASSERT_EQ(json::parse(meta->body)[0]["count"].get<uint64_t>(), stored_.size());
  for (uint64_t location = 0; location < stored_.size(); ++location) {
    Item item;
    ASSERT_TRUE(ReadLocation(*http, location, &item));
    if (item.Identity() != stored_[location].Identity()) {
      Report(&mismatched_) << "location " << location << " changed after a later kill";
    }
  }
}

TEST(HubCrashLoopTest, SigkillUnderSingleAndBulkInsertsLosesNoAckedItemAndTearsNoBulk) {
  HubCrashLoop loop;
  loop.Run(EnvNumber("PDFS_HUB_CRASH_ITERATIONS", 15));
}

}  // namespace
}  // namespace pdfs
