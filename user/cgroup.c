// SPDX-License-Identifier: GPL-2.0
/* cgroup.c - PLACEHOLDER (the lead's minimal version; replaced by the full one) */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "cgroup.h"

#define CGROUP2_MAGIC 0x63677270

int cgroup_mount(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char mnt[4096], *dash = strstr(line, " - ");

		if (!dash || strncmp(dash + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 && strlen(mnt) < len) {
			strcpy(buf, mnt);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int cgroup_resolve(const char *path, struct pvt_cgroup *out, char *err, size_t errlen)
{
	char mnt[PVT_CGROUP_PATH_MAX], full[2 * PVT_CGROUP_PATH_MAX], real[PVT_CGROUP_PATH_MAX];
	struct statfs sf;
	struct stat st;
	size_t ml;

	if (cgroup_mount(mnt, sizeof(mnt))) {
		snprintf(err, errlen, "no cgroup v2 file system is mounted");
		return -1;
	}
	if (strncmp(path, mnt, strlen(mnt)) && path[0] == '/' && access(path, F_OK) != 0)
		snprintf(full, sizeof(full), "%s%s", mnt, path);
	else if (path[0] != '/')
		snprintf(full, sizeof(full), "%s/%s", mnt, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	if (!realpath(full, real) || stat(real, &st)) {
		snprintf(err, errlen, "%s: no such directory", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	if (statfs(real, &sf) || sf.f_type != CGROUP2_MAGIC) {
		snprintf(err, errlen, "%s: not a cgroup v2 directory (the cgroup2 file system is at %s)",
			 path, mnt);
		return -1;
	}
	ml = strlen(mnt);
	out->id = st.st_ino;
	snprintf(out->path, sizeof(out->path), "%s", real[ml] ? real + ml : "/");
	out->level = 0;
	for (const char *p = out->path; *p; p++)
		out->level += *p == '/' && p[1];
	return 0;
}

struct pvt_cgroup_names { int unused; };
struct pvt_cgroup_names *cgroup_names_new(void) { return calloc(1, sizeof(struct pvt_cgroup_names)); }
const char *cgroup_names_path(struct pvt_cgroup_names *cn, uint64_t id) { (void)cn; (void)id; return NULL; }
void cgroup_names_free(struct pvt_cgroup_names *cn) { free(cn); }
