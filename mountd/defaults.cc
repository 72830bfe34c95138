// DefaultDataDir: a per-user data directory.
#include "defaults.h"

#include <cstdlib>

namespace pdfs::mountd {

std::string DefaultDataDir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
  };
  if (std::string d = env("PDFS_DATA"); !d.empty()) return d;
  if (std::string d = env("XDG_DATA_HOME"); !d.empty()) return d + "/pdfs";
  if (std::string h = env("HOME"); !h.empty() && h != "/") return h + "/.local/share/pdfs";
  return "/var/lib/pdfs";
}

}  // namespace pdfs::mountd
