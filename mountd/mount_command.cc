// pdfs mount: placeholder until the filesystem issue lands (issue 3).
#include <cstdio>

#include "commands.h"

namespace pdfs::mountd {

const char kMountHelp[] = "";

int RunMount(int, char**) {
  std::fprintf(stderr, "pdfs: this build has no filesystem support yet\n");
  return 1;
}

int RunMountHelperForm(int argc, char** argv) { return RunMount(argc, argv); }

}  // namespace pdfs::mountd
