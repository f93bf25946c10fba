// SPDX-License-Identifier: GPL-2.0-only
/* test_keyfile.c - the --key-file format (user/keyfile.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "keyfile.h"
#include "testlib.h"

static char err[256];

static void reject(const char *name, const char *text, const char *want)
{
	__u64 key[2];
	int r = sg_key_parse(text, key, err, sizeof(err));

	SG_EXPECT(name, r < 0 && strstr(err, want), "'%s': r=%d msg='%s' (want '%s')", text, r,
		  err, want);
}

int main(void)
{
	__u64 key[2] = {};
	char path[] = "/tmp/sg_keyfile_XXXXXX";
	int fd, r;

	/* SipHash reference key 00 01 02 ... 0f: k0 = 0x0706050403020100 */
	r = sg_key_parse("000102030405060708090a0b0c0d0e0f\n", key, err, sizeof(err));
	SG_EXPECT("key_parse_reference", r == 0 && key[0] == 0x0706050403020100ULL &&
		  key[1] == 0x0f0e0d0c0b0a0908ULL, "r=%d k0=%llx k1=%llx %s", r,
		  (unsigned long long)key[0], (unsigned long long)key[1], err);
	r = sg_key_parse(" 00010203 04050607\n08090A0B\t0C0D0E0F \n\n", key, err, sizeof(err));
	SG_EXPECT("key_parse_whitespace_upper", r == 0 && key[1] == 0x0f0e0d0c0b0a0908ULL,
		  "r=%d %s", r, err);
	reject("key_reject_short", "0001020304050607", "16 hex digits");
	reject("key_reject_long", "000102030405060708090a0b0c0d0e0f00", "more than 32");
	reject("key_reject_empty", "", "0 hex digits");
	reject("key_reject_char", "000102030405060708090a0b0c0d0e0g", "unexpected character 'g'");
	reject("key_reject_0x", "0x0102030405060708090a0b0c0d0e0f", "unexpected character 'x'");

	fd = mkstemp(path);
	if (fd < 0) {
		SG_SKIP("key_read_file", "mkstemp failed");
		return sg_test_failures ? 1 : 0;
	}
	if (write(fd, "ffeeddccbbaa99887766554433221100\n", 33) != 33)
		SG_FAIL("key_read_file", "write failed");
	close(fd);
	r = sg_key_read_file(path, key, err, sizeof(err));
	if (geteuid() == 0)
		SG_EXPECT("key_read_file", r == 0 && key[0] == 0x8899aabbccddeeffULL,
			  "r=%d k0=%llx %s", r, (unsigned long long)key[0], err);
	else	/* the file is ours, and a key file must be root's */
		SG_EXPECT("key_read_file_not_root_owned", r < 0 && strstr(err, "not by root"),
			  "r=%d %s", r, err);
	/* issue 8 item 10: a key that group or others may read is refused */
	chmod(path, 0644);
	r = sg_key_read_file(path, key, err, sizeof(err));
	SG_EXPECT("key_refuse_world_readable", r < 0 && strstr(err, "mode 0644"), "r=%d %s", r,
		  err);
	chmod(path, 0640);
	r = sg_key_read_file(path, key, err, sizeof(err));
	SG_EXPECT("key_refuse_group_readable", r < 0 && strstr(err, "group or others"),
		  "r=%d %s", r, err);
	chmod(path, 0600);
	if (geteuid() == 0 && chown(path, 65534, 65534) == 0) {
		r = sg_key_read_file(path, key, err, sizeof(err));
		SG_EXPECT("key_refuse_not_root_owned", r < 0 && strstr(err, "not by root"),
			  "r=%d %s", r, err);
	} else {
		SG_SKIP("key_refuse_not_root_owned", "needs root to chown the file");
	}
	unlink(path);
	r = sg_key_read_file(path, key, err, sizeof(err));
	SG_EXPECT("key_read_missing", r < 0 && strstr(err, "cannot read"), "r=%d %s", r, err);
	return sg_test_failures ? 1 : 0;
}
