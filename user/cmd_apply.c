// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_apply.c - `synguard apply [-c FILE] [--check]` and `synguard unapply
 * [-c FILE]`: protect (or unprotect) every interface of /etc/synguard.conf
 * (conffile.h). The boot unit deploy/synguard.service runs exactly these.
 * Each interface goes through cmd_protect/cmd_unprotect with the argument
 * vector the file describes, so a configured interface behaves as if an
 * operator had typed the command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "cli.h"
#include "common.h"
#include "conffile.h"
#include "json.h"
#include "keyfile.h"
#include "lock.h"

struct apply_opts {
	const char *config;
	bool check;
};

static int parse_args(int argc, char **argv, bool un, struct apply_opts *o)
{
	enum { O_CHECK = 256, O_WAIT };
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, O_CHECK },
		{ "wait", required_argument, NULL, O_WAIT },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, err;

	memset(o, 0, sizeof(*o));
	o->config = SG_CONF_DEFAULT_PATH;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:jph", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case O_CHECK:
			if (un)		/* not an unapply option */
				return sg_cli_opt("unapply", '?', argv);
			o->check = true;
			break;
		case O_WAIT:	/* per interface, by protect/unprotect (lock.h) */
			if ((err = sg_lock_parse_wait(optarg)))
				return err;
			break;
		default:
			if ((err = sg_cli_opt(un ? "unapply" : "apply", c, argv)))
				return err;
			break;
		}
	}
	if (optind < argc)
		return sg_fail(SG_EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	return 0;
}

/* Run a command with its stdout captured (its JSON goes into ours). *out is
 * malloc'ed text without the trailing newline, or NULL. */
static int run_captured(int (*fn)(int, char **), int argc, char **argv, char **out)
{
	FILE *tmp = tmpfile();
	int saved, rc;
	long n;

	*out = NULL;
	fflush(stdout);
	if (!tmp || (saved = dup(STDOUT_FILENO)) < 0) {
		if (tmp)
			fclose(tmp);
		return fn(argc, argv);	/* uncaptured: still do the work */
	}
	dup2(fileno(tmp), STDOUT_FILENO);
	rc = fn(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = ftell(tmp);
	if (n > 0 && n < (1L << 20) && (*out = malloc(n + 1))) {
		rewind(tmp);
		n = (long)fread(*out, 1, n, tmp);
		while (n > 0 && ((*out)[n - 1] == '\n' || (*out)[n - 1] == ' '))
			n--;
		(*out)[n] = 0;
		if ((*out)[0] != '{') {	/* not the one JSON object we expect */
			free(*out);
			*out = NULL;
		}
	}
	fclose(tmp);
	return rc;
}

/* Key files are read by protect, per interface; read them all first so
 * that a missing one changes nothing at all. */
static int check_keys(const struct apply_opts *o, const struct sg_conf *c)
{
	char msg[256];
	__u64 key[2];

	for (int i = 0; i < c->n; i++)
		if (c->ifaces[i].key_file &&
		    sg_key_read_file(c->ifaces[i].key_file, key, msg, sizeof(msg)))
			return sg_fail(SG_EXIT_USAGE, "%s:%d: [%s]: %s", o->config, c->ifaces[i].line,
				       c->ifaces[i].ifname, msg);
	return 0;
}

static int check(const struct apply_opts *o, const struct sg_conf *c)
{
	struct jw *w = NULL;

	if (sg_env.json) {
		w = jw_new(stdout, sg_env.pretty);
		jw_start_object(w);
		jw_string_field(w, "config", o->config);
		jw_bool_field(w, "valid", true);
		jw_name(w, "interfaces");
		jw_start_array(w);
	} else {
		printf("%s: valid, %d interface%s\n", o->config, c->n, c->n == 1 ? "" : "s");
	}
	for (int i = 0; i < c->n; i++) {
		char *argv[SG_CONF_ARGV_MAX];
		int argc = sg_conf_protect_argv(&c->ifaces[i], argv);
		bool present = if_nametoindex(c->ifaces[i].ifname) != 0;

		if (w) {
			jw_start_object(w);
			jw_string_field(w, "ifname", c->ifaces[i].ifname);
			jw_bool_field(w, "present", present);
			jw_name(w, "argv");
			jw_start_array(w);
			jw_string(w, "synguard");
			for (int k = 0; k < argc; k++)
				jw_string(w, argv[k]);
			jw_end_array(w);
			jw_end_object(w);
			continue;
		}
		printf("  synguard");
		for (int k = 0; k < argc; k++)
			printf(" %s", argv[k]);
		printf("%s\n", present ? "" : "   # interface not present now");
	}
	if (w) {
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
	}
	return SG_EXIT_OK;
}

static int run_all(const struct apply_opts *o, const struct sg_conf *c, bool un)
{
	bool pretty = sg_env.pretty;
	int first_rc = SG_EXIT_OK, ok = 0;
	struct jw *w = NULL;
	struct {
		int rc;
		char *json;
	} *res = calloc(c->n ? c->n : 1, sizeof(*res));

	if (!res)
		return sg_fail(SG_EXIT_ERROR, "out of memory");
	/* the captured objects are embedded compact, whatever -p says */
	sg_env.pretty = false;
	for (int i = 0; i < c->n; i++) {
		const struct sg_conf_iface *f = &c->ifaces[i];
		char *argv[SG_CONF_ARGV_MAX] = { "unprotect", (char *)f->ifname, NULL };
		int argc = un ? 2 : sg_conf_protect_argv(f, argv);
		int (*fn)(int, char **) = un ? cmd_unprotect : cmd_protect;

		if (sg_env.json)
			res[i].rc = run_captured(fn, argc, argv, &res[i].json);
		else
			res[i].rc = fn(argc, argv);
		fflush(stdout);
		/* stopping: an interface that is not protected, or gone, is down */
		if (res[i].rc == SG_EXIT_OK ||
		    (un && (res[i].rc == SG_EXIT_NOT_PROTECTED || res[i].rc == SG_EXIT_NODEV))) {
			ok++;
			continue;
		}
		sg_err("%s: %s %s failed (exit %d)", o->config, un ? "unprotect" : "protect",
		       f->ifname, res[i].rc);
		if (first_rc == SG_EXIT_OK)
			first_rc = res[i].rc;
	}
	sg_env.pretty = pretty;
	if (sg_env.json) {
		w = jw_new(stdout, sg_env.pretty);
		jw_start_object(w);
		jw_string_field(w, "config", o->config);
		jw_string_field(w, "action", un ? "unapply" : "apply");
		jw_bool_field(w, "ok", first_rc == SG_EXIT_OK);
		jw_int_field(w, "exit_code", first_rc);
		jw_name(w, "interfaces");
		jw_start_array(w);
		for (int i = 0; i < c->n; i++) {
			jw_start_object(w);
			jw_string_field(w, "ifname", c->ifaces[i].ifname);
			jw_int_field(w, "exit_code", res[i].rc);
			jw_name(w, "result");
			if (res[i].json)
				jw_raw(w, res[i].json);
			else
				jw_null(w);
			jw_end_object(w);
			free(res[i].json);
		}
		jw_end_array(w);
		jw_end_object(w);
		jw_free(w);
	} else {
		printf("%s %s: %d of %d interface%s %s\n", un ? "unapplied" : "applied", o->config,
		       ok, c->n, c->n == 1 ? "" : "s", un ? "unprotected" : "protected");
	}
	free(res);
	return first_rc;
}

static int apply_main(int argc, char **argv, bool un)
{
	struct apply_opts o;
	struct sg_conf c;
	char msg[512];
	int err;

	err = parse_args(argc, argv, un, &o);
	if (err)
		return err < 0 ? SG_EXIT_OK : err;
	if (sg_conf_load(o.config, &c, msg, sizeof(msg)))
		return sg_fail(SG_EXIT_USAGE, "%s", msg);
	if (!un)
		err = check_keys(&o, &c);
	if (err)
		; /* nothing was changed */
	else if (o.check)
		err = check(&o, &c);
	else if (!(err = sg_check_privileges()))
		err = run_all(&o, &c, un);
	sg_conf_free(&c);
	return err;
}

int cmd_apply(int argc, char **argv)
{
	return apply_main(argc, argv, false);
}

int cmd_unapply(int argc, char **argv)
{
	return apply_main(argc, argv, true);
}
