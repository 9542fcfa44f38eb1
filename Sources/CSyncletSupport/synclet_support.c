#include "synclet_support.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#if defined(__linux__)
#include <signal.h>
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
