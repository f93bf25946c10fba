// SPDX-License-Identifier: GPL-2.0-only
/* test_ports.c - the --ports parser and formatter (user/ports.c). */
#include <string.h>

#include "ports.h"
#include "testlib.h"

static __u64 bm[SG_PORT_WORDS];
static char err[256];

static void accept_case(const char *name, const char *in, int want_n, const char *want_fmt)
{
	char out[256];
	int n = sg_ports_parse(in, bm, err, sizeof(err));

	if (n != want_n) {
		SG_FAIL(name, "'%s': got %d ports (%s), want %d", in, n, n < 0 ? err : "", want_n);
		return;
	}
	sg_ports_format(bm, out, sizeof(out));
	SG_EXPECT(name, !strcmp(out, want_fmt), "'%s' formats as '%s', want '%s'", in, out,
		  want_fmt);
}

static void reject_case(const char *name, const char *in, const char *want_in_msg)
{
	int n;

	err[0] = '\0';
	n = sg_ports_parse(in, bm, err, sizeof(err));
	if (n >= 0) {
		SG_FAIL(name, "'%s' accepted (%d ports)", in ? in : "(null)", n);
		return;
	}
	SG_EXPECT(name, strstr(err, want_in_msg), "'%s': message '%s' lacks '%s'",
		  in ? in : "(null)", err, want_in_msg);
}

static int count_cb_n, count_cb_last, count_cb_sorted = 1;
static void count_cb(unsigned int port, void *ctx)
{
	(void)ctx;
	if ((int)port <= count_cb_last)
		count_cb_sorted = 0;
	count_cb_last = (int)port;
	count_cb_n++;
}

int main(void)
{
	accept_case("ports_single", "80", 1, "80");
	accept_case("ports_list", "443,80", 2, "80,443");
	accept_case("ports_duplicates", "80,80,80", 1, "80");
	accept_case("ports_range", "8000-8010", 11, "8000-8010");
	accept_case("ports_range_one", "22-22", 1, "22");
	accept_case("ports_fold_adjacent", "1,2,3,5", 4, "1-3,5");
	accept_case("ports_overlap", "10-20,15-25", 16, "10-25");
	accept_case("ports_spaces", " 80 , 443 - 444 ", 3, "80,443-444");
	accept_case("ports_bounds", "1,65535", 2, "1,65535");
	accept_case("ports_word_edges", "63-64,127-128", 4, "63-64,127-128");
	accept_case("ports_all", "1-65535", 65535, "1-65535");

	reject_case("ports_reject_empty", "", "empty");
	reject_case("ports_reject_null", NULL, "empty");
	reject_case("ports_reject_zero", "0", "1..65535");
	reject_case("ports_reject_too_big", "65536", "1..65535");
	reject_case("ports_reject_huge", "99999999999999999999", "1..65535");
	reject_case("ports_reject_negative", "-5", "expected a port");
	reject_case("ports_reject_garbage", "http", "expected a port");
	reject_case("ports_reject_suffix", "80x", "expected PORT");
	reject_case("ports_reject_empty_item", "80,,443", "expected a port");
	reject_case("ports_reject_trailing_comma", "80,", "expected a port");
	reject_case("ports_reject_leading_comma", ",80", "expected a port");
	reject_case("ports_reject_reversed", "8010-8000", "start is above end");
	reject_case("ports_reject_open_range", "8000-", "expected a port");
	reject_case("ports_reject_range_zero", "0-10", "1..65535");
	reject_case("ports_reject_double_range", "1-2-3", "expected PORT");
	reject_case("ports_reject_hex", "0x50", "1..65535");
	reject_case("ports_reject_plus", "+80", "expected a port");

	/* a failed parse leaves no stale bits behind */
	sg_ports_parse("80", bm, err, sizeof(err));
	sg_ports_parse("90000", bm, err, sizeof(err));
	SG_EXPECT("ports_reject_clears", sg_ports_count(bm) == 0,
		  "%u ports left set after a rejected list", sg_ports_count(bm));

	/* foreach visits every port once, in order */
	sg_ports_parse("65535,1,100-199", bm, err, sizeof(err));
	sg_ports_foreach(bm, count_cb, NULL);
	SG_EXPECT("ports_foreach", count_cb_n == 102 && count_cb_sorted && count_cb_last == 65535,
		  "visited %d ports (sorted=%d, last=%d), want 102 ending at 65535", count_cb_n,
		  count_cb_sorted, count_cb_last);

	/* formatting into a small buffer truncates and reports the full length */
	{
		char small[8];
		size_t need;

		sg_ports_parse("1,3,5,7,9,11", bm, err, sizeof(err));
		need = sg_ports_format(bm, small, sizeof(small));
		SG_EXPECT("ports_format_truncates", need == strlen("1,3,5,7,9,11") &&
			  strlen(small) < sizeof(small) && !strncmp(small, "1,3,5,7", strlen(small)),
			  "need=%zu small='%s'", need, small);
	}
	return sg_test_failures ? 1 : 0;
}
