// Support shared by the reliability suites (crash loop, both faces,
// hostile input, disk full): reading a topic back and recounting it, raw
// HTTP for requests that httplib's client refuses to send, and the few
// knobs a long run takes from the environment. Mount helpers live in
// tests/fs/mount_fixture.h and process helpers in tests/support/.
#ifndef PDFS_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H_
#define PDFS_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <httplib.h>

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

// A plain TCP connection to 127.0.0.1:port for hand-made requests:
// malformed, truncated, trickled or never finished.
class RawConnection {
 public:
  explicit RawConnection(int port);  // ok() is false if it cannot connect
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  bool ok() const { return fd_ >= 0; }
  // Sends everything; false if the peer closed or reset the connection.
  bool Send(const std::string& bytes);
  // No more bytes from us (the peer reads end of file).
  void ShutdownWrite();
  // Reads until the peer closes or `timeout` passes; *closed says which.
  std::string ReadUntilClose(std::chrono::milliseconds timeout, bool* closed = nullptr);
  // Reads one response head and the body its Content-Length announces;
  // "" if none arrives within `timeout`.
  std::string ReadResponse(std::chrono::milliseconds timeout);
  // True iff the peer has closed (a read returns end of file or an error)
  // within `timeout`; bytes that arrive meanwhile are discarded.
  bool PeerClosed(std::chrono::milliseconds timeout);
  void Close();

 private:
  int fd_ = -1;
};

// The status code of a raw response ("HTTP/1.1 413 ..."), or 0 if none.
int StatusOf(const std::string& response);

// Sends `request` on a fresh connection and returns the first response's
// status (0 if the server answered nothing within `timeout`).
int RawStatus(int port, const std::string& request,
              std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace pdfs::testing

#endif  // PDFS_TESTS_RELIABILITY_RELIABILITY_SUPPORT_H_
