// SPDX-License-Identifier: GPL-2.0-only
/* conffile.c - /etc/synguard.conf parsing; see conffile.h. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "attach_libxdp.h"
#include "conffile.h"
#include "limits_opts.h"
#include "engage_opts.h"
#include "acl_opts.h"
#include "ports.h"

void sg_conf_free(struct sg_conf *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->ifaces[i].ports);
		free(c->ifaces[i].mode);
		free(c->ifaces[i].key_file);
		free(c->ifaces[i].attach);
		for (int j = 0; j < SG_CONF_NLIMITS; j++)
			free(c->ifaces[i].limit[j]);
		for (int j = 0; j < SG_CONF_NACL; j++)
			free(c->ifaces[i].acl[j]);
		for (int j = 0; j < SG_CONF_NENGAGE; j++)
			free(c->ifaces[i].engage[j]);
	}
	free(c->ifaces);
	c->ifaces = NULL;
	c->n = 0;
}

static int fail(char *err, size_t errlen, const char *src, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int fail(char *err, size_t errlen, const char *src, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%d: ", src, line);

	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Interface names as the kernel allows them: 1..15 bytes, no '/', ':' or
 * whitespace. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IF_NAMESIZE || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || isspace((unsigned char)*s) || !isprint((unsigned char)*s))
			return false;
	return true;
}

/* the policy limit keys: protect's option names and parsers */
static const struct {
	const char *name;
	int (*parse)(const char *, struct sg_limit_opts *, char *, size_t);
} limit_keys[SG_CONF_NLIMITS] = {
	[SG_CONF_SYN_LIMIT]	= { "syn-limit", sg_syn_limit_parse },
	[SG_CONF_SYN_BURST]	= { "syn-burst", sg_syn_burst_parse },
	[SG_CONF_SYN_PREFIX6]	= { "syn-limit-prefix6", sg_syn_prefix6_parse },
	[SG_CONF_SYN_TABLE]	= { "syn-limit-table", sg_syn_table_parse },
	[SG_CONF_SYNACK_LIMIT]	= { "synack-limit", sg_synack_limit_parse },
};

/* the engagement keys: protect's option names and parsers */
static const struct {
	const char *name, *opt;
	int (*parse)(const char *, struct sg_engage_opts *, char *, size_t);
} engage_keys[SG_CONF_NENGAGE] = {
	[SG_CONF_ENGAGE]	= { "engage", "--engage", sg_engage_mode_parse },
	[SG_CONF_ENGAGE_RATE]	= { "engage-rate", "--engage-rate", sg_engage_rate_parse },
	[SG_CONF_ENGAGE_QUEUE]	= { "engage-queue", "--engage-queue", sg_engage_queue_parse },
	[SG_CONF_ENGAGE_HOLD]	= { "engage-hold", "--engage-hold", sg_engage_hold_parse },
};

/* The section's engagement keys together, as protect will see them (apply
 * defaults to auto): thresholds need auto, auto:PORTS must be protected. */
static int check_engage(const struct sg_conf_iface *f, char *msg, size_t len)
{
	struct sg_engage_opts eo;
	__u64 ports[SG_PORT_WORDS];

	sg_engage_opts_init(&eo);
	if (engage_keys[SG_CONF_ENGAGE].parse(f->engage[SG_CONF_ENGAGE] ?
					      f->engage[SG_CONF_ENGAGE] : SG_CONF_ENGAGE_DEFAULT,
					      &eo, msg, len))
		return -1;
	for (int i = SG_CONF_ENGAGE_RATE; i < SG_CONF_NENGAGE; i++)
		if (f->engage[i] && engage_keys[i].parse(f->engage[i], &eo, msg, len))
			return -1;
	if (sg_ports_parse(f->ports, ports, msg, len) < 0)
		return -1;
	return sg_engage_opts_check(&eo, ports, msg, len);
}

static int set_key(struct sg_conf_iface *f, const char *key, const char *val, const char *src,
		   int line, char *err, size_t errlen)
{
	char k[32], msg[160];
	__u64 ports[SG_PORT_WORDS];
	enum sg_mode mode;
	char *end;
	long v;

	/* key_file and key-file alike */
	snprintf(k, sizeof(k), "%s", key);
	for (char *p = k; *p; p++)
		if (*p == '_')
			*p = '-';
	if (!*val)
		return fail(err, errlen, src, line, "'%s' needs a value", key);
	if (!strcmp(k, "ports")) {
		if (f->ports)
			return fail(err, errlen, src, line, "'ports' given twice for [%s]", f->ifname);
		if (sg_ports_parse(val, ports, msg, sizeof(msg)) < 0)
			return fail(err, errlen, src, line, "%s", msg);
		return (f->ports = strdup(val)) ? 0 : fail(err, errlen, src, line, "out of memory");
	}
	if (!strcmp(k, "mode")) {
		if (sg_mode_parse(val, &mode))
			return fail(err, errlen, src, line, "bad mode '%s': use native or skb", val);
		free(f->mode);
		return (f->mode = strdup(val)) ? 0 : fail(err, errlen, src, line, "out of memory");
	}
	if (!strcmp(k, "ttl")) {
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || *end || v < 1 || v > 255)
			return fail(err, errlen, src, line, "bad ttl '%s': use 1..255", val);
		f->ttl = (int)v;
		snprintf(f->ttl_arg, sizeof(f->ttl_arg), "%d", f->ttl);
		return 0;
	}
	if (!strcmp(k, "attach")) {
		enum sg_attach a;

		if (sg_attach_parse(val, &a))
			return fail(err, errlen, src, line, "bad attach '%s': use auto, libxdp or "
				    "netlink", val);
		free(f->attach);
		return (f->attach = strdup(val)) ? 0 : fail(err, errlen, src, line, "out of memory");
	}
	if (!strcmp(k, "prio")) {
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || *end || v < 1 || v > 1000)
			return fail(err, errlen, src, line, "bad prio '%s': use 1..1000", val);
		f->prio = (int)v;
		snprintf(f->prio_arg, sizeof(f->prio_arg), "%d", f->prio);
		return 0;
	}
	if (!strcmp(k, "key-file")) {
		free(f->key_file);
		return (f->key_file = strdup(val)) ? 0 : fail(err, errlen, src, line, "out of memory");
	}
	if (!strcmp(k, "monitor")) {
		if (parse_bool(val, &f->monitor))
			return fail(err, errlen, src, line, "bad value '%s' for %s: use yes or no",
				    val, key);
		return 0;
	}
	if (!strcmp(k, "force") || !strcmp(k, "enable-syncookies")) {
		bool b;

		if (parse_bool(val, &b))
			return fail(err, errlen, src, line, "bad value '%s' for %s: use yes or no",
				    val, key);
		if (k[0] == 'f')
			f->force = b;
		else
			f->enable_syncookies = b;
		return 0;
	}
	for (int i = 0; i < SG_CONF_NLIMITS; i++) {
		struct sg_limit_opts lo;

		if (strcmp(k, limit_keys[i].name))
			continue;
		sg_limit_opts_init(&lo);
		if (limit_keys[i].parse(val, &lo, msg, sizeof(msg)))
			return fail(err, errlen, src, line, "%s", msg);
		free(f->limit[i]);
		return (f->limit[i] = strdup(val)) ? 0 : fail(err, errlen, src, line,
							      "out of memory");
	}
	for (int i = 0; i < SG_CONF_NENGAGE; i++) {
		struct sg_engage_opts eo;

		if (strcmp(k, engage_keys[i].name))
			continue;
		sg_engage_opts_init(&eo);
		if (engage_keys[i].parse(val, &eo, msg, sizeof(msg)))
			return fail(err, errlen, src, line, "%s", msg);
		free(f->engage[i]);
		return (f->engage[i] = strdup(val)) ? 0 : fail(err, errlen, src, line,
							       "out of memory");
	}
	for (int i = 0; i < SG_CONF_NACL; i++) {
		static const char *const names[SG_CONF_NACL] = {
			"allow", "allow-file", "deny", "deny-file", "acl-max",
		};
		struct sg_acl_opts ao = {};
		char amsg[640];
		__u32 max;
		int rc = 0;

		if (strcmp(k, names[i]))
			continue;
		if (f->acl[i])
			return fail(err, errlen, src, line, "'%s' given twice for [%s]", key,
				    f->ifname);
		/* lists checked now; files are read by protect (apply --check too) */
		if (i == SG_CONF_ALLOW || i == SG_CONF_DENY)
			rc = sg_acl_opt_parse(&ao, i == SG_CONF_ALLOW ? SG_ACL_OPT_ALLOW :
					      SG_ACL_OPT_DENY, val, amsg, sizeof(amsg));
		else if (i == SG_CONF_ACL_MAX)
			rc = sg_acl_max_parse(val, &max, amsg, sizeof(amsg));
		sg_acl_opts_free(&ao);
		if (rc)
			return fail(err, errlen, src, line, "%s", amsg);
		return (f->acl[i] = strdup(val)) ? 0 : fail(err, errlen, src, line,
							    "out of memory");
	}
	return fail(err, errlen, src, line, "unknown key '%s' (known: ports, mode, ttl, attach, "
		    "prio, key-file, "
		    "force, enable-syncookies, syn-limit, syn-burst, syn-limit-prefix6, "
		    "syn-limit-table, synack-limit, monitor, allow, allow-file, deny, deny-file, "
		    "acl-max, engage, engage-rate, engage-queue, engage-hold)", key);
}

int sg_conf_parse(const char *text, const char *src, struct sg_conf *c, char *err, size_t errlen)
{
	struct sg_conf_iface *cur = NULL;
	char *copy, *line, *save = NULL;
	int lineno = 0, rc = 0;

	memset(c, 0, sizeof(*c));
	copy = strdup(text);
	if (!copy)
		return fail(err, errlen, src, 0, "out of memory");
	/* strtok_r would skip empty lines and so miscount them: walk by hand */
	for (line = copy; line; line = save) {
		char *s, *eq;

		save = strchr(line, '\n');
		if (save)
			*save++ = 0;
		lineno++;
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			char *name;

			if (!e || *trim(e + 1)) {
				rc = fail(err, errlen, src, lineno, "bad section header '%s': use [IFACE]", s);
				break;
			}
			*e = 0;
			name = trim(s + 1);
			if (!valid_ifname(name)) {
				rc = fail(err, errlen, src, lineno, "bad interface name '%s'", name);
				break;
			}
			for (int i = 0; i < c->n; i++) {
				if (!strcmp(c->ifaces[i].ifname, name)) {
					rc = fail(err, errlen, src, lineno, "[%s] given twice (first at "
						  "line %d)", name, c->ifaces[i].line);
					break;
				}
			}
			if (rc)
				break;
			if (c->n >= SG_CONF_MAX_IFACES) {
				rc = fail(err, errlen, src, lineno, "more than %d interfaces",
					  SG_CONF_MAX_IFACES);
				break;
			}
			cur = realloc(c->ifaces, (c->n + 1) * sizeof(*cur));
			if (!cur) {
				rc = fail(err, errlen, src, lineno, "out of memory");
				break;
			}
			c->ifaces = cur;
			cur = &c->ifaces[c->n++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->ifname, sizeof(cur->ifname), "%s", name);
			cur->line = lineno;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			rc = fail(err, errlen, src, lineno, "expected 'key = value' or [IFACE], got '%s'", s);
			break;
		}
		if (!cur) {
			rc = fail(err, errlen, src, lineno, "'%s' before any [IFACE] section", s);
			break;
		}
		*eq = 0;
		rc = set_key(cur, trim(s), trim(eq + 1), src, lineno, err, errlen);
		if (rc)
			break;
	}
	free(copy);
	for (int i = 0; !rc && i < c->n; i++) {
		if (!c->ifaces[i].ports)
			rc = fail(err, errlen, src, c->ifaces[i].line, "[%s] has no 'ports'",
				  c->ifaces[i].ifname);
		else if (c->ifaces[i].limit[SG_CONF_SYN_BURST] &&
			 !c->ifaces[i].limit[SG_CONF_SYN_LIMIT])
			rc = fail(err, errlen, src, c->ifaces[i].line, "[%s]: syn-burst needs "
				  "syn-limit", c->ifaces[i].ifname);
		else {
			char msg[256];

			if (check_engage(&c->ifaces[i], msg, sizeof(msg)))
				rc = fail(err, errlen, src, c->ifaces[i].line, "[%s]: %s",
					  c->ifaces[i].ifname, msg);
		}
	}
	if (rc)
		sg_conf_free(c);
	return rc;
}

int sg_conf_load(const char *path, struct sg_conf *c, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(SG_CONF_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(buf, 1, SG_CONF_MAX_BYTES + 1, f);
	if (ferror(f) || n > SG_CONF_MAX_BYTES) {
		snprintf(err, errlen, ferror(f) ? "cannot read %s" : "%s is larger than 1 MiB", path);
		fclose(f);
		free(buf);
		return -1;
	}
	fclose(f);
	buf[n] = 0;
	if (memchr(buf, 0, n)) {
		snprintf(err, errlen, "%s is not a text file", path);
		free(buf);
		return -1;
	}
	rc = sg_conf_parse(buf, path, c, err, errlen);
	free(buf);
	return rc;
}

int sg_conf_protect_argv(const struct sg_conf_iface *f, char *argv[SG_CONF_ARGV_MAX])
{
	int n = 0;

	argv[n++] = "protect";
	argv[n++] = (char *)f->ifname;
	argv[n++] = "--ports";
	argv[n++] = f->ports;
	if (f->mode) {
		argv[n++] = "--mode";
		argv[n++] = f->mode;
	}
	if (f->ttl) {
		argv[n++] = "--ttl";
		argv[n++] = (char *)f->ttl_arg;
	}
	if (f->attach) {
		argv[n++] = "--attach";
		argv[n++] = f->attach;
	}
	if (f->prio) {
		argv[n++] = "--prio";
		argv[n++] = (char *)f->prio_arg;
	}
	if (f->key_file) {
		argv[n++] = "--key-file";
		argv[n++] = f->key_file;
	}
	if (f->force)
		argv[n++] = "--force";
	if (f->enable_syncookies)
		argv[n++] = "--enable-syncookies";
	for (int i = 0; i < SG_CONF_NLIMITS; i++) {
		static const char *const opt[SG_CONF_NLIMITS] = {
			"--syn-limit", "--syn-burst", "--syn-limit-prefix6", "--syn-limit-table",
			"--synack-limit",
		};

		if (f->limit[i]) {
			argv[n++] = (char *)opt[i];
			argv[n++] = f->limit[i];
		}
	}
	if (f->monitor)
		argv[n++] = "--monitor";
	for (int i = 0; i < SG_CONF_NACL; i++) {
		static const char *const opt[SG_CONF_NACL] = {
			"--allow", "--allow-file", "--deny", "--deny-file", "--acl-max",
		};

		if (f->acl[i]) {
			argv[n++] = (char *)opt[i];
			argv[n++] = f->acl[i];
		}
	}
	/* apply's default differs from protect's: always said */
	argv[n++] = "--engage";
	argv[n++] = f->engage[SG_CONF_ENGAGE] ? f->engage[SG_CONF_ENGAGE] :
		    (char *)SG_CONF_ENGAGE_DEFAULT;
	for (int i = SG_CONF_ENGAGE_RATE; i < SG_CONF_NENGAGE; i++) {
		if (f->engage[i]) {
			argv[n++] = (char *)engage_keys[i].opt;
			argv[n++] = f->engage[i];
		}
	}
	argv[n] = NULL;
	return n;
}
