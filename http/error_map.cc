// Engine code -> HTTP status. A switch without `default`: adding a code to
// Status breaks the build here until it is mapped.
#include "error_map.h"

#include <nlohmann/json.hpp>

namespace pdfs::http {

int HttpStatusFor(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return 200;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kAlreadyExists:
      return 409;
    case Status::Code::kTooLarge:
      return 413;
    case Status::Code::kConflict:
      return 409;
    case Status::Code::kNoSpace:
      return 507;  // Insufficient Storage: the client may retry once space is freed
    case Status::Code::kUnavailable:
      return 503;
    case Status::Code::kIOError:
      return 500;
    case Status::Code::kPermissionDenied:
      return 403;
  }
  return 500;
}

// The other direction, for refusals that are the adapter's own policy (a
// method not allowed, a request too slow, an unsupported encoding): the
// engine code a client should treat them as. Together with HttpStatusFor
// this is the one table of the HTTP face.
Status::Code CodeForRefusal(int http_status) {
  switch (http_status) {
    case 404:
      return Status::Code::kNotFound;
    case 403:
      return Status::Code::kPermissionDenied;
    case 409:
      return Status::Code::kConflict;
    case 413:
      return Status::Code::kTooLarge;
    case 507:
      return Status::Code::kNoSpace;
    case 408:  // too slow: the client may simply try again
    case 503:
      return Status::Code::kUnavailable;
    default:
      if (http_status >= 500) return Status::Code::kIOError;
      return Status::Code::kInvalidArgument;  // the request itself is wrong
  }
}

std::string ErrorBody(Status::Code code, const std::string& message) {
  // {"error": sentence, "code": name}: the sentence for people, the code
  // (Status::CodeName) for programs. ordered_json keeps "error" first, as
  // the body has always begun. error_handler_t::replace: a hostile name
  // echoed in a message can never make the body itself invalid JSON.
  nlohmann::ordered_json body = {{"error", message}, {"code", Status::CodeName(code)}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

namespace {

void WriteBody(httplib::Response& res, int http_status, Status::Code code,
               const std::string& message, ErrorShape shape) {
  res.status = http_status;
  switch (shape) {
    case ErrorShape::kJson:
      res.set_content(ErrorBody(code, message), "application/json");
      return;
    case ErrorShape::kPlainText:
      res.set_content(message + "\n", "text/plain");
      return;
  }
}

}  // namespace

void WriteError(httplib::Response& res, int http_status, const std::string& message,
                ErrorShape shape) {
  WriteBody(res, http_status, CodeForRefusal(http_status), message, shape);
}

void WriteError(httplib::Response& res, const Status& status, ErrorShape shape) {
  WriteBody(res, HttpStatusFor(status.code()), status.code(), status.message(), shape);
}

}  // namespace pdfs::http
