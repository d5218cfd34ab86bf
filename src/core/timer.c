/* SPDX-License-Identifier: MIT */
/*
 * The timer wheel (issue 5). Placeholder until the wheel lands: the system
 * and the tick layer already call these hooks.
 */
#include "system-internal.h"
#include "timer-internal.h"

int cw__timer_init(struct cw_system *sys)
{
	(void)sys;
	return 0;
}

void cw__timer_fini(struct cw_system *sys)
{
	(void)sys;
}

void cw__timer_run_local(struct cw_system *sys, unsigned cpu)
{
	(void)sys;
	(void)cpu;
}
