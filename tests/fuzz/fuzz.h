/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz.h - what the fuzz targets share.  Each target (fuzz_NAME.c) defines
 * pvt_fuzz_one(), which checks what it can of the result and aborts on a
 * broken invariant, and LLVMFuzzerTestOneInput() on top of it; libFuzzer
 * drives the latter (make fuzz), replay.c the former over the seed corpus
 * (make check: tests/fuzz/corpus/NAME/, a seed named ok-* must be accepted,
 * bad-* refused).
 */
#ifndef PVT_FUZZ_H
#define PVT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* 0 if the input was accepted, else what the code under test returned. */
int pvt_fuzz_one(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * pvtrace's messages (pvt_err, usage errors) go to the stderr FILE: point it
 * at /dev/null, leaving descriptor 2 to the sanitizers and libFuzzer (the
 * replay puts it back after each input).
 */
static inline void fuzz_quiet(void)
{
	static FILE *nul;

	if (!nul)
		nul = fopen("/dev/null", "we");
	if (nul)
		stderr = nul;
}

#define FUZZ_CHECK(cond)                                                           \
	do {                                                                       \
		if (!(cond)) {                                                     \
			fprintf(stdout, "fuzz: invariant broken: %s (%s:%d)\n", #cond, \
				__FILE__, __LINE__);                               \
			fflush(stdout);                                            \
			abort();                                                   \
		}                                                                  \
	} while (0)

#endif /* PVT_FUZZ_H */
