// The one table from engine codes to HTTP statuses, and the error body.
#ifndef PDFS_HTTP_ERROR_MAP_H_
#define PDFS_HTTP_ERROR_MAP_H_

#include <string>

#include <httplib.h>

#include "pdfs/status.h"

namespace pdfs::http {

int HttpStatusFor(Status::Code code);

// The engine code that a refusal of the adapter's own (405, 408, 415, 404
// for unknown endpoints, ...) stands for, given its HTTP status.
Status::Code CodeForRefusal(int http_status);

// The error body, {"error": "<message>", "code": "<Status::CodeName>"} and
// a newline, for responses written without httplib (http/connection_guard.cc).
std::string ErrorBody(Status::Code code, const std::string& message);

// How a face shapes its error bodies. The status is always the one table's
// (HttpStatusFor, CodeForRefusal); the body is the face's own, because
// clients of the seed systems parse what their server sent:
//  - kJson: {"error": "<sentence>", "code": "<Status::CodeName>"}, as
//    application/json (PhatData, Katar, the service endpoints, and any path
//    no family claims);
//  - kPlainText: the sentence and a newline as text/plain (the Hub, whose
//    Jersey resources answer errors with the message as the entity).
enum class ErrorShape { kJson, kPlainText };

// Sets the status for `status` and the body in `shape`.
void WriteError(httplib::Response& res, const Status& status, ErrorShape shape = ErrorShape::kJson);
// The same for refusals that are adapter policy, with the given HTTP status
// and sentence; the code is CodeForRefusal(http_status).
void WriteError(httplib::Response& res, int http_status, const std::string& message,
                ErrorShape shape = ErrorShape::kJson);

}  // namespace pdfs::http

#endif  // PDFS_HTTP_ERROR_MAP_H_
