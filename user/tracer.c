// SPDX-License-Identifier: GPL-2.0-only
/* tracer.c - see tracer.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "defense_maps.h"
#include "synts_shared.h"
#include "tracer.h"
#include "tracer_listen.h"
#include "tcptrace.skel.h"

/* A cookie SYN-ACK from XDP is never retransmitted: an arrival not consumed
 * after this long is a half-open handshake. */
#define XDP_HALFOPEN_AFTER_NS	1000000000ULL

struct tracer {
	struct tcptrace *skel;
	struct ring_buffer *rb;
	tracer_event_fn fn;
	void *ctx;
	bool classic;
	bool stop;
	__u64 received;
	/* synguard's defense maps when an interface is protected */
	struct sg_defense *def;
	int ndef;
	int synts_idx;			/* def[] whose sg_synts we reuse, -1 none */
	__u32 synts_id;			/* that map's id: the netns' shared one */
	/* half-open handshakes the kernel gave up, per port (cumulative) */
	struct { __u16 port; __u64 n; } *expired;
	int nexpired;
	__u32 max_ports;		/* tt_ports' size: ports with series of their own */
	/* the half-open scan's buffers, sized to the whole of tt_halfopen */
	struct sg_flow_key *ho_keys, *ho_del;
	struct tt_halfopen *ho_vals;
	__u32 ho_cap;
	struct tracer_scan_stats last_scan;
	/* optional hooks: listen queues (hist/metrics only) */
	struct tracer_listen *listen;
	/* metrics this kernel cannot give, and why */
	struct { const char *metrics; char why[320]; } absent[8];
	int nabsent;
	bool counter_absent[TT_UC_MAX];
};

static void set_absent(struct tracer *t, const char *metrics, const int *ids, int nids,
		       const char *fmt, const char *arg)
{
	if (t->nabsent >= (int)(sizeof(t->absent) / sizeof(t->absent[0])))
		return;
	t->absent[t->nabsent].metrics = metrics;
	snprintf(t->absent[t->nabsent].why, sizeof(t->absent[0].why), fmt, arg);
	t->nabsent++;
	for (int i = 0; i < nids; i++)
		t->counter_absent[ids[i]] = true;
}

/* Attach the chosen programs one by one: only the state-change hook is
 * needed for the tracer to run at all; each other one missing costs some
 * metrics, which are then reported as absent (tracer_absent). */
static int attach_all(struct tracer *t)
{
	static const int synack_ids[] = { TT_C_SYNACK_RETRANS };
	static const int rst_sent_ids[] = { TT_C_RST_SENT };
	static const int rst_rcvd_ids[] = { TT_C_RST_RCVD };
	struct tcptrace *s = t->skel;
	const struct {
		struct bpf_program *prog;
		struct bpf_link **link;
		const char *metrics;
		const int *ids;
		int nids;
	} p[] = {
		{ t->classic ? s->progs.tt_state_tp : s->progs.tt_state_btf,
		  t->classic ? &s->links.tt_state_tp : &s->links.tt_state_btf, NULL, NULL, 0 },
		{ t->classic ? s->progs.tt_synack_tp : s->progs.tt_synack_btf,
		  t->classic ? &s->links.tt_synack_tp : &s->links.tt_synack_btf,
		  "synack_retrans, half_open, half_open_age, half_open_expired", synack_ids, 1 },
		{ t->classic ? s->progs.tt_sendrst_tp : s->progs.tt_sendrst_btf,
		  t->classic ? &s->links.tt_sendrst_tp : &s->links.tt_sendrst_btf,
		  "rst_sent", rst_sent_ids, 1 },
		{ t->classic ? s->progs.tt_rcvrst_tp : s->progs.tt_rcvrst_btf,
		  t->classic ? &s->links.tt_rcvrst_tp : &s->links.tt_rcvrst_btf,
		  "rst_received (and the reset cause of failed connects)", rst_rcvd_ids, 1 },
		{ t->classic ? s->progs.tt_destroy_tp : s->progs.tt_destroy_btf,
		  t->classic ? &s->links.tt_destroy_tp : &s->links.tt_destroy_btf,
		  "recovery of missed CLOSE transitions (evicted_destroy)", NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		struct bpf_link *l = bpf_program__attach(p[i].prog);

		if (!l) {
			int err = -errno;
			char why[160];

			if (!p[i].metrics)
				return err;
			snprintf(why, sizeof(why), "hook %s did not attach: %s",
				 bpf_program__section_name(p[i].prog), strerror(-err));
			set_absent(t, p[i].metrics, p[i].ids, p[i].nids, "%s", why);
			continue;
		}
		*p[i].link = l;
	}
	return 0;
}

/* Before Linux 6.10, tcp_send_reset was an instance of the tcp_event_sk_skb
 * class, which needs a socket: the kernel does not trace a RST that answers
 * a packet without one (a closed port). 6.10 gave it its own record
 * (trace_event_raw_tcp_send_reset), traced with or without a socket. */
static void check_rst_without_sock(struct tracer *t)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return;
	if (btf__find_by_name_kind(btf, "trace_event_raw_tcp_send_reset", BTF_KIND_STRUCT) < 0)
		set_absent(t, "rst_sent of RSTs without a socket (to closed ports)", NULL, 0, "%s",
			   "this kernel's tcp_send_reset tracepoint fires only with a socket "
			   "(before Linux 6.10)");
	btf__free(btf);
}

static bool getenv_flag(const char *name)
{
	const char *v = getenv(name);

	return v && *v && strcmp(v, "0");
}

/* Accept queues and listen overflows: no tracepoint has them; fentry or a
 * kprobe on tcp_v4/v6_syn_recv_sock does, where the kernel allows it. */
static void open_listen(struct tracer *t, __u16 port)
{
	static const int ids[] = { TT_UC_LISTEN_OVERFLOW, TT_UC_ACCEPT_QUEUE_MAX,
				   TT_UC_ACCEPT_QUEUE_LIMIT };
	char why[300];

	t->listen = tracer_listen_open(port, why, sizeof(why));
	if (!t->listen)
		set_absent(t, "listen_overflows, accept_queue_max, accept_queue_limit", ids, 3,
			   "%s", why);
}

static int on_rb(void *ctx, void *data, size_t len)
{
	struct tracer *t = ctx;

	if (len < sizeof(struct tt_event))
		return 0;
	t->received++;
	if (t->stop || !t->fn)
		return 0;
	if (t->fn(t->ctx, data))
		t->stop = true;
	return 0;
}

/* Find synguard's protected interfaces and the SYN-arrival map they share
 * (protect makes every interface of a netns use one, synts_shared.h). */
static void find_defense(struct tracer *t, bool use_synts)
{
	int n, others;

	t->synts_idx = -1;
	n = sg_defense_list(&t->def);
	if (n <= 0) {
		t->def = NULL;
		return;
	}
	t->ndef = n;
	if (!use_synts)		/* --no-xdp: the list only tells the protected ports */
		return;
	t->synts_idx = sg_synts_pick(t->def, n, &t->synts_id, &others);
	if (t->synts_idx >= 0 && others > 0)
		sg_warn("%d protected interface%s record%s SYN arrivals in a map of %s own "
			"(protected by an older synguard): server handshakes there use the "
			"kernel's SYN-ACK RTT; unprotect and protect %s again to share %s's map",
			others, others == 1 ? "" : "s", others == 1 ? "s" : "",
			others == 1 ? "its" : "their", others == 1 ? "it" : "them",
			t->def[t->synts_idx].ifname);
}

/* Ask XDP for arrivals on every interface sharing the map. Called once our
 * programs are attached, so that a tracer exiting meanwhile sees us as a
 * reader (release_defense) and leaves the flag alone. */
static void want_arrivals(struct tracer *t)
{
	int err;

	if (t->synts_idx < 0 || !t->skel->rodata->have_synts)
		return;
	err = sg_synts_set_trace(t->synts_id, true);
	if (err < 0)
		sg_warn("cannot ask synguard's XDP for SYN arrivals: %s", strerror(-err));
}

/* Give the flag back, but only if no other reader of the map is left: two
 * tracers (or a tracer and a metrics server) must not turn each other's
 * arrivals off. Call after our own links are gone (sg_synts_readers counts
 * attached programs). */
static void release_defense(struct tracer *t)
{
	if (t->synts_idx >= 0 && t->synts_id && sg_synts_readers(t->synts_id) == 0) {
		sg_synts_set_trace(t->synts_id, false);
		/* A tracer that attached between our check and our write set
		 * the flag before we cleared it: give it back. (One that
		 * attaches later sets it itself, after attaching.) */
		if (sg_synts_readers(t->synts_id) > 0)
			sg_synts_set_trace(t->synts_id, true);
	}
	if (t->def)
		sg_defense_free_list(t->def, t->ndef);
	t->def = NULL;
	t->ndef = 0;
}

static void choose_programs(struct tcptrace *s, bool classic)
{
	bpf_program__set_autoload(s->progs.tt_state_btf, !classic);
	bpf_program__set_autoload(s->progs.tt_synack_btf, !classic);
	bpf_program__set_autoload(s->progs.tt_sendrst_btf, !classic);
	bpf_program__set_autoload(s->progs.tt_rcvrst_btf, !classic);
	bpf_program__set_autoload(s->progs.tt_destroy_btf, !classic);
	bpf_program__set_autoload(s->progs.tt_state_tp, classic);
	bpf_program__set_autoload(s->progs.tt_synack_tp, classic);
	bpf_program__set_autoload(s->progs.tt_sendrst_tp, classic);
	bpf_program__set_autoload(s->progs.tt_rcvrst_tp, classic);
	bpf_program__set_autoload(s->progs.tt_destroy_tp, classic);
}

static int load(struct tracer *t, const struct tracer_opts *o, bool classic)
{
	struct tcptrace *s;
	int err;

	s = tcptrace__open();
	if (!s)
		return -errno;
	s->rodata->tgt_port = o->port;
	s->rodata->emit_events = o->events;
	s->rodata->do_hist = o->hist;
	s->rodata->have_synts = t->synts_idx >= 0;
	if (!o->events)	/* the ring buffer's size is committed memory */
		bpf_map__set_max_entries(s->maps.tt_events, 4096);
	/* bounded per-port series: tt_hist and tt_counts hold every admitted
	 * port plus "other", so they never fill (tcptrace.bpf.c, tt_ports) */
	bpf_map__set_max_entries(s->maps.tt_ports, t->max_ports);
	bpf_map__set_max_entries(s->maps.tt_hist, (t->max_ports + 1) * TT_M_MAX);
	bpf_map__set_max_entries(s->maps.tt_counts, (t->max_ports + 1) * 2);
	/* the ports whose children come from cookies (every protected
	 * interface of this netns), with or without XDP arrivals */
	for (int i = 0; i < t->ndef; i++) {
		struct sg_config cfg;
		__u32 zero = 0;

		if (bpf_map_lookup_elem(t->def[i].config_fd, &zero, &cfg))
			continue;
		for (int w = 0; w < SG_PORT_WORDS; w++)
			s->rodata->sg_prot_ports[w] |= cfg.ports[w];
	}
	if (t->synts_idx >= 0) {
		err = bpf_map__reuse_fd(s->maps.sg_synts, t->def[t->synts_idx].synts_fd);
		if (err) {
			sg_warn("cannot use the SYN arrivals of %s: %s",
				t->def[t->synts_idx].ifname, strerror(-err));
			s->rodata->have_synts = 0;
			bpf_map__set_max_entries(s->maps.sg_synts, 1);
		}
	} else {
		bpf_map__set_max_entries(s->maps.sg_synts, 1);
	}
	choose_programs(s, classic);
	err = tcptrace__load(s);
	if (err) {
		tcptrace__destroy(s);
		return err;
	}
	t->skel = s;
	return 0;
}

int tracer_open(const struct tracer_opts *o, tracer_event_fn fn, void *ctx, struct tracer **out)
{
	const char *env = getenv("SYNGUARD_TRACE_CLASSIC");
	bool classic = o->force_classic || (env && *env && strcmp(env, "0"));
	struct tracer *t;
	int err;

	*out = NULL;
	err = sg_check_privileges();
	if (err)
		return err;
	t = calloc(1, sizeof(*t));
	if (!t)
		return sg_fail(SG_EXIT_ERROR, "out of memory");
	t->fn = fn;
	t->ctx = ctx;
	t->synts_idx = -1;
	t->max_ports = o->max_ports ? o->max_ports : TT_PORT_ENTRIES;
	if (t->max_ports > TT_PORT_ENTRIES_MAX)
		t->max_ports = TT_PORT_ENTRIES_MAX;
	find_defense(t, !o->no_xdp);

	err = classic ? -1 : load(t, o, false);
	if (err) {
		if (!classic && sg_env.verbose)
			sg_warn("tp_btf did not load (%s); using classic tracepoints",
				strerror(-err));
		classic = true;
		err = sg_ensure_tracefs();
		if (err)
			goto fail_code;
		err = load(t, o, true);
		if (err) {
			err = sg_fail(err == -EPERM ? SG_EXIT_PERM : SG_EXIT_UNSUPPORTED,
				      "cannot load the tracer's BPF programs: %s "
				      "(run with -v for the verifier log)", strerror(-err));
			goto fail_code;
		}
	}
	t->classic = classic;
	err = attach_all(t);
	if (err) {
		err = sg_fail(SG_EXIT_UNSUPPORTED, "cannot attach to the TCP tracepoints: %s",
			      strerror(-err));
		goto fail_code;
	}
	want_arrivals(t);
	check_rst_without_sock(t);
	/* SYNGUARD_TRACE_NO_LISTEN=1: without the listen-queue hooks (diagnosis) */
	if (o->hist && !getenv_flag("SYNGUARD_TRACE_NO_LISTEN"))
		open_listen(t, o->port);
	if (o->events) {
		t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.tt_events), on_rb, t, NULL);
		if (!t->rb) {
			err = sg_fail(SG_EXIT_ERROR, "cannot open the ring buffer: %s",
				      strerror(errno));
			goto fail_code;
		}
	}
	*out = t;
	return SG_EXIT_OK;

fail_code:
	tracer_close(t);
	return err;
}

void tracer_close(struct tracer *t)
{
	if (!t)
		return;
	ring_buffer__free(t->rb);
	tracer_listen_close(t->listen);
	/* destroying the skeleton detaches every link: only then can
	 * release_defense() look for other readers */
	tcptrace__destroy(t->skel);
	t->skel = NULL;
	release_defense(t);
	free(t->expired);
	free(t->ho_keys);
	free(t->ho_del);
	free(t->ho_vals);
	free(t);
}

int tracer_stop(struct tracer *t)
{
	int n = 0, err;

	tcptrace__detach(t->skel);
	tracer_listen_detach(t->listen);
	if (!t->rb)
		return 0;
	/* everything submitted before the detach is in the ring now */
	do {
		err = ring_buffer__consume(t->rb);
		n += err > 0 ? err : 0;
	} while (err > 0);
	return n;
}

int tracer_poll(struct tracer *t, int timeout_ms)
{
	__u64 before = t->received;
	int err;

	if (!t->rb)
		return usleep(timeout_ms * 1000) ? -errno : 0;
	/* The BPF side wakes us only when the ring fills up (batched wakeups),
	 * so the timeout is what delivers a quiet trickle of events. */
	err = ring_buffer__poll(t->rb, timeout_ms);
	if (err < 0 && err != -EINTR)
		return err;
	if (!t->stop) {
		err = ring_buffer__consume(t->rb);
		if (err < 0 && err != -EINTR)
			return err;
	}
	return (int)(t->received - before);
}

const char *tracer_hook_kind(const struct tracer *t)
{
	return t->classic ? "tracepoint" : "tp_btf";
}

const char *tracer_xdp_ifname(const struct tracer *t)
{
	return t->synts_idx >= 0 && t->skel && t->skel->rodata->have_synts ?
	       t->def[t->synts_idx].ifname : NULL;
}

/* ---- reading ---- */

static int ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

static int cmp_hist(const void *a, const void *b)
{
	const struct tracer_hist *x = a, *y = b;

	if (x->metric != y->metric)
		return x->metric - y->metric;
	return x->port - y->port;
}

static int cmp_counts(const void *a, const void *b)
{
	const struct tracer_counts *x = a, *y = b;

	if (x->side != y->side)
		return x->side - y->side;
	return x->port - y->port;
}

/* One read: the snapshot being filled and, per port, where its half-open
 * gauges are (so that a scan of thousands of entries costs no search). */
struct rd {
	struct tracer *t;
	struct tracer_snapshot *s;
	int hcap, ccap;
	int *ho_hist;		/* port -> 1 + index in s->hist of TT_UM_HALFOPEN_AGE */
	int *srv_count;		/* port -> 1 + index in s->counts of the server side */
	__u8 *admitted;		/* port -> in tt_ports (a series of its own) */
};

static struct tracer_hist *hist_new(struct rd *r, __u16 port, __u8 metric)
{
	struct tracer_snapshot *s = r->s;
	struct tracer_hist *h;

	if (s->nhist == r->hcap) {
		int ncap = r->hcap ? r->hcap * 2 : 16;

		h = realloc(s->hist, ncap * sizeof(*h));
		if (!h)
			return NULL;
		s->hist = h;
		r->hcap = ncap;
	}
	h = &s->hist[s->nhist++];
	memset(h, 0, sizeof(*h));
	h->port = port;
	h->metric = metric;
	return h;
}

static struct tracer_counts *count_new(struct rd *r, __u16 port, __u8 side)
{
	struct tracer_snapshot *s = r->s;
	struct tracer_counts *c;

	if (s->ncounts == r->ccap) {
		int ncap = r->ccap ? r->ccap * 2 : 16;

		c = realloc(s->counts, ncap * sizeof(*c));
		if (!c)
			return NULL;
		s->counts = c;
		r->ccap = ncap;
	}
	c = &s->counts[s->ncounts++];
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->side = side;
	if (side == TT_SIDE_SERVER)
		r->srv_count[port] = s->ncounts;
	return c;
}

static struct tracer_counts *srv_count(struct rd *r, __u16 port)
{
	int i = r->srv_count[port];

	return i ? &r->s->counts[i - 1] : count_new(r, port, TT_SIDE_SERVER);
}

/* The port user-space series are filed under: the same rule as the BPF
 * side's series_port() (without admitting: only the kernel admits). */
static __u16 series_port(const struct rd *r, __u16 port)
{
	if (r->t->skel->rodata->tgt_port || r->admitted[port])
		return port;
	return TT_PORT_OTHER;
}

static void add_expired(struct tracer *t, __u16 port)
{
	for (int i = 0; i < t->nexpired; i++) {
		if (t->expired[i].port == port) {
			t->expired[i].n++;
			return;
		}
	}
	void *p = realloc(t->expired, (t->nexpired + 1) * sizeof(*t->expired));

	if (!p)
		return;
	t->expired = p;
	t->expired[t->nexpired].port = port;
	t->expired[t->nexpired++].n = 1;
}

static void halfopen_add(struct rd *r, __u16 port, __u64 age)
{
	struct tracer_counts *c;
	struct tracer_hist *h;

	port = series_port(r, port);
	if (!r->ho_hist[port]) {
		if (!hist_new(r, port, TT_UM_HALFOPEN_AGE))
			return;
		r->ho_hist[port] = r->s->nhist;
	}
	h = &r->s->hist[r->ho_hist[port] - 1];
	h->slots[tt_bucket_of(age)]++;
	if (age > h->max_ns)
		h->max_ns = age;
	c = srv_count(r, port);
	if (c)
		c->c[TT_UC_HALFOPEN]++;
}

/* XDP SYN arrivals that no ESTABLISHED consumed: half-open after a second
 * (a cookie SYN-ACK is never retransmitted), expired after a cookie's life.
 * The slot array is read in batches: one syscall per SCAN_BATCH slots. */
#define SCAN_BATCH 4096

static void scan_synts(struct rd *r, __u64 now)
{
	static __u32 keys[SCAN_BATCH];
	static struct sg_synts_slot vals[SCAN_BATCH];
	struct tracer *t = r->t;
	int fd = t->def[t->synts_idx].synts_fd;
	__u32 out = 0, count, *in = NULL;
	int err;

	do {
		count = SCAN_BATCH;
		err = bpf_map_lookup_batch(fd, in, &out, keys, vals, &count, NULL);
		if (err && errno != ENOENT)
			return;
		for (__u32 i = 0; i < count; i++) {
			struct sg_synts_slot *sl = &vals[i];
			__u64 ts = sl->ts;

			if (!ts || (ts & TT_SYNTS_CONSUMED) || ts > now)
				continue;
			if (t->skel->rodata->tgt_port && sl->key.lport != t->skel->rodata->tgt_port)
				continue;
			if (now - ts > TT_SYNTS_MAX_AGE_NS) {
				/* count it once: mark it consumed. A SYN that
				 * took the slot since we read it would lose its
				 * arrival (its handshake falls back to the
				 * SYN-ACK RTT): a window of microseconds. */
				sl->ts |= TT_SYNTS_CONSUMED;
				bpf_map_update_elem(fd, &keys[i], sl, BPF_EXIST);
				add_expired(t, series_port(r, sl->key.lport));
			} else if (now - ts > XDP_HALFOPEN_AFTER_NS) {
				halfopen_add(r, sl->key.lport, now - ts);
			}
		}
		in = &out;
	} while (!err);
}

/* SYN-ACK retransmits back off exponentially: with no retransmit for longer
 * than the whole handshake had lasted (plus slack), the kernel has dropped
 * the request. */
static bool halfopen_expired(const struct tt_halfopen *h, __u64 now)
{
	return now > h->last_ns &&
	       now - h->last_ns > (h->first_ns && h->last_ns > h->first_ns ?
				   h->last_ns - h->first_ns : 0) + 2000000000ULL;
}

/* Delete keys[0..n): one syscall per run of keys that still exist. A key
 * the BPF side deleted meanwhile (the handshake completed) stops a batch
 * with ENOENT: skip it, it did not expire. Returns how many were deleted;
 * their ports are counted as expired. */
static __u32 delete_expired(struct rd *r, int fd, const struct sg_flow_key *keys, __u32 n)
{
	__u32 done = 0, deleted = 0;

	while (done < n) {
		__u32 cnt = n - done;
		int err = bpf_map_delete_batch(fd, &keys[done], &cnt, NULL);

		for (__u32 i = 0; i < cnt && done + i < n; i++)
			add_expired(r->t, series_port(r, keys[done + i].lport));
		deleted += cnt;
		done += cnt;
		if (!err)
			break;
		if (errno != ENOENT)
			break;
		done++;		/* the key that is gone */
	}
	return deleted;
}

static int ensure_ho_buffers(struct tracer *t, __u32 cap)
{
	if (t->ho_cap >= cap)
		return 0;
	free(t->ho_keys);
	free(t->ho_del);
	free(t->ho_vals);
	t->ho_keys = calloc(cap, sizeof(*t->ho_keys));
	t->ho_del = calloc(cap, sizeof(*t->ho_del));
	t->ho_vals = calloc(cap, sizeof(*t->ho_vals));
	if (!t->ho_keys || !t->ho_del || !t->ho_vals) {
		t->ho_cap = 0;
		return -ENOMEM;
	}
	t->ho_cap = cap;
	return 0;
}

/* Live half-open handshakes: request sockets that retransmitted their
 * SYN-ACK, and XDP SYN arrivals that no ESTABLISHED consumed. One pass over
 * tt_halfopen (batch lookups), then one batch delete of the expired ones:
 * deleting while walking with get_next_key restarts the walk at the first
 * entry after every delete (O(entries x deleted) syscalls). */
static int scan_halfopen(struct rd *r)
{
	struct tracer *t = r->t;
	int fd = bpf_map__fd(t->skel->maps.tt_halfopen);
	__u32 cap = bpf_map__max_entries(t->skel->maps.tt_halfopen);
	__u64 now = sg_now_mono_ns(), t0 = now;
	struct sg_flow_key out, *in = NULL;
	__u32 n = 0, ndel = 0, calls = 0;
	int err;

	if (ensure_ho_buffers(t, cap))
		return -ENOMEM;
	do {
		__u32 count = cap - n;

		if (!count)
			break;
		err = bpf_map_lookup_batch(fd, in, &out, &t->ho_keys[n], &t->ho_vals[n],
					   &count, NULL);
		calls++;
		if (err && errno != ENOENT)
			return -errno;
		n += count;
		in = &out;
	} while (!err);
	for (__u32 i = 0; i < n; i++) {
		const struct tt_halfopen *h = &t->ho_vals[i];

		if (halfopen_expired(h, now)) {
			t->ho_del[ndel++] = t->ho_keys[i];
			continue;
		}
		halfopen_add(r, t->ho_keys[i].lport,
			     h->first_ns && now > h->first_ns ? now - h->first_ns : 0);
	}
	t->last_scan.entries = n;
	t->last_scan.expired = ndel ? delete_expired(r, fd, t->ho_del, ndel) : 0;
	t->last_scan.lookup_calls = calls;
	t->last_scan.ns = sg_now_mono_ns() - t0;
	if (t->synts_idx >= 0 && t->skel->rodata->have_synts)
		scan_synts(r, now);
	return 0;
}

/* tt_listen into the server counters, under the same port rule. */
static void read_listen(struct rd *r)
{
	int fd = tracer_listen_map_fd(r->t->listen);
	__u16 k, next, *prev = NULL;
	struct tt_listen_val v;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct tracer_counts *c;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		c = srv_count(r, series_port(r, k));
		if (!c)
			continue;
		c->c[TT_UC_LISTEN_OVERFLOW] += v.overflows;
		if (v.backlog_max > c->c[TT_UC_ACCEPT_QUEUE_MAX])
			c->c[TT_UC_ACCEPT_QUEUE_MAX] = v.backlog_max;
		if (v.backlog_limit > c->c[TT_UC_ACCEPT_QUEUE_LIMIT])
			c->c[TT_UC_ACCEPT_QUEUE_LIMIT] = v.backlog_limit;
	}
}

/* tt_ports: the ports the kernel admitted (a series of their own). */
static void read_admitted(struct rd *r)
{
	int fd = bpf_map__fd(r->t->skel->maps.tt_ports);
	__u16 k, next, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		r->admitted[next] = 1;
		k = next;
		prev = &k;
	}
}

int tracer_read(struct tracer *t, struct tracer_snapshot *s)
{
	int n = ncpus(), fd, err = 0;
	struct tt_hist_key hk, hnext, *hprev = NULL;
	struct tt_count_key ck, cnext, *cprev = NULL;
	struct tt_hist_val *hv;
	struct tt_count_val *cv;
	struct rd r = { .t = t, .s = s };

	memset(s, 0, sizeof(*s));
	hv = calloc(1, sizeof(*hv));	/* tt_hist is shared, not per-CPU */
	cv = calloc(n, sizeof(*cv));
	r.ho_hist = calloc(65536, sizeof(*r.ho_hist));
	r.srv_count = calloc(65536, sizeof(*r.srv_count));
	r.admitted = calloc(65536, 1);
	if (!hv || !cv || !r.ho_hist || !r.srv_count || !r.admitted) {
		err = -ENOMEM;
		goto out;
	}
	read_admitted(&r);
	/* keys are unique in both maps: append, sort at the end */
	fd = bpf_map__fd(t->skel->maps.tt_hist);
	while (bpf_map_get_next_key(fd, hprev, &hnext) == 0) {
		struct tracer_hist *h;

		hk = hnext;
		hprev = &hk;
		if (bpf_map_lookup_elem(fd, &hk, hv))
			continue;
		h = hist_new(&r, hk.port, hk.metric);
		if (!h) {
			err = -ENOMEM;
			goto out;
		}
		memcpy(h->slots, hv->slots, sizeof(h->slots));
		h->max_ns = hv->max_ns;
	}
	fd = bpf_map__fd(t->skel->maps.tt_counts);
	while (bpf_map_get_next_key(fd, cprev, &cnext) == 0) {
		struct tracer_counts *c;

		ck = cnext;
		cprev = &ck;
		if (bpf_map_lookup_elem(fd, &ck, cv))
			continue;
		c = count_new(&r, ck.port, ck.side);
		if (!c) {
			err = -ENOMEM;
			goto out;
		}
		for (int i = 0; i < n; i++)
			for (int j = 0; j < TT_C_MAX; j++)
				c->c[j] += cv[i].c[j];
	}
	err = scan_halfopen(&r);
	if (err)
		goto out;
	if (t->listen)
		read_listen(&r);
	for (int i = 0; i < t->nexpired; i++) {
		struct tracer_counts *c = srv_count(&r, t->expired[i].port);

		if (c)
			c->c[TT_UC_HALFOPEN_EXPIRED] = t->expired[i].n;
	}
	if (s->nhist)
		qsort(s->hist, s->nhist, sizeof(*s->hist), cmp_hist);
	if (s->ncounts)
		qsort(s->counts, s->ncounts, sizeof(*s->counts), cmp_counts);
out:
	free(hv);
	free(cv);
	free(r.ho_hist);
	free(r.srv_count);
	free(r.admitted);
	if (err)
		tracer_snapshot_free(s);
	return err;
}

void tracer_last_scan(const struct tracer *t, struct tracer_scan_stats *st)
{
	*st = t->last_scan;
}

__u32 tracer_max_ports(const struct tracer *t)
{
	return t->max_ports;
}

const char *tracer_absent(const struct tracer *t, int i, const char **why)
{
	if (i < 0 || i >= t->nabsent)
		return NULL;
	*why = t->absent[i].why;
	return t->absent[i].metrics;
}

bool tracer_counter_present(const struct tracer *t, int id)
{
	return id >= 0 && id < TT_UC_MAX && !t->counter_absent[id];
}

const char *tracer_listen_hooks(const struct tracer *t)
{
	return t->listen ? tracer_listen_kind(t->listen) : NULL;
}

void tracer_snapshot_free(struct tracer_snapshot *s)
{
	free(s->hist);
	free(s->counts);
	memset(s, 0, sizeof(*s));
}

static __u64 prog_misses(struct bpf_program *p)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

int tracer_read_accounting(struct tracer *t, struct tracer_accounting *a)
{
	int n = ncpus(), fd;
	struct tt_loss *l;
	struct bpf_program *p;
	__u32 zero = 0;

	memset(a, 0, sizeof(*a));
	l = calloc(n, sizeof(*l));
	if (!l)
		return -ENOMEM;
	fd = bpf_map__fd(t->skel->maps.tt_loss);
	if (bpf_map_lookup_elem(fd, &zero, l) == 0)
		for (int c = 0; c < n; c++)
			for (int i = 0; i < TT_L_MAX; i++)
				a->loss[i] += l[c].c[i];
	free(l);
	bpf_object__for_each_program(p, t->skel->obj)
		if (bpf_program__autoload(p))
			a->recursion_misses += prog_misses(p);
	a->received = t->received;
	/* exact once tracer_stop() froze the programs and the ring was drained;
	 * while running it includes what is still in flight */
	if (a->loss[TT_L_EVENTS_SUBMITTED] > a->received)
		a->unaccounted = a->loss[TT_L_EVENTS_SUBMITTED] - a->received;
	return 0;
}

/* ---- names ---- */

static const char *const loss_names[TT_L_MAX] = {
	[TT_L_RINGBUF_FULL]		= "ringbuf_full",
	[TT_L_SOCK_TABLE_FULL]		= "sock_table_full",
	[TT_L_UNMATCHED]		= "unmatched",
	[TT_L_EVICTED_STALE]		= "evicted_stale",
	[TT_L_EVICTED_DESTROY]		= "evicted_destroy",
	[TT_L_STATE_GAP]		= "state_gaps",
	[TT_L_HIST_TABLE_FULL]		= "hist_table_full",
	[TT_L_COUNT_TABLE_FULL]		= "count_table_full",
	[TT_L_HALFOPEN_TABLE_FULL]	= "halfopen_table_full",
	[TT_L_NO_RTT]			= "handshake_no_rtt",
	[TT_L_PORT_TABLE_FULL]		= "port_table_full",
	[TT_L_EVENTS_SUBMITTED]		= "events_submitted",
};

const char *tracer_loss_name(int id)
{
	return id >= 0 && id < TT_L_MAX && loss_names[id] ? loss_names[id] : "?";
}

static const struct {
	const char *name, *desc, *basis;
} metrics[TT_UM_MAX] = {
	[TT_M_CONNECT]		= { "connect", "client connect, SYN_SENT -> ESTABLISHED", NULL },
	[TT_M_HANDSHAKE_SYN]	= { "handshake", "server handshake, SYN arrival (XDP) -> ESTABLISHED",
				    "syn_arrival" },
	[TT_M_HANDSHAKE_RTT]	= { "handshake", "server handshake, SYN-ACK RTT (kernel path, no XDP arrival)",
				    "synack_rtt" },
	[TT_M_CONNECT_FAILED]	= { "connect_failed", "failed connect, SYN_SENT -> CLOSE", NULL },
	[TT_M_CLOSE]		= { "close", "close, first FIN -> CLOSE", NULL },
	[TT_M_LIFETIME]		= { "lifetime", "connection lifetime, open -> CLOSE", NULL },
	[TT_M_FIN_WAIT1]	= { "fin_wait1", "FIN_WAIT1 -> FIN_WAIT2 (our FIN acked)", NULL },
	[TT_M_FIN_WAIT2]	= { "fin_wait2", "FIN_WAIT2 -> TIME_WAIT (socket CLOSE)", NULL },
	[TT_M_CLOSE_WAIT]	= { "close_wait", "CLOSE_WAIT -> LAST_ACK (application close)", NULL },
	[TT_M_LAST_ACK]		= { "last_ack", "LAST_ACK -> CLOSE (peer acked our FIN)", NULL },
	[TT_UM_HALFOPEN_AGE]	= { "half_open_age", "age of half-open handshakes now", NULL },
};

const char *tracer_metric_name(int m)
{
	return m >= 0 && m < TT_UM_MAX ? metrics[m].name : "?";
}

const char *tracer_metric_desc(int m)
{
	return m >= 0 && m < TT_UM_MAX ? metrics[m].desc : "?";
}

const char *tracer_metric_basis(int m)
{
	return m >= 0 && m < TT_UM_MAX ? metrics[m].basis : NULL;
}

bool tracer_metric_is_gauge(int m)
{
	return m == TT_UM_HALFOPEN_AGE;
}

bool tracer_counter_is_gauge(int id)
{
	return id == TT_UC_HALFOPEN || id == TT_UC_ACCEPT_QUEUE_MAX ||
	       id == TT_UC_ACCEPT_QUEUE_LIMIT;
}

static const char *const counter_names[TT_UC_MAX] = {
	[TT_C_CONNECT_OK]		= "connect_ok",
	[TT_C_CONNECT_FAIL_RST]		= "connect_failed_reset",
	[TT_C_CONNECT_FAIL_TIMEOUT]	= "connect_failed_timeout",
	[TT_C_HANDSHAKE_OK]		= "handshake_ok",
	[TT_C_SYNACK_RETRANS]		= "synack_retrans",
	[TT_C_RST_SENT]			= "rst_sent",
	[TT_C_RST_RCVD]			= "rst_received",
	[TT_C_CLOSE_LOCAL_FIRST]	= "closed_local_first",
	[TT_C_CLOSE_REMOTE_FIRST]	= "closed_remote_first",
	[TT_C_CLOSE_RESET]		= "closed_by_reset",
	[TT_UC_HALFOPEN]		= "half_open",
	[TT_UC_HALFOPEN_EXPIRED]	= "half_open_expired",
	[TT_UC_LISTEN_OVERFLOW]		= "listen_overflows",
	[TT_UC_ACCEPT_QUEUE_MAX]	= "accept_queue_max",
	[TT_UC_ACCEPT_QUEUE_LIMIT]	= "accept_queue_limit",
};

const char *tracer_counter_name(int id)
{
	return id >= 0 && id < TT_UC_MAX && counter_names[id] ? counter_names[id] : "?";
}

static const char *const state_names[TT_STATE_MAX] = {
	[TT_ESTABLISHED] = "ESTABLISHED", [TT_SYN_SENT] = "SYN_SENT",
	[TT_SYN_RECV] = "SYN_RECV", [TT_FIN_WAIT1] = "FIN_WAIT1",
	[TT_FIN_WAIT2] = "FIN_WAIT2", [TT_TIME_WAIT] = "TIME_WAIT",
	[TT_CLOSE] = "CLOSE", [TT_CLOSE_WAIT] = "CLOSE_WAIT",
	[TT_LAST_ACK] = "LAST_ACK", [TT_LISTEN] = "LISTEN",
	[TT_CLOSING] = "CLOSING", [TT_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

const char *tracer_state_name(int s)
{
	return s > 0 && s < TT_STATE_MAX && state_names[s] ? state_names[s] : "UNKNOWN";
}

const char *tracer_side_name(int side)
{
	return side == TT_SIDE_CLIENT ? "client" : side == TT_SIDE_SERVER ? "server" : "unknown";
}

const char *tracer_kind_name(int kind)
{
	switch (kind) {
	case TT_KIND_HANDSHAKE: return "handshake";
	case TT_KIND_CLOSE: return "close";
	case TT_KIND_FAILED: return "failed";
	case TT_KIND_RESET: return "reset";
	}
	return "unknown";
}

const char *tracer_basis_name(int basis)
{
	switch (basis) {
	case TT_BASIS_SYN_SENT: return "syn_sent";
	case TT_BASIS_SYN_ARRIVAL: return "syn_arrival";
	case TT_BASIS_SYNACK_RTT: return "synack_rtt";
	}
	return NULL;
}

const char *tracer_cause_name(int cause)
{
	return cause == TT_CAUSE_RESET ? "reset" : cause == TT_CAUSE_TIMEOUT ? "timeout" : NULL;
}
