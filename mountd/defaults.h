// Defaults that work with no configuration.
#ifndef PDFS_MOUNTD_DEFAULTS_H_
#define PDFS_MOUNTD_DEFAULTS_H_

#include <string>

namespace pdfs::mountd {

inline constexpr char kDefaultListen[] = "127.0.0.1:9080";
inline constexpr char kDefaultUrl[] = "http://127.0.0.1:9080";

// $PDFS_DATA, else $XDG_DATA_HOME/pdfs, else $HOME/.local/share/pdfs,
// else /var/lib/pdfs (no home, as for a system service).
std::string DefaultDataDir();

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_DEFAULTS_H_
