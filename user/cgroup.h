/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup.h - cgroup v2 directories: a path named by the user to the id the
 * BPF side compares (`attach --cgroup`), and an id back to its path (the
 * report's and the live view's `cgroup` column, `--by cgroup`).
 *
 * A cgroup v2 directory's id is its inode number on the cgroup2 file system
 * (the kernfs node id, what bpf_get_current_cgroup_id() returns).  The mount
 * is found in /proc/self/mountinfo (/sys/fs/cgroup on a unified machine,
 * /sys/fs/cgroup/unified on a hybrid one).
 */
#ifndef PVT_CGROUP_H
#define PVT_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define PVT_CGROUP_PATH_MAX 4096

struct pvt_cgroup {
	uint64_t id;       /* inode number of the directory */
	uint32_t level;    /* depth below the cgroup2 root (the root: 0) */
	char path[PVT_CGROUP_PATH_MAX]; /* from the cgroup2 root, "/" first ("/" for the root) */
};

/*
 * The cgroup2 mount point into @buf (NUL-terminated).  0, or -ENOENT when no
 * cgroup2 file system is mounted (-errno on other failures).
 */
int cgroup_mount(char *buf, size_t len);

/*
 * Resolve @path (absolute: a directory on the cgroup2 mount; or relative to
 * that mount, as /proc/PID/cgroup shows it, "/system.slice/x.service") into
 * *out.  0, or -1 after writing one line into @err: no such directory, not a
 * directory, not on a cgroup v2 file system (a v1 hierarchy says so).
 */
int cgroup_resolve(const char *path, struct pvt_cgroup *out, char *err, size_t errlen);

/*
 * The path (from the cgroup2 root) of the cgroup with inode number @id, or
 * NULL if no directory has it (removed since).  Found by walking the mount
 * once and cached; a miss walks again at most once per second.  The string
 * lives until cgroup_names_free().
 */
struct pvt_cgroup_names;
struct pvt_cgroup_names *cgroup_names_new(void);
const char *cgroup_names_path(struct pvt_cgroup_names *cn, uint64_t id);
void cgroup_names_free(struct pvt_cgroup_names *cn);

#endif /* PVT_CGROUP_H */
