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
  }
  return 500;
}

void WriteError(httplib::Response& res, int http_status, const std::string& message) {
  res.status = http_status;
  // error_handler_t::replace: a hostile name echoed in a message can never
  // make the error body itself invalid JSON.
  nlohmann::json body = {{"error", message}};
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json");
}

void WriteError(httplib::Response& res, const Status& status) {
  WriteError(res, HttpStatusFor(status.code()), status.message());
}

}  // namespace pdfs::http
