// Many writers and many documents through the mount: several processes
// appending at once store every document exactly once with no gaps, and a
// topic of 100,000 documents lists with `ls -f` and reads back completely.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "mount_fixture.h"

namespace pdfs {
namespace {

using json = nlohmann::json;
using namespace pdfs::testing;

class ConcurrencyTest : public MountTestBase {};

TEST_F(ConcurrencyTest, ConcurrentAppenderProcessesStoreEveryDocumentExactlyOnce) {
  ASSERT_EQ(::mkdir(Path("t").c_str(), 0755), 0);
  constexpr int kProcesses = 8;
  constexpr int kEach = 150;
  std::vector<std::unique_ptr<Subprocess>> writers;
  for (int p = 0; p < kProcesses; ++p) {
    // Even processes open the file once per document (/bin/echo >>), odd
    // ones stream all of theirs through one descriptor, pretty-printed.
    const std::string w = std::to_string(p);
    std::string script;
    if (p % 2 == 0) {
      script = "for i in $(seq 1 " + std::to_string(kEach) + "); do /bin/echo \"{\\\"w\\\":" + w +
               ",\\\"i\\\":$i}\" >> '" + Path("t/w" + w) + "' || exit 1; done";
    } else {
      script = "for i in $(seq 1 " + std::to_string(kEach) + "); do printf '{\\n  \"w\": " + w +
               ",\\n  \"i\": %d\\n}\\n' $i; done > '" + Path("t/w" + w) + "'";
    }
    writers.push_back(
        std::make_unique<Subprocess>(std::vector<std::string>{"/bin/bash", "-c", script}));
  }
  for (auto& w : writers) {
    int status = w->Wait(std::chrono::seconds(120));
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << w->stderr_text();
  }
  std::string body = Get("/stream/t/0-");
  json docs = json::parse(body);
  ASSERT_EQ(docs.size(), static_cast<size_t>(kProcesses * kEach));
  std::map<int, std::set<int>> seen;
  std::map<int, int> last;
  for (const json& d : docs) {
    const int w = d["w"], i = d["i"];
    EXPECT_TRUE(seen[w].insert(i).second) << "twice: " << d.dump();
    EXPECT_GT(i, last[w]) << "each writer's documents keep their order";
    last[w] = i;
  }
  for (int p = 0; p < kProcesses; ++p) EXPECT_EQ(seen[p].size(), static_cast<size_t>(kEach));
  // The listing agrees: gapless locations.
  std::vector<std::string> names = ListDir(Path("t"));
  ASSERT_EQ(names.size(), docs.size());
  EXPECT_EQ(names.back(), "001199.json");
}

TEST_F(ConcurrencyTest, AHundredThousandDocumentTopicListsWithLsFAndReadsBackCompletely) {
  constexpr int kDocs = 100000;
  for (int start = 0; start < kDocs; start += 10000) {
    std::string body = "[";
    for (int i = start; i < start + 10000; ++i) {
      body += (i > start ? "," : "") + std::string("{\"n\":") + std::to_string(i) + "}";
    }
    Post("big", body + "]");
  }
  RunResult ls = pdfs::testing::Run({"/bin/sh", "-c", "ls -f '" + Path("big") + "' | wc -l"}, "",
                                    std::chrono::seconds(300));
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(std::stoi(ls.out), kDocs + 2) << "every document plus . and ..";
  std::vector<std::string> names = ListDir(Path("big"));
  ASSERT_EQ(names.size(), static_cast<size_t>(kDocs));
  for (int i = 0; i < kDocs; ++i) {
    char want[32];
    std::snprintf(want, sizeof(want), "%06d.json", i);
    ASSERT_EQ(names[static_cast<size_t>(i)], want);
    ASSERT_EQ(ReadAll(Path("big/") + want), "{\"n\":" + std::to_string(i) + "}");
  }
}

}  // namespace
}  // namespace pdfs
