// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_cookie_ack.c - the ACK side of synguard's cookies: an ACK that echoes
 * a cookie sg_xdp issued passes with struct sg_meta in front of the packet;
 * a wrong, expired, replayed or TS-mismatched cookie is dropped; an ACK for
 * an existing socket (established, time-wait) passes untouched, one with no
 * socket at all passes to the kernel. Cookies are also forged here with
 * include/cookie.h, which proves the program and the shared code agree.
 */
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "handshake.h"
#include "keyring.h"
#include "synack.h"
#include "recent_defs.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT		8080	/* protected, listener */
#define PORT_NOLSN	8081	/* protected, nothing listens */
#define PERIOD_NS	(1ULL << SG_HS_PERIOD_SHIFT)
#define HALF		(PERIOD_NS / 2)
#define SEC		1000000000LL

static const char *fam;
static char nbuf[128];
#define NAME(x) (snprintf(nbuf, sizeof(nbuf), "cookie_%s_%s", fam, x), nbuf)

static void tuple(struct pkt_spec *s, bool v6, uint16_t sport, uint16_t dport)
{
	xenv_spec_lo(s, v6, sport, dport);
}

/* SYN from sport with ISN isn (TS on when tsval != 0); returns 0 and the
 * cookie/TSval of the checked SYN-ACK. */
static int handshake(struct xdp_env *e, bool v6, uint16_t sport, uint32_t isn,
		     uint32_t tsval, uint8_t extra_flags, uint32_t *cookie, uint32_t *our_ts,
		     struct synack_want *w)
{
	struct pkt_spec s;
	struct xres r;
	char err[256];

	tuple(&s, v6, sport, PORT);
	s.seq = isn;
	s.flags = PKT_SYN | extra_flags;
	pkt_linux_syn_opts(&s, 1400, tsval);
	s.opt.ts = tsval != 0;
	if (xenv_run_spec(e, &s, &r) || r.ret != XDP_TX) {
		fprintf(stderr, "SYN not answered: %s\n", xenv_verdict(r.ret));
		return -1;
	}
	if (synack_expect(e, &s, 0, w) ||
	    synack_check(e, &s, w, r.data, r.len, cookie, our_ts, err, sizeof(err))) {
		fprintf(stderr, "bad SYN-ACK: %s\n", err);
		return -1;
	}
	return 0;
}

/* The client's third packet */
static void ack(struct pkt_spec *s, bool v6, uint16_t sport, uint32_t isn, uint32_t cookie,
		bool ts, uint32_t tsval, uint32_t tsecr)
{
	tuple(s, v6, sport, PORT);
	s->seq = isn + 1;
	s->ack = cookie + 1;
	s->flags = PKT_ACK;
	s->opt.ts = ts;
	s->opt.tsval = tsval;
	s->opt.tsecr = tsecr;
}

static void expect_meta(struct xdp_env *e, const char *name, const struct pkt_spec *s,
			const struct xres *r, const struct sg_meta *want)
{
	uint8_t buf[PKT_MAX];
	struct sg_meta m;
	int len = pkt_build(s, buf);

	/* the fixed-length build writes no metadata: tc validates the ACK
	 * itself (bpf/fixed_len.h); the packet passes unchanged */
	if (e->fixed_len) {
		if (r->meta_len)
			SG_FAIL(name, "%d bytes of metadata from the fixed-length build", r->meta_len);
		else if (r->len != len || memcmp(r->data, buf, len))
			SG_FAIL(name, "the packet itself was changed");
		else
			SG_PASS(name);
		return;
	}
	if (r->meta_len != (int)sizeof(m)) {
		SG_FAIL(name, "%d bytes of metadata, want %zu", r->meta_len, sizeof(m));
		return;
	}
	memcpy(&m, r->meta, sizeof(m));
	if (m.magic != e->cfg.meta_magic)
		SG_FAIL(name, "magic %#x, want %#x", m.magic, e->cfg.meta_magic);
	else if (m.mss != want->mss || m.snd_wscale != want->snd_wscale || m.opts != want->opts)
		SG_FAIL(name, "mss %u wscale %u opts %#x, want %u %u %#x", m.mss, m.snd_wscale,
			m.opts, want->mss, want->snd_wscale, want->opts);
	else if (m.tsval != want->tsval || m.tsecr != want->tsecr)
		SG_FAIL(name, "tsval %u tsecr %u, want %u %u", m.tsval, m.tsecr, want->tsval,
			want->tsecr);
	else if (r->len != len || memcmp(r->data, buf, len))
		SG_FAIL(name, "the packet itself was changed");
	else
		SG_PASS(name);
}

/* Empty map sg_recent (bpf/recent.h), so that a case sees the cookie
 * check alone, not the handshake validated just before. */
static void clear_recent(struct xdp_env *e)
{
	struct sg_recent_slot z = { 0 };
	int fd = xenv_map_fd(e, "sg_recent");

	for (__u32 k = 0; fd >= 0 && k < SG_RECENT_ENTRIES; k++)
		bpf_map_update_elem(fd, &k, &z, BPF_ANY);
}

/* Later segments of a handshake that reach XDP before its child exists
 * (include/recent_defs.h): passed after a pure ACK validated, dropped (not
 * reset) after a data segment validated, or out of the seq window, or
 * once the slot is older than its life. */
static void recent_cases(struct xdp_env *e, bool v6, uint32_t isn, uint32_t c, uint32_t ts,
			 uint32_t tv)
{
	struct pkt_spec s;
	struct xres r;
	uint64_t t0;

	clear_recent(e);
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	t0 = xenv_coarse_ns();
	xenv_expect(e, NAME("recent_pure_ack_valid"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, NULL);
	/* the client's first flight: its 2nd segment, and a FIN at the edge
	 * of the 64 KiB the SYN-ACK offered */
	s.seq = isn + 1 + 1448;
	s.payload_len = 1448;
	if (!xenv_expect_within(e, NAME("recent_later_segment_passes"), &s, XDP_PASS,
				SG_CNT_PASS_ACK_RECENT, &r, t0, SG_RECENT_LIFE_NS))
		SG_EXPECT(NAME("recent_later_segment_untouched"), r.meta_len == 0,
			  "%d bytes of metadata", r.meta_len);
	s.seq = isn + 1 + 65535;
	s.payload_len = 0;
	s.flags = PKT_ACK | PKT_FIN;
	xenv_expect_within(e, NAME("recent_fin_at_window_edge_passes"), &s, XDP_PASS,
			   SG_CNT_PASS_ACK_RECENT, NULL, t0, SG_RECENT_LIFE_NS);
	s.flags = PKT_ACK;
	s.seq = isn + 1 + 70000;
	xenv_expect(e, NAME("recent_seq_past_window_dropped"), &s, XDP_DROP,
		    SG_CNT_DROP_ACK_MAYBE_OURS, NULL);
	s.seq = isn;	/* before the ISN + 1 */
	xenv_expect(e, NAME("recent_seq_before_isn_dropped"), &s, XDP_DROP,
		    SG_CNT_DROP_ACK_MAYBE_OURS, NULL);
	/* the same cookie from another port: not that flow */
	ack(&s, v6, 43001, isn, c, true, ts + 1, tv);
	s.seq = isn + 1 + 1448;
	xenv_expect(e, NAME("recent_other_port_dropped"), &s, XDP_DROP,
		    SG_CNT_DROP_ACK_MAYBE_OURS, NULL);

	/* validated by a data segment (the pure ACK lost): GRO may hold it
	 * and let later segments overtake it, so those are dropped */
	clear_recent(e);
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	s.payload_len = 1448;
	xenv_expect(e, NAME("recent_data_valid"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, NULL);
	s.seq = isn + 1 + 1448;
	xenv_expect(e, NAME("recent_after_data_dropped"), &s, XDP_DROP,
		    SG_CNT_DROP_ACK_MAYBE_OURS, NULL);
	/* ... but a pure ACK first, then the same data segment: passes */
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	t0 = xenv_coarse_ns();
	xenv_expect(e, NAME("recent_pure_after_data_valid"), &s, XDP_PASS,
		    SG_CNT_PASS_COOKIE_VALID, NULL);
	s.payload_len = 1448;
	xenv_expect(e, NAME("recent_data_again_valid"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID,
		    NULL);
	s.seq = isn + 1 + 1448;
	xenv_expect_within(e, NAME("recent_pure_kept_passes"), &s, XDP_PASS,
			   SG_CNT_PASS_ACK_RECENT, NULL, t0, SG_RECENT_LIFE_NS);

	/* the slot's life (50 ms of the coarse clock) is over */
	usleep((useconds_t)(SG_RECENT_LIFE_NS / 1000 * 2));
	xenv_expect(e, NAME("recent_expired_dropped"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS,
		    NULL);
	clear_recent(e);
}

static void per_family(struct xdp_env *e, bool v6)
{
	const uint32_t isn = 0x5000a000, ts = 0x00abcdef;
	struct synack_want w;
	struct pkt_spec s;
	struct sg_meta m;
	uint32_t c, tv;
	struct xres r;

	fam = v6 ? "v6" : "v4";
	if (handshake(e, v6, 43000, isn, ts, 0, &c, &tv, &w)) {
		SG_FAIL(NAME("handshake"), "no cookie SYN-ACK to test with");
		return;
	}

	/* the genuine third packet */
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	m = (struct sg_meta){ .tsval = ts + 1, .tsecr = tv,
			      .mss = sg_mss_value(v6, sg_mss_index(v6, 1400)),
			      .snd_wscale = 7, .rcv_wscale = w.wscale,
			      .opts = SG_META_SACK | SG_META_TS };
	if (!xenv_expect(e, NAME("valid"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, &r))
		expect_meta(e, NAME("valid_meta"), &s, &r, &m);

	/* with data and PSH (a client that talks first) */
	s.flags = PKT_ACK | PKT_PSH;
	s.payload_len = 200;
	if (!xenv_expect(e, NAME("valid_with_data"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, &r))
		expect_meta(e, NAME("valid_with_data_meta"), &s, &r, &m);

	/* the magic follows the config */
	e->cfg.meta_magic ^= 0x10100;
	xenv_write_config(e);
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	if (!xenv_expect(e, NAME("valid_new_magic"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, &r))
		expect_meta(e, NAME("valid_new_magic_meta"), &s, &r, &m);

	recent_cases(e, v6, isn, c, ts, tv);

	/* wrong TS hash bits: only the low byte of TSecr differs */
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv ^ 0x01);
	xenv_expect(e, NAME("wrong_ts_bits"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS, NULL);

	/* hash bits of the cookie flipped */
	ack(&s, v6, 43000, isn, c ^ (1U << 20), true, ts + 1, tv);
	xenv_expect(e, NAME("hash_flipped"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS, NULL);

	/* data bits changed: a client asking for a larger MSS */
	ack(&s, v6, 43000, isn, (c & ~SG_COOKIE_MSS_MASK) | ((c + 1) & SG_COOKIE_MSS_MASK),
	    true, ts + 1, tv);
	xenv_expect(e, NAME("data_bits_changed"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS, NULL);

	/* the time in our echoed TSval edited (what a replayer would do to
	 * make an old ACK look young): the tick is hashed */
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv + (1U << (SG_HS_TSV_TICK_SHIFT + 4)));
	xenv_expect(e, NAME("ts_tick_edited"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS, NULL);

	/* item 4: the SYN-ACK announced timestamps; an ACK without them
	 * (the attacker drops the TS option to face fewer hash bits) fails */
	ack(&s, v6, 43000, isn, c, false, 0, 0);
	xenv_expect(e, NAME("ts_omitted"), &s, XDP_DROP, synack_refusal(e, &s), NULL);

	/* seq not ISN + 1 */
	ack(&s, v6, 43000, isn + 1, c, true, ts + 1, tv);
	xenv_expect(e, NAME("wrong_isn"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS, NULL);

	/* replayed from another 4-tuple (source port, then source address) */
	ack(&s, v6, 43001, isn, c, true, ts + 1, tv);
	xenv_expect(e, NAME("replay_other_port"), &s, XDP_DROP, SG_CNT_DROP_ACK_MAYBE_OURS, NULL);
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	if (v6)
		pkt_set_v6(&s, "::2", "::1");
	else
		pkt_set_v4(&s, "127.0.0.2", "127.0.0.1");
	xenv_expect(e, NAME("replay_other_addr"), &s, XDP_DROP, synack_refusal(e, &s), NULL);

	/* a random number */
	ack(&s, v6, 43000, isn, 0x7eadbeef, false, 0, 0);
	xenv_expect(e, NAME("random"), &s, XDP_DROP, synack_refusal(e, &s), NULL);

	/* forged without timestamps with the shared code and the key, issued
	 * k periods from now: with no skew tolerance (a random key) periods
	 * now-2 .. now pass, now-3 and now+1 fail */
	for (int k = -3; k <= 1; k++) {
		struct sg_hs_offer of = { .data = sg_cookie_data(1, 5, 1, 0) };
		uint32_t fc, ftv;
		char x[48];

		tuple(&s, v6, 43100, PORT);
		synack_forge(e->key, &e->slot, &s, isn, &of,
			     xenv_now_ns(e) + (uint64_t)((int64_t)k * (int64_t)PERIOD_NS), &fc, &ftv);
		ack(&s, v6, 43100, isn, fc, false, 0, 0);
		snprintf(x, sizeof(x), "forged_period%+d", k);
		if (k >= -2 && k <= 0) {
			m = (struct sg_meta){ .mss = sg_mss_value(v6, 1), .snd_wscale = 5,
					      .rcv_wscale = SG_WSCALE_NONE, .opts = SG_META_SACK };
			if (!xenv_expect(e, NAME(x), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, &r)) {
				strcat(x, "_meta");
				expect_meta(e, NAME(x), &s, &r, &m);
			}
		} else {
			xenv_expect(e, NAME(x), &s, XDP_DROP, SG_CNT_DROP_COOKIE_INVALID, NULL);
		}
		/* the same no-TS cookie with a TS option added does not pass */
		if (k == 0) {
			ack(&s, v6, 43100, isn, fc, true, 99, 0x12345678);
			clear_recent(e);	/* the cookie check alone */
			xenv_expect(e, NAME("nots_cookie_with_ts"), &s, XDP_DROP,
				    synack_refusal(e, &s), NULL);
		}
	}
	/* forged with timestamps: 32 hash bits, the time and our window scale
	 * in the TSval */
	{
		struct sg_hs_offer of = { .data = sg_cookie_data(3, SG_WSCALE_NONE, 0, 1), .ts = 1 };
		uint32_t fc, ftv;

		tuple(&s, v6, 43101, PORT);
		synack_forge(e->key, &e->slot, &s, isn, &of, xenv_now_ns(e), &fc, &ftv);
		ack(&s, v6, 43101, isn, fc, true, 99, ftv);
		m = (struct sg_meta){ .tsval = 99, .tsecr = ftv, .mss = sg_mss_value(v6, 3),
				      .snd_wscale = SG_WSCALE_NONE, .rcv_wscale = SG_WSCALE_NONE,
				      .opts = SG_META_TS | SG_META_ECN };
		if (!xenv_expect(e, NAME("forged_ts_ecn"), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID,
				 &r))
			expect_meta(e, NAME("forged_ts_ecn_meta"), &s, &r, &m);
		s.opt.tsecr ^= 0x80;
		clear_recent(e);	/* the cookie check alone */
		xenv_expect(e, NAME("forged_ts_bad_bits"), &s, XDP_DROP,
			    SG_CNT_DROP_ACK_MAYBE_OURS, NULL);
	}

	/* a client without timestamps, and an ECN client, through the program */
	if (!handshake(e, v6, 43200, isn, 0, PKT_ECE | PKT_CWR, &c, &tv, &w)) {
		ack(&s, v6, 43200, isn, c, false, 0, 0);
		m = (struct sg_meta){ .mss = sg_mss_value(v6, sg_mss_index(v6, 1400)),
				      .snd_wscale = 7, .rcv_wscale = SG_WSCALE_NONE,
				      .opts = SG_META_SACK | SG_META_ECN };
		if (!xenv_expect(e, NAME("valid_no_ts_ecn"), &s, XDP_PASS,
				 SG_CNT_PASS_COOKIE_VALID, &r))
			expect_meta(e, NAME("valid_no_ts_ecn_meta"), &s, &r, &m);
	} else {
		SG_FAIL(NAME("valid_no_ts_ecn"), "no SYN-ACK");
	}

	/* item 3, time with timestamps: the echoed TSval's age is bounded
	 * (default 5 s): a client with a 3 s RTT passes, a replay 6 s later
	 * does not */
	if (!handshake(e, v6, 43300, isn, ts, 0, &c, &tv, &w)) {
		ack(&s, v6, 43300, isn, c, true, ts + 1, tv);
		xenv_shift_clock(e, 3 * SEC);
		xenv_expect(e, NAME("ts_age_3s_valid"), &s, XDP_PASS,
			    SG_CNT_PASS_COOKIE_VALID, NULL);
		xenv_shift_clock(e, 3 * SEC);
		xenv_expect(e, NAME("ts_replay_6s_refused"), &s, XDP_DROP,
			    SG_CNT_DROP_COOKIE_INVALID, NULL);
		/* from the future beyond the grace: refused */
		xenv_shift_clock(e, -9 * SEC);
		xenv_expect(e, NAME("ts_future_3s_refused"), &s, XDP_DROP,
			    SG_CNT_DROP_COOKIE_INVALID, NULL);
		xenv_set_clock(e, HALF);
	} else {
		SG_FAIL(NAME("ts_age"), "no SYN-ACK");
	}
	/* item 3, time without timestamps: periods of 4.3 s; an ACK 3 s late
	 * passes, one 13 s late (three periods) does not */
	if (!handshake(e, v6, 43301, isn, 0, 0, &c, &tv, &w)) {
		ack(&s, v6, 43301, isn, c, false, 0, 0);
		xenv_shift_clock(e, 3 * SEC);
		xenv_expect(e, NAME("nots_age_3s_valid"), &s, XDP_PASS,
			    SG_CNT_PASS_COOKIE_VALID, NULL);
		xenv_shift_clock(e, 10 * SEC);
		xenv_expect(e, NAME("nots_replay_13s_refused"), &s, XDP_DROP,
			    SG_CNT_DROP_COOKIE_INVALID, NULL);
		xenv_set_clock(e, HALF);
	} else {
		SG_FAIL(NAME("nots_age"), "no SYN-ACK");
	}

	/* nothing listens: the kernel answers the ACK with a RST */
	ack(&s, v6, 43000, isn, c, true, ts + 1, tv);
	s.dport = PORT_NOLSN;
	xenv_expect(e, NAME("no_socket_pass"), &s, XDP_PASS, SG_CNT_PASS_ACK_NO_SOCKET, NULL);
}

/* ACKs of existing sockets pass without a cookie check */
static void sockets(struct xdp_env *e, bool v6)
{
	const char *a = v6 ? "::1" : "127.0.0.1";
	int lfd = xenv_listen(a, PORT + 10), afd, cfd;
	struct pkt_spec s;
	uint16_t cport;

	fam = v6 ? "v6" : "v4";
	xenv_protect(e, PORT + 10);
	xenv_write_config(e);
	cfd = lfd < 0 ? -1 : xenv_connect(a, PORT + 10, lfd, &afd, &cport);
	if (cfd < 0) {
		SG_FAIL(NAME("established"), "cannot connect over lo");
		return;
	}
	tuple(&s, v6, cport, PORT + 10);
	s.seq = 0x1000;
	s.ack = 0x2000;		/* any numbers: not a cookie check */
	s.flags = PKT_ACK;
	xenv_expect(e, NAME("established"), &s, XDP_PASS, SG_CNT_PASS_ESTABLISHED, NULL);
	s.flags = PKT_ACK | PKT_FIN;
	xenv_expect(e, NAME("established_fin"), &s, XDP_PASS, SG_CNT_PASS_ESTABLISHED, NULL);

	/* server closes first, so its side of the 4-tuple ends in TIME_WAIT */
	close(afd);
	usleep(20000);
	close(cfd);
	usleep(100000);
	s.flags = PKT_ACK;
	xenv_expect(e, NAME("time_wait"), &s, XDP_PASS, SG_CNT_PASS_ESTABLISHED, NULL);
	close(lfd);
}

/* item 11: a cookie made under the previous key stays valid after a
 * rotation (as protect does it: new key into the free slot, keyring names it
 * current with a deadline for the previous one), and not after the deadline */
static void rotation(struct xdp_env *e, bool v6)
{
	const uint32_t isn = 0x6000b000, ts = 0x00123456;
	__u64 k2[2] = { e->key[0] ^ 0x5a5a5a5a5a5a5a5aULL, e->key[1] + 1 };
	__u64 k1[2] = { e->key[0], e->key[1] };
	uint32_t c, tv, ct, tvt;
	struct synack_want w;
	struct pkt_spec s;
	bool rotated;

	fam = v6 ? "v6" : "v4";
	if (handshake(e, v6, 43400, isn, ts, 0, &ct, &tvt, &w) ||
	    handshake(e, v6, 43401, isn, 0, 0, &c, &tv, &w)) {
		SG_FAIL(NAME("rotation"), "no SYN-ACK");
		return;
	}
	if (sg_keyring_rotate(e->keys_fd, &e->cfg, k2, xenv_now_ns(e), &rotated) || !rotated ||
	    xenv_write_config(e)) {
		SG_FAIL(NAME("rotation"), "cannot rotate");
		return;
	}
	memcpy(e->key, k2, sizeof(e->key));
	sg_keyring_slot(k2, &e->slot);
	ack(&s, v6, 43400, isn, ct, true, ts + 1, tvt);
	xenv_expect(e, NAME("rotation_prev_key_ts_valid"), &s, XDP_PASS,
		    SG_CNT_PASS_COOKIE_VALID, NULL);
	ack(&s, v6, 43401, isn, c, false, 0, 0);
	xenv_expect(e, NAME("rotation_prev_key_nots_valid"), &s, XDP_PASS,
		    SG_CNT_PASS_COOKIE_VALID, NULL);
	/* a SYN now gets a cookie under the new key */
	if (!handshake(e, v6, 43402, isn, ts, 0, &c, &tv, &w)) {
		ack(&s, v6, 43402, isn, c, true, ts + 1, tv);
		xenv_expect(e, NAME("rotation_new_key_valid"), &s, XDP_PASS,
			    SG_CNT_PASS_COOKIE_VALID, NULL);
	} else {
		SG_FAIL(NAME("rotation_new_key_valid"), "no SYN-ACK (wrong key?)");
	}
	/* the previous key's deadline passed: refused */
	e->cfg.keyring &= SG_KEYRING_CUR_MASK;
	xenv_write_config(e);
	ack(&s, v6, 43401, isn, ct, false, 0, 0);
	ack(&s, v6, 43400, isn, ct, true, ts + 1, tvt);
	clear_recent(e);	/* the cookie check alone */
	xenv_expect(e, NAME("rotation_prev_key_after_deadline"), &s, XDP_DROP,
		    synack_refusal(e, &s), NULL);
	/* back to k1 as the current key, for the next tests */
	if (sg_keyring_rotate(e->keys_fd, &e->cfg, k1, xenv_now_ns(e), &rotated) ||
	    xenv_write_config(e))
		SG_FAIL(NAME("rotation_back"), "cannot rotate back");
	memcpy(e->key, k1, sizeof(e->key));
	sg_keyring_slot(k1, &e->slot);
}

/* item 5: two hosts (network namespaces, each with its own program and a
 * listener) share a key; host B's clock is 5 s ahead of host A's. With the
 * skew tolerance protect uses with a key file (10 s), a cookie from either is
 * accepted by the other; with none (0), a TS cookie is not. */
static int ns_open(void)
{
	return open("/proc/self/ns/net", O_RDONLY);
}

static void two_hosts(struct xdp_env *a)
{
	const uint32_t isn = 0x7000c000, ts = 0x00777777;
	int nsa = ns_open(), nsb, lb4, lb6;
	uint32_t skew = (uint32_t)((10ULL * 1000000000ULL) >> SG_HS_TICK_SHIFT);
	struct synack_want w;
	struct xdp_env b;
	struct pkt_spec s;
	uint32_t c, tv;

	if (nsa < 0 || xenv_netns() || xenv_open(&b)) {
		SG_FAIL("cookie_two_hosts", "cannot set up host B");
		return;
	}
	nsb = ns_open();
	lb4 = xenv_listen("127.0.0.1", PORT);
	lb6 = xenv_listen("::1", PORT);
	xenv_protect(&b, PORT);
	xenv_write_key(&b, 0, a->key);
	b.cfg.key_fp = a->cfg.key_fp;
	b.cfg.meta_magic = a->cfg.meta_magic;
	a->cfg.skew_ticks = b.cfg.skew_ticks = skew;
	a->cfg.nots_window = b.cfg.nots_window = sg_hs_nots_window(skew);
	b.cfg.clock_adj_ns = a->cfg.clock_adj_ns;
	xenv_shift_clock(&b, 5 * SEC);
	xenv_write_config(a);
	for (int v6 = 0; v6 <= 1; v6++) {
		fam = v6 ? "v6" : "v4";
		for (int tsc = 0; tsc <= 1; tsc++) {
			char x[64];

			/* SYN to A, ACK to B (B ahead: the cookie looks 5 s old) */
			setns(nsa, CLONE_NEWNET);
			if (handshake(a, v6, 44000 + tsc, isn, tsc ? ts : 0, 0, &c, &tv, &w)) {
				SG_FAIL(NAME("two_hosts"), "no SYN-ACK from A");
				continue;
			}
			setns(nsb, CLONE_NEWNET);
			ack(&s, v6, 44000 + tsc, isn, c, tsc, ts + 1, tv);
			snprintf(x, sizeof(x), "two_hosts_%s_a_to_b_ahead_5s", tsc ? "ts" : "nots");
			xenv_expect(&b, NAME(x), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, NULL);
			/* SYN to B, ACK to A (A behind: the cookie looks 5 s young) */
			if (handshake(&b, v6, 44010 + tsc, isn, tsc ? ts : 0, 0, &c, &tv, &w)) {
				SG_FAIL(NAME("two_hosts"), "no SYN-ACK from B");
				continue;
			}
			setns(nsa, CLONE_NEWNET);
			ack(&s, v6, 44010 + tsc, isn, c, tsc, ts + 1, tv);
			snprintf(x, sizeof(x), "two_hosts_%s_b_to_a_behind_5s", tsc ? "ts" : "nots");
			xenv_expect(a, NAME(x), &s, XDP_PASS, SG_CNT_PASS_COOKIE_VALID, NULL);
			if (tsc) {
				/* the control: without skew tolerance a TS cookie
				 * from 5 s in the future is refused */
				a->cfg.skew_ticks = 0;
				xenv_write_config(a);
				xenv_expect(a, NAME("two_hosts_ts_no_skew_refused"), &s, XDP_DROP,
					    SG_CNT_DROP_COOKIE_INVALID, NULL);
				a->cfg.skew_ticks = skew;
				xenv_write_config(a);
			}
			/* both hosts give the client the same TS offset */
			if (tsc) {
				uint32_t oa = 0, ob = 0;

				xenv_spec_lo(&s, v6, 44010, PORT);
				oa = synack_ts_off(&a->slot, &s);
				ob = synack_ts_off(&b.slot, &s);
				SG_EXPECT(NAME("two_hosts_same_ts_offset"), oa == ob,
					  "A %#x B %#x", oa, ob);
				/* item 12: another address pair, another offset */
				if (v6)
					pkt_set_v6(&s, "::2", "::1");
				else
					pkt_set_v4(&s, "127.0.0.2", "127.0.0.1");
				SG_EXPECT(NAME("ts_offset_per_address_pair"),
					  synack_ts_off(&a->slot, &s) != oa,
					  "the same offset %#x for two clients", oa);
			}
		}
	}
	setns(nsa, CLONE_NEWNET);
	a->cfg.skew_ticks = 0;
	a->cfg.nots_window = sg_hs_nots_window(0);
	xenv_write_config(a);
	close(lb4);
	close(lb6);
	xenv_close(&b);
	close(nsb);
	close(nsa);
}

int main(void)
{
	struct xdp_env e;
	int rc = xenv_setup(&e, "cookie_ack"), l4, l6;

	if (rc >= 0)
		return rc;
	l4 = xenv_listen("127.0.0.1", PORT);
	l6 = xenv_listen("::1", PORT);
	if (l4 < 0 || l6 < 0) {
		SG_FAIL("cookie_ack", "cannot open listeners");
		return 1;
	}
	xenv_protect(&e, PORT);
	xenv_protect(&e, PORT_NOLSN);
	xenv_write_config(&e);
	per_family(&e, false);
	per_family(&e, true);
	rotation(&e, false);
	rotation(&e, true);
	two_hosts(&e);
	sockets(&e, false);
	sockets(&e, true);
	close(l4);
	close(l6);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
