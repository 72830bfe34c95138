// Request helpers shared by every route family: the pieces of parsing and
// waiting that each face would otherwise write again. Each helper that can
// refuse a request writes the error to `res` (http/error_map.h) and
// returns false; the handler then returns at once.
#ifndef PDFS_HTTP_REQUEST_HELPERS_H_
#define PDFS_HTTP_REQUEST_HELPERS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <httplib.h>

#include "routes.h"

namespace pdfs::http {

using Clock = std::chrono::steady_clock;

inline constexpr char kJson[] = "application/json";
inline constexpr char kNdjson[] = "application/x-ndjson";
// How often a long-poll looks at its client and the server's state.
inline constexpr std::chrono::milliseconds kWaitSlice{200};

// The topic named by path match `match` (1 by default), validated before
// any work is done: an encoded '/' and invalid names are refused.
bool TopicFromPath(const httplib::Request& req, httplib::Response& res, std::string* topic,
                   size_t match = 1);

// An optional unsigned query parameter: absent (*present = false), or one
// decimal unsigned 64-bit number; given twice or malformed is 400.
bool QueryU64(const httplib::Request& req, httplib::Response& res, const char* name, bool* present,
              uint64_t* value);

// The media ranges of an Accept header that a client accepts: lower-cased,
// without white space or parameters, those with q=0 left out (RFC 9110
// 12.5.1).
std::vector<std::string> AcceptedMediaRanges(const std::string& accept);

// True if the Accept header asks for NDJSON: a media range
// application/x-ndjson whose q is not 0.
bool AcceptsNdjson(const std::string& accept);

// ?wait=SECONDS: the deadline until which the request may wait (now if
// absent); over the server's --max-wait is 400.
bool WaitDeadline(const httplib::Request& req, httplib::Response& res, const RouteContext& ctx,
                  Clock::time_point* deadline);

// Waits until `location` exists in `topic` or the deadline passes, in
// slices of kWaitSlice so that a stopping server or a client that closed
// its connection ends the wait: the thread is free again within a slice.
// An error is written to `res` and false returned if the topic is gone or
// the server stops (503); a client that left gets the answer of an expired
// wait. Counted in the waiting-requests gauge while it waits.
bool WaitForLocation(RouteContext& ctx, const std::string& topic, uint64_t location,
                     Clock::time_point deadline, httplib::Response& res);

// "http://host:port": the scheme and host the client used (Host), or what a
// proxy in front says they were (X-Forwarded-Proto, X-Forwarded-Host); the
// base of the absolute links some faces answer with (HAL `_links`).
std::string BaseUrl(const httplib::Request& req);

// {"topic": T, "deleted": true}: the answer to a deleted topic, for every
// face that deletes one.
std::string DeletedTopicBody(const std::string& topic);

}  // namespace pdfs::http

#endif  // PDFS_HTTP_REQUEST_HELPERS_H_
