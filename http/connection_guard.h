// GuardedServer: an httplib::Server whose connections are served under
// limits of our own, because cpp-httplib 0.11.4 (Debian 12) has none that a
// hostile client cannot defeat (found by tests/reliability/hostile_input_test.cc):
//  - its read timeout (5 s) starts again with every byte, so a request
//    trickled a byte at a time ("slow loris") holds a worker thread for
//    ever, and --threads of them (64) stop the whole server;
//  - it reads any number of header lines into memory (a million headers
//    took 110 MB);
//  - it gives a connection that sends nothing 5 s of a worker, so a
//    thousand idle sockets kept new clients waiting for 75 s;
//  - it takes Transfer-Encoding: chunked over a Content-Length and keeps
//    the connection, the desync behind request smuggling.
//
// GuardedServer replaces httplib's per-connection loop (the virtual
// process_and_close_socket) with one that reads through a stream enforcing:
//   request line                             at most kMaxRequestLineBytes
//   request head (request line and headers)  at most kMaxHeadBytes, complete
//                                            within kHeadTimeout of its
//                                            first byte
//   request body                             after kBodyGrace, at least
//                                            kMinBodyRate on average
//   idle keep-alive connection               httplib's keep-alive timeout
// While connections wait for a worker ("under pressure"), idle connections
// are closed after kIdleUnderPressure and the head timeout and body grace
// shrink to kUnderPressure, so that idle and slow clients make room for the
// waiting ones. A request that breaks a limit, or carries ambiguous framing
// (Content-Length with Transfer-Encoding, several Content-Lengths, a
// transfer coding other than chunked), gets an error response (see
// CurrentCut) and its connection is closed.
#ifndef PDFS_HTTP_CONNECTION_GUARD_H_
#define PDFS_HTTP_CONNECTION_GUARD_H_

#include <atomic>
#include <chrono>
#include <cstddef>

#include <httplib.h>

namespace pdfs::http {

inline constexpr size_t kMaxHeadBytes = 64 * 1024;
// One header line, its CRLF included (httplib's limit, answered 431 here).
inline constexpr size_t kMaxHeaderLineBytes = 8192;
// The request line, its CRLF included; longer ones are answered 414 before
// httplib sees them. httplib routes with std::regex, which recurses per
// character of the path, once per route pattern tried: with the Katar routes
// an 8000-byte path (httplib's own limit is 8 KiB) overflowed even a 4 MiB
// stack now and then and killed the server. The longest path any route
// takes is far shorter (topic names are at most 128 bytes, 384 encoded).
inline constexpr size_t kMaxRequestLineBytes = 2048;
// The stack of each connection's thread (virtual memory; only the pages
// used are resident): std::regex on a path of kMaxRequestLineBytes needs a
// fraction of it.
inline constexpr size_t kConnectionStackBytes = 4 << 20;
inline constexpr std::chrono::seconds kHeadTimeout{10};
inline constexpr std::chrono::seconds kBodyGrace{10};
inline constexpr size_t kMinBodyRate = 16 * 1024;  // bytes per second
inline constexpr std::chrono::milliseconds kIdleUnderPressure{200};
inline constexpr std::chrono::seconds kUnderPressure{1};
// How long a refused request's connection is drained before it closes.
inline constexpr std::chrono::seconds kLinger{1};

// Why a request was refused by the guard: the response it gets.
struct Cut {
  int status = 0;
  const char* message = "";
};

class WaitCountingPool;

// Thread-safe as httplib::Server is.
class GuardedServer : public httplib::Server {
 public:
  // Serves each connection on a thread of its own, at most `threads` at
  // once; more connections wait for one to end.
  explicit GuardedServer(size_t threads);

  // The cut of the request the calling thread is serving, or nullptr. For
  // the error handler, which runs on that thread.
  static const Cut* CurrentCut();
  // Tells the guard that the calling thread's request is answered with an
  // error. Returns WillClose().
  static bool NoteErrorResponse();
  // True if the connection of the calling thread's request closes after
  // the response (see FramingLost in the .cc): the response should say
  // "Connection: close".
  static bool WillClose();
  // True if the client of the calling thread's request has closed its
  // connection: a request waiting for something (a long-poll) may stop.
  static bool ClientGone();

  // Connections accepted and waiting for a worker.
  size_t waiting() const;

 private:
  // httplib calls this for every accepted connection, on a worker thread.
  bool process_and_close_socket(socket_t sock) override;

  std::atomic<WaitCountingPool*> pool_{nullptr};  // owned by httplib
};

}  // namespace pdfs::http

#endif  // PDFS_HTTP_CONNECTION_GUARD_H_
