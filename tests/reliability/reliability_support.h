// Support shared by the reliability suites (crash loop, both faces,
// hostile input, disk full): reading a topic back and recounting it, and
// the few knobs a long run takes from the environment. Mount helpers live
// in tests/fs/mount_fixture.h; process and raw HTTP helpers in
// tests/support/.
#ifndef PDFS_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H_
#define PDFS_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <httplib.h>

#include "support/raw_http.h"

namespace pdfs::testing {

// An integer from the environment, or `fallback` if unset or not a number.
uint64_t EnvNumber(const char* name, uint64_t fallback);

// The canonical file name of a location in the mount: 000123.json.
std::string DocFileName(uint64_t location);

// The lines of a JSON Lines body, without their newlines. A body that does
// not end in a newline has its last line dropped: a range cut short.
std::vector<std::string> SplitLines(const std::string& body);

// A keep-alive HTTP client for 127.0.0.1:port that sends paths as written.
std::unique_ptr<httplib::Client> LoopbackClient(int port, int read_timeout_seconds = 30);

// A topic as HTTP reports it (GET /stream/T) and as reading it whole
// (GET /stream/T/0- as JSON Lines) finds it.
struct TopicReadback {
  bool exists = false;
  uint64_t count = 0;  // as reported
  uint64_t size = 0;   // as reported
  std::vector<std::string> docs;
  uint64_t DocBytes() const;
  // count and size equal the recount of `docs`.
  bool Consistent() const { return count == docs.size() && size == DocBytes(); }
};
// Reads `topic`; false (and *error) if the server did not answer properly.
bool ReadBack(httplib::Client& http, const std::string& topic, TopicReadback* out,
              std::string* error);

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H_
