// SPDX-License-Identifier: GPL-2.0-only
/*
 * sg_flood - raw TCP flood generator for synguard's tests and demo attacker.
 *
 *   syn  spoofed SYNs: random source addresses inside --src PREFIX, random
 *        source ports and ISNs, Linux-like options (MSS, SACK, TS, WS)
 *   ack  ACKs with random seq/ack numbers (random cookies) and, on
 *        --ts-percent of them, a timestamp option with random TSval/TSecr
 *   --flags  the TCP flags of every frame instead of the mode's (SYN or ACK),
 *        e.g. syn,fin or none: malformed combinations for the drop reasons
 *        (the frame is the mode's otherwise: options, ack number)
 *
 * Frames are built in user space (correct IPv4/TCP checksums, the given or
 * resolved destination MAC) and sent through an AF_PACKET socket with
 * sendmmsg() in batches, bypassing the qdisc. A frame the driver refuses
 * (ENOBUFS: the veth peer's ring is full) is sent again, so "sent" counts the
 * frames that the interface accepted. The last line of output is JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "json.h"
#include "toolutil.h"

#define FRAME_MAX	128
#define BATCH_MAX	512

enum mode { MODE_SYN, MODE_ACK };

struct opts {
	enum mode mode;
	const char *iface;
	int ifindex, family;
	uint8_t smac[6], dmac[6];
	bool have_dmac;
	uint8_t dst[16];		/* IPv4 in the first 4 bytes */
	uint8_t src[16];		/* prefix base */
	int src_plen;
	uint16_t dport;
	uint64_t count;			/* 0 = until duration/signal */
	uint64_t rate;			/* packets/s in all, 0 = max */
	double duration;
	uint64_t ts_percent;
	uint64_t threads, batch;
	uint64_t seed;
	int flags;			/* --flags: TCP flag byte, -1 = the mode's */
};

static struct opts o = { .mode = MODE_ACK, .ts_percent = 100, .threads = 1,
			 .batch = 256, .flags = -1 };
static volatile sig_atomic_t stop;
static atomic_ulong claimed, total_sent, total_ts, total_retries;
static atomic_int fatal_errno;
static uint64_t t_start, t_deadline;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: sg_flood -i IFACE [--mode syn|ack] --dst ADDR --dport PORT --src PREFIX\n"
		"                [--dst-mac MAC] [-c N] [--rate PPS] [-d SEC] [--ts-percent P]\n"
		"                [--threads N] [--batch N] [--seed N] [--flags F,...]\n"
		"  --mode         syn: spoofed SYNs; ack: ACKs with random cookies (default ack)\n"
		"  --src PREFIX   source addresses, e.g. 10.77.1.0/24 or fd77:1::/64 (random host part)\n"
		"  --dst-mac MAC  next hop MAC (default: from the neighbour table of IFACE)\n"
		"  -c, --count N  packets in all; -d, --duration SEC: stop after SEC (one is needed)\n"
		"  --rate PPS     packets per second in all (default 0 = as fast as possible)\n"
		"  --ts-percent P share of packets with a timestamp option (default 100)\n"
		"  --flags F,...  TCP flags instead of the mode's: fin,syn,rst,psh,ack,urg,ece,cwr\n"
		"                 joined by commas, or none\n");
}

/* xorshift64*: fast, and good enough to make cookies and ports unpredictable
 * to the receiver (which is all a flood needs). */
static inline uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static inline uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (; len > 1; len -= 2, p += 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static inline uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v & 0xff;
}

/* Build one frame into f; returns its length. */
static size_t build(uint8_t *f, uint64_t *rs, bool *with_ts)
{
	bool v6 = o.family == AF_INET6;
	size_t l3 = 14, iplen = v6 ? 40 : 20, l4 = l3 + iplen, optlen = 0, tcplen;
	uint8_t *ip = f + l3, *tcp = f + l4, *opt = tcp + 20;
	uint8_t *sa = v6 ? ip + 8 : ip + 12, *da = v6 ? ip + 24 : ip + 16;
	int alen = v6 ? 16 : 4;
	uint64_t r = rnd(rs), r2 = rnd(rs);
	uint32_t sum;

	*with_ts = (r2 % 100) < o.ts_percent;
	memcpy(f, o.dmac, 6);
	memcpy(f + 6, o.smac, 6);
	put16(f + 12, v6 ? ETH_P_IPV6 : ETH_P_IP);

	/* source: prefix base with random host bits */
	memcpy(sa, o.src, alen);
	for (int bit = o.src_plen, b = o.src_plen / 8; b < alen; b++, bit = b * 8) {
		uint8_t hostmask = (uint8_t)(0xff >> (bit - b * 8));

		sa[b] = (sa[b] & ~hostmask) | ((uint8_t)rnd(rs) & hostmask);
	}
	memcpy(da, o.dst, alen);

	/* TCP header and options */
	put16(tcp, (uint16_t)(1024 + (r >> 48) % 64512));
	put16(tcp + 2, o.dport);
	put32(tcp + 4, (uint32_t)r);
	put32(tcp + 8, o.mode == MODE_ACK ? (uint32_t)(r >> 32) : 0);
	tcp[13] = o.flags >= 0 ? (uint8_t)o.flags : o.mode == MODE_ACK ? 0x10 : 0x02;
	put16(tcp + 14, o.mode == MODE_ACK ? 502 : 64240);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (o.mode == MODE_SYN) {
		/* Linux's layout: MSS, SACK_PERM + TS (or NOP NOP), NOP + WS */
		opt[0] = 2; opt[1] = 4; put16(opt + 2, v6 ? 1440 : 1460);
		optlen = 4;
		if (*with_ts) {
			opt[4] = 4; opt[5] = 2; opt[6] = 8; opt[7] = 10;
			put32(opt + 8, (uint32_t)r2);
			put32(opt + 12, 0);
			optlen = 16;
		} else {
			opt[4] = 1; opt[5] = 1; opt[6] = 4; opt[7] = 2;
			optlen = 8;
		}
		opt[optlen] = 1; opt[optlen + 1] = 3; opt[optlen + 2] = 3; opt[optlen + 3] = 7;
		optlen += 4;
	} else if (*with_ts) {
		uint64_t r3 = rnd(rs);

		opt[0] = 1; opt[1] = 1; opt[2] = 8; opt[3] = 10;
		put32(opt + 4, (uint32_t)r3);
		put32(opt + 8, (uint32_t)(r3 >> 32));
		optlen = 12;
	}
	tcplen = 20 + optlen;
	tcp[12] = (uint8_t)((tcplen / 4) << 4);

	/* IP header */
	if (v6) {
		put32(ip, 0x60000000);
		put16(ip + 4, (uint16_t)tcplen);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
	} else {
		ip[0] = 0x45; ip[1] = 0;
		put16(ip + 2, (uint16_t)(20 + tcplen));
		put16(ip + 4, (uint16_t)(r2 >> 16));
		put16(ip + 6, 0x4000);		/* DF */
		ip[8] = 64; ip[9] = IPPROTO_TCP;
		put16(ip + 10, 0);
		put16(ip + 10, fold(sum16(ip, 20, 0)));
	}
	/* TCP checksum over the pseudo-header and the segment */
	sum = sum16(sa, alen, 0);
	sum = sum16(da, alen, sum);
	sum += IPPROTO_TCP + (uint32_t)tcplen;
	sum = sum16(tcp, tcplen, sum);
	put16(tcp + 16, fold(sum));
	return l4 + tcplen;
}

static void *sender(void *arg)
{
	uint64_t rs = o.seed ^ (0x9e3779b97f4a7c15ULL * ((uintptr_t)arg + 1)) ^ tu_now_ns();
	uint64_t share = o.rate / o.threads, mine = 0, batch = o.batch;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = o.ifindex,
				   .sll_halen = 6 };
	static __thread uint8_t frames[BATCH_MAX][FRAME_MAX];
	struct mmsghdr msgs[BATCH_MAX];
	struct iovec iov[BATCH_MAX];
	int fd, one = 1;

	if (!rs)
		rs = 1;
	memcpy(sll.sll_addr, o.dmac, 6);
	/* protocol 0: this socket only sends, it never receives a copy */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		atomic_store(&fatal_errno, errno);
		return NULL;
	}
	/* The qdisc adds nothing here (veth has none) but costs a lock per frame */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	if (o.rate) {
		if (share == 0)
			share = 1;
		/* ~1 ms worth of packets per batch keeps the pace even */
		batch = share / 1000;
		if (batch < 1) batch = 1;
		if (batch > o.batch) batch = o.batch;
	}
	memset(msgs, 0, sizeof(msgs));
	for (uint64_t i = 0; i < batch; i++) {
		iov[i].iov_base = frames[i];
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	while (!stop && !atomic_load(&fatal_errno)) {
		uint64_t k = batch, ts = 0, start;
		unsigned int off = 0;

		if (t_deadline && tu_now_ns() >= t_deadline)
			break;
		if (o.count) {
			start = atomic_fetch_add(&claimed, batch);
			if (start >= o.count)
				break;
			if (start + k > o.count)
				k = o.count - start;
		}
		if (o.rate)
			tu_sleep_until_ns(t_start + (uint64_t)((double)mine * 1e9 / (double)share));
		for (uint64_t i = 0; i < k; i++) {
			bool with_ts;

			iov[i].iov_len = build(frames[i], &rs, &with_ts);
			ts += with_ts;
		}
		while (off < k) {
			int n = sendmmsg(fd, msgs + off, (unsigned int)(k - off), 0);

			if (n > 0) {
				off += n;
				continue;
			}
			if (n < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)) {
				/* the peer's ring is full: let the receiver drain it */
				atomic_fetch_add(&total_retries, 1);
				sched_yield();
				if (stop)
					break;
				continue;
			}
			atomic_store(&fatal_errno, n < 0 ? errno : EIO);
			break;
		}
		/* frames not sent (stop or error) are not counted; TS counted only
		 * if the whole batch went out, else approximately by share */
		mine += off;
		atomic_fetch_add(&total_sent, off);
		atomic_fetch_add(&total_ts, off == k ? ts : ts * off / (k ? k : 1));
		if (off < k)
			break;
	}
	close(fd);
	return NULL;
}

/* Find the MAC of dst in IFACE's neighbour table (rtnetlink dump). */
static int neigh_lookup(uint8_t mac[6])
{
	struct { struct nlmsghdr nh; struct ndmsg nd; } req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNEIGH,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.nd = { .ndm_family = (uint8_t)o.family },
	};
	int alen = o.family == AF_INET6 ? 16 : 4, found = -1;
	static char buf[65536];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0 || send(fd, &req, sizeof(req), 0) < 0)
		goto out;
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (len <= 0)
			goto out;
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			struct ndmsg *nd = NLMSG_DATA(nh);
			struct rtattr *a;
			int alen_left;
			const uint8_t *dst = NULL, *ll = NULL;

			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (nh->nlmsg_type != RTM_NEWNEIGH || nd->ndm_ifindex != o.ifindex ||
			    (nd->ndm_state & (NUD_FAILED | NUD_INCOMPLETE | NUD_NOARP)))
				continue;
			alen_left = (int)RTM_PAYLOAD(nh);
			for (a = RTM_RTA(nd); RTA_OK(a, alen_left); a = RTA_NEXT(a, alen_left)) {
				if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == (unsigned)alen)
					dst = RTA_DATA(a);
				else if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
					ll = RTA_DATA(a);
			}
			if (dst && ll && !memcmp(dst, o.dst, alen)) {
				memcpy(mac, ll, 6);
				found = 0;
			}
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return found;
}

/* Make the kernel resolve dst (a datagram to the discard port), then read
 * the neighbour table, for up to a second. */
static int resolve_dmac(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char dst[INET6_ADDRSTRLEN];
	int fd;

	if (!neigh_lookup(o.dmac))
		return 0;
	inet_ntop(o.family, o.dst, dst, sizeof(dst));
	tu_parse_addr(dst, o.family, 9, &ss, &len);
	fd = socket(o.family, SOCK_DGRAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o.iface, (socklen_t)strlen(o.iface));
		sendto(fd, "", 0, 0, (struct sockaddr *)&ss, len);
		close(fd);
	}
	for (int i = 0; i < 20; i++) {
		usleep(50000);
		if (!neigh_lookup(o.dmac))
			return 0;
	}
	fprintf(stderr, "sg_flood: no neighbour entry for %s on %s; give --dst-mac\n",
		dst, o.iface);
	return -1;
}

/* --flags: names joined by commas (in TCP header bit order), or "none" */
static int parse_flags(const char *s)
{
	static const char *const names[8] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr" };
	char buf[64], *tok, *save;
	int f = 0, i;

	if (!strcmp(s, "none"))
		return 0;
	if (!*s || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < 8 && strcmp(tok, names[i]); i++)
			;
		if (i == 8)
			return -1;
		f |= 1 << i;
	}
	return f;
}

static int parse_prefix(const char *s, int family, uint8_t addr[16], int *plen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	int max = family == AF_INET6 ? 128 : 32;
	uint64_t v = (uint64_t)max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (tu_parse_uint(slash + 1, 0, (uint64_t)max, &v) < 0)
			return -1;
	}
	*plen = (int)v;
	return inet_pton(family, buf, addr) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "iface", required_argument, 0, 'i' },
		{ "mode", required_argument, 0, 'm' },
		{ "dst", required_argument, 0, 'D' },
		{ "dport", required_argument, 0, 'p' },
		{ "src", required_argument, 0, 'S' },
		{ "dst-mac", required_argument, 0, 'M' },
		{ "count", required_argument, 0, 'c' },
		{ "rate", required_argument, 0, 'r' },
		{ "duration", required_argument, 0, 'd' },
		{ "ts-percent", required_argument, 0, 'T' },
		{ "threads", required_argument, 0, 'j' },
		{ "batch", required_argument, 0, 'b' },
		{ "seed", required_argument, 0, 's' },
		{ "flags", required_argument, 0, 'F' },
		{ "help", no_argument, 0, 'h' },
		{ 0 }
	};
	struct sigaction sa = { .sa_handler = on_signal };
	const char *dst = NULL, *src = NULL;
	char dst_str[INET6_ADDRSTRLEN];
	struct ifreq ifr;
	struct rusage ru;
	uint64_t v, sent;
	double secs;
	pthread_t th[64];
	struct jw *w;
	int c, fd;

	while ((c = getopt_long(argc, argv, "i:m:p:c:d:h", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o.iface = optarg; break;
		case 'm':
			if (!strcmp(optarg, "syn")) o.mode = MODE_SYN;
			else if (!strcmp(optarg, "ack")) o.mode = MODE_ACK;
			else goto bad;
			break;
		case 'D': dst = optarg; break;
		case 'S': src = optarg; break;
		case 'p':
			if (tu_parse_uint(optarg, 1, 65535, &v) < 0) goto bad;
			o.dport = (uint16_t)v;
			break;
		case 'M': if (tu_parse_mac(optarg, o.dmac) < 0) goto bad; o.have_dmac = true; break;
		case 'c': if (tu_parse_uint(optarg, 1, UINT64_MAX / 2, &o.count) < 0) goto bad; break;
		case 'r': if (tu_parse_uint(optarg, 0, 1000000000, &o.rate) < 0) goto bad; break;
		case 'd': if (tu_parse_seconds(optarg, &o.duration) < 0) goto bad; break;
		case 'T': if (tu_parse_uint(optarg, 0, 100, &o.ts_percent) < 0) goto bad; break;
		case 'j': if (tu_parse_uint(optarg, 1, 64, &o.threads) < 0) goto bad; break;
		case 'b': if (tu_parse_uint(optarg, 1, BATCH_MAX, &o.batch) < 0) goto bad; break;
		case 's': if (tu_parse_uint(optarg, 0, UINT64_MAX, &o.seed) < 0) goto bad; break;
		case 'F': if ((o.flags = parse_flags(optarg)) < 0) goto bad; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !o.iface || !dst || !src || !o.dport ||
	    (!o.count && o.duration <= 0)) {
		fprintf(stderr, "sg_flood: need -i IFACE, --dst, --dport, --src and -c or -d\n");
		usage(stderr);
		return 2;
	}
	o.family = strchr(dst, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(o.family, dst, o.dst) != 1) {
		fprintf(stderr, "sg_flood: bad destination address '%s'\n", dst);
		return 2;
	}
	if (parse_prefix(src, o.family, o.src, &o.src_plen) < 0) {
		fprintf(stderr, "sg_flood: bad source prefix '%s' (need an %s prefix)\n", src,
			o.family == AF_INET6 ? "IPv6" : "IPv4");
		return 2;
	}
	o.ifindex = (int)if_nametoindex(o.iface);
	if (!o.ifindex || strlen(o.iface) >= IFNAMSIZ) {
		fprintf(stderr, "sg_flood: no interface '%s'\n", o.iface);
		return 8;
	}
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, o.iface);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		fprintf(stderr, "sg_flood: cannot read the MAC of %s: %s\n", o.iface, strerror(errno));
		return 1;
	}
	close(fd);
	memcpy(o.smac, ifr.ifr_hwaddr.sa_data, 6);
	if (!o.have_dmac && resolve_dmac() < 0)
		return 1;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	t_start = tu_now_ns();
	if (o.duration > 0)
		t_deadline = t_start + (uint64_t)(o.duration * 1e9);
	for (uint64_t i = 0; i < o.threads; i++)
		if (pthread_create(&th[i], NULL, sender, (void *)(uintptr_t)i)) {
			fprintf(stderr, "sg_flood: cannot start thread\n");
			return 1;
		}
	for (uint64_t i = 0; i < o.threads; i++)
		pthread_join(th[i], NULL);
	secs = (tu_now_ns() - t_start) / 1e9;
	sent = atomic_load(&total_sent);
	if (atomic_load(&fatal_errno))
		fprintf(stderr, "sg_flood: send on %s failed: %s\n", o.iface,
			strerror(atomic_load(&fatal_errno)));

	inet_ntop(o.family, o.dst, dst_str, sizeof(dst_str));
	w = jw_new(stdout, false);
	jw_start_object(w);
	jw_string_field(w, "mode", o.mode == MODE_SYN ? "syn" : "ack");
	jw_string_field(w, "family", o.family == AF_INET6 ? "ipv6" : "ipv4");
	jw_string_field(w, "iface", o.iface);
	jw_string_field(w, "dst", dst_str);
	jw_uint_field(w, "dport", o.dport);
	if (o.flags >= 0)
		jw_uint_field(w, "flags", (uint64_t)o.flags);
	jw_uint_field(w, "sent", sent);
	jw_uint_field(w, "with_ts", atomic_load(&total_ts));
	jw_uint_field(w, "retries", atomic_load(&total_retries));
	jw_float_field(w, "seconds", secs);
	jw_float_field(w, "pps", secs > 0 ? sent / secs : 0);
	/* the generator's own CPU time, so that benchmarks can tell it apart
	 * from the receive work it triggers on the same CPU (veth) */
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		jw_float_field(w, "cpu_user_s", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6);
		jw_float_field(w, "cpu_sys_s", ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	}
	if (atomic_load(&fatal_errno))
		jw_string_field(w, "error", strerror(atomic_load(&fatal_errno)));
	jw_end_object(w);
	jw_free(w);
	return atomic_load(&fatal_errno) ? 1 : 0;
bad:
	fprintf(stderr, "sg_flood: bad value '%s' for option --%s\n", optarg,
		c == 'm' ? "mode" : c == 'M' ? "dst-mac" : c == 'F' ? "flags" : "(see --help)");
	return 2;
}
