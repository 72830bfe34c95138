#include "json_text.h"

#include <string>

namespace pdfs::topics {

namespace {

// The deepest nesting of `text`, counting [ and { outside strings; stops
// counting once over `limit`.
size_t NestingDepth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Status CheckJsonDepth(std::string_view text, std::string_view what, size_t max_depth) {
  if (NestingDepth(text, max_depth) > max_depth) {
    return Status::InvalidArgument(std::string(what) + " nests deeper than " +
                                   std::to_string(max_depth) + " levels");
  }
  return Status::Ok();
}

Status ParseJsonText(std::string_view text, std::string_view what, size_t max_depth,
                     nlohmann::json* out) {
  if (Status s = CheckJsonDepth(text, what, max_depth); !s.ok()) return s;
  *out = nlohmann::json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return Status::InvalidArgument(std::string(what) + " is not valid JSON");
  return Status::Ok();
}

std::string JsonTypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return "a number";
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      break;
  }
  return "not JSON";
}

Status ReadBoundedInteger(const nlohmann::json& value, std::string_view field, uint64_t min,
                          uint64_t max, uint64_t* out) {
  std::string name(field);
  if (!value.is_number()) {
    return Status::InvalidArgument(name + " must be a whole number, not " + JsonTypeName(value));
  }
  if (value.is_number_integer() && !value.is_number_unsigned() && value.get<int64_t>() < 0) {
    return Status::InvalidArgument(name + " must not be negative");
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d < 0) return Status::InvalidArgument(name + " must not be negative");
    if (d <= static_cast<double>(max)) {
      return Status::InvalidArgument(name + " must be a whole number");
    }
    return Status::InvalidArgument(name + " is absurdly large (at most " + std::to_string(max) +
                                   ")");
  }
  uint64_t v = value.get<uint64_t>();
  if (v < min) {
    return Status::InvalidArgument(name + " must be at least " + std::to_string(min));
  }
  if (v > max) {
    return Status::InvalidArgument(name + " is absurdly large (at most " + std::to_string(max) +
                                   ")");
  }
  *out = v;
  return Status::Ok();
}

Status ReadOptionalPositive(const nlohmann::json& value, std::string_view field, uint64_t max,
                            std::optional<uint64_t>* out) {
  if (value.is_null()) {
    out->reset();
    return Status::Ok();
  }
  uint64_t v = 0;
  Status s = ReadBoundedInteger(value, field, 1, max, &v);
  if (s.ok()) *out = v;
  return s;
}

}  // namespace pdfs::topics
