// SPDX-License-Identifier: GPL-2.0-only
/* test_prefix.c - the CIDR parser of the allow and deny lists (user/prefix.c):
 * what it accepts and how it prints it, what it refuses and why, the file
 * format (comments, blank lines, FILE:LINE in messages) and de-duplication. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"
#include "testlib.h"

static char err[512];

static void accept_case(const char *name, const char *in, int family, int len, const char *fmt)
{
	struct sg_prefix p;
	char out[64];

	if (sg_prefix_parse(in, &p, err, sizeof(err))) {
		SG_FAIL(name, "'%s' refused: %s", in, err);
		return;
	}
	sg_prefix_format(&p, out, sizeof(out));
	SG_EXPECT(name, p.family == family && p.len == len && !strcmp(out, fmt),
		  "'%s': family %d len %d '%s', want %d %d '%s'", in, p.family, p.len, out, family,
		  len, fmt);
}

static void reject_case(const char *name, const char *in, const char *want)
{
	struct sg_prefix p;

	err[0] = 0;
	if (!sg_prefix_parse(in, &p, err, sizeof(err))) {
		SG_FAIL(name, "'%s' accepted", in);
		return;
	}
	SG_EXPECT(name, strstr(err, want), "'%s': message '%s' lacks '%s'", in, err, want);
}

int main(void)
{
	accept_case("prefix_v4", "10.0.0.0/8", AF_INET, 8, "10.0.0.0/8");
	accept_case("prefix_v4_host", "192.0.2.7", AF_INET, 32, "192.0.2.7/32");
	accept_case("prefix_v4_32", "192.0.2.7/32", AF_INET, 32, "192.0.2.7/32");
	accept_case("prefix_v4_0", "0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	accept_case("prefix_v4_31", "10.77.0.200/31", AF_INET, 31, "10.77.0.200/31");
	accept_case("prefix_v6", "2001:db8::/32", AF_INET6, 32, "2001:db8::/32");
	accept_case("prefix_v6_host", "fd77::a", AF_INET6, 128, "fd77::a/128");
	accept_case("prefix_v6_128", "fd77::a/128", AF_INET6, 128, "fd77::a/128");
	accept_case("prefix_v6_0", "::/0", AF_INET6, 0, "::/0");
	accept_case("prefix_v6_odd_len", "2001:db8:8000::/33", AF_INET6, 33, "2001:db8:8000::/33");
	accept_case("prefix_v6_upper", "2001:DB8::/32", AF_INET6, 32, "2001:db8::/32");

	reject_case("prefix_reject_v4_33", "10.0.0.0/33", "0..32");
	reject_case("prefix_reject_v6_129", "2001:db8::/129", "0..128");
	reject_case("prefix_reject_v4_huge_len", "10.0.0.0/4294967328", "0..32");
	reject_case("prefix_reject_host_bits", "10.1.2.3/8", "did you mean 10.0.0.0/8");
	reject_case("prefix_reject_host_bits_v6", "2001:db8::1/64", "did you mean 2001:db8::/64");
	reject_case("prefix_reject_host_bits_31", "10.77.0.201/31", "host bits");
	reject_case("prefix_reject_empty", "", "empty prefix");
	reject_case("prefix_reject_garbage", "example.com", "not an IPv4 or IPv6 address");
	reject_case("prefix_reject_short_v4", "10.1/16", "not an IPv4");
	reject_case("prefix_reject_octal", "010.0.0.0/8", "not an IPv4");
	reject_case("prefix_reject_sign", "10.0.0.0/+8", "0..32");
	reject_case("prefix_reject_negative", "10.0.0.0/-1", "0..32");
	reject_case("prefix_reject_leading_zero", "10.0.0.0/08", "0..32");
	reject_case("prefix_reject_no_len", "10.0.0.0/", "0..32");
	reject_case("prefix_reject_trailing", "10.0.0.0/8x", "0..32");
	reject_case("prefix_reject_space", "10.0.0.0 /8", "not an IPv4");
	reject_case("prefix_reject_two_slashes", "10.0.0.0/8/8", "0..32");
	reject_case("prefix_reject_zone", "fe80::1%eth0", "not an IPv4 or IPv6");
	reject_case("prefix_reject_v4mapped", "::ffff:10.0.0.1", "write 10.0.0.1");
	reject_case("prefix_reject_slash_only", "/8", "expected ADDRESS");
	reject_case("prefix_reject_nine_groups", "1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
		    "not an IPv4 or IPv6");
	reject_case("prefix_reject_too_long",
		    "1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc/64",
		    "expected ADDRESS");

	/* files: comments, blank lines, spaces; FILE:LINE in messages */
	{
		const char *ok = "# header\n\n10.0.0.0/8\n  192.0.2.0/24  # web\n\t2001:db8::/32\n10.0.0.0/8";
		const char *bad = "10.0.0.0/8\n\n# c\n10.0.0.0/33\n";
		const char *two = "10.0.0.0/8 10.1.0.0/16\n";
		struct sg_prefix *v = NULL;
		size_t n = 0, cap = 0;
		int rc = sg_prefix_parse_text(ok, strlen(ok), "f", &v, &n, &cap, err, sizeof(err));

		SG_EXPECT("prefix_file_ok", rc == 0 && n == 4, "rc %d n %zu: %s", rc, n, err);
		n = sg_prefix_dedup(v, n);
		SG_EXPECT("prefix_file_dedup", n == 3, "%zu after dedup, want 3", n);
		n = 0;
		rc = sg_prefix_parse_text(bad, strlen(bad), "f", &v, &n, &cap, err, sizeof(err));
		SG_EXPECT("prefix_file_bad_line", rc && strstr(err, "f:4:") && strstr(err, "0..32"),
			  "rc %d: %s", rc, err);
		n = 0;
		rc = sg_prefix_parse_text(two, strlen(two), "f", &v, &n, &cap, err, sizeof(err));
		SG_EXPECT("prefix_file_two_on_a_line", rc && strstr(err, "one prefix per line"),
			  "rc %d: %s", rc, err);
		n = 0;
		rc = sg_prefix_parse_text("10.0.0.0/8\n\0", 12, "f", &v, &n, &cap, err, sizeof(err));
		SG_EXPECT("prefix_file_nul", rc && strstr(err, "not a text file"), "rc %d: %s", rc, err);
		n = 0;
		rc = sg_prefix_parse_list("10.0.0.0/8,fd00::/8", &v, &n, &cap, err, sizeof(err));
		SG_EXPECT("prefix_list_ok", rc == 0 && n == 2, "rc %d n %zu: %s", rc, n, err);
		n = 0;
		rc = sg_prefix_parse_list("10.0.0.0/8,", &v, &n, &cap, err, sizeof(err));
		SG_EXPECT("prefix_list_empty_item", rc && strstr(err, "empty prefix"), "rc %d: %s",
			  rc, err);
		{
			char line[400];

			memset(line, '1', sizeof(line) - 1);
			line[sizeof(line) - 1] = 0;
			n = 0;
			rc = sg_prefix_parse_text(line, strlen(line), "f", &v, &n, &cap, err, sizeof(err));
			SG_EXPECT("prefix_file_long_line", rc && strstr(err, "longer than"), "rc %d: %s",
				  rc, err);
		}
		free(v);
	}
	return sg_test_failures ? 1 : 0;
}
