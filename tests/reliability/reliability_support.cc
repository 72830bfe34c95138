// Support for the reliability suites; see reliability_support.h.
#include "reliability/reliability_support.h"

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace pdfs::testing {

uint64_t EnvNumber(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v, &end, 10);
  return *end == '\0' ? n : fallback;
}

std::string DocFileName(uint64_t location) {
  char name[32];
  std::snprintf(name, sizeof(name), "%06llu.json", static_cast<unsigned long long>(location));
  return name;
}

std::vector<std::string> SplitLines(const std::string& body) {
  std::vector<std::string> lines;
  size_t pos = 0;
  for (;;) {
    size_t nl = body.find('\n', pos);
    if (nl == std::string::npos) break;
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::unique_ptr<httplib::Client> LoopbackClient(int port, int read_timeout_seconds) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_url_encode(false);
  c->set_connection_timeout(10, 0);
  c->set_read_timeout(read_timeout_seconds, 0);
  c->set_write_timeout(30, 0);
  return c;
}

uint64_t TopicReadback::DocBytes() const {
  uint64_t n = 0;
  for (const std::string& d : docs) n += d.size();
  return n;
}

bool ReadBack(httplib::Client& http, const std::string& topic, TopicReadback* out,
              std::string* error) {
  *out = TopicReadback();
  auto meta = http.Get(("/stream/" + topic).c_str());
  if (!meta) {
    *error = "GET /stream/" + topic + ": " + httplib::to_string(meta.error());
    return false;
  }
  if (meta->status == 404) return true;
  auto j = nlohmann::json::parse(meta->body, nullptr, false);
  if (meta->status != 200 || !j.is_array() || j.size() != 1) {
    *error = "GET /stream/" + topic + ": " + std::to_string(meta->status) + " " + meta->body;
    return false;
  }
  out->exists = true;
  out->count = j[0]["count"].get<uint64_t>();
  out->size = j[0]["size"].get<uint64_t>();
  auto range = http.Get(("/stream/" + topic + "/0-").c_str(),
                        httplib::Headers{{"Accept", "application/x-ndjson"}});
  if (!range || range->status != 200) {
    *error = "GET /stream/" + topic +
             "/0-: " + (range ? std::to_string(range->status) : httplib::to_string(range.error()));
    return false;
  }
  out->docs = SplitLines(range->body);
  return true;
}

}  // namespace pdfs::testing
