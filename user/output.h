/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output.h - the files `pvtrace run` writes: the report (-o) and the event
 * stream (--events), opened before the command starts, safely for a tool
 * that runs as root in directories other users may write.
 *
 * Every descriptor is close-on-exec: the command inherits none of them.
 *
 * The report, -o PATH (output_open_report):
 *   -          stdout (the command's stdout too: a command that writes to
 *              stdout mixes its output with the report, as perf record -o -);
 *   absent     stderr (with pvtrace's own messages, as always);
 *   PATH a regular file, or nothing yet:
 *              written to an unnamed temporary file in PATH's directory
 *              (O_TMPFILE; where the file system has none, a named one,
 *              ".NAME.XXXXXXXX.tmp", created O_CREAT|O_EXCL|O_NOFOLLOW) and
 *              renamed over PATH once the report is complete.  A run that
 *              fails (the command cannot be executed, pvtrace is killed)
 *              leaves PATH as it was and no temporary file;
 *   PATH a character device or a FIFO (/dev/null):
 *              opened as it is (O_NOFOLLOW, no O_CREAT, no truncation);
 *   PATH a symbolic link, a directory, a block device, a socket: refused.
 * The events, --events=PATH (output_open_stream): a live stream, so written
 * in place: "-" stdout, absent stderr; a new file is created
 * (O_CREAT|O_EXCL|O_NOFOLLOW), an existing regular file truncated when the
 * trace is about to start, a character device or FIFO opened as it is, a
 * symbolic link (O_NOFOLLOW), a directory, a block device refused.
 *
 * A file pvtrace creates gets mode 0666 less the umask; under sudo (euid 0,
 * SUDO_UID and SUDO_GID set) it is given to the invoking user
 * (pvt_owner_for_new_files(), privs.h).  A file that already existed keeps its
 * owner, except a report, which is a new file.
 */
#ifndef PVT_OUTPUT_H
#define PVT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct pvt_output {
	const char *path;   /* as given; NULL: the default stream */
	const char *what;   /* "report", "events": for messages */
	FILE *f;            /* where to write; NULL until opened */
	bool own;           /* f is a file of pvtrace's (not stdout or stderr) */
	bool replace;       /* f is a temporary file renamed over path at commit (a zeroed
	                       struct: nothing open, output_abort() and output_commit() safe) */
	int dirfd;          /* replace: path's directory */
	char base[256];     /* replace: path's last component */
	char tmp[256];      /* replace: the named temporary file in dirfd, "" if unnamed */
};

/* The report's output, -o @path (NULL: @dflt).  0, or -1 after one line saying why. */
int output_open_report(struct pvt_output *o, const char *path, FILE *dflt);
/* The same for any file written whole (@what names it in messages: "trace"). */
int output_open_whole(struct pvt_output *o, const char *path, const char *what, FILE *dflt);

/* A live stream, --events=@path (NULL: @dflt).  0, or -1 after one line saying why. */
int output_open_stream(struct pvt_output *o, const char *path, FILE *dflt);

/*
 * Everything written: flush, close; a report's temporary file takes its
 * path's place.  0, or -1 after one line saying why (the temporary file
 * removed).  stderr is flushed but its errors are not reported.
 */
int output_commit(struct pvt_output *o);

/* Nothing to keep: close; a report's temporary file is removed and its path left as it was. */
void output_abort(struct pvt_output *o);

/* Who owns the files pvtrace creates: pvt_owner_for_new_files() (privs.h). */

/* Tests: behave as on a file system without O_TMPFILE (a named temporary file). */
extern bool output_no_tmpfile;

#endif /* PVT_OUTPUT_H */
