// bench_baseline_server PORT STATIC_DIR DOC_FILE
//
// What pdfs's HTTP figures are measured against: the same cpp-httplib build
// with the same server settings as http/server.cc (thread pool, TCP_NODELAY,
// keep-alive count, listen backlog), answering the same requests without
// storing anything:
//   POST /stream/:topic        -> {"location":N}, N a counter (the body is read)
//   GET  /stream/:topic/:loc   -> the bytes of DOC_FILE (one stored document)
//   GET  /static/...           -> files of STATIC_DIR (the range-read baseline)
#include <sys/socket.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <httplib.h>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_baseline_server PORT STATIC_DIR DOC_FILE\n");
    return 2;
  }
  std::ifstream in(argv[3], std::ios::binary);
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string document = doc.str();

  httplib::Server svr;
  svr.new_task_queue = [] { return new httplib::ThreadPool(64); };
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_max_count(1u << 30);
  svr.set_payload_max_length(size_t{64} << 20);
  int listen_fd = -1;
  svr.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = fd;
  });
  std::atomic<unsigned long long> next{0};
  svr.Post(R"(/stream/([^/]+))", [&next](const httplib::Request& req, httplib::Response& res) {
    // A batch: count its documents the cheap way (the driver sends compact
    // arrays), so the answer has the same shape and size as pdfs's.
    if (!req.body.empty() && req.body[0] == '[') {
      size_t n = 1;
      for (size_t at = req.body.find("},{"); at != std::string::npos;
           at = req.body.find("},{", at + 3)) {
        ++n;
      }
      const unsigned long long first = next.fetch_add(n);
      std::string list = "{\"location_list\":[";
      for (size_t i = 0; i < n; ++i) {
        if (i > 0) list += ',';
        list += std::to_string(first + i);
      }
      res.set_content(list + "]}", "application/json");
      return;
    }
    res.set_content("{\"location\":" + std::to_string(next++) + "}", "application/json");
  });
  svr.Get(R"(/stream/([^/]+)/(\d+))", [&document](const httplib::Request&, httplib::Response& res) {
    res.set_content(document, "application/json");
  });
  if (!svr.set_mount_point("/static", argv[2])) {
    std::fprintf(stderr, "bad static dir %s\n", argv[2]);
    return 1;
  }
  if (!svr.bind_to_port("127.0.0.1", std::atoi(argv[1]))) {
    std::fprintf(stderr, "cannot bind port %s\n", argv[1]);
    return 1;
  }
  if (listen_fd >= 0) ::listen(listen_fd, 1024);
  std::printf("listening\n");
  std::fflush(stdout);
  svr.listen_after_bind();
}
