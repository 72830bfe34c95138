// The pdfs subcommands. Each takes main()'s argc/argv (argv[1] is the
// command name) and returns the process exit status: 0 success, 1 failure,
// 2 usage error.
#ifndef PDFS_MOUNTD_COMMANDS_H_
#define PDFS_MOUNTD_COMMANDS_H_

#include <string>

namespace pdfs::mountd {

// pdfs serve [--data DIR] [--listen ADDR:PORT] ...   (serve_command.cc)
int RunServe(int argc, char** argv);
// pdfs mount MOUNTPOINT ... and the mount(8) form pdfs DIR MOUNTPOINT -o OPTS
// (mount_command.cc)
int RunMount(int argc, char** argv);
int RunMountHelperForm(int argc, char** argv);
// `pdfs serve --mount MOUNTPOINT`: the same mounted service, in the
// foreground, with HTTP as `config` says.
struct ServiceConfig;
int RunMountedInForeground(const ServiceConfig& config, const std::string& mountpoint);
// Client tools over HTTP: topics, stat, get, write, truncate, delete, follow
// (client_command.cc). Returns -1 if argv[1] is not a client command.
int RunClient(int argc, char** argv);

// Text for `pdfs --help`, one section per command family.
extern const char kServeHelp[];
extern const char kMountHelp[];
extern const char kClientHelp[];

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_COMMANDS_H_
