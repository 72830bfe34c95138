// RawConnection: HTTP written by hand over a plain socket, for requests a
// client library will not send (malformed, truncated, trickled, never
// finished) and for watching exactly what the server answers.
#ifndef PDFS_TESTS_SUPPORT_RAW_HTTP_H_
#define PDFS_TESTS_SUPPORT_RAW_HTTP_H_

#include <chrono>
#include <functional>
#include <string>

namespace pdfs::testing {

// A plain TCP connection to 127.0.0.1:port for hand-made requests:
// malformed, truncated, trickled or never finished.
class RawConnection {
 public:
  explicit RawConnection(int port);  // ok() is false if it cannot connect
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection();

  bool ok() const { return fd_ >= 0; }
  // Our end's port (to find the connection in /proc/PID/net/tcp); 0 if none.
  int local_port() const;
  // Sends everything; false if the peer closed or reset the connection.
  bool Send(const std::string& bytes);
  // No more bytes from us (the peer reads end of file).
  void ShutdownWrite();
  // Reads until the peer closes or `timeout` passes; *closed says which.
  std::string ReadUntilClose(std::chrono::milliseconds timeout, bool* closed = nullptr);
  // Reads one response head and the body its Content-Length announces;
  // "" if none arrives within `timeout`.
  std::string ReadResponse(std::chrono::milliseconds timeout);
  // Sends `piece` once a second (calling `meanwhile` after each) until the
  // peer closes or `limit` passes, like a client slower than any sane one;
  // returns what the peer sent. *closed says whether it closed.
  std::string Trickle(const std::string& piece, std::chrono::seconds limit, bool* closed,
                      const std::function<void()>& meanwhile = nullptr);
  // True iff the peer has closed (a read returns end of file or an error)
  // within `timeout`; bytes that arrive meanwhile are discarded.
  bool PeerClosed(std::chrono::milliseconds timeout);
  // True iff the peer has sent something (or closed) within `timeout`,
  // without reading it: a client that watches for an early answer.
  bool Readable(std::chrono::milliseconds timeout);
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

#endif  // PDFS_TESTS_SUPPORT_RAW_HTTP_H_
