// Args: see args.h.
#include "args.h"

#include <charconv>

namespace pdfs::mountd {

Args::Args(std::set<std::string> with_value, std::set<std::string> flags,
           std::map<std::string, std::string> short_aliases)
    : with_value_(std::move(with_value)),
      flags_(std::move(flags)),
      short_aliases_(std::move(short_aliases)) {}

bool Args::Parse(int argc, char** argv, int first) {
  bool options_done = false;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name, value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      name = arg.substr(2);
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline_value = true;
      }
    } else {
      auto alias = short_aliases_.find(arg.substr(1));
      if (alias == short_aliases_.end()) {
        error_ = "unknown option " + arg;
        return false;
      }
      name = alias->second;
    }
    if (flags_.count(name) != 0) {
      if (has_inline_value) {
        error_ = "option --" + name + " takes no value";
        return false;
      }
      values_[name] = "";
    } else if (with_value_.count(name) != 0) {
      if (!has_inline_value) {
        if (i + 1 >= argc) {
          error_ = "option --" + name + " needs a value";
          return false;
        }
        value = argv[++i];
      }
      values_[name] = value;
    } else {
      error_ = "unknown option " + arg;
      return false;
    }
  }
  return true;
}

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

bool Args::GetU64(const std::string& name, uint64_t fallback, uint64_t* out) {
  auto it = values_.find(name);
  if (it == values_.end()) {
    *out = fallback;
    return true;
  }
  const std::string& v = it->second;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size()) {
    error_ = "--" + name + " needs a whole number, not \"" + v + "\"";
    return false;
  }
  return true;
}

}  // namespace pdfs::mountd
