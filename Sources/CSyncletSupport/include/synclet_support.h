#ifndef SYNCLET_SUPPORT_H
#define SYNCLET_SUPPORT_H

/// Asks the kernel to send SIGKILL to this process when its parent dies (Linux prctl), so a
/// stage started by `synclet sync` never outlives the runner that holds the sync lock.
/// Returns 0 on success, -1 where unsupported.
int synclet_die_with_parent(void);

#endif
