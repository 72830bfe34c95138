// pdfs: the program. Dispatches to the subcommands in commands.h.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"

namespace {

void PrintHelp(FILE* out) {
  std::fprintf(out,
               "pdfs %s - append-only streams of JSON documents, mounted and served over HTTP\n"
               "\n"
               "Usage:\n%s%s"
               "  pdfs DIR MOUNTPOINT -o OPTIONS\n"
               "      The form mount(8) and /etc/fstab use (type fuse.pdfs).\n"
               "\n"
               "Client tools (over HTTP, against any server that speaks the stream API):\n%s"
               "\n"
               "  pdfs --help | --version\n",
               PDFS_VERSION, pdfs::mountd::kServeHelp, pdfs::mountd::kMountHelp,
               pdfs::mountd::kClientHelp);
}

bool IsDirectory(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pdfs::mountd;
  if (argc < 2) {
    PrintHelp(stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    PrintHelp(stdout);
    return 0;
  }
  if (cmd == "--version" || cmd == "-V") {
    std::printf("pdfs %s\n", PDFS_VERSION);
    return 0;
  }
  if (cmd == "serve") return RunServe(argc, argv);
  if (cmd == "mount") return RunMount(argc, argv);
  if (int rc = RunClient(argc, argv); rc >= 0) return rc;
  // mount(8) runs "pdfs DIR MOUNTPOINT -o OPTS" for type fuse.pdfs.
  if (argc >= 3 && cmd[0] != '-' && IsDirectory(argv[1])) return RunMountHelperForm(argc, argv);
  std::fprintf(stderr, "pdfs: unknown command \"%s\"; see pdfs --help\n", argv[1]);
  return 2;
}
