// Parsing JSON text from outside (request bodies, stored documents) with
// nlohmann/json, which stays private to this library.
#ifndef PDFS_ENGINE_TOPICS_JSON_TEXT_H_
#define PDFS_ENGINE_TOPICS_JSON_TEXT_H_

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "pdfs/status.h"

namespace pdfs::topics {

// InvalidArgument (with `what` in the sentence) if `text` nests deeper than
// `max_depth`, found by a scan that never recurses; for parsers that do.
Status CheckJsonDepth(std::string_view text, std::string_view what, size_t max_depth);

// Parses `text` as one JSON value. InvalidArgument (with `what` in the
// sentence) if it is not JSON or nests deeper than `max_depth`: the depth is
// checked first, by a scan, so that hostile input never reaches a recursive
// parser or destructor.
Status ParseJsonText(std::string_view text, std::string_view what, size_t max_depth,
                     nlohmann::json* out);

// "a string", "a number", ... for error sentences.
std::string JsonTypeName(const nlohmann::json& value);

// Reads a JSON integer field in [min, max] into `*out`. InvalidArgument
// naming `field` for a wrong type, a fraction, a negative or an out-of-range
// value.
Status ReadBoundedInteger(const nlohmann::json& value, std::string_view field, uint64_t min,
                          uint64_t max, uint64_t* out);

// As ReadBoundedInteger with min 1, for a setting that may be absent: JSON
// null resets `*out` to nullopt (the default).
Status ReadOptionalPositive(const nlohmann::json& value, std::string_view field, uint64_t max,
                            std::optional<uint64_t>* out);

}  // namespace pdfs::topics

#endif  // PDFS_ENGINE_TOPICS_JSON_TEXT_H_
