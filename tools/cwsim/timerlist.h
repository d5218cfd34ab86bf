/* SPDX-License-Identifier: MIT */
/*
 * cwsim --dump-timers-at T: what is queued at instant T, in the manner of
 * Linux's /proc/timer_list: per CPU, each hrtimer base with its armed
 * timers (expiry, callback), the wheel timers armed from that CPU, the tick
 * device and its mode; then every clock event device (state, next event,
 * limits) and the broadcast device.
 *
 * The list of armed timers is the tool's own: it follows every start,
 * cancel and expiry through the invariant checker's observer
 * (cw_check_set_observer()), so the dump reads no core internals, takes no
 * lock and reads no clock (a clock read would draw the counter's jitter and
 * change the run). The run stops at T (progress.h's slices end there), the
 * dump is printed and added to the JSON report ("timer_lists"), and the run
 * goes on: everything else in the output stays the same.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_TIMERLIST_H
#define CLOCKWORK_TOOLS_CWSIM_TIMERLIST_H

#include <stdint.h>
#include <stdio.h>

struct cw_check_event;
struct jsonw;
struct cw_sim_machine;
struct cwsim_report;
struct cwsim_symbols;
struct cwsim_timerlist;

/** Most --dump-timers-at instants in one run. */
#define CWSIM_MAX_DUMPS 16

/** Start following the timers of machine @p m (before it boots). NULL: out of memory. */
struct cwsim_timerlist *cwsim_timerlist_create(struct cw_sim_machine *m,
					       const struct cwsim_symbols *syms);

/** A timer event from the checker. */
void cwsim_timerlist_check_event(struct cwsim_timerlist *tl, const struct cw_check_event *ev);

/** Print the dump of now on @p out and keep it for the JSON report. */
void cwsim_timerlist_dump(struct cwsim_timerlist *tl, FILE *out);

/** Write the kept dumps as "timer_lists" into the JSON report (nothing without --json). */
void cwsim_timerlist_report(struct cwsim_timerlist *tl, struct cwsim_report *rep);

/** The armed timers now as a "timers" array member of the open object of @p w. */
void cwsim_timerlist_json(struct cwsim_timerlist *tl, struct jsonw *w);

/** Free it (NULL is fine). */
void cwsim_timerlist_free(struct cwsim_timerlist *tl);

#endif /* CLOCKWORK_TOOLS_CWSIM_TIMERLIST_H */
