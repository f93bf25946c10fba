// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_fixed_len.c - the fixed-length build of sg_xdp (bpf/fixed_len.h,
 * build/synguard_fixed.bpf.o), the one protect loads into libxdp
 * dispatchers whose slots do not change packet data:
 * - it calls none of the helpers that change packet data (the verifier's
 *   bpf_helper_changes_pkt_data(): xdp_adjust_head/_meta/_tail, tail_call),
 *   while the default build does (so the scan sees them);
 * - its replies keep the received frame's length: a Linux SYN's SYN-ACK
 *   fills it exactly; after a SYN with payload, or an RST for an ACK with
 *   options, the IP length ends the reply and the rest is padding;
 * - a SYN without options (no room for our MSS option on lo) gets a
 *   SYN-ACK without options; a SYN whose options are shorter than ours in
 *   another way passes to the kernel (pass_syn_tx_error), unchanged.
 * The other unit tests run against this object in
 * tests/integration/test_fixed_len.sh.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <unistd.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "synack.h"
#include "testlib.h"
#include "xdp_env.h"

#define PORT	8093

/* Calls of helper ids that change packet data (include/uapi/linux/bpf.h) */
static const int pkt_helpers[] = { 12 /* tail_call */, 44 /* xdp_adjust_head */,
				   54 /* xdp_adjust_meta */, 65 /* xdp_adjust_tail */ };

/* How many calls of pkt_helpers the code of the object at path makes, in
 * every executable section (programs and the functions they call), or -1. */
static int count_pkt_calls(const char *path, char *which, size_t len)
{
	Elf_Scn *scn = NULL;
	size_t shstr;
	int fd, n = 0;
	Elf *elf;

	which[0] = '\0';
	if (elf_version(EV_CURRENT) == EV_NONE || (fd = open(path, O_RDONLY)) < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstr)) {
		close(fd);
		return -1;
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		const struct bpf_insn *in;
		const char *sec;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_EXECINSTR) || !(d = elf_getdata(scn, NULL)))
			continue;
		sec = elf_strptr(elf, shstr, sh.sh_name);
		in = d->d_buf;
		for (size_t i = 0; i < d->d_size / sizeof(*in); i++) {
			if (in[i].code != (BPF_JMP | BPF_CALL) || in[i].src_reg != 0)
				continue;
			for (size_t k = 0; k < sizeof(pkt_helpers) / sizeof(pkt_helpers[0]); k++)
				if (in[i].imm == pkt_helpers[k]) {
					n++;
					snprintf(which + strlen(which), len - strlen(which),
						 "%s:%d ", sec ? sec : "?", in[i].imm);
				}
		}
	}
	elf_end(elf);
	close(fd);
	return n;
}

static void syn(struct pkt_spec *s, bool v6)
{
	xenv_spec_lo(s, v6, 41000, PORT);
	s->seq = 0x01020304;
	s->flags = PKT_SYN;
	pkt_linux_syn_opts(s, v6 ? 1440 : 1460, 0x0a0b0c0d);
}

static int set_rst_limit(struct xdp_env *e, uint32_t rate)
{
	int fd = xenv_map_fd(e, "sg_limits");
	struct sg_limits l;
	__u32 zero = 0;

	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &l))
		return -1;
	l.rate[SG_RL_RST] = rate;
	return bpf_map_update_elem(fd, &zero, &l, BPF_ANY) ? -1 : 0;
}

/* SYN s is answered in place: XDP_TX, the frame keeps its length, and the
 * datagram in it is a correct SYN-ACK of reply_tcp bytes of TCP. */
static void expect_synack(struct xdp_env *e, const char *name, const struct pkt_spec *s,
			  int reply_tcp)
{
	uint8_t buf[PKT_MAX];
	int len = pkt_build(s, buf), want = s->nvlan * 4 + 14 + (s->ipv6 ? 40 : 20) + reply_tcp;
	struct synack_want w;
	struct xres r;
	char err[256];

	if (xenv_run(e, buf, len, &r) || r.ret != XDP_TX) {
		SG_FAIL(name, "%s, want XDP_TX", r.err ? strerror(-r.err) : xenv_verdict(r.ret));
		return;
	}
	if (r.frame_len != len) {
		SG_FAIL(name, "frame of %d bytes, the SYN's was %d", r.frame_len, len);
		return;
	}
	if (r.len != want) {
		SG_FAIL(name, "datagram ends at %d, want %d", r.len, want);
		return;
	}
	if (synack_expect(e, s, 0, &w) ||
	    synack_check(e, s, &w, r.data, r.len, NULL, NULL, err, sizeof(err))) {
		SG_FAIL(name, "%s", err);
		return;
	}
	SG_PASS(name);
}

static void per_family(struct xdp_env *e, bool v6)
{
	/* NOP NOP TS: 12 bytes; our answer needs MSS + NOP NOP TS, 16 */
	static const uint8_t ts_only[12] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 0 };
	const char *f = v6 ? "v6" : "v4";
	uint8_t buf[PKT_MAX];
	struct pkt_spec s;
	struct xres r;
	char n[96];
	int len;

#define NAME(x) (snprintf(n, sizeof(n), "fixed_len_%s_%s", f, x), n)
	syn(&s, v6);
	expect_synack(e, NAME("linux_syn_same_length"), &s, 40);

	syn(&s, v6);
	s.payload_len = 100;
	expect_synack(e, NAME("syn_payload_frame_kept"), &s, 40);

	syn(&s, v6);
	memset(&s.opt, 0, sizeof(s.opt));
	expect_synack(e, NAME("bare_syn_no_mss_option"), &s, 20);

	syn(&s, v6);
	memset(&s.opt, 0, sizeof(s.opt));
	s.payload_len = 8;	/* room for our MSS option now */
	expect_synack(e, NAME("bare_syn_payload_mss_option"), &s, 24);

	syn(&s, v6);
	s.raw_opts = ts_only;
	s.raw_optlen = sizeof(ts_only);
	len = pkt_build(&s, buf);
	if (!xenv_expect(e, NAME("ts_only_syn_to_kernel"), &s, XDP_PASS, SG_CNT_PASS_SYN_TX_ERROR,
			 &r))
		SG_EXPECT(NAME("ts_only_syn_unchanged"), r.len == len && !memcmp(r.data, buf, len),
			  "the SYN passed changed");

	/* an ACK with a wrong cookie, TS option (32 bytes of TCP) and data:
	 * the RST is 20 bytes of TCP in the ACK's frame */
	if (set_rst_limit(e, 1000)) {
		SG_FAIL(NAME("rst_frame_kept"), "cannot set the RST limit");
		return;
	}
	xenv_spec_lo(&s, v6, 41001, PORT);
	s.flags = PKT_ACK;
	s.seq = 1000;
	s.ack = 0x77777777;
	s.opt.ts = true;
	s.opt.tsval = 5;
	s.opt.tsecr = 6;
	s.payload_len = 30;
	len = pkt_build(&s, buf);
	if (xenv_run(e, buf, len, &r) || r.ret != XDP_TX)
		SG_FAIL(NAME("rst_frame_kept"), "%s, want XDP_TX (RST)", xenv_verdict(r.ret));
	else if (r.frame_len != len || r.len != 14 + (v6 ? 40 : 20) + 20)
		SG_FAIL(NAME("rst_frame_kept"), "frame %d (ACK's %d), datagram ends at %d",
			r.frame_len, len, r.len);
	else if ((r.data[14 + (v6 ? 40 : 20) + 13] & 0x3f) != 0x04)
		SG_FAIL(NAME("rst_frame_kept"), "TCP flags %#x, want RST",
			r.data[14 + (v6 ? 40 : 20) + 13]);
	else
		SG_PASS(NAME("rst_frame_kept"));
	set_rst_limit(e, 0);
#undef NAME
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX], def[PATH_MAX], fixed[PATH_MAX + 32], which[512];
	struct xenv_flows fl;
	struct xdp_env e;
	int rc, nd, nf;

	(void)argc;
	/* build/tests/unit/test_fixed_len -> build/ */
	snprintf(dir, sizeof(dir), "%s", argv[0]);
	snprintf(def, sizeof(def), "%s/../../synguard.bpf.o", dirname(dir));
	snprintf(fixed, sizeof(fixed), "%s/../../synguard_fixed.bpf.o", dir);

	nd = count_pkt_calls(def, which, sizeof(which));
	SG_EXPECT("fixed_len_default_build_changes_packets", nd > 0,
		  "the scan found %d calls in %s (it should see adjust_tail/_meta)", nd, def);
	nf = count_pkt_calls(fixed, which, sizeof(which));
	SG_EXPECT("fixed_len_no_packet_changing_helpers", nf == 0,
		  "%s calls %d: %s", fixed, nf, nf > 0 ? which : "cannot open it");

	if (!getenv("SG_XDP_OBJ") && setenv("SG_XDP_OBJ", fixed, 1))
		return 1;
	rc = xenv_setup(&e, "fixed_len");
	if (rc >= 0)
		return rc;
	if (!e.fixed_len) {
		SG_FAIL("fixed_len", "SG_XDP_OBJ is not the fixed-length build");
		return 1;
	}
	xenv_protect(&e, PORT);
	xenv_write_config(&e);
	if (xenv_flows_open(&fl, "fixed_len", PORT))
		return 1;
	per_family(&e, false);
	per_family(&e, true);
	xenv_flows_close(&fl);
	xenv_close(&e);
	return sg_test_failures ? 1 : 0;
}
