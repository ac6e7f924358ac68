// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz target for the control protocol's request parser: whatever a
 * client sends, ctl_parse() either refuses it or yields a request that
 * formats back to exactly the bytes it was parsed from.
 */
#include <stdlib.h>
#include <string.h>

#include "interdict.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char again[CTL_REQ_MAX + 1];
	struct ctl_req req;
	int n;

	if (ctl_parse((const char *)data, size, &req))
		return 0;
	if (req.verb <= 0 || req.verb >= CTL_NVERBS)
		abort();
	n = ctl_format(again, sizeof(again), &req);
	/* a request is accepted in one spelling only */
	if (n < 0 || (size_t)n != size || memcmp(again, data, size))
		abort();
	if (ctl_parse(again, n, &req))
		abort();
	return 0;
}
