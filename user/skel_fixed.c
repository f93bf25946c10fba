// SPDX-License-Identifier: GPL-2.0-only
/* skel_fixed.c - the defense object in either build; see skel_fixed.h. */
#include <errno.h>
#include <stdlib.h>

#include "local_tables.h"
#include "skel_fixed.h"
#include "synguard.skel.h"
/* only its ELF bytes are used here, not its open/load/destroy functions */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "synguard_fixed.skel.h"
#pragma GCC diagnostic pop

struct synguard *sg_skel_open(bool fixed_len)
{
	struct synguard *obj;
	int err;

	if (!fixed_len) {
		obj = synguard__open();
		if (!obj)
			return NULL;
		goto configure;
	}
	obj = calloc(1, sizeof(*obj));
	if (!obj) {
		errno = ENOMEM;
		return NULL;
	}
	/* synguard's skeleton (object name, program and map names) over the
	 * other build's ELF: both come from bpf/synguard.bpf.c */
	err = synguard__create_skeleton(obj);
	if (!err) {
		obj->skeleton->data = (void *)synguard_fixed__elf_bytes(&obj->skeleton->data_sz);
		err = bpf_object__open_skeleton(obj->skeleton, NULL);
	}
	if (err) {
		synguard__destroy(obj);
		errno = -err;
		return NULL;
	}
configure:
	/* read-only constants, before load (bpf/local.h) */
	obj->rodata->sg_local_probe = sg_local_probe_usable();
	return obj;
}
