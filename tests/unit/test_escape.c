// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_escape.c - names with any byte but '/' and NUL (user/escape.c) through
 * every writer that prints them: the JSON writer (user/json.c), Prometheus
 * label values (user/metrics_fmt.c) and the text escaping; plus the UTF-8
 * validator on the classic invalid forms.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "json.h"
#include "metrics_fmt.h"
#include "testlib.h"

/* The name the integration tests give a dummy interface (15 bytes max) */
#define NASTY "sg\xff\xfe\"\\q"

static void test_utf8(void)
{
	static const struct { const char *s; size_t want; const char *what; } c[] = {
		{ "a", 1, "ascii" }, { "\x01", 1, "control" },
		{ "\xc3\xa9", 2, "2-byte" }, { "\xe2\x82\xac", 3, "3-byte" },
		{ "\xf0\x9f\x98\x80", 4, "4-byte" }, { "\xf4\x8f\xbf\xbf", 4, "max" },
		{ "\xff", 0, "ff" }, { "\xfe", 0, "fe" }, { "\x80", 0, "continuation" },
		{ "\xc0\x80", 0, "overlong_c0" }, { "\xc1\xbf", 0, "overlong_c1" },
		{ "\xe0\x80\x80", 0, "overlong_e0" }, { "\xf0\x80\x80\x80", 0, "overlong_f0" },
		{ "\xed\xa0\x80", 0, "surrogate" }, { "\xf4\x90\x80\x80", 0, "above_10ffff" },
		{ "\xf5\x80\x80\x80", 0, "f5" }, { "\xc3", 0, "cut_2" }, { "\xe2\x82", 0, "cut_3" },
		{ "\xe2\x28\xa1", 0, "bad_cont" },
	};
	char n[64];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t got = sg_utf8_len((const unsigned char *)c[i].s, strlen(c[i].s));

		snprintf(n, sizeof(n), "escape_utf8_%s", c[i].what);
		SG_EXPECT(n, got == c[i].want, "got %zu, want %zu", got, c[i].want);
	}
}

/* What jw_string writes for s (malloc'ed) */
static char *json_of(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct jw *w;

	if (!f)
		return NULL;
	w = jw_new(f, false);
	jw_string(w, s);
	jw_free(w);	/* adds the newline */
	fclose(f);
	return buf;
}

static void test_json(void)
{
	static const struct { const char *in, *want, *what; } c[] = {
		{ NASTY, "\"sg\\u00ff\\u00fe\\\"\\\\q\"\n", "invalid_quote_backslash" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"\n", "valid_utf8_kept" },
		{ "a\x01\n\t\x1f", "\"a\\u0001\\n\\t\\u001f\"\n", "controls" },
		{ "x\xe2\x82", "\"x\\u00e2\\u0082\"\n", "cut_sequence" },
		{ "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"\n", "surrogate_bytes" },
	};
	char n[64];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char *got = json_of(c[i].in);

		snprintf(n, sizeof(n), "escape_json_%s", c[i].what);
		SG_EXPECT(n, got && !strcmp(got, c[i].want), "got %s", got ? got : "(null)");
		free(got);
	}
}

static void test_label(void)
{
	char buf[64], small[8];

	mf_escape_label(NASTY, buf, sizeof(buf));
	SG_EXPECT("escape_label_invalid_quote_backslash",
		  !strcmp(buf, "sg\xc3\xbf\xc3\xbe\\\"\\\\q"), "got '%s'", buf);
	mf_escape_label("a\"b\\c\nd", buf, sizeof(buf));
	SG_EXPECT("escape_label_classic", !strcmp(buf, "a\\\"b\\\\c\\nd"), "got '%s'", buf);
	mf_escape_label("caf\xc3\xa9", buf, sizeof(buf));
	SG_EXPECT("escape_label_valid_kept", !strcmp(buf, "caf\xc3\xa9"), "got '%s'", buf);
	/* 8 bytes of room: "abcd" + 2-byte U+00FF fits (6), the next one does not */
	mf_escape_label("abcd\xff\xfe", small, sizeof(small));
	SG_EXPECT("escape_label_cut_at_char", !strcmp(small, "abcd\xc3\xbf"), "got '%s'", small);
	mf_escape_label("abcdef\"", small, sizeof(small));
	SG_EXPECT("escape_label_cut_not_in_escape", !strcmp(small, "abcdef"), "got '%s'", small);
}

static void test_text(void)
{
	static const struct { const char *in, *want, *what; } c[] = {
		{ NASTY, "sg\\xff\\xfe\"\\\\q", "invalid_quote_backslash" },
		{ "caf\xc3\xa9", "caf\xc3\xa9", "valid_utf8_kept" },
		{ "\x1b[31mred", "\\x1b[31mred", "terminal_escape" },
		{ "a\x7f" "b", "a\\x7fb", "del" },
		{ "c1\xc2\x85", "c1\\xc2\\x85", "c1_control" },
		{ "eth0", "eth0", "plain" },
	};
	char n[64], buf[SG_ESC_IFNAME], small[6];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		sg_esc_text(c[i].in, buf, sizeof(buf));
		snprintf(n, sizeof(n), "escape_text_%s", c[i].what);
		SG_EXPECT(n, !strcmp(buf, c[i].want), "got '%s'", buf);
	}
	/* the worst interface name fits SG_ESC_IFNAME */
	sg_esc_text("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", buf, sizeof(buf));
	SG_EXPECT("escape_text_ifname_room", strlen(buf) == 60, "got %zu bytes", strlen(buf));
	sg_esc_text("a\xff\xfe", small, sizeof(small));
	SG_EXPECT("escape_text_cut_not_in_escape", !strcmp(small, "a\\xff"), "got '%s'", small);
}

static void test_msg(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		SG_FAIL("escape_msg", "open_memstream failed");
		return;
	}
	sg_esc_msg(f, NASTY " is not protected\n\tsee \x1b[0m");
	fclose(f);
	SG_EXPECT("escape_msg", !strcmp(buf, "sg\\xff\\xfe\"\\q is not protected\n\tsee \\x1b[0m"),
		  "got '%s'", buf);
	free(buf);
}

int main(void)
{
	test_utf8();
	test_json();
	test_label();
	test_text();
	test_msg();
	return sg_test_failures ? 1 : 0;
}
