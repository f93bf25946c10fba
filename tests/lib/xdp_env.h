/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_env.h - run synguard's XDP program with BPF_PROG_TEST_RUN in a private
 * network namespace: load the skeleton, write the config, open real sockets
 * for the program's socket lookups, run frames and see which counter moved.
 */
#ifndef SG_TEST_XDP_ENV_H
#define SG_TEST_XDP_ENV_H

#include <stdbool.h>
#include <stdint.h>

#include "synguard.h"
#include "pkt.h"

struct synguard;

#define XENV_MAX_FOREIGN_CNT	64

struct xdp_env {
	struct synguard *skel;	/* NULL when SG_XDP_OBJ is used */
	/* SG_XDP_OBJ=PATH: run the tests against that object file instead of
	 * this build's (e.g. the landed code's, to see a new test fail there).
	 * Its counters are matched to ours by enumerator name (its BTF). */
	struct bpf_object *obj;
	int foreign_ncnt;			/* its SG_CNT_MAX */
	int foreign_map[XENV_MAX_FOREIGN_CNT];	/* its index -> ours, -1 none */
	int prog_fd, cfg_fd, stats_fd, keys_fd;
	int ncpu;
	int ifindex;		/* ingress device of test runs, 0: lo */
	struct sg_config cfg;
	__u64 key[2];		/* the current key (slot sg_key_cur) */
	struct sg_key_slot slot; /* ... as written into sg_keys */
	uint32_t period;	/* the no-TS period the program saw at xenv_set_clock */
	/* the object is the fixed-length build (bpf/fixed_len.h: its path
	 * names synguard_fixed, or SG_XDP_FIXED_LEN=1): its replies keep the
	 * frame's length, so xenv_run() cuts XDP_TX output at the end of the
	 * IP datagram, as the receiver's IP layer does */
	bool fixed_len;
};

/* Result of one run. */
struct xres {
	int err;		/* bpf_prog_test_run_opts() result */
	uint32_t ret;		/* XDP verdict */
	uint8_t data[PKT_MAX + 64];
	int len;		/* bytes of data out, metadata excluded (fixed_len:
				 * of the IP datagram, see struct xdp_env) */
	int frame_len;		/* bytes of data out, as the program left them */
	uint8_t meta[64];
	int meta_len;		/* bytes of metadata in front of the packet */
	int counter;		/* the one SG_CNT_* that moved; -1 none, -2 several */
	int nmoved;		/* how many XDP counters moved (sum of deltas) */
};

/* unshare(CLONE_NEWNET), bring lo up with MTU 1500 (so the MSS we expect is
 * 1460/1440), and turn syncookies on. Returns 0 or -errno. */
int xenv_netns(void);

/* xenv_netns() + xenv_open(), printing SKIP/FAIL `test` when they cannot
 * run. Returns -1 when ready, else the exit status for main() (0 after a
 * SKIP, 1 after a FAIL). */
int xenv_setup(struct xdp_env *e, const char *test);

/* Open and load the defense skeleton, and write a default config: active,
 * random key and magic, TTL 64, rmem_max from /proc, clock in the middle of
 * a cookie period. Returns 0 or a negative error (message printed). */
int xenv_open(struct xdp_env *e);
void xenv_close(struct xdp_env *e);
int xenv_write_config(struct xdp_env *e);
void xenv_protect(struct xdp_env *e, uint16_t port);
/* Make the program's clock read `into_ns` after the start of the current
 * real no-TS cookie period (2^SG_HS_PERIOD_SHIFT ns; more than a period
 * moves it into later ones), so that cookie tests cannot straddle a period
 * change. Writes the config. */
int xenv_set_clock(struct xdp_env *e, uint64_t into_ns);
/* Move the program's clock by delta_ns. Writes the config. */
int xenv_shift_clock(struct xdp_env *e, int64_t delta_ns);
/* The program's clock now (CLOCK_MONOTONIC_COARSE + clock_adj_ns, as
 * bpf/cookie_bpf.h). */
uint64_t xenv_now_ns(const struct xdp_env *e);
/* Write key into slot of sg_keys (the test keeps it in e->key if current). */
int xenv_write_key(struct xdp_env *e, uint32_t slot, const __u64 key[2]);

/* fd of the loaded object's map NAME, or -1 if it has none. */
int xenv_map_fd(struct xdp_env *e, const char *name);

/* Sum the per-CPU counters. */
int xenv_counters(struct xdp_env *e, uint64_t cnt[SG_CNT_MAX]);
/* Run one frame (repeat 1); fills r (verdict, output, metadata, counter). */
int xenv_run(struct xdp_env *e, const uint8_t *pkt, int len, struct xres *r);
/* Build spec and run it. */
int xenv_run_spec(struct xdp_env *e, const struct pkt_spec *s, struct xres *r);

const char *xenv_verdict(uint32_t ret);
const char *xenv_counter_name(int c);

/* Sockets in the test's namespace. addr is a literal IPv4 or IPv6 address. */
int xenv_listen(const char *addr, uint16_t port);
/* The same with TCP_MAXSEG set before listen() (0: not set). */
int xenv_listen_mss(const char *addr, uint16_t port, int maxseg);
/* Connect a client to a listener at addr:port; returns the client fd, the
 * accepted fd in *afd and the client's port in *cport. */
int xenv_connect(const char *addr, uint16_t port, int lfd, int *afd, uint16_t *cport);

/* Start s as a TCP packet on loopback (127.0.0.1 or ::1 both ways), where
 * the tests' sockets live, from sport to dport. */
void xenv_spec_lo(struct pkt_spec *s, bool v6, uint16_t sport, uint16_t dport);

/* A listener on 127.0.0.1:port and on [::1]:port, each with one established
 * connection: what the lookups of most tests need ([0] IPv4, [1] IPv6). */
struct xenv_flows {
	int lfd[2], cfd[2], afd[2];
	uint16_t cport[2];	/* the clients' ports */
};
/* 0, or -1 after printing FAIL <test>. */
int xenv_flows_open(struct xenv_flows *f, const char *test, uint16_t port);
void xenv_flows_close(struct xenv_flows *f);

/* sysctls of the test's namespace, e.g. "net/ipv4/tcp_ecn" */
int xenv_sysctl_get(const char *name, long *v);
int xenv_sysctl_set(const char *name, long v);



/* One test: run s, expect verdict and counter (exactly that one counter
 * moves, by one). Prints PASS/FAIL name; returns 0 on pass. r may be NULL. */
int xenv_expect(struct xdp_env *e, const char *name, const struct pkt_spec *s,
		uint32_t verdict, int counter, struct xres *r);
/* xenv_expect(), and the check NAME_untouched: the frame handed on is the
 * one built, byte for byte, with no XDP metadata. */
void xenv_expect_untouched(struct xdp_env *e, const char *name, const struct pkt_spec *s,
			   uint32_t verdict, int counter);
/* What a test of one protected port needs: ip4/32 and ip6/128 on lo,
 * wildcard listeners on port for both families (their fds in lfd), the
 * port protected and the config written. 0, or 1 after SG_FAIL(test). */
int xenv_host_port(struct xdp_env *e, const char *test, const char *ip4, const char *ip6,
		   uint16_t port, int lfd[2]);
/* The clock of a time-bounded verdict (bpf_ktime_get_coarse_ns()). */
uint64_t xenv_coarse_ns(void);
/* xenv_expect for a verdict that holds only within life_ns of t0, an
 * xenv_coarse_ns() read before the run that started the state (e.g. a
 * sg_recent slot): a mismatch after more than life_ns is SKIP (the machine
 * was too slow to test it: seen under qemu TCG), not FAIL. */
int xenv_expect_within(struct xdp_env *e, const char *name, const struct pkt_spec *s,
		       uint32_t verdict, int counter, struct xres *r, uint64_t t0,
		       uint64_t life_ns);
/* The same for a raw frame. */
int xenv_expect_raw(struct xdp_env *e, const char *name, const uint8_t *pkt, int len,
		    uint32_t verdict, int counter, struct xres *r);
#endif
