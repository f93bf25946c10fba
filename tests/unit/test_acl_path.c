// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_acl_path.c - the allow and deny lists in the XDP program (bpf/acl.h:
 * buckets per /16, exact-length hashes, the trie as fallback), filled through
 * user/acl_maps.c as the commands fill them, run with BPF_PROG_TEST_RUN:
 *  v4_* / v6_*   overlapping prefixes of several lengths in both lists, each
 *                source's SYN gets the verdict of its longest match (allow:
 *                passed, deny: dropped, neither: a SYN-ACK);
 *  short_*       prefixes of /16 and shorter (held in the buckets alone),
 *                under and over longer ones;
 *  fallback_*    a /16 with more lengths in use than SG_ACL_PROBES: answered
 *                by the trie, the same verdicts;
 *  live_*        deletions and additions: the length bits follow the entries
 *                (set once a length has an entry in the /16, cleared when
 *                its last one goes), verdicts as the lists say after each;
 *  random_*      2,000 random prefixes of both lists and families, then
 *                4,000 sources checked against a brute-force longest match.
 */
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "acl_maps.h"
#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT	8080
#define HOST4	"10.9.0.1"
#define HOST6	"fd09::1"

static struct xdp_env e;
static struct sg_acl_fds m;

static void syn_from(struct pkt_spec *s, const char *src)
{
	pkt_spec_init(s);
	if (strchr(src, ':'))
		pkt_set_v6(s, src, HOST6);
	else
		pkt_set_v4(s, src, HOST4);
	s->sport = 40000;
	s->dport = PORT;
	s->seq = 0x1000;
	s->flags = PKT_SYN;
	pkt_linux_syn_opts(s, 1460, 12345);
}

static int verdict_ret(enum sg_acl_verdict v)
{
	return v == SG_ACL_ALLOW ? XDP_PASS : v == SG_ACL_DENY ? XDP_DROP : XDP_TX;
}

static const char *vname(enum sg_acl_verdict v)
{
	return v == SG_ACL_ALLOW ? "allow" : v == SG_ACL_DENY ? "deny" : "none";
}

/* The XDP verdict for a SYN from src, as a list verdict (-1: other). */
static int xdp_list(const char *src)
{
	struct pkt_spec s;
	struct xres r;

	syn_from(&s, src);
	if (xenv_run_spec(&e, &s, &r))
		return -1;
	for (int v = SG_ACL_NONE; v <= SG_ACL_DENY; v++)
		if ((int)r.ret == verdict_ret((enum sg_acl_verdict)v))
			return v;
	return -1;
}

static void expect_src(const char *name, const char *src, enum sg_acl_verdict want)
{
	int got = xdp_list(src);

	SG_EXPECT(name, got == (int)want, "%s: %s, want %s", src,
		  got < 0 ? "other verdict" : vname((enum sg_acl_verdict)got), vname(want));
}

static int parse_all(const char *const *txt, size_t n, struct sg_prefix **v)
{
	char err[256];

	*v = calloc(n ? n : 1, sizeof(**v));
	for (size_t i = 0; i < n; i++)
		if (sg_prefix_parse(txt[i], &(*v)[i], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return -1;
		}
	return 0;
}

static int change(bool add, enum sg_acl_verdict list, const char *const *txt, size_t n)
{
	struct sg_acl_result r;
	struct sg_prefix *v;
	char err[256];
	int rc;

	if (parse_all(txt, n, &v)) {
		free(v);
		return -1;
	}
	rc = add ? sg_acl_add(&m, list, v, n, &r, err, sizeof(err)) :
		   sg_acl_del(&m, list, v, n, &r, err, sizeof(err));
	if (rc)
		fprintf(stderr, "acl change: %s\n", err);
	free(v);
	return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void flush(void)
{
	struct sg_acl_result r;
	char err[256];

	sg_acl_replace(&m, SG_ACL_ALLOW, NULL, 0, &r, err, sizeof(err));
	sg_acl_replace(&m, SG_ACL_DENY, NULL, 0, &r, err, sizeof(err));
}

static __u32 bucket4_lens(const char *a)
{
	struct sg_acl_bucket4 b = { 0 };
	__u8 x[4];
	__u32 i;

	inet_pton(AF_INET, a, x);
	i = (__u32)x[0] << 8 | x[1];
	bpf_map_lookup_elem(m.b4, &i, &b);
	return b.lens;
}

static void test_v4(void)
{
	static const char *const deny[] = {
		"10.0.0.0/8", "10.1.2.0/24", "10.1.2.129/32", "10.1.4.0/22", "10.1.4.64/26",
		"10.200.0.0/17",
	};
	static const char *const allow[] = {
		"10.1.0.0/16", "10.1.2.128/25", "10.1.4.0/24", "10.1.4.64/27", "0.0.0.0/1",
		"10.200.0.0/18",
	};

	SG_EXPECT("v4_lists_loaded", !change(true, SG_ACL_DENY, deny, N(deny)) &&
		  !change(true, SG_ACL_ALLOW, allow, N(allow)), "sg_acl_add failed");
	expect_src("v4_short_8_deny", "10.7.1.1", SG_ACL_DENY);
	expect_src("v4_short_16_allow", "10.1.9.9", SG_ACL_ALLOW);
	expect_src("v4_24_deny", "10.1.2.5", SG_ACL_DENY);
	expect_src("v4_25_allow", "10.1.2.130", SG_ACL_ALLOW);
	expect_src("v4_32_deny", "10.1.2.129", SG_ACL_DENY);
	expect_src("v4_22_deny", "10.1.6.1", SG_ACL_DENY);
	expect_src("v4_24_in_22_allow", "10.1.4.1", SG_ACL_ALLOW);
	expect_src("v4_27_in_26_allow", "10.1.4.65", SG_ACL_ALLOW);
	expect_src("v4_26_deny", "10.1.4.100", SG_ACL_DENY);
	expect_src("v4_18_in_17_allow", "10.200.1.1", SG_ACL_ALLOW);
	expect_src("v4_17_deny", "10.200.65.1", SG_ACL_DENY);
	expect_src("v4_8_beside_17", "10.200.200.1", SG_ACL_DENY);
	expect_src("short_1_allow", "99.1.2.3", SG_ACL_ALLOW);
	expect_src("short_none", "192.0.2.1", SG_ACL_NONE);
	/* bucket 10.1: lengths 24, 25, 32, 22, 26, 27 */
	SG_EXPECT("v4_bucket_lens", bucket4_lens("10.1.0.0") ==
		  ((1U << 7) | (1U << 8) | (1U << 15) | (1U << 5) | (1U << 9) | (1U << 10)),
		  "lens %#x", bucket4_lens("10.1.0.0"));

	/* live: the /32 goes, then the /25 (bit 8 only when the last /25 is gone) */
	static const char *const d32[] = { "10.1.2.129/32" };
	static const char *const a25[] = { "10.1.9.0/25" };
	static const char *const d25[] = { "10.1.2.128/25" };
	static const char *const d25b[] = { "10.1.9.0/25" };

	change(false, SG_ACL_DENY, d32, 1);
	expect_src("live_v4_32_gone_allow", "10.1.2.129", SG_ACL_ALLOW);
	SG_EXPECT("live_v4_32_bit_cleared", !(bucket4_lens("10.1.0.0") & (1U << 15)), "lens %#x",
		  bucket4_lens("10.1.0.0"));
	change(true, SG_ACL_ALLOW, a25, 1);
	change(false, SG_ACL_ALLOW, d25, 1);
	expect_src("live_v4_25_gone_deny24", "10.1.2.130", SG_ACL_DENY);
	SG_EXPECT("live_v4_25_bit_kept", bucket4_lens("10.1.0.0") & (1U << 8), "lens %#x",
		  bucket4_lens("10.1.0.0"));
	expect_src("live_v4_other_25_allow", "10.1.9.1", SG_ACL_ALLOW);
	change(false, SG_ACL_ALLOW, d25b, 1);
	SG_EXPECT("live_v4_25_bit_cleared", !(bucket4_lens("10.1.0.0") & (1U << 8)), "lens %#x",
		  bucket4_lens("10.1.0.0"));
	static const char *const d8[] = { "10.0.0.0/8" };

	change(false, SG_ACL_DENY, d8, 1);
	expect_src("live_v4_short_gone_allow1", "10.7.1.1", SG_ACL_ALLOW);
	expect_src("live_v4_22_kept", "10.1.6.1", SG_ACL_DENY);
	flush();
	expect_src("live_v4_flushed", "10.1.6.1", SG_ACL_NONE);
	SG_EXPECT("live_v4_flushed_bits", !bucket4_lens("10.1.0.0"), "lens %#x",
		  bucket4_lens("10.1.0.0"));
}

static void test_fallback(void)
{
	/* 172.16/16: nested prefixes of every length 17..32 around
	 * 172.16.0.0, alternating lists; the trie answers there */
	char buf[17][32], src[32];
	const char *txt[2][17];
	size_t n[2] = { 0, 0 };

	for (int len = 17; len <= 32; len++) {
		snprintf(buf[len - 16], sizeof(buf[0]), "172.16.0.0/%d", len);
		txt[len & 1][n[len & 1]++] = buf[len - 16];
	}
	SG_EXPECT("fallback_loaded", !change(true, SG_ACL_DENY, txt[1], n[1]) &&
		  !change(true, SG_ACL_ALLOW, txt[0], n[0]), "sg_acl_add failed");
	SG_EXPECT("fallback_bucket_dense", __builtin_popcount(bucket4_lens("172.16.0.0")) >
		  SG_ACL_PROBES, "lens %#x", bucket4_lens("172.16.0.0"));
	/* 172.16.0.0 with bit k set matches the nested prefixes down to
	 * /(31 - k): none of them once that is /16 or shorter */
	for (int k = 0; k < 16; k++) {
		struct in_addr ia = { htonl(0xac100000U | 1U << k) };
		int len = 31 - k;
		enum sg_acl_verdict want = len < 17 ? SG_ACL_NONE :
					   len & 1 ? SG_ACL_DENY : SG_ACL_ALLOW;
		char name[64];

		inet_ntop(AF_INET, &ia, src, sizeof(src));
		snprintf(name, sizeof(name), "fallback_v4_bit%d", k);
		expect_src(name, src, want);
	}
	expect_src("fallback_v4_outside", "172.17.0.0", SG_ACL_NONE);
	expect_src("fallback_v4_host", "172.16.0.0", SG_ACL_ALLOW);	/* /32, even */

	/* dense -> sparse -> dense: the trie keeps the entries of a bucket
	 * that was dense, and loses one deleted meanwhile */
	const char *lo[2][5];
	size_t nlo[2] = { 0, 0 };
	static const char *const d30[] = { "172.16.0.0/30" };

	for (int len = 17; len <= 26; len++)
		lo[len & 1][nlo[len & 1]++] = buf[len - 16];
	SG_EXPECT("dense_to_sparse", !change(false, SG_ACL_ALLOW, lo[0], nlo[0]) &&
		  !change(false, SG_ACL_DENY, lo[1], nlo[1]) &&
		  __builtin_popcount(bucket4_lens("172.16.0.0")) == 6, "lens %#x",
		  bucket4_lens("172.16.0.0"));
	expect_src("sparse_v4_30", "172.16.0.2", SG_ACL_ALLOW);
	expect_src("sparse_v4_27", "172.16.0.16", SG_ACL_DENY);
	expect_src("sparse_v4_26_gone", "172.16.0.32", SG_ACL_NONE);
	SG_EXPECT("sparse_del_30", !change(false, SG_ACL_ALLOW, d30, 1), "del failed");
	expect_src("sparse_v4_30_gone", "172.16.0.2", SG_ACL_DENY);	/* the /29 */
	SG_EXPECT("sparse_to_dense", !change(true, SG_ACL_ALLOW, lo[0], nlo[0]) &&
		  !change(true, SG_ACL_DENY, lo[1], nlo[1]) &&
		  __builtin_popcount(bucket4_lens("172.16.0.0")) > SG_ACL_PROBES, "lens %#x",
		  bucket4_lens("172.16.0.0"));
	expect_src("dense_again_30_gone", "172.16.0.2", SG_ACL_DENY);	/* the /29, not the stale /30 */
	expect_src("dense_again_29", "172.16.0.4", SG_ACL_DENY);
	expect_src("dense_again_26", "172.16.0.32", SG_ACL_ALLOW);
	expect_src("dense_again_17", "172.16.64.0", SG_ACL_DENY);
	/* a few added to a dense bucket (the small path): into the trie too */
	static const char *const d29[] = { "172.16.0.8/29" };

	expect_src("dense_add_before", "172.16.0.9", SG_ACL_ALLOW);	/* the /28 */
	SG_EXPECT("dense_add", !change(true, SG_ACL_DENY, d29, 1), "add failed");
	expect_src("dense_add_answered", "172.16.0.9", SG_ACL_DENY);

	/* IPv6: 2a00::/16 with lengths 20, 28, ..., 124 nested at 2a00:: */
	char b6[16][64];
	const char *t6[2][16];
	size_t n6[2] = { 0, 0 };
	int lens6[] = { 20, 28, 36, 44, 52, 60, 68, 76, 84, 92, 100, 108, 116, 124 };

	for (size_t i = 0; i < N(lens6); i++) {
		snprintf(b6[i], sizeof(b6[0]), "2a00::/%d", lens6[i]);
		t6[i & 1][n6[i & 1]++] = b6[i];
	}
	SG_EXPECT("fallback_v6_loaded", !change(true, SG_ACL_ALLOW, t6[0], n6[0]) &&
		  !change(true, SG_ACL_DENY, t6[1], n6[1]), "sg_acl_add failed");
	expect_src("fallback_v6_124", "2a00::1", SG_ACL_DENY);
	expect_src("fallback_v6_116", "2a00::100", SG_ACL_ALLOW);
	expect_src("fallback_v6_20", "2a00:0100::1", SG_ACL_ALLOW);
	expect_src("fallback_v6_28", "2a00:000f::1", SG_ACL_DENY);
	expect_src("fallback_v6_none", "2a00:1000::1", SG_ACL_NONE);
	flush();
	expect_src("fallback_flushed", "172.16.0.1", SG_ACL_NONE);
}

static void test_v6(void)
{
	static const char *const deny[] = {
		"2001:db8::/32", "2001:db8:1:2::/64", "2001:db8:1:2::1/128", "fd00::/8",
		"2001:db8:1:2:8000::/66",
	};
	static const char *const allow[] = {
		"2001:db8:1::/48", "2001:db8:1:2::/127", "fd12::/16", "2001:db8:1:2:c000::/67",
		"fd12:3400::/24",
	};

	SG_EXPECT("v6_lists_loaded", !change(true, SG_ACL_DENY, deny, N(deny)) &&
		  !change(true, SG_ACL_ALLOW, allow, N(allow)), "sg_acl_add failed");
	expect_src("v6_32_deny", "2001:db8:7::1", SG_ACL_DENY);
	expect_src("v6_48_allow", "2001:db8:1:9::1", SG_ACL_ALLOW);
	expect_src("v6_64_deny", "2001:db8:1:2::5", SG_ACL_DENY);
	expect_src("v6_128_deny", "2001:db8:1:2::1", SG_ACL_DENY);
	expect_src("v6_127_allow", "2001:db8:1:2::0", SG_ACL_ALLOW);
	expect_src("v6_66_deny", "2001:db8:1:2:8000::9", SG_ACL_DENY);
	expect_src("v6_67_allow", "2001:db8:1:2:d000::9", SG_ACL_ALLOW);
	expect_src("short_v6_8_deny", "fd55::1", SG_ACL_DENY);
	expect_src("short_v6_16_allow", "fd12:ffff::1", SG_ACL_ALLOW);
	expect_src("v6_24_allow", "fd12:3456::1", SG_ACL_ALLOW);
	expect_src("short_v6_none", "2001:db9::1", SG_ACL_NONE);
	static const char *const d16[] = { "fd12::/16" };

	change(false, SG_ACL_ALLOW, d16, 1);
	expect_src("live_v6_short_gone_deny8", "fd12:ffff::1", SG_ACL_DENY);
	expect_src("live_v6_24_kept", "fd12:3456::1", SG_ACL_ALLOW);
	flush();
	expect_src("live_v6_flushed", "2001:db8:1:2::1", SG_ACL_NONE);
}

/* random lists in a few /16s of each family (so buckets hold several
 * lengths, some over SG_ACL_PROBES), checked against a brute force */
static bool covers(const struct sg_prefix *p, const __u8 *a)
{
	int full = p->len / 8, rest = p->len % 8;

	if (memcmp(p->addr, a, full))
		return false;
	return !rest || !((p->addr[full] ^ a[full]) & (0xff << (8 - rest)));
}

static void test_random(void)
{
	enum { NP = 2000, NS = 4000 };
	struct sg_prefix *v[2] = { calloc(NP, sizeof(struct sg_prefix)),
				   calloc(NP, sizeof(struct sg_prefix)) };
	size_t n[2] = { 0, 0 }, bad = 0, checked = 0;
	struct sg_acl_result r;
	char err[256], src[64];

	srandom(11);
	for (int i = 0; i < NP; i++) {
		struct sg_prefix p = { 0 };
		int v6 = random() & 1, list = random() & 1, bits = v6 ? 128 : 32;
		static const int l6[] = { 20, 32, 40, 48, 56, 64, 80, 96, 112, 128 };
		int len = random() % 3 == 0 ? 8 + random() % 9 :
			  v6 && random() % 4 ? l6[random() % 10] : 17 + random() % (bits - 16);

		p.family = v6 ? AF_INET6 : AF_INET;
		p.len = (__u8)len;
		p.addr[0] = v6 ? 0x20 : 10;
		p.addr[1] = (__u8)(random() % 32);
		for (int b = 2; b < bits / 8; b++)
			p.addr[b] = random() % 4 ? 0 : (__u8)random();
		for (int b = 0; b < bits / 8; b++) {
			int keep = len - 8 * b;

			p.addr[b] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));
		}
		/* the same prefix in both lists is refused: keep it in the first */
		bool dup = false;

		for (int l = 0; l < 2 && !dup; l++)
			for (size_t j = 0; j < n[l] && !dup; j++)
				dup = sg_prefix_eq(&v[l][j], &p);
		if (!dup)
			v[list][n[list]++] = p;
	}
	SG_EXPECT("random_loaded",
		  !sg_acl_replace(&m, SG_ACL_ALLOW, v[0], n[0], &r, err, sizeof(err)) &&
		  !sg_acl_replace(&m, SG_ACL_DENY, v[1], n[1], &r, err, sizeof(err)), "%s", err);
	for (int i = 0; i < NS; i++) {
		int v6 = i & 1, bits = v6 ? 128 : 32, best = -1;
		enum sg_acl_verdict want = SG_ACL_NONE;
		__u8 a[16] = { 0 };
		/* a source near a listed prefix most of the time */
		const struct sg_prefix *near = n[i & 2 ? 1 : 0] ? &v[i & 2 ? 1 : 0][random() %
							     n[i & 2 ? 1 : 0]] : NULL;

		if (near && near->family == (v6 ? AF_INET6 : AF_INET) && random() % 4)
			memcpy(a, near->addr, 16);
		else {
			a[0] = v6 ? 0x20 : 10;
			a[1] = (__u8)(random() % 33);
		}
		for (int b = 2; b < bits / 8; b++)
			if (random() % 3 == 0)
				a[b] ^= (__u8)(1 << (random() % 8));
		for (int l = 0; l < 2; l++)
			for (size_t j = 0; j < n[l]; j++)
				if (v[l][j].family == (v6 ? AF_INET6 : AF_INET) &&
				    v[l][j].len > best && covers(&v[l][j], a)) {
					best = v[l][j].len;
					want = l ? SG_ACL_DENY : SG_ACL_ALLOW;
				}
		inet_ntop(v6 ? AF_INET6 : AF_INET, a, src, sizeof(src));
		int got = xdp_list(src);

		checked++;
		if (got != (int)want && bad++ < 5)
			fprintf(stderr, "  %s: %s, want %s (longest /%d)\n", src,
				got < 0 ? "other" : vname((enum sg_acl_verdict)got), vname(want), best);
	}
	SG_EXPECT("random_longest_match", !bad, "%zu of %zu sources wrong", bad, checked);
	/* half of each list goes: the same check again */
	n[0] /= 2;
	n[1] /= 2;
	sg_acl_replace(&m, SG_ACL_ALLOW, v[0], n[0], &r, err, sizeof(err));
	sg_acl_replace(&m, SG_ACL_DENY, v[1], n[1], &r, err, sizeof(err));
	bad = 0;
	for (int i = 0; i < NS / 2; i++) {
		int v6 = i & 1, best = -1, bits = v6 ? 128 : 32;
		enum sg_acl_verdict want = SG_ACL_NONE;
		__u8 a[16] = { 0 };

		a[0] = v6 ? 0x20 : 10;
		a[1] = (__u8)(random() % 32);
		for (int b = 2; b < bits / 8; b++)
			a[b] = random() % 2 ? 0 : (__u8)random();
		for (int l = 0; l < 2; l++)
			for (size_t j = 0; j < n[l]; j++)
				if (v[l][j].family == (v6 ? AF_INET6 : AF_INET) &&
				    v[l][j].len > best && covers(&v[l][j], a)) {
					best = v[l][j].len;
					want = l ? SG_ACL_DENY : SG_ACL_ALLOW;
				}
		inet_ntop(v6 ? AF_INET6 : AF_INET, a, src, sizeof(src));
		if (xdp_list(src) != (int)want)
			bad++;
	}
	SG_EXPECT("random_after_replace", !bad, "%zu sources wrong", bad);
	flush();
	free(v[0]);
	free(v[1]);
}

int main(void)
{
	int rc = xenv_setup(&e, "acl_path"), lfd[2];

	if (rc >= 0)
		return rc;
	if (xenv_host_port(&e, "acl_path", HOST4, HOST6, PORT, lfd))
		return 1;
	m.fd4 = xenv_map_fd(&e, "sg_acl4");
	m.fd6 = xenv_map_fd(&e, "sg_acl6");
	m.state_fd = xenv_map_fd(&e, "sg_acl");
	m.h4 = xenv_map_fd(&e, "sg_acl4h");
	m.h6 = xenv_map_fd(&e, "sg_acl6h");
	m.b4 = xenv_map_fd(&e, "sg_acl4b");
	m.b6 = xenv_map_fd(&e, "sg_acl6b");
	if (m.fd4 < 0 || m.fd6 < 0 || m.state_fd < 0 || m.h4 < 0 || m.h6 < 0 || m.b4 < 0 ||
	    m.b6 < 0 || sg_acl_init(&m, SG_ACL_MAX_DEFAULT)) {
		SG_FAIL("acl_maps", "no sg_acl4/6, sg_acl4h/6h, sg_acl4b/6b or sg_acl in the object");
		return 1;
	}
	expect_src("empty_v4_none", "10.1.2.3", SG_ACL_NONE);
	test_v4();
	test_v6();
	test_fallback();
	test_random();
	close(lfd[0]);
	close(lfd[1]);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
