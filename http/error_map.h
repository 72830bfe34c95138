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

// Sets the status for `status` and the body
// {"error": "<message>", "code": "<Status::CodeName>"}.
void WriteError(httplib::Response& res, const Status& status);
// The same for refusals that are adapter policy, with the given HTTP status
// and sentence; the code is CodeForRefusal(http_status).
void WriteError(httplib::Response& res, int http_status, const std::string& message);

}  // namespace pdfs::http

#endif  // PDFS_HTTP_ERROR_MAP_H_
