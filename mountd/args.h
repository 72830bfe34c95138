// A small command-line reader shared by every pdfs subcommand: options as
// "--name VALUE" or "--name=VALUE", flags as "--name", positionals in order.
#ifndef PDFS_MOUNTD_ARGS_H_
#define PDFS_MOUNTD_ARGS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace pdfs::mountd {

class Args {
 public:
  // `with_value`: option names that take a value; `flags`: names that do not.
  // Names are given without the leading "--". Short aliases map to long names.
  Args(std::set<std::string> with_value, std::set<std::string> flags,
       std::map<std::string, std::string> short_aliases = {});

  // Parses argv[first..argc). False with error() set on an unknown option or
  // a missing value.
  bool Parse(int argc, char** argv, int first);

  bool Has(const std::string& name) const { return values_.count(name) != 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // False with error() set if the value is not an unsigned number.
  bool GetU64(const std::string& name, uint64_t fallback, uint64_t* out);
  const std::vector<std::string>& positionals() const { return positionals_; }
  const std::string& error() const { return error_; }

 private:
  std::set<std::string> with_value_;
  std::set<std::string> flags_;
  std::map<std::string, std::string> short_aliases_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positionals_;
  std::string error_;
};

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_ARGS_H_
