// SPDX-License-Identifier: GPL-2.0-only
/* cli.c - see cli.h. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "help_text.h"	/* generated into build/ from docs/synguard.8.md */

const char *sg_help_text(const char *cmd)
{
	for (size_t i = 0; i < sizeof(sg_help_texts) / sizeof(sg_help_texts[0]); i++)
		if (!strcmp(sg_help_texts[i].cmd, cmd))
			return sg_help_texts[i].text;
	return NULL;
}

void sg_usage(FILE *f, const char *cmd)
{
	const char *t = sg_help_text(cmd);

	if (t)
		fputs(t, f);
	else
		fprintf(f, "Usage: synguard %s (see man 8 synguard)\n", cmd);
}

int sg_cli_opt(const char *cmd, int c, char **argv)
{
	switch (c) {
	case 'j':
		sg_env.json = true;
		return 0;
	case 'p':
		sg_env.json = sg_env.pretty = true;
		return 0;
	case 'h':
		sg_usage(stdout, cmd);
		return SG_CLI_HELP;
	case ':':
		sg_err("option '%s' needs a value", argv[optind - 1]);
		break;
	default:
		sg_err("unknown option '%s'", argv[optind - 1]);
		break;
	}
	sg_usage(stderr, cmd);
	return SG_EXIT_USAGE;
}

int sg_cli_parse_common(const char *cmd, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c, err;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jph", lopts, NULL)) != -1)
		if ((err = sg_cli_opt(cmd, c, argv)))
			return err;
	return 0;
}
