// Client tools: placeholder until they land.
#include "commands.h"

namespace pdfs::mountd {

const char kClientHelp[] = "";

int RunClient(int, char**) { return -1; }

}  // namespace pdfs::mountd
