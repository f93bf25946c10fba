// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_xdp.c - ns/packet of synguard's XDP program (sg_xdp) on its main
 * paths, with BPF_PROG_TEST_RUN `repeat`, in a private network namespace with
 * real sockets for the program's lookups.
 *
 * Paths that rewrite the frame (SYN -> SYN-ACK, cookie ACK -> metadata) run
 * under bpf/bench_restore.bpf.c's wrapper, which restores the frame before
 * every iteration and tail-calls sg_xdp; the wrapper's own cost, measured with
 * the same frame and a trivial target, is subtracted and the floor (a trivial
 * XDP_PASS program run directly) added back, so all figures are comparable
 * with a program run directly. Every measured run is checked: the verdict,
 * and the expected counter must have moved by exactly `repeat`.
 *
 * The server address is 10.9.0.1 on lo (not 127.0.0.1, which the
 * local-destination check accepts without a lookup), so the figures include
 * the check of the address table. SG_XDP_OBJ=PATH measures another build's
 * object with the same frames (tests/lib/xdp_env.h); cases it has no map or
 * counter for are skipped.
 *
 * -6: the same paths with IPv6 frames (server fd00:9::1 on lo; the guest,
 * martian and checksum cases are IPv4 only).
 *
 * The "lists" cases (issue 11) run with 100,000 allow and 100,000 deny
 * prefixes of the frame's family, laid out around the frame's source so
 * that its lookup misses after the most work (the worst case for a source
 * in neither list): the deny list is the 100,000 host routes next to the
 * source, the allow list 100,000 /24s (IPv6: /64s) beside them. They are
 * loaded as `deny add`/`allow add` load them (user/acl_maps.c: hashes,
 * buckets and trie, include/acl_defs.h); an object without the hashes (a
 * build before them, SG_XDP_OBJ) gets them in its LPM trie as before.
 * Other cases run with the lists' counts at zero, which skips the lookup as
 * a protect without lists does (bpf/acl.h).
 *
 * Usage: bench_xdp [-6] [-r REPEAT] [-n RUNS] [-c CPU]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "acl_defs.h"
#include "acl_maps.h"
#include "bench_restore.skel.h"
#include "engage_defs.h"
#include "synguard.skel.h"
#include "synack.h"
#include "recent_defs.h"
#include "xdp_env.h"

#define PORT		8080
#define MAX_RUNS	101
#define MAX_CASES	24
#define SERVER		"10.9.0.1"
#define GUEST		"10.9.0.2"	/* not ours: bridged traffic */
#define SERVER6		"fd00:9::1"

/* Reference: the kernel's XDP synproxy selftest on this VM; and our targets */
#define REF_SYN		356
#define REF_ACK_OK	207
#define REF_ACK_BAD	208
#define REF_EST		125
#define REF_UDP		23
#define REF_FLOOR	21

struct bcase {
	const char *name;
	uint8_t frame[PKT_MAX];
	int len;
	bool rewrites;		/* must run under the wrapper */
	uint32_t verdict;
	int counter;
	double ref;		/* reference ns */
	double target;		/* target ns (0: floor + 5) */
	long rst_rate;		/* sg_limits RST rate for this case, -1: no map needed */
	int slack;		/* iterations that may take another path (capped: 1/s) */
	int reps;		/* repeat for this case (0: -r) */
	bool recent;		/* refresh the sg_recent slot of the valid ACK first */
	double direct[MAX_RUNS], wrapped[MAX_RUNS], base[MAX_RUNS];
	bool limits;		/* with a per-source limit and the SYN-ACK cap */
	bool lists;		/* with the 100k + 100k allow and deny lists */
	int engage;		/* set_engage(): 0 always, 1 auto disengaged, 2 engaged */
};

/* the case run with a per-source SYN limit and the SYN-ACK cap configured
 * (issue 11), right after the same SYN without; -1: none (an old object) */
static int policy_case = -1;

/* the SYN with --engage auto (issue 11): disengaged (the kernel answers:
 * lookup, queue read, state update) and engaged (a SYN-ACK as above plus
 * the state update); -1: none (an old object) */
static int engage_off_case = -1, engage_on_case = -1;

/* The lists: entries per list loaded into the trie of the frame's family,
 * 0 if the object has no lists (a build before issue 11) */
#define LIST_N		100000
static uint32_t lists_loaded;

static int repeat = 1000000, nruns = 7;
/* timed() fails without a word (recent_timed() retries) */
static bool quiet_checks;
static bool ipv6;	/* -6: IPv6 frames */

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double t[MAX_RUNS];

	memcpy(t, v, n * sizeof(*v));
	qsort(t, n, sizeof(*t), cmp_d);
	return n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

/* One timed run; returns ns/packet or -1. Checks verdict and counter. */
static double timed(struct xdp_env *e, int prog_fd, const struct bcase *c, bool check)
{
	uint64_t before[SG_CNT_MAX], after[SG_CNT_MAX];
	uint8_t out[PKT_MAX + 64];
	int reps = c->reps ? c->reps : repeat;
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = c->frame, .data_size_in = (__u32)c->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = reps);

	if (check && xenv_counters(e, before))
		return -1;
	if (bpf_prog_test_run_opts(prog_fd, &o)) {
		fprintf(stderr, "%s: test run failed: %s\n", c->name, strerror(errno));
		return -1;
	}
	if (!check || getenv("SG_BENCH_NOCHECK"))	/* for A/B experiments on the program */
		return o.duration;
	if (o.retval != c->verdict) {
		if (!quiet_checks)
			fprintf(stderr, "%s: verdict %s, want %s\n", c->name,
				xenv_verdict(o.retval), xenv_verdict(c->verdict));
		return -1;
	}
	if (xenv_counters(e, after))
		return -1;
	if ((after[c->counter] - before[c->counter] + c->slack < (uint64_t)reps ||
	     after[c->counter] - before[c->counter] > (uint64_t)reps) && quiet_checks)
		return -1;
	if (after[c->counter] - before[c->counter] + c->slack < (uint64_t)reps ||
	    after[c->counter] - before[c->counter] > (uint64_t)reps) {
		fprintf(stderr, "%s: counter %s moved by %llu in %d runs: not every iteration "
			"took the measured path\n", c->name, sg_counter_names[c->counter],
			(unsigned long long)(after[c->counter] - before[c->counter]), reps);
		for (int i = 0; i < SG_CNT_MAX; i++)	/* where the others went */
			if (i != c->counter && after[i] != before[i] && sg_counter_names[i])
				fprintf(stderr, "  %s moved by %llu\n", sg_counter_names[i],
					(unsigned long long)(after[i] - before[i]));
		{	/* the same frame once more, now */
			struct xres r;

			if (!xenv_run(e, c->frame, c->len, &r))
				fprintf(stderr, "  run again: %s/%s, program clock %.3f s into the "
					"period, run took %.3f s\n", xenv_verdict(r.ret),
					xenv_counter_name(r.counter),
					(double)(xenv_now_ns(e) & ((1ULL << SG_HS_PERIOD_SHIFT) - 1)) / 1e9,
					(double)o.duration * reps / 1e9);
		}
		return -1;
	}
	return o.duration;
}

/* A case that needs the sg_recent slot the valid ACK fills: the fill and
 * the run must fit in the slot's life. A slow machine (qemu TCG: 2000 runs
 * took longer than 50 ms) gets fewer runs, a quarter each time the life
 * was over, not a failure; a wrong verdict within the life still fails. */
static double recent_timed(struct xdp_env *e, struct bcase *c, const struct bcase *valid)
{
	struct xres r;

	for (;;) {
		uint64_t t0 = xenv_coarse_ns();
		bool last = c->reps <= 8;
		double d;

		if (xenv_run(e, valid->frame, valid->len, &r))
			return -1;
		quiet_checks = !last;
		d = timed(e, e->prog_fd, c, true);
		quiet_checks = false;
		if (d >= 0 || last)
			return d;
		if (xenv_coarse_ns() - t0 <= SG_RECENT_LIFE_NS) {
			/* wrong within the life: again, saying why */
			if (xenv_run(e, valid->frame, valid->len, &r))
				return -1;
			return timed(e, e->prog_fd, c, true);
		}
		c->reps /= 4;
	}
}

static int set_target(struct bench_restore *b, int prog_fd)
{
	__u32 zero = 0;

	return bpf_map_update_elem(bpf_map__fd(b->maps.bench_target), &zero, &prog_fd, BPF_ANY);
}

/* The RST limit for a case; 0 if set (or not needed), -1 if the object
 * has no sg_limits map (a build before RSTs). Empties the buckets. */
static int set_rst(struct xdp_env *e, long rate)
{
	int fd = xenv_map_fd(e, "sg_limits"), rfd = xenv_map_fd(e, "sg_rl");
	struct sg_limits l = { 0 };
	__u64 *z;
	__u32 zero = 0, k;

	if (rate < 0)
		return 0;
	if (fd < 0 || rfd < 0)
		return rate ? -1 : 0;
	z = calloc(e->ncpu, 16);
	if (!z)
		return -1;
	l.rate[SG_RL_RST] = (__u32)rate;
	bpf_map_update_elem(fd, &zero, &l, BPF_ANY);
	for (k = 0; k < SG_RL_MAX; k++)
		bpf_map_update_elem(rfd, &k, z, BPF_ANY);
	free(z);
	return 0;
}

/* The policy limits of a case (after set_rst, which writes sg_limits
 * whole): a per-source limit and a SYN-ACK cap that every iteration passes
 * (10M SYNs/s per /32, burst 10M; 100M SYN-ACKs/s), so that the figure is
 * the cost of the checks on an answered SYN. Empties the buckets. */
static int set_policy(struct xdp_env *e, bool on)
{
	int fd = xenv_map_fd(e, "sg_limits"), sfd = xenv_map_fd(e, "sg_src");
	int rfd = xenv_map_fd(e, "sg_rl_shared");
	struct sg_limits l;
	struct sg_src_key k;
	__u32 zero = 0;
	__u64 z = 0;

	if (!on)
		return 0;
	if (fd < 0 || sfd < 0 || rfd < 0 || bpf_map_lookup_elem(fd, &zero, &l))
		return -1;
	while (!bpf_map_get_next_key(sfd, NULL, &k))
		bpf_map_delete_elem(sfd, &k);
	for (__u32 i = 0; i < SG_RL_MAX; i++)
		bpf_map_update_elem(rfd, &i, &z, BPF_ANY);
	l.src_rate = l.src_burst = 10000000;
	l.src_interval_ns = 100;
	l.src_tau_ns = (l.src_burst - 1ULL) * l.src_interval_ns;
	l.src_plen4 = 32;
	l.src_plen6 = 64;
	l.rate[SG_RL_SYNACK] = 100000000;
	l.rl_interval_ns[SG_RL_SYNACK] = 10;
	return bpf_map_update_elem(fd, &zero, &l, BPF_ANY) ? -1 : 0;
}

/* splitmix64: the spread layout's addresses, the same in every run */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Entry I of a list in the layout; false if it would cover the source (the
 * spread layout draws again). deny: host routes; allow: /24s (IPv6 /64s).
 *   adjacent (default): deny = the 100,000 host routes from 10.8.0.0
 *     (fd00:9::) on without the source 10.9.0.1 (fd00:9::1), allow = the
 *     /24s from 11.0.0.0 (the /64s from fd00:a::): the source's lookup
 *     walks the deepest part of the trie and misses;
 *   spread (SG_BENCH_LISTS=spread): pseudo-random addresses all over the
 *     address space (10.9.0.0/16 and fd00:9::/32 left out). */
static bool list_entry(bool spread, bool deny, uint32_t i, struct sg_acl_key6 *k6,
		       struct sg_acl_key4 *k4)
{
	uint64_t r = mix64(((uint64_t)deny << 40) | i), r2 = mix64(r);
	uint32_t host = i < (ipv6 ? 1 : 65537) ? i : i + 1;	/* 10.8.0.0 + 65537 = 10.9.0.1 */

	if (ipv6) {
		memset(k6, 0, sizeof(*k6));
		k6->prefixlen = deny ? 128 : 64;
		if (spread) {
			k6->addr[0] = (uint32_t)r;
			k6->addr[1] = (uint32_t)(r >> 32);
			k6->addr[2] = deny ? (uint32_t)r2 : 0;
			k6->addr[3] = deny ? (uint32_t)(r2 >> 32) : 0;
			return k6->addr[0] != htonl(0xfd000009);
		}
		k6->addr[0] = htonl(deny ? 0xfd000009 : 0xfd00000a);
		if (deny)
			k6->addr[3] = htonl(host);
		else
			k6->addr[1] = htonl(i);
		return true;
	}
	k4->prefixlen = deny ? 32 : 24;
	if (spread) {
		k4->addr = htonl(deny ? (uint32_t)r : (uint32_t)r & 0xffffff00);
		return (ntohl(k4->addr) >> 16) != 0x0a09;
	}
	k4->addr = htonl(deny ? 0x0a080000 + host : 0x0b000000 + (i << 8));
	return true;
}

/* The first max distinct prefixes of v[0..n) in their order, as the trie
 * load draws them (later repeats dropped); returns how many. */
struct draw {
	struct sg_prefix p;
	uint32_t i;
	bool dup;
};

static int draw_cmp(const void *a, const void *b)
{
	const struct draw *x = a, *y = b;
	int c = sg_prefix_cmp(&x->p, &y->p);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

static int draw_order(const void *a, const void *b)
{
	const struct draw *x = a, *y = b;

	return (x->i > y->i) - (x->i < y->i);
}

static size_t first_distinct(struct sg_prefix *v, size_t n, size_t max)
{
	struct draw *d = calloc(n ? n : 1, sizeof(*d));
	size_t k = 0;

	if (!d)
		return 0;
	for (size_t i = 0; i < n; i++) {
		d[i].p = v[i];
		d[i].i = (uint32_t)i;
	}
	qsort(d, n, sizeof(*d), draw_cmp);
	for (size_t i = 1; i < n; i++)
		d[i].dup = sg_prefix_eq(&d[i].p, &d[i - 1].p);
	qsort(d, n, sizeof(*d), draw_order);
	for (size_t i = 0; i < n && k < max; i++)
		if (!d[i].dup)
			v[k++] = d[i].p;
	free(d);
	return k;
}

/* Both lists through user/acl_maps.c, as the commands load them: LIST_N
 * distinct entries each (a spread draw that repeats one is dropped: 1/16 extra
 * draws make up for it). 0 or -1. */
static int load_lists_cli(struct xdp_env *e, bool spread)
{
	struct sg_acl_fds m = {
		.fd4 = xenv_map_fd(e, "sg_acl4"), .fd6 = xenv_map_fd(e, "sg_acl6"),
		.state_fd = xenv_map_fd(e, "sg_acl"), .h4 = xenv_map_fd(e, "sg_acl4h"),
		.h6 = xenv_map_fd(e, "sg_acl6h"), .b4 = xenv_map_fd(e, "sg_acl4b"),
		.b6 = xenv_map_fd(e, "sg_acl6b"),
	};
	struct sg_prefix *v = calloc(LIST_N + LIST_N / 16, sizeof(*v));
	struct sg_acl_result r;
	char err[256];
	int rc = 0;

	if (!v || sg_acl_init(&m, SG_ACL_MAX_DEFAULT))
		rc = -1;
	for (int deny = 0; deny < 2 && !rc; deny++) {
		size_t n = 0;

		for (uint32_t i = 0; n < LIST_N + (spread ? LIST_N / 16 : 0); i++) {
			struct sg_acl_key6 k6;
			struct sg_acl_key4 k4;
			struct sg_prefix *p = &v[n];

			if (!list_entry(spread, deny, i, &k6, &k4))
				continue;
			memset(p, 0, sizeof(*p));
			p->family = ipv6 ? AF_INET6 : AF_INET;
			p->len = (__u8)(ipv6 ? k6.prefixlen : k4.prefixlen);
			memcpy(p->addr, ipv6 ? (void *)k6.addr : (void *)&k4.addr, ipv6 ? 16 : 4);
			n++;
		}
		n = first_distinct(v, n, LIST_N);
		if (n < LIST_N || sg_acl_replace(&m, deny ? SG_ACL_DENY : SG_ACL_ALLOW, v, n, &r,
						 err, sizeof(err))) {
			fprintf(stderr, "bench_xdp: loading the lists: %s\n",
				n < LIST_N ? "too few distinct entries" : err);
			rc = -1;
		}
	}
	free(v);
	return rc;
}

/* Both lists for the frame's family, once (see the top comment); returns
 * the entries per list, 0 if the object has no lists. */
static uint32_t load_lists(struct xdp_env *e)
{
	int fd = xenv_map_fd(e, ipv6 ? "sg_acl6" : "sg_acl4");
	const char *layout = getenv("SG_BENCH_LISTS");
	bool spread = layout && !strcmp(layout, "spread");
	struct timespec t0, t1;
	uint32_t n[2] = { 0, 0 }, i;

	if (fd < 0 || xenv_map_fd(e, "sg_acl") < 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* with the hashes: as the commands load them; else into the trie */
	bool cli = xenv_map_fd(e, "sg_acl4h") >= 0;

	if (cli && load_lists_cli(e, spread))
		return 0;
	for (int deny = 0; deny < 2 && !cli; deny++)
		for (i = 0; n[deny] < LIST_N; i++) {
			struct sg_acl_val v = { .verdict = deny ? SG_ACL_DENY : SG_ACL_ALLOW };
			struct sg_acl_key6 k6;
			struct sg_acl_key4 k4;

			if (!list_entry(spread, deny, i, &k6, &k4))
				continue;
			v.prefixlen = (uint8_t)(ipv6 ? k6.prefixlen : k4.prefixlen);
			/* NOEXIST: a spread draw that repeats one (or, as a
			 * longer prefix, lies in the other list's /24) is
			 * simply drawn again */
			if (bpf_map_update_elem(fd, ipv6 ? (void *)&k6 : (void *)&k4, &v, BPF_NOEXIST)) {
				if (errno == EEXIST)
					continue;
				fprintf(stderr, "bench_xdp: list entry %u: %s\n", i, strerror(errno));
				return 0;
			}
			n[deny]++;
		}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "bench_xdp: %d allow + %d deny %s prefixes (%s layout) loaded in %.2f s\n",
		LIST_N, LIST_N, ipv6 ? "IPv6" : "IPv4", spread ? "spread" : "adjacent",
		(double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return LIST_N;
}

/* The lists' counts of the case: the trie is looked up only while the
 * family's counts are non-zero (bpf/acl.h), so zero is "no lists". */
static int set_lists(struct xdp_env *e, bool on)
{
	struct sg_acl_state st = { 0 };
	int fd = xenv_map_fd(e, "sg_acl");
	__u32 zero = 0;

	if (fd < 0)
		return on ? -1 : 0;
	if (on) {
		st.n[ipv6 ? SG_ACL_ALLOW6 : SG_ACL_ALLOW4] = lists_loaded;
		st.n[ipv6 ? SG_ACL_DENY6 : SG_ACL_DENY4] = lists_loaded;
	}
	st.max = SG_ACL_MAX_DEFAULT;
	return bpf_map_update_elem(fd, &zero, &st, BPF_ANY) ? -1 : 0;
}

/* The engagement of a case: 0 always (the flag off), 1 auto and
 * disengaged (no rate trigger, an empty queue below the 50% trigger), 2
 * auto and engaged (rate 1/s, hold an hour: the SYNs of set-up engage it). */
static int set_engage(struct xdp_env *e, int how, const struct bcase *c)
{
	int fd = xenv_map_fd(e, "sg_engage_cfg"), sfd = xenv_map_fd(e, "sg_engage");
	struct sg_engage_port st = { 0 };
	struct sg_engage_cfg ec = { 0 };
	__u32 zero = 0, port = PORT;
	struct xres r;

	if (fd < 0 || sfd < 0) {
		e->cfg.flags &= ~SG_CFG_ENGAGE_AUTO;
		return how ? -1 : xenv_write_config(e);
	}
	if (!how) {
		e->cfg.flags &= ~SG_CFG_ENGAGE_AUTO;
		return xenv_write_config(e);
	}
	ec.auto_ports[PORT >> 6] = 1ULL << (PORT & 63);
	ec.nauto = 1;
	ec.rate = how == 2 ? 1 : 0;
	ec.queue_pct = 50;
	ec.hold_s = 3600;
	ec.hold_ns = 3600ULL * 1000000000ULL;
	e->cfg.flags |= SG_CFG_ENGAGE_AUTO;
	if (bpf_map_update_elem(fd, &zero, &ec, BPF_ANY) ||
	    bpf_map_update_elem(sfd, &port, &st, BPF_ANY) || xenv_write_config(e))
		return -1;
	/* two SYNs in the window: past rate 1, engaged */
	if (how == 2 && (xenv_run(e, c->frame, c->len, &r) || xenv_run(e, c->frame, c->len, &r)))
		return -1;
	return 0;
}

/* Put the program's clock back to 1 s into the cookie period of the start,
 * so that a long benchmark (minutes on a loaded machine) never outlives the
 * valid ACK's cookie. */
static void hold_clock(struct xdp_env *e)
{
	struct timespec ts;
	uint64_t mono;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	mono = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	e->cfg.clock_adj_ns = (int64_t)(((uint64_t)e->period << SG_HS_PERIOD_SHIFT) +
					1000000000ULL - mono);
	xenv_write_config(e);
}

static void frame_spec(struct pkt_spec *s, uint16_t sport, uint8_t flags)
{
	pkt_spec_init(s);
	if (ipv6)
		pkt_set_v6(s, SERVER6, SERVER6);
	else
		pkt_set_v4(s, SERVER, SERVER);
	s->sport = sport;
	s->dport = PORT;
	s->flags = flags;
}

static int usage(const char *p)
{
	fprintf(stderr, "Usage: %s [-6] [-r REPEAT] [-n RUNS] [-c CPU]\n", p);
	return 2;
}

int main(int argc, char **argv)
{
	static struct bcase cases[MAX_CASES];
	struct bench_restore *b = NULL;
	struct xdp_env e;
	struct pkt_spec s;
	struct xres r;
	static struct bcase fl;
	double floor_v[MAX_RUNS], floor_ns;
	int cpu = -1, opt, lfd, cfd, afd, i, k, nc = 0, pass_fd, wrap_fd, rc = 1, udp = 0;
	int valid_ack = -1;
	bool have_recent;
	uint32_t cookie, tsval;
	uint16_t cport;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "6r:n:c:h")) != -1) {
		switch (opt) {
		case '6': ipv6 = true; break;
		case 'r': repeat = atoi(optarg); break;
		case 'n': nruns = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		default: return usage(argv[0]);
		}
	}
	if (repeat < 1 || nruns < 1 || nruns > MAX_RUNS)
		return usage(argv[0]);
	if (geteuid()) {
		fprintf(stderr, "bench_xdp: needs root (network namespace, BPF)\n");
		return 1;
	}
	/* one CPU: the per-CPU state the program touches stays warm */
	if (cpu < 0)
		cpu = sched_getcpu();
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "bench_xdp: cannot pin to CPU %d: %s\n", cpu, strerror(errno));

	if (xenv_netns() || xenv_open(&e)) {
		fprintf(stderr, "bench_xdp: cannot set up the namespace or load sg_xdp\n");
		return 1;
	}
	/* early in a period; the TS cookie's age bound set to 500 s (the
	 * 20-bit TS tick field spans +-9 min), so that the runs stay within it
	 * even on a loaded machine (a minute of wall time seen): the same code
	 * runs either way */
	xenv_set_clock(&e, 1000000000ULL);
	e.cfg.max_age_ticks = (uint32_t)((500ULL * 1000000000ULL) >> SG_HS_TICK_SHIFT);
	xenv_protect(&e, PORT);
	/* SG_BENCH_TRACE_SYN=1: measure with a tracer's SYN arrival recording on
	 * (what `synguard trace/hist` switch on while they run) */
	if (getenv("SG_BENCH_TRACE_SYN") && *getenv("SG_BENCH_TRACE_SYN")) {
		struct sg_trace on = { .syn_times = 1 };
		__u32 zero = 0;

		bpf_map_update_elem(bpf_map__fd(e.skel->maps.sg_trace), &zero, &on, BPF_ANY);
	}
	xenv_write_config(&e);
	if (system(ipv6 ? "ip addr add " SERVER6 "/128 dev lo nodad"
			: "ip addr add " SERVER "/32 dev lo")) {
		fprintf(stderr, "bench_xdp: cannot add %s to lo\n", ipv6 ? SERVER6 : SERVER);
		goto out;
	}
	lfd = xenv_listen(ipv6 ? "::" : "0.0.0.0", PORT);
	cfd = lfd < 0 ? -1 : xenv_connect(ipv6 ? SERVER6 : SERVER, PORT, lfd, &afd, &cport);
	/* right after the netns is made, an IPv6 connect was seen to fail
	 * with ENETUNREACH now and then (1 run in ~30): give the new address
	 * a moment */
	for (i = 0; i < 40 && cfd == -ENETUNREACH; i++) {
		usleep(50000);
		cfd = xenv_connect(ipv6 ? SERVER6 : SERVER, PORT, lfd, &afd, &cport);
	}
	b = bench_restore__open_and_load();
	if (cfd < 0 || !b) {
		fprintf(stderr, "bench_xdp: cannot open sockets or load the wrapper (listen %s, "
			"connect %s, wrapper %s)\n", lfd < 0 ? strerror(-lfd) : "ok",
			lfd < 0 ? "-" : cfd < 0 ? strerror(-cfd) : "ok", b ? "ok" : strerror(errno));
		goto out;
	}
	pass_fd = bpf_program__fd(b->progs.bench_pass);
	wrap_fd = bpf_program__fd(b->progs.bench_wrap);

	/* The cookies below are issued now: the program's clock back to 1 s
	 * into the period, where every case's hold_clock() puts it again.
	 * Else the set-up above (an IPv6 connect retried for up to 2 s, a
	 * loaded machine) puts the issue time more than the 1 s grace ahead
	 * of the runs' clock, and the valid ACK fails until it catches up
	 * (seen: ~75% of a run's iterations invalid). */
	hold_clock(&e);
	/* SYN as Linux sends it */
	frame_spec(&s, 50000, PKT_SYN);
	s.seq = 0x01020304;
	pkt_linux_syn_opts(&s, 1460, 0xa0b0c0d0);
	cases[nc] = (struct bcase){ "SYN -> SYN-ACK", {0}, 0, true, XDP_TX,
				    SG_CNT_TX_SYNACK, REF_SYN, 250, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
	cases[nc].len = pkt_build(&s, cases[nc].frame);
	if (xenv_run(&e, cases[nc].frame, cases[nc].len, &r) || r.ret != XDP_TX) {
		fprintf(stderr, "bench_xdp: the SYN was not answered (%s)\n", xenv_verdict(r.ret));
		goto out;
	}
	{
		struct synack_want w;
		char err[256];

		if (synack_expect(&e, &s, 0, &w) ||
		    synack_check(&e, &s, &w, r.data, r.len, &cookie, &tsval, err, sizeof(err))) {
			fprintf(stderr, "bench_xdp: bad SYN-ACK: %s\n", err);
			goto out;
		}
	}
	nc++;
	/* the same SYN with a per-source limit and the SYN-ACK cap (issue 11):
	 * its ratio to the case above, in the same run, is the policy's cost */
	if (xenv_map_fd(&e, "sg_src") >= 0) {
		cases[nc] = cases[nc - 1];
		cases[nc].name = "SYN, limits";
		cases[nc].target = 250 + 35;
		cases[nc].limits = true;
		policy_case = nc++;
	}
	/* and with both lists loaded as well: the "100,000 allow and
	 * 100,000 deny prefixes, a per-source limit and the SYN-ACK cap" */
	lists_loaded = load_lists(&e);
	if (lists_loaded && policy_case > 0) {
		cases[nc] = cases[policy_case];
		cases[nc].name = "SYN, lists+limits";
		cases[nc].lists = true;
		nc++;
		/* + auto mode engaged: all of the policies */
		if (xenv_map_fd(&e, "sg_engage_cfg") >= 0) {
			cases[nc] = cases[nc - 1];
			cases[nc].name = "SYN, all policies";
			cases[nc].engage = 2;
			nc++;
		}
	}

	/* the same SYN with --engage auto: disengaged (passed to the kernel),
	 * then engaged (answered) */
	if (xenv_map_fd(&e, "sg_engage_cfg") >= 0 && nc + 2 < MAX_CASES) {
		cases[nc] = cases[0];
		cases[nc].name = "SYN, auto disengaged";
		cases[nc].rewrites = false;
		cases[nc].verdict = XDP_PASS;
		cases[nc].counter = SG_CNT_PASS_SYN_DISENGAGED;
		/* a lookup plus a queue check: the established ACK's target
		 * (one lookup) and 20 ns for the queue read and the count */
		cases[nc].target = 100 + 20;
		cases[nc].engage = 1;
		engage_off_case = nc++;
		cases[nc] = cases[0];
		cases[nc].name = "SYN, auto engaged";
		cases[nc].engage = 2;
		engage_on_case = nc++;
	}

	/* the matching third packet */
	frame_spec(&s, 50000, PKT_ACK);
	s.seq = 0x01020305;
	s.ack = cookie + 1;
	s.opt.ts = true;
	s.opt.tsval = 0xa0b0c0d1;
	s.opt.tsecr = tsval;
	cases[nc] = (struct bcase){ "valid cookie ACK", {0}, 0, true, XDP_PASS,
				    SG_CNT_PASS_COOKIE_VALID, REF_ACK_OK, 150, 0, 0, 0, false,
				    {0}, {0}, {0}, false, false, 0 };
	cases[nc].len = pkt_build(&s, cases[nc].frame);
	valid_ack = nc++;
	if (lists_loaded) {	/* a listener's ACK looks the lists up too */
		cases[nc] = cases[nc - 1];
		cases[nc].name = "cookie ACK, lists";
		cases[nc].lists = cases[nc].limits = true;
		nc++;
	}

	have_recent = xenv_map_fd(&e, "sg_recent") >= 0;
	if (have_recent) {
		/* a later segment of that handshake (seq past the ISN + 1)
		 * right after the pure ACK validated: passed after one
		 * sg_recent lookup. A short repeat: the slot lives 50 ms
		 * (a loaded machine stretches a run's wall time far past
		 * what it reports). */
		s.seq += 1448;
		cases[nc] = (struct bcase){ "later seg, recent", {0}, 0, false, XDP_PASS,
					    SG_CNT_PASS_ACK_RECENT, REF_ACK_BAD, 150, 0, 0,
					    2000, true, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
		s.seq -= 1448;
	}

	/* a wrong hash, the echoed time within the bounds: with sg_recent,
	 * "maybe ours" (one sg_recent lookup, a drop); before, the invalid
	 * ACK of every case below */
	s.ack ^= 1U << 20;
	cases[nc] = (struct bcase){ have_recent ? "invalid ACK, in time" : "invalid ACK, no RST",
				    {0}, 0, false, XDP_DROP,
				    have_recent ? SG_CNT_DROP_ACK_MAYBE_OURS :
						  SG_CNT_DROP_COOKIE_INVALID,
				    REF_ACK_BAD, 150, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
	cases[nc].len = pkt_build(&s, cases[nc].frame);
	nc++;
	/* with sg_recent only an ACK whose echoed time is out of the bounds
	 * gets an RST (or, RSTs off, ack_cookie_invalid): the tick's top bit
	 * flipped puts it 2^19 ticks (550 s) away, past the 500 s bound */
	if (have_recent) {
		s.opt.tsecr ^= 1U << 31;
		cases[nc] = (struct bcase){ "invalid ACK, no RST", {0}, 0, false, XDP_DROP,
					    SG_CNT_DROP_COOKIE_INVALID, REF_ACK_BAD, 150, 0, 0,
					    0, false, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
	}
	if (xenv_map_fd(&e, "sg_limits") >= 0) {
		cases[nc] = (struct bcase){ "invalid ACK -> RST", {0}, 0, true, XDP_TX,
					    SG_CNT_TX_RST, REF_ACK_BAD, 150, 1000000000L, 0,
					    0, false, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
		/* 1/s: one RST per second of the run (a loaded machine may
		 * stretch a run to seconds), the rest over the cap */
		/* under the wrapper: an RST let through mid-run would rewrite
		 * the frame for every later iteration */
		cases[nc] = (struct bcase){ "invalid ACK, capped", {0}, 0, true, XDP_DROP,
					    SG_CNT_DROP_RST_CAPPED, REF_ACK_BAD, 150, 1, 100,
					    0, false, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
	}

	frame_spec(&s, cport, PKT_ACK);
	s.seq = 1;
	s.ack = 1;
	s.opt.ts = true;
	cases[nc] = (struct bcase){ "established ACK", {0}, 0, false, XDP_PASS,
				    SG_CNT_PASS_ESTABLISHED, REF_EST, 100, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
	cases[nc].len = pkt_build(&s, cases[nc].frame);
	nc++;
	if (lists_loaded) {	/* must cost what it costs without (issue 11) */
		cases[nc] = cases[nc - 1];
		cases[nc].name = "established, lists";
		cases[nc].lists = cases[nc].limits = true;
		nc++;
	}

	frame_spec(&s, 53, 0);
	s.l4 = IPPROTO_UDP;
	s.payload_len = 18;	/* a 64-byte frame */
	cases[nc] = (struct bcase){ "UDP (non-TCP)", {0}, 0, false, XDP_PASS,
				    SG_CNT_PASS_NON_TCP, REF_UDP, 0, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
	cases[nc].len = pkt_build(&s, cases[nc].frame);
	udp = nc++;

	/* a SYN to a guest's address (the listener matches): passed; an
	 * object without the check answers it, so the case is only for ours */
	frame_spec(&s, 50001, PKT_SYN);
	pkt_set_v4(&s, SERVER, GUEST);
	pkt_linux_syn_opts(&s, 1460, 0xa0b0c0d0);
	if (!ipv6 && xenv_run_spec(&e, &s, &r) == 0 && r.ret == XDP_PASS) {
		cases[nc] = (struct bcase){ "SYN to a guest", {0}, 0, false, XDP_PASS,
					    SG_CNT_PASS_NOT_LOCAL, REF_SYN, 250, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
		/* the checks one by one, each stopping where its drop is: the
		 * differences between these and the guest case are their costs
		 * (martian: local hit + martian; bad checksum: + checksum) */
		frame_spec(&s, 50002, PKT_SYN);
		pkt_set_v4(&s, "224.0.0.9", SERVER);
		pkt_linux_syn_opts(&s, 1460, 0xa0b0c0d0);
		cases[nc] = (struct bcase){ "SYN from a martian", {0}, 0, false, XDP_DROP,
					    SG_CNT_DROP_MARTIAN, REF_SYN, 250, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
		frame_spec(&s, 50003, PKT_SYN);
		pkt_linux_syn_opts(&s, 1460, 0xa0b0c0d0);
		s.bad_l4_csum = true;
		cases[nc] = (struct bcase){ "SYN, bad checksum", {0}, 0, false, XDP_DROP,
					    SG_CNT_DROP_BAD_CSUM, REF_SYN, 250, 0, 0, 0, false, {0}, {0}, {0}, false, false, 0 };
		cases[nc].len = pkt_build(&s, cases[nc].frame);
		nc++;
	}

	/* warm up, then interleave the runs so that drift hits all alike */
	for (i = 0; i < nc; i++)
		if (set_rst(&e, cases[i].rst_rate) || set_policy(&e, cases[i].limits) ||
		    set_lists(&e, cases[i].lists) || set_engage(&e, cases[i].engage, &cases[i]) ||
		    (cases[i].recent &&
		     xenv_run(&e, cases[valid_ack].frame, cases[valid_ack].len, &r)) ||
		    /* a capped case spends its one token first */
		    (cases[i].slack && xenv_run(&e, cases[i].frame, cases[i].len, &r)) ||
		    xenv_run(&e, cases[i].frame, cases[i].len, &r) ||
		    (!getenv("SG_BENCH_NOCHECK") &&
		     (r.ret != cases[i].verdict || r.counter != cases[i].counter))) {
			fprintf(stderr, "bench_xdp: %s took %s/%s, want %s/%s\n", cases[i].name,
				xenv_verdict(r.ret), xenv_counter_name(r.counter),
				xenv_verdict(cases[i].verdict),
				xenv_counter_name(cases[i].counter));
			goto out;
		}
	for (k = 0; k < nruns; k++) {
		fl.name = "floor";
		fl.len = cases[udp].len;
		memcpy(fl.frame, cases[udp].frame, fl.len);
		if ((floor_v[k] = timed(&e, pass_fd, &fl, false)) < 0)
			goto out;
		for (i = 0; i < nc; i++) {
			struct bcase *c = &cases[i];

			hold_clock(&e);
			if (set_rst(&e, c->rst_rate) || set_policy(&e, c->limits) ||
			    set_lists(&e, c->lists) || set_engage(&e, c->engage, c))
				goto out;
			/* the valid ACK fills the slot, and the run must fit in
			 * its 50 ms life: direct only (the wrapper's runs take
			 * ~6 us of wall time each here, far more than they
			 * report), so wrapped = direct */
			if (c->recent) {
				if ((c->direct[k] = recent_timed(&e, c, &cases[valid_ack])) < 0)
					goto out;
				c->wrapped[k] = c->direct[k];
				c->base[k] = floor_v[k];
				continue;
			}
			memcpy(b->bss->bench_frame, c->frame, c->len);
			b->bss->bench_frame_len = (__u32)c->len;
			if (set_target(b, pass_fd) ||
			    (c->base[k] = timed(&e, wrap_fd, c, false)) < 0 ||
			    set_target(b, e.prog_fd) ||
			    (c->wrapped[k] = timed(&e, wrap_fd, c, true)) < 0)
				goto out;
			if (!c->rewrites && (c->direct[k] = timed(&e, e.prog_fd, c, true)) < 0)
				goto out;
		}
	}

	floor_ns = median(floor_v, nruns);
	printf("synguard XDP microbenchmark: BPF_PROG_TEST_RUN, %s frames, repeat %d, median of "
	       "%d runs, CPU %d, kernel-reported ns/packet\n\n", ipv6 ? "IPv6" : "IPv4", repeat,
	       nruns, cpu);
	printf("%-20s %8s %8s %8s %8s %7s %9s  %s\n", "path", "ns/pkt", "direct", "wrapped",
	       "wrapper", "ref", "vs ref", "target");
	printf("%-20s %8.1f %8s %8s %8s %7d %9.2f\n", "floor (XDP_PASS)", floor_ns, "-", "-",
	       "-", REF_FLOOR, floor_ns / REF_FLOOR);
	for (i = 0; i < nc; i++) {
		struct bcase *c = &cases[i];
		double w = median(c->wrapped, nruns), base = median(c->base, nruns);
		double derived = w - base + floor_ns;
		double d = c->rewrites ? -1 : median(c->direct, nruns);
		double fig = c->rewrites ? derived : d;
		double tgt = c->target ? c->target : floor_ns + 5;
		char ds[16];

		snprintf(ds, sizeof(ds), d < 0 ? "-" : "%.1f", d);
		printf("%-20s %8.1f %8s %8.1f %8.1f %7.0f %8.2fx  <= %.0f %s\n", c->name, fig, ds,
		       derived, base - floor_ns, c->ref, fig / c->ref, tgt,
		       fig <= tgt ? "met" : "MISSED");
	}
	if (policy_case > 0) {
		const struct bcase *w = &cases[policy_case], *wo = &cases[policy_case - 1];
		double with = median(w->wrapped, nruns) - median(w->base, nruns) + floor_ns;
		double without = median(wo->wrapped, nruns) - median(wo->base, nruns) + floor_ns;

		printf("\npolicy limits: a SYN with a per-source limit and the SYN-ACK cap %.1f ns, "
		       "without %.1f ns: %+.1f ns, ratio %.3f\n", with, without, with - without,
		       with / without);
	}
	if (engage_off_case > 0) {
		const struct bcase *off = &cases[engage_off_case], *on = &cases[engage_on_case];
		const struct bcase *syn = &cases[0];
		double syn_ns = median(syn->wrapped, nruns) - median(syn->base, nruns) + floor_ns;
		double on_ns = median(on->wrapped, nruns) - median(on->base, nruns) + floor_ns;
		double off_ns = median(off->direct, nruns);

		printf("\nengagement: a SYN with --engage auto, disengaged (to the kernel) %.1f ns, "
		       "engaged %.1f ns; the cookie SYN (always) %.1f ns: disengaged/always %.3f, "
		       "engaged %+.1f ns\n", off_ns, on_ns, syn_ns, off_ns / syn_ns, on_ns - syn_ns);
	}
	printf("\nns/pkt: the figure for the path (direct run when the program leaves the frame "
	       "alone, else wrapped);\nwrapped = wrapper+sg_xdp - wrapper+trivial + floor; "
	       "wrapper = the wrapper's own cost above the floor, for that frame.\n");
	rc = 0;
out:
	bench_restore__destroy(b);
	xenv_close(&e);
	return rc;
}
