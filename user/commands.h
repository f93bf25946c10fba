/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * commands.h - every `synguard CMD`. Each lives in user/cmd_CMD.c and takes
 * (argc, argv) with argv[0] = "CMD"; it returns an exit code (common.h).
 * main.c lists them in its command table.
 */
#ifndef SG_COMMANDS_H
#define SG_COMMANDS_H

struct sg_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_protect(int argc, char **argv);
int cmd_unprotect(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_hist(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_unapply(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_deny(int argc, char **argv);

#endif
