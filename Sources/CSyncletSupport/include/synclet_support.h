#ifndef SYNCLET_SUPPORT_H
#define SYNCLET_SUPPORT_H

#include <sys/types.h>

/// Asks the kernel to send SIGKILL to this process when the thread that started it ends (Linux
/// prctl PR_SET_PDEATHSIG), so a stage started by `synclet sync` never outlives the runner.
/// Called by the stage itself after exec; the runner starts stages from a thread that lives as
/// long as the sync does. Returns 0 on success, -1 where unsupported.
int synclet_die_with_parent(void);

/// Starts `path` with `argv` and `envp` (NULL-terminated) through posix_spawn, the standard
/// descriptors inherited and the descriptor `inherit_fd` handed to the child as descriptor
/// `as_fd`, without close-on-exec: the child shares the open file description, and with it the
/// runner's flock on the sync lock, for as long as it lives. Every other descriptor the caller
/// opened with close-on-exec stays closed in the child.
/// Returns 0 and stores the child's pid, or an errno value.
int synclet_spawn(const char *path, char *const argv[], char *const envp[], int inherit_fd, int as_fd, pid_t *pid);

/// Catches SIGTERM, SIGINT and SIGHUP (systemd stopping the service, Ctrl-C, a closed terminal):
/// the handler only records the first signal, so `synclet sync` can stop its stage and record the
/// run as interrupted before it ends. Handlers are reset by exec, so the stages it starts keep
/// the default action. Returns 0, or an errno value.
int synclet_catch_stop_signals(void);

/// The first stop signal received since `synclet_catch_stop_signals`, or 0.
int synclet_stop_signal_received(void);

/// Ends the process by `signal` with its default action, as if it had not been caught, so the
/// parent (systemd, a shell) sees how it really ended.
void synclet_exit_by_signal(int signal);

#endif
