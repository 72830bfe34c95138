// bench_redis: Redis 7 as the peer for pdfs's append and range figures.
// A list is exactly a stream: RPUSH appends (and returns the new length,
// i.e. the next location), LRANGE reads a range, LTRIM truncates.
//
// usage: bench_redis PORT KEY MODE N [BATCH] [PIPELINE]
//   rpush   appends N documents of ~200 bytes, BATCH values per RPUSH
//           command, PIPELINE commands in flight (the pipelining comparable
//           to pdfs's batches); prints "<docs/s> <MB/s>"
//   lrange  reads the whole list in one LRANGE, N times; prints the median
//           MB/s of document bytes
// The documents are the ones the driver's HTTP figures use, so bytes match.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int yes = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
  return fd;
}

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n <= 0) {
      std::perror("write");
      std::exit(1);
    }
    off += static_cast<size_t>(n);
  }
}

// Buffered reader of RESP replies.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}

  // Reads one reply, returning the number of payload bytes it carried.
  size_t Reply() {
    std::string line = Line();
    switch (line[0]) {
      case ':':
      case '+':
        return 0;
      case '-':
        std::fprintf(stderr, "redis error: %s\n", line.c_str());
        std::exit(1);
      case '$': {
        long len = std::atol(line.c_str() + 1);
        if (len < 0) return 0;
        Skip(static_cast<size_t>(len) + 2);
        return static_cast<size_t>(len);
      }
      case '*': {
        long n = std::atol(line.c_str() + 1);
        size_t bytes = 0;
        for (long i = 0; i < n; ++i) bytes += Reply();
        return bytes;
      }
    }
    std::fprintf(stderr, "bad reply: %s\n", line.c_str());
    std::exit(1);
  }

 private:
  void Fill() {
    if (pos_ > 0) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    char tmp[1 << 16];
    ssize_t n = read(fd_, tmp, sizeof(tmp));
    if (n <= 0) {
      std::fprintf(stderr, "connection closed\n");
      std::exit(1);
    }
    buf_.append(tmp, static_cast<size_t>(n));
  }
  std::string Line() {
    for (;;) {
      size_t nl = buf_.find("\r\n", pos_);
      if (nl != std::string::npos) {
        std::string line = buf_.substr(pos_, nl - pos_);
        pos_ = nl + 2;
        return line;
      }
      Fill();
    }
  }
  void Skip(size_t n) {
    while (buf_.size() - pos_ < n) Fill();
    pos_ += n;
  }

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

// Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
std::string Bulk(const std::string& s) {
  std::string out = "$";
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
  return out;
}

std::string ArrayHeader(long n) {
  std::string out = "*";
  out += std::to_string(n);
  out += "\r\n";
  return out;
}

std::string Document(long i) {
  static const std::string pad(150, 'x');
  std::string doc = "{\"n\":";
  doc += std::to_string(i);
  doc += ",\"sensor\":\"s-17\",\"pad\":\"";
  doc += pad;
  doc += "\"}";
  return doc;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_redis PORT KEY rpush|lrange N [BATCH] [PIPELINE]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::string key = argv[2];
  const std::string mode = argv[3];
  const long n = std::atol(argv[4]);
  const long batch = argc > 5 ? std::atol(argv[5]) : 1;
  const long pipeline = argc > 6 ? std::atol(argv[6]) : 1;
  int fd = Connect(port);
  Reader reader(fd);

  if (mode == "rpush") {
    // Commands are built before the clock starts, as wrk's bodies are.
    std::vector<std::string> commands;
    size_t doc_bytes = 0;
    for (long first = 0; first < n; first += batch) {
      const long count = std::min(batch, n - first);
      std::string cmd = ArrayHeader(count + 2) + Bulk("RPUSH") + Bulk(key);
      for (long i = first; i < first + count; ++i) {
        std::string d = Document(i);
        doc_bytes += d.size();
        cmd += Bulk(d);
      }
      commands.push_back(std::move(cmd));
    }
    const auto start = std::chrono::steady_clock::now();
    size_t sent = 0, answered = 0;
    while (answered < commands.size()) {
      while (sent < commands.size() && sent - answered < static_cast<size_t>(pipeline)) {
        WriteAll(fd, commands[sent++]);
      }
      reader.Reply();
      ++answered;
    }
    const double s = Seconds(start);
    std::printf("%.0f %.1f\n", n / s, doc_bytes / s / 1e6);
  } else if (mode == "lrange") {
    const std::string cmd = ArrayHeader(4) + Bulk("LRANGE") + Bulk(key) + Bulk("0") + Bulk("-1");
    std::vector<std::pair<double, double>> runs;
    for (long r = 0; r < n; ++r) {
      const auto start = std::chrono::steady_clock::now();
      WriteAll(fd, cmd);
      size_t bytes = reader.Reply();
      const double s = Seconds(start);
      runs.emplace_back(bytes / s / 1e6, s);
    }
    std::sort(runs.begin(), runs.end());
    std::printf("%.1f\n", runs[runs.size() / 2].first);
  } else {
    std::fprintf(stderr, "unknown mode %s\n", mode.c_str());
    return 2;
  }
  close(fd);
}
