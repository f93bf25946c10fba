// SPDX-License-Identifier: GPL-2.0-only
/* xdp_env.c - BPF_PROG_TEST_RUN harness for sg_xdp (see xdp_env.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "handshake.h"
#include "keyring.h"
#include "local_tables.h"
#include "features.h"
#include "synguard.skel.h"
#include "testlib.h"
#include "xdp_env.h"

static int lo_setup(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_mtu = 1500;
	if (ioctl(fd, SIOCSIFMTU, &ifr))
		err = -errno;
	if (!err && ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = -errno;
	close(fd);
	return err;
}

int xenv_netns(void)
{
	int err;

	if (unshare(CLONE_NEWNET))
		return -errno;
	err = lo_setup();
	if (err)
		return err;
	return xenv_sysctl_set("net/ipv4/tcp_syncookies", 1);
}

int xenv_sysctl_get(const char *name, long *v)
{
	char path[256];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%ld", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int xenv_sysctl_set(const char *name, long v)
{
	char path[256];
	FILE *f;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", v) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

int xenv_write_config(struct xdp_env *e)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(e->cfg_fd, &zero, &e->cfg, BPF_ANY))
		return -errno;
	return 0;
}

void xenv_protect(struct xdp_env *e, uint16_t port)
{
	if (!sg_port_is_set(e->cfg.ports, port))
		e->cfg.nports++;
	e->cfg.ports[port >> 6] |= 1ULL << (port & 63);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int xenv_set_clock(struct xdp_env *e, uint64_t into_ns)
{
	uint64_t real = clock_ns(CLOCK_REALTIME);
	/* the program reads bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC_COARSE */
	uint64_t mono = clock_ns(CLOCK_MONOTONIC_COARSE);
	uint64_t want;

	want = ((uint64_t)sg_hs_period(real) << SG_HS_PERIOD_SHIFT) + into_ns;
	e->period = sg_hs_period(want);
	e->cfg.clock_adj_ns = (int64_t)(want - mono);
	return xenv_write_config(e);
}

int xenv_shift_clock(struct xdp_env *e, int64_t delta_ns)
{
	e->cfg.clock_adj_ns += delta_ns;
	e->period = sg_hs_period(xenv_now_ns(e));
	return xenv_write_config(e);
}

uint64_t xenv_now_ns(const struct xdp_env *e)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE) + (uint64_t)e->cfg.clock_adj_ns;
}

int xenv_write_key(struct xdp_env *e, uint32_t slot, const __u64 key[2])
{
	struct sg_key_slot ks;

	sg_keyring_slot(key, &ks);
	if (bpf_map_update_elem(e->keys_fd, &slot, &ks, BPF_ANY))
		return -errno;
	if (slot == (uint32_t)(e->cfg.keyring & SG_KEYRING_CUR_MASK)) {
		memcpy(e->key, key, sizeof(e->key));
		e->slot = ks;
	}
	return 0;
}

/* libbpf's messages, but at most the tail of a verifier log: a failed load
 * of a big program logs a million lines. SG_VERBOSE=1 shows everything. */
static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static int lines;

	if (level == LIBBPF_DEBUG && !getenv("SG_VERBOSE"))
		return 0;
	if (!getenv("SG_VERBOSE") && ++lines > 60)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* The counters of another build, from its include/synguard.h (the enum
 * is not in the object's BTF: only inline functions use it): value of each
 * enumerator in enum sg_counter, and its JSON name in sg_counter_names[].
 * Fills map[value] = our index with the same JSON name (-1: none). */
static int foreign_counter_map(const char *hdr, int map[XENV_MAX_FOREIGN_CNT], int *max)
{
	char line[512], enums[XENV_MAX_FOREIGN_CNT][64];
	int n = 0, in_enum = 0, xdp_max = -1, i;
	FILE *f = fopen(hdr, "r");

	if (!f)
		return -errno;
	*max = 0;
	for (i = 0; i < XENV_MAX_FOREIGN_CNT; i++)
		map[i] = -1;
	while (fgets(line, sizeof(line), f)) {
		char name[64], json[64];
		const char *p = line;

		while (*p == ' ' || *p == '\t')
			p++;
		if (strstr(line, "enum sg_counter {")) {
			in_enum = 1;
			continue;
		}
		if (in_enum) {
			if (*p == '}') {
				in_enum = 0;
				continue;
			}
			if (sscanf(p, "SG_CNT_%63[A-Z0-9_]", name) != 1)
				continue;
			if (!strcmp(name, "MAX")) {
				*max = n;
				continue;
			}
			if (!strcmp(name, "XDP_MAX")) {
				xdp_max = n;	/* the next one takes this value */
				continue;
			}
			if (n < XENV_MAX_FOREIGN_CNT)
				snprintf(enums[n++], sizeof(enums[0]), "%s", name);
			continue;
		}
		/* [SG_CNT_NAME] = "json_name", */
		if (sscanf(p, "[SG_CNT_%63[A-Z0-9_]] = \"%63[a-z0-9_]\"", name, json) == 2) {
			for (i = 0; i < n; i++) {
				int j;

				if (strcmp(enums[i], name))
					continue;
				for (j = 0; j < SG_CNT_MAX; j++)
					if (sg_counter_names[j] && !strcmp(sg_counter_names[j], json))
						map[i] = j;
			}
		}
	}
	fclose(f);
	(void)xdp_max;
	return *max > 0 ? 0 : -ENOENT;
}

/* Set the u8 .rodata variable name of obj before load, as protect sets it
 * on its skeleton (user/skel_fixed.c); absent in older objects: nothing. */
static void set_rodata_u8(struct bpf_object *obj, const char *name, __u8 v)
{
	const struct btf *btf = bpf_object__btf(obj);
	const void *init;
	struct bpf_map *m;
	size_t sz;
	__u8 *data;
	int id;

	if (!btf || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) < 0)
		return;
	bpf_object__for_each_map(m, obj) {
		const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);

		if (!bpf_map__is_internal(m) || !strstr(bpf_map__name(m), ".rodata"))
			continue;
		init = bpf_map__initial_value(m, &sz);
		data = init && sz ? malloc(sz) : NULL;
		if (!data)
			continue;
		memcpy(data, init, sz);
		for (int i = 0; i < btf_vlen(t); i++, vs++)
			if (!strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off),
				    name) && vs->offset < sz)
				data[vs->offset] = v;
		bpf_map__set_initial_value(m, data, sz);
		free(data);
	}
}

static int open_foreign(struct xdp_env *e, const char *path)
{
	const char *hdr = getenv("SG_XDP_HDR");
	char def[PATH_MAX];
	struct bpf_program *prog;
	int err;

	if (!hdr || !*hdr) {
		/* BUILD/synguard.bpf.o -> BUILD/../include/synguard.h */
		snprintf(def, sizeof(def), "%s", path);
		if (strrchr(def, '/'))
			*strrchr(def, '/') = 0;
		else
			strcpy(def, ".");
		strncat(def, "/../include/synguard.h", sizeof(def) - strlen(def) - 1);
		hdr = def;
	}
	err = foreign_counter_map(hdr, e->foreign_map, &e->foreign_ncnt);
	if (err) {
		fprintf(stderr, "cannot read the counters of %s from %s\n", path, hdr);
		return err;
	}
	e->obj = bpf_object__open_file(path, NULL);
	if (!e->obj)
		return -errno ? -errno : -EINVAL;
	set_rodata_u8(e->obj, "sg_local_probe", (__u8)sg_local_probe_usable());
	/* only sg_xdp runs here: the tc programs stay unloaded (before 6.9
	 * sg_tc cannot load, without the handoff kfunc) */
	bpf_object__for_each_program(prog, e->obj)
		if (strcmp(bpf_program__name(prog), "sg_xdp"))
			bpf_program__set_autoload(prog, false);
	err = bpf_object__load(e->obj);
	if (err)
		return err;
	prog = bpf_object__find_program_by_name(e->obj, "sg_xdp");
	e->prog_fd = prog ? bpf_program__fd(prog) : -1;
	e->cfg_fd = xenv_map_fd(e, "sg_config");
	e->stats_fd = xenv_map_fd(e, "sg_stats");
	e->keys_fd = xenv_map_fd(e, "sg_keys");
	if (e->prog_fd < 0 || e->cfg_fd < 0 || e->stats_fd < 0)
		return -ENOENT;
	fprintf(stderr, "note: testing the XDP program of %s\n", path);
	return 0;
}

int xenv_map_fd(struct xdp_env *e, const char *name)
{
	struct bpf_object *obj = e->skel ? e->skel->obj : e->obj;
	struct bpf_map *m = obj ? bpf_object__find_map_by_name(obj, name) : NULL;

	return m ? bpf_map__fd(m) : -1;
}

int xenv_open(struct xdp_env *e)
{
	const char *foreign = getenv("SG_XDP_OBJ");
	long rmem_max = 0;
	int err;

	memset(e, 0, sizeof(*e));
	libbpf_set_print(quiet_print);
	if (foreign && *foreign) {
		e->fixed_len = strstr(foreign, "synguard_fixed") != NULL;
		err = open_foreign(e, foreign);
		if (err) {
			fprintf(stderr, "cannot load %s: %s\n", foreign, strerror(-err));
			return err;
		}
	} else {
		e->skel = synguard__open();
		err = e->skel ? 0 : -errno;
		if (!err)	/* as protect sets it (user/skel_fixed.c) */
			e->skel->rodata->sg_local_probe = sg_local_probe_usable();
		/* before 6.9 sg_tc cannot load (no handoff kfunc); sg_xdp can.
		 * sg_tc_spx (synproxy) is not needed by these tests. */
		if (!err && !sg_feature_ok("kfunc_sk_assign_tcp_reqsk"))
			err = bpf_program__set_autoload(e->skel->progs.sg_tc, false);
		if (!err)
			err = bpf_program__set_autoload(e->skel->progs.sg_tc_spx, false);
		if (!err)
			err = synguard__load(e->skel);
		if (err) {
			fprintf(stderr, "cannot load the synguard skeleton: %s\n", strerror(-err));
			if (e->skel)
				synguard__destroy(e->skel);
			e->skel = NULL;
			return err;
		}
		e->prog_fd = bpf_program__fd(e->skel->progs.sg_xdp);
		e->cfg_fd = bpf_map__fd(e->skel->maps.sg_config);
		e->stats_fd = bpf_map__fd(e->skel->maps.sg_stats);
		e->keys_fd = bpf_map__fd(e->skel->maps.sg_keys);
	}
	if (getenv("SG_XDP_FIXED_LEN") && !strcmp(getenv("SG_XDP_FIXED_LEN"), "1"))
		e->fixed_len = true;
	e->ncpu = libbpf_num_possible_cpus();
	if (e->ncpu <= 0)
		return -EINVAL;
	if (getrandom(e->key, sizeof(e->key), 0) != sizeof(e->key) ||
	    getrandom(&e->cfg.meta_magic, sizeof(e->cfg.meta_magic), 0) != 4)
		return -EIO;
	err = xenv_write_key(e, 0, e->key);
	if (err)
		return err;
	e->cfg.key_fp = sg_keyring_fp(e->key);
	/* protect's defaults: 5 s age, no skew (random key) */
	e->cfg.max_age_ticks = (uint32_t)((SG_HS_DEFAULT_MAX_AGE_S * 1000000000ULL) >>
					  SG_HS_TICK_SHIFT);
	e->cfg.nots_window = sg_hs_nots_window(0);
	e->cfg.meta_magic |= 1;		/* never 0: 0 must not look like ours */
	xenv_sysctl_get("net/core/rmem_max", &rmem_max);
	e->cfg.rmem_max = (uint32_t)rmem_max;
	/* as protect finds them (bpf/local.h before Linux 6.13) */
	sg_local_tables(&e->cfg.addr_lst4, &e->cfg.addr_lst6, NULL, 0);
	/* as protect configures the fixed-length build (bpf/fixed_len.h) */
	e->cfg.flags = SG_CFG_ACTIVE | (e->fixed_len ? SG_CFG_NO_XDP_META | SG_CFG_FIXED_LEN : 0);
	e->cfg.ttl = 64;
	e->cfg.mode = SG_MODE_SKB;
	e->cfg.since_unix = e->cfg.updated_unix = (uint64_t)time(NULL);
	/* half a no-TS period (2.1 s) of margin on both sides */
	return xenv_set_clock(e, 1ULL << (SG_HS_PERIOD_SHIFT - 1));
}

void xenv_close(struct xdp_env *e)
{
	synguard__destroy(e->skel);
	e->skel = NULL;
	bpf_object__close(e->obj);
	e->obj = NULL;
}

/* Another build's counters, moved to our indices by name. */
static int foreign_counters(struct xdp_env *e, uint64_t cnt[SG_CNT_MAX])
{
	uint64_t *v = calloc((size_t)e->ncpu * e->foreign_ncnt, sizeof(*v));
	__u32 zero = 0;
	int i, c;

	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(e->stats_fd, &zero, v)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < e->ncpu; i++)
		for (c = 0; c < e->foreign_ncnt; c++)
			if (e->foreign_map[c] >= 0)
				cnt[e->foreign_map[c]] += v[(size_t)i * e->foreign_ncnt + c];
	free(v);
	return 0;
}

int xenv_counters(struct xdp_env *e, uint64_t cnt[SG_CNT_MAX])
{
	struct sg_stats *v;
	__u32 zero = 0;
	int i, c;

	memset(cnt, 0, sizeof(uint64_t) * SG_CNT_MAX);
	if (e->obj)
		return foreign_counters(e, cnt);
	v = calloc(e->ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(e->stats_fd, &zero, v)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < e->ncpu; i++)
		for (c = 0; c < SG_CNT_MAX; c++)
			cnt[c] += v[i].cnt[c];
	free(v);
	return 0;
}

/* Where the IP datagram in frame (len bytes) ends, or len if it cannot be
 * told: the fixed-length build leaves the rest of a longer request there. */
static int ip_end(const uint8_t *f, int len)
{
	int off = 12;
	uint16_t type;

	while (off + 2 <= len) {
		type = (uint16_t)(f[off] << 8 | f[off + 1]);
		if (type != 0x8100 && type != 0x88a8)
			break;
		off += 4;
	}
	off += 2;
	if (off + 40 > len)
		return len;
	if ((f[off] >> 4) == 4 && f[off - 2] == 0x08 && f[off - 1] == 0x00)
		off += f[off + 2] << 8 | f[off + 3];
	else if ((f[off] >> 4) == 6 && f[off - 2] == 0x86 && f[off - 1] == 0xdd)
		off += 40 + (f[off + 4] << 8 | f[off + 5]);
	else
		return len;
	return off < len ? off : len;
}

int xenv_run(struct xdp_env *e, const uint8_t *pkt, int len, struct xres *r)
{
	uint64_t before[SG_CNT_MAX], after[SG_CNT_MAX];
	uint8_t out[PKT_MAX + 128];
	struct xdp_md ctx_in = { .data_end = (__u32)len, .ingress_ifindex = (__u32)e->ifindex },
		      ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = pkt, .data_size_in = (__u32)len,
		.data_out = out, .data_size_out = sizeof(out),
		.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
		.ctx_out = &ctx_out, .ctx_size_out = sizeof(ctx_out),
		.repeat = 1);
	int c;

	memset(r, 0, sizeof(*r));
	r->counter = -1;
	if (xenv_counters(e, before))
		return r->err = -EIO;
	r->err = bpf_prog_test_run_opts(e->prog_fd, &o) ? -errno : 0;
	if (r->err)
		return r->err;
	r->ret = o.retval;
	/* data_out starts at data_meta; ctx_out.data is the metadata length */
	r->meta_len = (int)ctx_out.data;
	if (r->meta_len < 0 || r->meta_len > (int)sizeof(r->meta) ||
	    r->meta_len > (int)o.data_size_out)
		return r->err = -ERANGE;
	memcpy(r->meta, out, r->meta_len);
	r->len = r->frame_len = (int)o.data_size_out - r->meta_len;
	memcpy(r->data, out + r->meta_len, r->len);
	if (e->fixed_len && r->ret == XDP_TX)
		r->len = ip_end(r->data, r->len);
	if (xenv_counters(e, after))
		return r->err = -EIO;
	for (c = 0; c < SG_CNT_XDP_MAX; c++) {
		uint64_t d = after[c] - before[c];

		if (!d)
			continue;
		r->nmoved += (int)d;
		r->counter = r->counter == -1 && d == 1 ? c : -2;
	}
	return 0;
}

int xenv_run_spec(struct xdp_env *e, const struct pkt_spec *s, struct xres *r)
{
	uint8_t buf[PKT_MAX];
	int len = pkt_build(s, buf);

	if (len < 0)
		return r->err = -EINVAL;
	return xenv_run(e, buf, len, r);
}

const char *xenv_verdict(uint32_t ret)
{
	static const char *const n[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS",
					 "XDP_TX", "XDP_REDIRECT" };

	return ret < 5 ? n[ret] : "XDP_?";
}

const char *xenv_counter_name(int c)
{
	if (c == -1)
		return "(none)";
	if (c == -2)
		return "(several)";
	return c >= 0 && c < SG_CNT_MAX ? sg_counter_names[c] : "(?)";
}

static int mk_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *sl)
{
	struct sockaddr_in *a4 = (void *)ss;
	struct sockaddr_in6 *a6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*sl = sizeof(*a4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*sl = sizeof(*a6);
		return AF_INET6;
	}
	return -EINVAL;
}

int xenv_listen(const char *addr, uint16_t port)
{
	return xenv_listen_mss(addr, port, 0);
}

int xenv_listen_mss(const char *addr, uint16_t port, int maxseg)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = mk_addr(addr, port, &ss, &sl), fd, one = 1;

	if (fam < 0)
		return fam;
	fd = socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fam == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	/* before listen(), so that request sockets inherit it */
	if (maxseg && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &maxseg, sizeof(maxseg))) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (bind(fd, (void *)&ss, sl) || listen(fd, 128)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int xenv_connect(const char *addr, uint16_t port, int lfd, int *afd, uint16_t *cport)
{
	struct sockaddr_storage ss, me;
	socklen_t sl, ml = sizeof(me);
	int fam = mk_addr(addr, port, &ss, &sl), fd;

	if (fam < 0)
		return fam;
	fd = socket(fam, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (void *)&ss, sl) || getsockname(fd, (void *)&me, &ml))
		goto fail;
	*cport = ntohs(fam == AF_INET ? ((struct sockaddr_in *)&me)->sin_port
				      : ((struct sockaddr_in6 *)&me)->sin6_port);
	*afd = accept(lfd, NULL, NULL);
	if (*afd < 0)
		goto fail;
	return fd;
fail:
	{
		int err = -errno;

		close(fd);
		return err;
	}
}

int xenv_expect_raw(struct xdp_env *e, const char *name, const uint8_t *pkt, int len,
		    uint32_t verdict, int counter, struct xres *r)
{
	struct xres local;

	if (!r)
		r = &local;
	if (xenv_run(e, pkt, len, r)) {
		SG_FAIL(name, "test run failed: %s", strerror(-r->err));
		return -1;
	}
	if (r->ret != verdict || r->counter != counter || r->nmoved != 1) {
		SG_FAIL(name, "%s with counter %s (%d moved), want %s with %s",
			xenv_verdict(r->ret), xenv_counter_name(r->counter), r->nmoved,
			xenv_verdict(verdict), xenv_counter_name(counter));
		return -1;
	}
	SG_PASS(name);
	return 0;
}

int xenv_expect(struct xdp_env *e, const char *name, const struct pkt_spec *s,
		uint32_t verdict, int counter, struct xres *r)
{
	uint8_t buf[PKT_MAX];
	int len = pkt_build(s, buf);

	if (len < 0) {
		SG_FAIL(name, "cannot build the frame");
		return -1;
	}
	return xenv_expect_raw(e, name, buf, len, verdict, counter, r);
}

void xenv_expect_untouched(struct xdp_env *e, const char *name, const struct pkt_spec *s,
			   uint32_t verdict, int counter)
{
	uint8_t buf[PKT_MAX];
	int len = pkt_build(s, buf);
	struct xres r;
	char n[128];

	if (xenv_expect(e, name, s, verdict, counter, &r))
		return;
	snprintf(n, sizeof(n), "%s_untouched", name);
	SG_EXPECT(n, r.len == len && !memcmp(r.data, buf, len) && !r.meta_len,
		  "frame changed (len %d -> %d, meta %d)", len, r.len, r.meta_len);
}

int xenv_host_port(struct xdp_env *e, const char *test, const char *ip4, const char *ip6,
		   uint16_t port, int lfd[2])
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "ip addr add %s/32 dev lo && ip -6 addr add %s/128 dev lo nodad",
		 ip4, ip6);
	if (system(cmd)) {
		SG_FAIL(test, "cannot add the test addresses (ip)");
		return 1;
	}
	lfd[0] = xenv_listen("0.0.0.0", port);
	lfd[1] = xenv_listen("::", port);
	if (lfd[0] < 0 || lfd[1] < 0) {
		SG_FAIL(test, "cannot open the listeners");
		return 1;
	}
	xenv_protect(e, port);
	xenv_write_config(e);
	return 0;
}

uint64_t xenv_coarse_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

int xenv_expect_within(struct xdp_env *e, const char *name, const struct pkt_spec *s,
		       uint32_t verdict, int counter, struct xres *r, uint64_t t0,
		       uint64_t life_ns)
{
	uint8_t buf[PKT_MAX];
	struct xres local;
	uint64_t took;
	int len = pkt_build(s, buf);

	if (!r)
		r = &local;
	if (len < 0) {
		SG_FAIL(name, "cannot build the frame");
		return -1;
	}
	if (xenv_run(e, buf, len, r)) {
		SG_FAIL(name, "test run failed: %s", strerror(-r->err));
		return -1;
	}
	took = xenv_coarse_ns() - t0;
	if (r->ret == verdict && r->counter == counter && r->nmoved == 1) {
		SG_PASS(name);
		return 0;
	}
	if (took > life_ns) {
		SG_SKIP(name, "the runs took %llu ms, past the state's %llu ms life (%s with %s)",
			(unsigned long long)(took / 1000000), (unsigned long long)(life_ns / 1000000),
			xenv_verdict(r->ret), xenv_counter_name(r->counter));
		return 1;
	}
	SG_FAIL(name, "%s with counter %s (%d moved), want %s with %s",
		xenv_verdict(r->ret), xenv_counter_name(r->counter), r->nmoved,
		xenv_verdict(verdict), xenv_counter_name(counter));
	return -1;
}

int xenv_setup(struct xdp_env *e, const char *test)
{
	int err;

	if (geteuid() != 0) {
		SG_SKIP(test, "needs root (network namespace, BPF)");
		return 0;
	}
	err = xenv_netns();
	if (err) {
		SG_FAIL(test, "cannot set up a network namespace: %s", strerror(-err));
		return 1;
	}
	err = xenv_open(e);
	if (err) {
		SG_FAIL(test, "cannot load the XDP program: %s", strerror(-err));
		return 1;
	}
	return -1;
}

int xenv_flows_open(struct xenv_flows *f, const char *test, uint16_t port)
{
	static const char *const addr[2] = { "127.0.0.1", "::1" };
	int i;

	for (i = 0; i < 2; i++) {
		f->lfd[i] = xenv_listen(addr[i], port);
		f->cfd[i] = f->lfd[i] < 0 ? -1 :
			    xenv_connect(addr[i], port, f->lfd[i], &f->afd[i], &f->cport[i]);
		if (f->cfd[i] < 0) {
			SG_FAIL(test, "cannot open a listener and a connection on %s", addr[i]);
			return -1;
		}
	}
	return 0;
}

void xenv_flows_close(struct xenv_flows *f)
{
	for (int i = 0; i < 2; i++) {
		close(f->cfd[i]);
		close(f->afd[i]);
		close(f->lfd[i]);
	}
}

void xenv_spec_lo(struct pkt_spec *s, bool v6, uint16_t sport, uint16_t dport)
{
	pkt_spec_init(s);
	if (v6)
		pkt_set_v6(s, "::1", "::1");
	else
		pkt_set_v4(s, "127.0.0.1", "127.0.0.1");
	s->sport = sport;
	s->dport = dport;
}
