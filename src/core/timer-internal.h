/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of the timer wheel (src/core/timer.c): the calls
 * the system and the tick layer make into it.
 */
#ifndef CLOCKWORK_SRC_CORE_TIMER_INTERNAL_H
#define CLOCKWORK_SRC_CORE_TIMER_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "timer-internal.h is private to the clockwork library"
#endif

#include <clockwork/types.h>

struct cw_system;

/** Set up the per-CPU wheel bases (cw_system_create()). @return 0 or CW_ENOMEM. */
int cw__timer_init(struct cw_system *sys);

/** Free what cw__timer_init() allocated (cw_system_destroy()). */
void cw__timer_fini(struct cw_system *sys);

/**
 * Soft expiry after a tick on @p cpu: run every wheel timer of that CPU's
 * bases that is due at the current jiffies. Called by the tick layer on
 * @p cpu after jiffies were updated. Context: on @p cpu, no core lock held.
 */
void cw__timer_run_local(struct cw_system *sys, unsigned cpu);

#endif /* CLOCKWORK_SRC_CORE_TIMER_INTERNAL_H */
