// SPDX-License-Identifier: GPL-2.0-only
/* tcpinfo_json.c - see tcpinfo_json.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>

#include "tcpinfo_json.h"

#ifndef TCPI_OPT_USEC_TS
#define TCPI_OPT_USEC_TS 64
#endif

int sg_tcpinfo_json(struct jw *w, const char *name, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	jw_name(w, name);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0) {
		int err = errno;

		jw_null(w);
		return -err;
	}
	jw_start_object(w);
	jw_uint_field(w, "state", ti.tcpi_state);
	jw_uint_field(w, "options", ti.tcpi_options);
	jw_bool_field(w, "ts", ti.tcpi_options & TCPI_OPT_TIMESTAMPS);
	jw_bool_field(w, "sack", ti.tcpi_options & TCPI_OPT_SACK);
	jw_bool_field(w, "wscale", ti.tcpi_options & TCPI_OPT_WSCALE);
	jw_bool_field(w, "ecn", ti.tcpi_options & TCPI_OPT_ECN);
	jw_bool_field(w, "ecn_seen", ti.tcpi_options & TCPI_OPT_ECN_SEEN);
	jw_bool_field(w, "usec_ts", ti.tcpi_options & TCPI_OPT_USEC_TS);
	jw_uint_field(w, "snd_wscale", ti.tcpi_snd_wscale);
	jw_uint_field(w, "rcv_wscale", ti.tcpi_rcv_wscale);
	jw_uint_field(w, "snd_mss", ti.tcpi_snd_mss);
	jw_uint_field(w, "rcv_mss", ti.tcpi_rcv_mss);
	jw_uint_field(w, "advmss", ti.tcpi_advmss);
	jw_uint_field(w, "pmtu", ti.tcpi_pmtu);
	jw_uint_field(w, "rtt_us", ti.tcpi_rtt);
	jw_uint_field(w, "rttvar_us", ti.tcpi_rttvar);
	jw_uint_field(w, "rto_us", ti.tcpi_rto);
	jw_uint_field(w, "snd_cwnd", ti.tcpi_snd_cwnd);
	jw_uint_field(w, "rcv_space", ti.tcpi_rcv_space);
	jw_uint_field(w, "rcv_ssthresh", ti.tcpi_rcv_ssthresh);
	jw_uint_field(w, "retrans", ti.tcpi_retrans);
	jw_uint_field(w, "total_retrans", ti.tcpi_total_retrans);
	jw_uint_field(w, "segs_out", ti.tcpi_segs_out);
	jw_uint_field(w, "segs_in", ti.tcpi_segs_in);
	jw_uint_field(w, "bytes_acked", ti.tcpi_bytes_acked);
	jw_uint_field(w, "bytes_received", ti.tcpi_bytes_received);
	/* tcpi_snd_wnd exists since 6.2; older kernels return a shorter struct */
	if (len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti.tcpi_snd_wnd))
		jw_uint_field(w, "snd_wnd", ti.tcpi_snd_wnd);
	jw_end_object(w);
	return 0;
}
