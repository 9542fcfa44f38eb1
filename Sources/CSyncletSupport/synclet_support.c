#include "synclet_support.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <signal.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/prctl.h>

int synclet_die_with_parent(void) {
    return prctl(PR_SET_PDEATHSIG, SIGKILL);
}
#else
int synclet_die_with_parent(void) {
    return -1;
}
#endif

int synclet_spawn(const char *path, char *const argv[], char *const envp[], int inherit_fd, int as_fd, pid_t *pid) {
    // dup2 onto the same number would keep close-on-exec set: hand over a copy instead.
    int source = inherit_fd;
    if (source == as_fd) {
        source = fcntl(inherit_fd, F_DUPFD_CLOEXEC, as_fd + 1);
        if (source < 0) return errno;
    }
    posix_spawn_file_actions_t actions;
    int result = posix_spawn_file_actions_init(&actions);
    if (result == 0) {
        result = posix_spawn_file_actions_adddup2(&actions, source, as_fd);
        if (result == 0) result = posix_spawn(pid, path, &actions, NULL, argv, envp);
        posix_spawn_file_actions_destroy(&actions);
    }
    if (source != inherit_fd) close(source);
    return result;
}

// A signal handler can only talk to the program through a variable of this type: the one piece
// of process-wide state, written once by the handler and read by the runner's wait loop.
static volatile sig_atomic_t stop_signal = 0;

static void record_stop_signal(int signal) {
    if (stop_signal == 0) stop_signal = signal;
}

int synclet_catch_stop_signals(void) {
    struct sigaction action;
    sigemptyset(&action.sa_mask);
    // SA_RESTART: a database read or a file write in progress carries on; the wait loop polls.
    action.sa_flags = SA_RESTART;
    action.sa_handler = record_stop_signal;
    int signals[] = {SIGTERM, SIGINT, SIGHUP};
    for (unsigned index = 0; index < sizeof signals / sizeof signals[0]; index++) {
        if (sigaction(signals[index], &action, NULL) != 0) return errno;
    }
    return 0;
}

int synclet_stop_signal_received(void) {
    return stop_signal;
}

void synclet_exit_by_signal(int signal_number) {
    struct sigaction action;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    action.sa_handler = SIG_DFL;
    sigaction(signal_number, &action, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal_number);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    kill(getpid(), signal_number);
    // Only reached if the signal's default action does not end the process.
    _exit(128 + signal_number);
}
