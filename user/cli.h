/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cli.h - what every command's option parsing shares: -j, -p, -h and
 * getopt's errors, and the help texts, which are generated from the man page
 * source (docs/synguard.8.md, by scripts/gen_help.py) so that the two cannot
 * drift apart.
 */
#ifndef SG_CLI_H
#define SG_CLI_H

#include <stdio.h>

/* returned by sg_cli_opt() after --help was printed: the command exits 0 */
#define SG_CLI_HELP (-1)

/* Handle an option every command takes. c is getopt_long's return value.
 * 0: -j or -p, keep parsing; SG_CLI_HELP: help printed on stdout;
 * SG_EXIT_USAGE: an unknown option or a missing value, reported on stderr
 * with the usage. */
int sg_cli_opt(const char *cmd, int c, char **argv);

/* Parse the options of a command that takes only the shared ones (-j, -p,
 * -h). 0: parsed, optind is at the first operand; else as sg_cli_opt(). */
int sg_cli_parse_common(const char *cmd, int argc, char **argv);

/* The help text of cmd (from the man page source), or NULL. */
const char *sg_help_text(const char *cmd);

/* Print cmd's help text to f. */
void sg_usage(FILE *f, const char *cmd);

#endif
