// SPDX-License-Identifier: GPL-2.0-only
#include "testlib.h"

int sg_test_failures;
