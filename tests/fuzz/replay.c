// SPDX-License-Identifier: GPL-2.0
/*
 * replay.c - one fuzz target over its seed corpus, once each, no new inputs:
 * the regression `make check` runs (built with -fsanitize=address,undefined
 * by the C compiler, no libFuzzer needed).  FUZZ_CORPUS is the directory,
 * relative to the top of the tree (tests/run.sh runs from there), or
 * $PVT_FUZZ_CORPUS.  A seed named ok-* must be accepted, bad-* refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "fileio.h"
#include "fuzz.h"

#ifndef FUZZ_CORPUS
#error "FUZZ_CORPUS: the seed directory"
#endif

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void test_corpus(void **state)
{
	const char *dir = getenv("PVT_FUZZ_CORPUS");
	FILE *real_stderr = stderr;
	struct dirent **names;
	int n, seen = 0;

	if (!dir || !*dir)
		dir = FUZZ_CORPUS;
	n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		fail_msg("cannot read the corpus %s", dir);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		char path[4096];
		size_t len;
		char *buf;
		int r;

		if (name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if (pvt_read_file_alloc(path, 1 << 20, &buf, &len))
			fail_msg("cannot read %s", path);
		r = pvt_fuzz_one((const uint8_t *)buf, len);
		stderr = real_stderr; /* cmocka's own messages */
		free(buf);
		if (!strncmp(name, "ok-", 3) && r != 0)
			fail_msg("%s: refused (%d), a seed to be accepted", path, r);
		if (!strncmp(name, "bad-", 4) && r == 0)
			fail_msg("%s: accepted, a seed to be refused", path);
		seen++;
		free(names[i]);
	}
	free(names);
	if (!seen)
		fail_msg("no seed in %s", dir);
	print_message("%d seeds of %s\n", seen, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};

	return cmocka_run_group_tests_name("fuzz corpus " FUZZ_CORPUS, tests, NULL, NULL);
}
