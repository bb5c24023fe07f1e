// SPDX-License-Identifier: GPL-2.0
/*
 * privs.c - who runs what: the user the command runs as (--user), the note
 * under sudo, the owner of the files pvtrace creates for the sudo user.
 * What --user changes and why: privs.h.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "common.h"
#include "escape.h"
#include "privs.h"

/* Numeric ids: plain decimals (lib/parse.c), and not (uid_t)-1, which means "unchanged". */
/* A decimal id: digits only, below (uid_t)-1, which means "no id".  0 or -1. */
static int parse_id(const char *s, uint32_t *id)
{
	uint64_t v;

	if (!s || pvt_parse_u64(s, 0, UINT32_MAX - 1, &v))
		return -1;
	*id = (uint32_t)v;
	return 0;
}

/* Effective CAP_SETUID and CAP_SETGID (root has them). */
static bool can_switch_user(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	return (data[0].effective & (1u << CAP_SETUID)) && (data[0].effective & (1u << CAP_SETGID));
}

static bool is_var(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(entry, name, n) && entry[n] == '=';
}

char **privs_user_env(char *const *env, const char *name, const char *home, uid_t uid)
{
	size_t n = 0, k = 0, strs;
	char **out, *p;

	if (!home || !*home)
		home = "/";
	while (env && env[n])
		n++;
	/* "HOME=" home, "USER=" name, "LOGNAME=" name, each with its NUL */
	strs = 5 + strlen(home) + 1 + 2 * (strlen(name) + 1) + 5 + 8;
	out = malloc((n + 4) * sizeof(*out) + strs);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (is_var(env[i], "HOME") ||
		    (uid != 0 && (is_var(env[i], "USER") || is_var(env[i], "LOGNAME"))))
			continue;
		out[k++] = env[i];
	}
	p = (char *)(out + n + 4);
	out[k++] = p;
	p += sprintf(p, "HOME=%s", home) + 1;
	if (uid != 0) {
		out[k++] = p;
		p += sprintf(p, "USER=%s", name) + 1;
		out[k++] = p;
		sprintf(p, "LOGNAME=%s", name);
	}
	out[k] = NULL;
	return out;
}

/* The user's groups as initgroups(3) would set them (the primary group included). */
static int user_groups(const char *name, gid_t gid, gid_t **groups, int *ngroups)
{
	int n = 32;

	for (;;) {
		gid_t *g = malloc(n * sizeof(*g));
		int want = n;

		if (!g)
			return -ENOMEM;
		if (getgrouplist(name, gid, g, &want) >= 0) {
			*groups = g;
			*ngroups = want;
			return 0;
		}
		free(g);
		if (want <= n || want > 65536) /* the kernel's NGROUPS_MAX */
			return -E2BIG;
		n = want;
	}
}

static struct passwd *lookup(const char *spec)
{
	struct passwd *pw;
	uint32_t id;

	errno = 0;
	pw = getpwnam(spec);
	if (!pw && !parse_id(spec, &id))
		pw = getpwuid(id);
	return pw;
}

int privs_resolve(const char *spec, char *const *env, struct pvt_cred **out)
{
	struct pvt_cred *c;
	struct passwd *pw;
	int err;

	*out = NULL;
	pw = *spec ? lookup(spec) : NULL;
	if (!pw) {
		fprintf(stderr, "pvtrace run: --user %s: no such user\n", spec);
		return PVT_EXIT_USAGE;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->name = strdup(pw->pw_name)))
		goto oom;
	c->uid = pw->pw_uid;
	c->gid = pw->pw_gid;
	/* Not root: the command can only run as pvtrace's own user, with its groups. */
	c->set_ids = can_switch_user();
	if (!c->set_ids && (c->uid != getuid() || c->uid != geteuid())) {
		pvt_err("--user %s: running the command as another user needs root (CAP_SETUID "
			"and CAP_SETGID); pvtrace runs as uid %u without them", spec,
			(unsigned int)geteuid());
		privs_free(c);
		return PVT_EXIT_FAILURE;
	}
	err = c->set_ids ? user_groups(c->name, c->gid, &c->groups, &c->ngroups) : 0;
	if (err) {
		pvt_err("--user %s: cannot list its groups: %s", spec, strerror(-err));
		privs_free(c);
		return PVT_EXIT_FAILURE;
	}
	c->envp = privs_user_env(env, c->name, pw->pw_dir, c->uid);
	if (!c->envp)
		goto oom;
	*out = c;
	return 0;
oom:
	pvt_err("out of memory");
	privs_free(c);
	return PVT_EXIT_FAILURE;
}

int privs_apply(const struct pvt_cred *c)
{
	if (!c || !c->set_ids)
		return 0;
	/* Groups first: setgroups and setresgid need the privilege setresuid gives up. */
	if (setgroups(c->ngroups, c->groups) || setresgid(c->gid, c->gid, c->gid) ||
	    setresuid(c->uid, c->uid, c->uid))
		return errno;
	if (getuid() != c->uid || geteuid() != c->uid || getgid() != c->gid || getegid() != c->gid)
		return EPERM;
	/* A user other than root must not be able to take root back. */
	if (c->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		return EPERM;
	return 0;
}

void privs_free(struct pvt_cred *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->groups);
	free(c->envp);
	free(c);
}

bool privs_note_root_under_sudo(void)
{
	static bool said;
	const char *who = getenv("SUDO_USER");
	uid_t uid;
	gid_t gid;

	if (said || !pvt_owner_for_new_files(&uid, &gid))
		return false;
	said = true;
	if (who && *who)
		fprintf(stderr, "pvtrace: note: the command runs as root; --user %s runs it as you\n",
			who);
	else
		fprintf(stderr, "pvtrace: note: the command runs as root; --user %u runs it as you\n",
			(unsigned int)uid);
	return true;
}

int privs_parse_owner(const char *suid, const char *sgid, uid_t *uid, gid_t *gid)
{
	uint32_t u, g;

	if (!suid && !sgid)
		return 0;
	if (parse_id(suid, &u) || parse_id(sgid, &g))
		return -1;
	if (u == 0)
		return 0; /* root ran sudo: root's files already */
	*uid = u;
	*gid = g;
	return 1;
}

int privs_sudo_owner(const char *sudo_uid, const char *sudo_gid, uid_t euid, uid_t *uid,
		     gid_t *gid)
{
	return euid == 0 && privs_parse_owner(sudo_uid, sudo_gid, uid, gid) > 0;
}

int pvt_owner_for_new_files(uid_t *uid, gid_t *gid)
{
	static bool warned;
	const char *su = getenv("SUDO_UID"), *sg = getenv("SUDO_GID");
	int r;

	if (geteuid() != 0)
		return 0;
	r = privs_parse_owner(su, sg, uid, gid);
	if (r < 0 && !warned) {
		char a[TERM_ESCAPE_BUFSZ(24)], b[TERM_ESCAPE_BUFSZ(24)];

		warned = true;
		term_escape(a, sizeof(a), su ? su : "(unset)", su ? strnlen(su, 24) : 7);
		term_escape(b, sizeof(b), sg ? sg : "(unset)", sg ? strnlen(sg, 24) : 7);
		pvt_warn("SUDO_UID=%s SUDO_GID=%s are not a user and group id: the files pvtrace "
			 "creates stay root's", a, b);
	}
	return r > 0;
}

int privs_chown_new_file(int fd, const char *path)
{
	uid_t uid;
	gid_t gid;
	int e;

	if (!pvt_owner_for_new_files(&uid, &gid) || !fchown(fd, uid, gid))
		return 0;
	e = errno;
	pvt_warn("%s stays root's: cannot give it to uid %u (SUDO_UID): %s", path,
		 (unsigned int)uid, strerror(e));
	return -e;
}
