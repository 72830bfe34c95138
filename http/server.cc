// Server: builds the httplib::Server, installs the cross-cutting hooks and
// the route families, and runs it on a thread of its own.
#include "pdfs/http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include <httplib.h>

#include "connection_guard.h"
#include "error_map.h"
#include "path_params.h"
#include "routes.h"

namespace pdfs::http {
namespace {

// The backlog Debian's compiled httplib passes to listen() is 5; 32 clients
// connecting at once would see dropped SYNs and one-second retries.
constexpr int kListenBacklog = 1024;

// Why binding host:port fails, as strerror text, found by trying it.
std::string BindError(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string service = std::to_string(port);
  int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) return std::string("cannot resolve the host: ") + gai_strerror(rc);
  std::string why = "unknown error";
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      why = std::strerror(errno);
      close(fd);
      continue;
    }
    close(fd);
    why = "the address could be bound on retry; another process may have released it";
    break;
  }
  freeaddrinfo(result);
  for (char& c : why) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return why;
}

// True for a method pdfs serves nowhere: TRACE, CONNECT, or a name it does
// not know (an upper-case token; anything else is a malformed request line).
bool UnservedMethod(const std::string& method) {
  if (method == "TRACE" || method == "CONNECT") return true;
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH", "PRI"}) {
    if (method == m) return false;
  }
  return !method.empty() && method.size() <= 20 &&
         method.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ-_") == std::string::npos;
}

// Now, as an HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string HttpDate() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// True if `method` is in the Allow header value `allow` (HEAD goes with GET).
bool MethodIn(const std::string& method, const std::string& allow) {
  size_t start = 0;
  while (start < allow.size()) {
    size_t end = allow.find(", ", start);
    if (end == std::string::npos) end = allow.size();
    if (allow.compare(start, end - start, method) == 0) return true;
    start = end + 2;
  }
  return false;
}

// Fills the body of every error response that a handler left empty
// (httplib's own 400/404/413/414/416), in the error shape of the family
// that owns the path (ErrorShapeFor).
httplib::Server::HandlerResponse FillErrorBody(RouteContext& ctx, const httplib::Request& req,
                                               httplib::Response& res) {
  const ErrorShape shape = ErrorShapeFor(ctx, req.path);
  auto fail = [&](int http_status, const std::string& message) {
    WriteError(res, http_status, message, shape);
  };
  if (GuardedServer::NoteErrorResponse() && !res.has_header("Connection")) {
    res.set_header("Connection", "close");
  }
  // A request the connection guard cut short or refused fails in httplib as
  // a plain 400 (or a 413, when its Content-Length was not a number), or in
  // a handler that saw no body; the guard knows why. A 414 (request line
  // over 8 KiB) says more than "the head is too large".
  if (const Cut* cut = GuardedServer::CurrentCut(); cut != nullptr && res.status != 414) {
    fail(cut->status, cut->message);
    return httplib::Server::HandlerResponse::Handled;
  }
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Handled;
  switch (res.status) {
    case 404:
      if (HasEncodedSlash(req)) {
        fail(400, kEncodedSlashError);
      } else {
        fail(404, "no such endpoint: " + req.method + " " + req.path.substr(0, 200));
      }
      break;
    case 413:
      if (req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") == 0) {
        fail(413,
             "form-encoded bodies are limited to 8192 bytes; send documents with "
             "Content-Type: application/json");
      } else {
        fail(413, "the request body is larger than the limit of " +
                      std::to_string(ctx.options.max_body_bytes) + " bytes; nothing was stored");
      }
      break;
    case 414:
      fail(414, "the request URI is too long");
      break;
    case 416:  // httplib's, before routing: a Range header it cannot parse
      fail(416,
           "the Range header is malformed; pdfs serves no byte ranges, so leave it out "
           "(ranges of documents are locations in the path)");
      break;
    case 400:
      if (UnservedMethod(req.method)) {
        // httplib refuses TRACE and CONNECT (which it parses) and unknown
        // methods (which it does not) as malformed requests.
        const std::string path = req.target.substr(0, req.target.find('?'));
        const std::string allow = AllowedMethods(ctx, path.empty() ? req.path : path);
        if (!allow.empty()) res.set_header("Allow", allow);
        fail(501, "the method " + req.method.substr(0, 20) + " is not implemented by pdfs" +
                      (allow.empty() ? std::string() : "; use " + allow));
      } else {  // (a request without a length has an empty body: connection_guard.cc)
        fail(400, "the request is malformed");
      }
      break;
    default:
      fail(res.status, "the request failed with HTTP status " + std::to_string(res.status));
      break;
  }
  return httplib::Server::HandlerResponse::Handled;
}

}  // namespace

Status ParseListenAddress(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  auto bad = [&] {
    return Status::InvalidArgument("listen address \"" + text.substr(0, 100) +
                                   "\" is not HOST:PORT (for example 127.0.0.1:9080)");
  };
  if (colon == std::string::npos) return bad();
  std::string h = text.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "127.0.0.1";
  uint64_t p = 0;
  if (!ParseU64(text.substr(colon + 1), "port", &p).ok() || p > 65535) return bad();
  *host = h;
  *port = static_cast<int>(p);
  return Status::Ok();
}

class Server::Impl {
 public:
  Impl(Services services, ServerOptions options) : svr_(options.threads) {
    ctx_.store = services.store;
    ctx_.retention = services.retention;
    ctx_.options = std::move(options);
    families_.push_back(NewStreamRoutes());
    families_.push_back(NewKatarRoutes());
    families_.push_back(NewHubRoutes());
    std::vector<const RouteFamily*> reported;
    for (const auto& family : families_) reported.push_back(family.get());
    families_.push_back(NewServiceRoutes(std::move(reported)));
  }

  Status Start() {
    // Without TCP_NODELAY every keep-alive response waits ~40 ms for the
    // client's delayed ACK (Nagle).
    svr_.set_tcp_nodelay(true);
    // httplib's default closes a keep-alive connection after 5 requests.
    svr_.set_keep_alive_max_count(1u << 30);
    svr_.set_payload_max_length(ctx_.options.max_body_bytes);
    // Not httplib::default_socket_options: it sets SO_REUSEPORT, which lets
    // a second server bind a busy port and silently share its connections.
    svr_.set_socket_options([this](int fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_fd_ = fd;
    });
    svr_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          return FillErrorBody(ctx_, req, res);
        }));
    svr_.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          std::fprintf(stderr, "pdfs: internal error while serving a request: %s\n", what.c_str());
          WriteError(res, 500, "internal error: " + what, ErrorShapeFor(ctx_, req.path));
        });
    svr_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      Metrics& m = ctx_.metrics;
      if (res.status >= 500) {
        ++m.responses_5xx;
        std::fprintf(stderr, "pdfs: %s %s -> %d %s\n", req.method.c_str(),
                     req.path.substr(0, 200).c_str(), res.status, res.body.c_str());
      } else if (res.status >= 400) {
        ++m.responses_4xx;
      } else {
        ++m.responses_2xx;
      }
    });
    // A body over the limit is refused before the client sends it; without
    // this httplib answers "100 Continue" and then reads the whole body only
    // to throw it away.
    // A method the resource does not allow (`curl -T` is a PUT) is refused
    // the same way, before the upload.
    svr_.set_expect_100_continue_handler(
        [this](const httplib::Request& req, httplib::Response& res) {
          const std::string allow = AllowedMethods(ctx_, req.path);
          if (!allow.empty() && !MethodIn(req.method, allow)) {
            res.set_header("Allow", allow);
            WriteError(res, 405, req.method + " is not allowed here; use " + allow,
                       ErrorShapeFor(ctx_, req.path));
            return 405;
          }
          uint64_t length = 0;
          if (ParseU64(req.get_header_value("Content-Length"), "Content-Length", &length).ok() &&
              length > ctx_.options.max_body_bytes) {
            res.status = 413;
            return 413;
          }
          return 100;
        });
    // A request whose body was not read (a GET with a body) ends its
    // connection (connection_guard.h); say so, or the client's next request
    // on it would fail.
    //
    // Every response carries a Date (RFC 9110 6.6.1). pdfs serves no byte
    // ranges, so a HEAD is not told "Accept-Ranges: bytes" (httplib's).
    svr_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      for (const auto& family : families_) family->AfterRouting(req, res);
      if (GuardedServer::WillClose() && !res.has_header("Connection")) {
        res.set_header("Connection", "close");
      }
      if (!res.has_header("Date")) res.set_header("Date", HttpDate());
      // httplib adds Keep-Alive to responses that close; drop it.
      if (res.get_header_value("Connection") == "close") res.headers.erase("Keep-Alive");
      // No length on a 204 (RFC 9110 8.6).
      if (res.status == 204) res.headers.erase("Content-Length");
      if (req.method == "HEAD") {
        res.headers.erase("Accept-Ranges");
        res.set_header("Accept-Ranges", "none");
      }
    });
    // An HTTP/1.1 request without a Host header is refused (RFC 9112 3.2),
    // before its body is read.
    svr_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (req.version == "HTTP/1.1" && !req.has_header("Host")) {
        WriteError(res, 400, "an HTTP/1.1 request must carry a Host header",
                   ErrorShapeFor(ctx_, req.path));
        return httplib::Server::HandlerResponse::Handled;
      }
      for (const auto& family : families_) {
        if (family->BeforeRouting(req, res)) return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    for (const auto& family : families_) family->Register(svr_, ctx_);

    const std::string& host = ctx_.options.host;
    if (ctx_.options.port == 0) {
      port_ = svr_.bind_to_any_port(host);
      if (port_ <= 0) return Unavailable(BindError(host, 0));
    } else {
      if (!svr_.bind_to_port(host, ctx_.options.port)) {
        return Unavailable(BindError(host, ctx_.options.port));
      }
      port_ = ctx_.options.port;
    }
    if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);  // Linux updates the backlog
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
    // httplib's stop() does nothing before the accept loop runs, so a Stop()
    // right after Start() would leave the loop running and join() waiting.
    while (!svr_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Status::Ok();
  }

  void Stop() {
    ctx_.stopping = true;
    if (thread_.joinable()) {
      svr_.stop();
      thread_.join();
    }
  }

  int port() const { return port_; }

 private:
  Status Unavailable(const std::string& why) const {
    return Status::Unavailable("cannot listen on " + ctx_.options.host + ":" +
                               std::to_string(ctx_.options.port) + ": " + why);
  }

  RouteContext ctx_;
  // In the order they register: a pattern registered first wins.
  std::vector<std::unique_ptr<RouteFamily>> families_;
  GuardedServer svr_;
  std::thread thread_;
  int port_ = 0;
  int listen_fd_ = -1;
};

Server::Server(Services services, ServerOptions options)
    : impl_(std::make_unique<Impl>(services, std::move(options))) {}

Server::~Server() { Stop(); }

Status Server::Start() { return impl_->Start(); }
int Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace pdfs::http
