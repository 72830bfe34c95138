// The one table from engine codes to HTTP statuses, and the error body.
#ifndef PDFS_HTTP_ERROR_MAP_H_
#define PDFS_HTTP_ERROR_MAP_H_

#include <string>

#include <httplib.h>

#include "pdfs/status.h"

namespace pdfs::http {

int HttpStatusFor(Status::Code code);

// Sets the status for `status` and the body {"error": "<message>"}.
void WriteError(httplib::Response& res, const Status& status);
// The same for refusals that are adapter policy (405, 404 for unknown
// endpoints), with the given HTTP status and sentence.
void WriteError(httplib::Response& res, int http_status, const std::string& message);

}  // namespace pdfs::http

#endif  // PDFS_HTTP_ERROR_MAP_H_
