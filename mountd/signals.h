// Shutdown signals for the long-running commands.
//
// SIGINT and SIGTERM are blocked in every thread (call BlockShutdownSignals()
// before starting any), and one thread takes them with sigwait(), so no
// handler ever runs inside a storage or network call. SIGPIPE is ignored: a
// client that goes away must not kill the server.
#ifndef PDFS_MOUNTD_SIGNALS_H_
#define PDFS_MOUNTD_SIGNALS_H_

namespace pdfs::mountd {

void BlockShutdownSignals();
// Returns the signal number once SIGINT or SIGTERM arrives.
int WaitForShutdownSignal();

}  // namespace pdfs::mountd

#endif  // PDFS_MOUNTD_SIGNALS_H_
