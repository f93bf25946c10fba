/* SPDX-License-Identifier: GPL-2.0-only */
/* Result lines for C tests, in the protocol of tests/run.sh. */
#ifndef SG_TESTLIB_H
#define SG_TESTLIB_H

#include <stdio.h>

extern int sg_test_failures;

#define SG_PASS(name) printf("PASS %s\n", name)
#define SG_FAIL(name, fmt, ...)                                              \
	do {                                                                 \
		printf("FAIL %s: " fmt "\n", name, ##__VA_ARGS__);           \
		sg_test_failures++;                                          \
	} while (0)
#define SG_SKIP(name, fmt, ...) printf("SKIP %s: " fmt "\n", name, ##__VA_ARGS__)
/* SG_EXPECT(name, cond, fmt, ...): PASS if cond holds, else FAIL with the message */
#define SG_EXPECT(name, cond, fmt, ...)                                      \
	do {                                                                 \
		if (cond)                                                    \
			SG_PASS(name);                                       \
		else                                                         \
			SG_FAIL(name, fmt, ##__VA_ARGS__);                   \
	} while (0)

#endif
