// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_acl.c - `synguard allow|deny add|del|list|flush IFACE [PREFIX...]
 * [--file F]`: change the allow and deny lists of a protected interface live
 * (no re-attach; established connections are not touched). The rules of a
 * change are in acl_maps.h.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "acl_maps.h"
#include "acl_show.h"
#include "cli.h"
#include "cli_iface.h"
#include "commands.h"
#include "common.h"
#include "defense_maps.h"
#include "escape.h"
#include "json.h"
#include "lock.h"

enum acl_op { OP_ADD, OP_DEL, OP_LIST, OP_FLUSH };

struct acl_opts {
	enum acl_op op;
	const char *ifname;
	struct sg_prefix *v;
	size_t n, cap;
	bool from_file;		/* --file given: an empty result is an error too */
};

static int parse_op(const char *s, enum acl_op *op)
{
	static const char *const names[] = { "add", "del", "list", "flush" };

	for (int i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*op = (enum acl_op)i;
			return 0;
		}
	}
	if (!strcmp(s, "delete") || !strcmp(s, "remove")) {
		*op = OP_DEL;
		return 0;
	}
	return -1;
}

static int parse_args(const char *cmd, int argc, char **argv, struct acl_opts *o)
{
	enum { OPT_WAIT = 256 };
	static const struct option lopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	char msg[512];
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:jph", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (sg_prefix_read_file(optarg, &o->v, &o->n, &o->cap, msg, sizeof(msg)))
				return sg_fail(SG_EXIT_USAGE, "%s (nothing was changed)", msg);
			o->from_file = true;
			break;
		case OPT_WAIT:
			if ((err = sg_lock_parse_wait(optarg)))
				return err;
			break;
		default:
			if ((err = sg_cli_opt(cmd, c, argv)))
				return err;
			break;
		}
	}
	if (optind >= argc) {
		sg_err("missing action: add, del, list or flush");
		sg_usage(stderr, cmd);
		return SG_EXIT_USAGE;
	}
	if (parse_op(argv[optind], &o->op))
		return sg_fail(SG_EXIT_USAGE, "unknown action '%s': use add, del, list or flush",
			       argv[optind]);
	optind++;
	if (optind >= argc) {
		sg_err("missing interface name");
		sg_usage(stderr, cmd);
		return SG_EXIT_USAGE;
	}
	o->ifname = argv[optind++];
	if ((o->op == OP_LIST || o->op == OP_FLUSH) && (optind < argc || o->from_file))
		return sg_fail(SG_EXIT_USAGE, "'%s %s' takes no prefixes", cmd,
			       o->op == OP_LIST ? "list" : "flush");
	for (; optind < argc; optind++) {
		struct sg_prefix p;

		if (sg_prefix_parse(argv[optind], &p, msg, sizeof(msg)))
			return sg_fail(SG_EXIT_USAGE, "%s (nothing was changed)", msg);
		if (sg_prefix_push(&o->v, &o->n, &o->cap, &p))
			return sg_fail(SG_EXIT_ERROR, "out of memory");
	}
	if ((o->op == OP_ADD || o->op == OP_DEL) && !o->n)
		return sg_fail(SG_EXIT_USAGE, o->from_file ? "no prefixes in the file(s) given "
			       "(nothing was changed)" : "missing prefixes: give PREFIX... or "
			       "--file FILE");
	return 0;
}

static void report(const char *cmd, const struct acl_opts *o, const char *action,
		   const struct sg_acl_result *r, const struct sg_acl_state *st)
{
	enum sg_acl_verdict list = !strcmp(cmd, "deny") ? SG_ACL_DENY : SG_ACL_ALLOW;
	int s4 = list == SG_ACL_DENY ? SG_ACL_DENY4 : SG_ACL_ALLOW4;
	int s6 = list == SG_ACL_DENY ? SG_ACL_DENY6 : SG_ACL_ALLOW6;
	char esc[256];

	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_string_field(w, "ifname", o->ifname);
		jw_string_field(w, "list", cmd);
		jw_string_field(w, "action", action);
		jw_uint_field(w, "added", r->added);
		jw_uint_field(w, "removed", r->removed);
		jw_uint_field(w, "present", r->present);
		jw_uint_field(w, "ipv4", st->n[s4]);
		jw_uint_field(w, "ipv6", st->n[s6]);
		jw_uint_field(w, "max", st->max);
		jw_end_object(w);
		jw_free(w);
		return;
	}
	printf("%s %s: %zu added, %zu removed", cmd, sg_esc_text(o->ifname, esc, sizeof(esc)),
	       r->added, r->removed);
	if (r->present)
		printf(", %zu already present", r->present);
	printf("; the %s list holds %u IPv4 and %u IPv6 prefixes\n", cmd, st->n[s4], st->n[s6]);
}

static int do_list(const char *cmd, const struct acl_opts *o, const struct sg_acl_fds *m)
{
	enum sg_acl_verdict list = !strcmp(cmd, "deny") ? SG_ACL_DENY : SG_ACL_ALLOW;
	struct sg_acl_state st;
	struct sg_prefix *v;
	char s[64];
	size_t n;
	int err;

	if ((err = sg_acl_read_state(m, &st)) || (err = sg_acl_dump(m, list, &v, &n)))
		return sg_fail(SG_EXIT_ERROR, "cannot read the %s list of %s: %s", cmd, o->ifname,
			       strerror(-err));
	if (sg_env.json) {
		struct jw *w = jw_new(stdout, sg_env.pretty);

		jw_start_object(w);
		jw_string_field(w, "ifname", o->ifname);
		jw_string_field(w, "list", cmd);
		jw_uint_field(w, "max", st.max);
		jw_uint_field(w, "ipv4", st.n[list == SG_ACL_DENY ? SG_ACL_DENY4 : SG_ACL_ALLOW4]);
		jw_uint_field(w, "ipv6", st.n[list == SG_ACL_DENY ? SG_ACL_DENY6 : SG_ACL_ALLOW6]);
		jw_name(w, "prefixes");
		jw_start_array(w);
		for (size_t i = 0; i < n; i++) {
			sg_prefix_format(&v[i], s, sizeof(s));
			jw_string(w, s);
		}
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
	} else {
		/* one prefix per line: the format of --file */
		for (size_t i = 0; i < n; i++) {
			sg_prefix_format(&v[i], s, sizeof(s));
			printf("%s\n", s);
		}
	}
	free(v);
	return SG_EXIT_OK;
}

static int run(const char *cmd, int argc, char **argv)
{
	enum sg_acl_verdict list = !strcmp(cmd, "deny") ? SG_ACL_DENY : SG_ACL_ALLOW;
	struct acl_opts o = {};
	SG_LOCK_AUTO lock = SG_LOCK_INIT;
	struct sg_acl_result r = {};
	struct sg_acl_state st;
	struct sg_defense d;
	struct sg_acl_fds m;
	const char *action;
	char msg[512];
	int ifindex, err;

	err = parse_args(cmd, argc, argv, &o);
	if (err) {
		free(o.v);
		return err < 0 ? SG_EXIT_OK : err;
	}
	err = sg_check_privileges();
	if (err)
		goto out;
	err = sg_cli_ifindex(o.ifname, &ifindex);
	if (err)
		goto out;
	/* changes one at a time with protect, unprotect and each other */
	if (o.op != OP_LIST && (err = sg_lock_iface(ifindex, o.ifname, &lock)))
		goto out;
	err = sg_cli_defense_open(o.ifname, ifindex, &d);
	if (err)
		goto out;
	if (!sg_acl_fds_of(&d, &m)) {
		err = sg_fail(SG_EXIT_CONFLICT, "%s runs a synguard build without allow/deny "
			      "lists; run 'synguard unprotect %s' and protect it again", o.ifname,
			      o.ifname);
		goto close;
	}
	switch (o.op) {
	case OP_LIST:
		err = do_list(cmd, &o, &m);
		goto close;
	case OP_ADD:
		action = "add";
		err = sg_acl_add(&m, list, o.v, o.n, &r, msg, sizeof(msg));
		break;
	case OP_DEL:
		action = "del";
		err = sg_acl_del(&m, list, o.v, o.n, &r, msg, sizeof(msg));
		break;
	default:
		action = "flush";
		err = sg_acl_replace(&m, list, NULL, 0, &r, msg, sizeof(msg));
		break;
	}
	if (err) {
		err = sg_fail(err, "%s %s: %s", cmd, o.ifname, msg);
		goto close;
	}
	if (sg_acl_read_state(&m, &st))
		memset(&st, 0, sizeof(st));
	report(cmd, &o, action, &r, &st);
close:
	sg_defense_close(&d);
out:
	free(o.v);
	return err;
}

int cmd_allow(int argc, char **argv)
{
	return run("allow", argc, argv);
}

int cmd_deny(int argc, char **argv)
{
	return run("deny", argc, argv);
}
