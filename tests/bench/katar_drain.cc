// bench_katar_drain PORT TOPIC BATCH
//
// A Katar consumer group draining TOPIC from its start in pulls of BATCH
// messages, committing each pull's next_offset with the next one (the way
// `pdfs subscribe --group` consumes), against the PhatData range read of
// the same topic over the same kind of connection. Prints
// "<group messages/s> <range documents/s>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_katar_drain PORT TOPIC BATCH\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string topic = argv[2];
  const int batch = std::atoi(argv[3]);
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);  // as curl and wrk: no 40 ms delayed-ACK stalls
  client.set_read_timeout(300, 0);

  // A fresh group name per run, so every run drains the whole topic.
  const std::string group = "bench" + std::to_string(Clock::now().time_since_epoch().count());
  uint64_t messages = 0;
  int64_t commit = -1;
  const Clock::time_point pull_start = Clock::now();
  for (;;) {
    nlohmann::json request = {{"topic", topic}, {"group", group}, {"max", batch}};
    if (commit >= 0) request["commit"] = commit;
    auto r = client.Post("/subscribe", request.dump(), "application/json");
    if (!r || r->status != 200) {
      std::fprintf(stderr, "pull failed: %s\n", r ? r->body.c_str() : "no answer");
      return 1;
    }
    nlohmann::json answer = nlohmann::json::parse(r->body);
    const size_t n = answer["messages"].size();
    if (n == 0) break;
    messages += n;
    commit = answer["next_offset"].get<int64_t>();
  }
  const double pull_seconds = Seconds(pull_start);

  uint64_t documents = 0;
  const Clock::time_point range_start = Clock::now();
  auto r = client.Get("/stream/" + topic + "/0-");
  if (!r || r->status != 200) {
    std::fprintf(stderr, "range read failed\n");
    return 1;
  }
  // Parsed as the group's answers are, so both sides pay for JSON.
  documents = nlohmann::json::parse(r->body).size();
  const double range_seconds = Seconds(range_start);
  std::printf("%.0f %.0f\n", messages / pull_seconds, documents / range_seconds);
  return messages == documents ? 0 : 1;
}
