/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * conffile.h - /etc/synguard.conf, read by `synguard apply`/`unapply` (the
 * boot unit) and `synguard metrics -c` (which interfaces should be
 * protected). One section per interface, keys as protect's long options:
 *
 *   # comment
 *   [eth0]
 *   ports = 80,443,8000-8010      (required)
 *   mode = native                 (native | skb; default native)
 *   ttl = 64                      (1..255)
 *   key-file = /etc/synguard.key
 *   force = no                    (yes/no, true/false, on/off, 1/0)
 *   enable-syncookies = no
 *   syn-limit = 100/24            (protect --syn-limit; also syn-burst,
 *   synack-limit = 5000            syn-limit-prefix6, syn-limit-table)
 *   monitor = no                  (yes: protect --monitor, verdicts counted as would_*)
 *   engage = auto                 (always | auto | auto:PORTS; apply's default: auto,
 *   engage-rate = 1000             protect's: always; also engage-queue, engage-hold)
 *
 * Every value is checked here with protect's own parsers, so a bad file is
 * refused as a whole before anything is attached.
 */
#ifndef SG_CONFFILE_H
#define SG_CONFFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>

#define SG_CONF_DEFAULT_PATH	"/etc/synguard.conf"
#define SG_CONF_MAX_BYTES	(1 << 20)
#define SG_CONF_MAX_IFACES	256

struct sg_conf_iface {
	char ifname[IF_NAMESIZE];
	int line;		/* of the [section] header */
	char *ports;		/* as written (validated) */
	char *mode;		/* NULL: protect's default */
	int ttl;		/* 0: protect's default */
	char ttl_arg[4];	/* ttl as text, for the protect argv */
	char *key_file;		/* NULL: random key */
	bool force;
	bool enable_syncookies;
	/* policy limits as written (validated), NULL: not given; index
	 * enum sg_conf_limit */
	char *limit[5];
	bool monitor;		/* protect --monitor */
	/* the allow and deny lists (acl_opts.h) as written, NULL: not given;
	 * index enum sg_conf_acl */
	char *acl[5];
	/* engagement mode as written (validated), NULL: not given; index
	 * enum sg_conf_engage. apply passes --engage auto unless told. */
	char *engage[4];
	char *attach;		/* --attach auto|libxdp|netlink, NULL: protect's default */
	int prio;		/* --prio (libxdp run priority), 0: protect's default */
	char prio_arg[8];	/* prio as text, for the protect argv */
};

/* the engagement keys, in the order of sg_conf_iface.engage[] */
enum sg_conf_engage {
	SG_CONF_ENGAGE,		/* engage = always | auto | auto:PORTS */
	SG_CONF_ENGAGE_RATE,
	SG_CONF_ENGAGE_QUEUE,
	SG_CONF_ENGAGE_HOLD,
	SG_CONF_NENGAGE
};

/* apply's engagement mode when the file does not say (conffile.c):
 * a configuration left installed should cost nothing while idle */
#define SG_CONF_ENGAGE_DEFAULT	"auto"

/* the list keys, in the order of sg_conf_iface.acl[]: a list given here
 * becomes exactly that on every apply (and reload); one not given is left
 * to the allow/deny commands */
enum sg_conf_acl {
	SG_CONF_ALLOW,		/* allow = P[,P...] */
	SG_CONF_ALLOW_FILE,	/* allow-file = FILE (read by protect) */
	SG_CONF_DENY,
	SG_CONF_DENY_FILE,
	SG_CONF_ACL_MAX,	/* acl-max = N */
	SG_CONF_NACL
};

/* the limit keys, in the order of sg_conf_iface.limit[] */
enum sg_conf_limit {
	SG_CONF_SYN_LIMIT,
	SG_CONF_SYN_BURST,
	SG_CONF_SYN_PREFIX6,
	SG_CONF_SYN_TABLE,
	SG_CONF_SYNACK_LIMIT,
	SG_CONF_NLIMITS
};

struct sg_conf {
	int n;
	struct sg_conf_iface *ifaces;
};

/* Parse text; source names it in messages. 0, or -1 with "SOURCE:LINE: what"
 * in err (c is empty then). */
int sg_conf_parse(const char *text, const char *source, struct sg_conf *c, char *err,
		  size_t errlen);
/* Read and parse a file. 0, or -1 with a message in err. */
int sg_conf_load(const char *path, struct sg_conf *c, char *err, size_t errlen);
void sg_conf_free(struct sg_conf *c);

/* The `protect` argument vector for one interface (argv[0] = "protect"),
 * NULL-terminated; strings point into f. Returns argc (at most 45). */
#define SG_CONF_ARGV_MAX 48
int sg_conf_protect_argv(const struct sg_conf_iface *f, char *argv[SG_CONF_ARGV_MAX]);

#endif
