/* SPDX-License-Identifier: MIT */
/*
 * cwsim --step: stepping the simulated machine from outside (co-simulation).
 * After boot, cwsim reads one JSON command a line and answers each with one
 * JSON line (docs/simulator.md, "Stepping from outside"); the virtual time
 * moves only when a command says so. The same commands give the same
 * answers, byte for byte: --step-record FILE keeps the commands, and
 * feeding that file back (--step-input FILE, or stdin) replays the session.
 */
#ifndef CLOCKWORK_TOOLS_CWSIM_STEP_H
#define CLOCKWORK_TOOLS_CWSIM_STEP_H

#include <stdint.h>
#include <stdio.h>

struct cw_sim_machine;
struct cwsim_timerlist;

/** Most named timers a session arms. */
#define CWSIM_STEP_MAX_TIMERS 64

/**
 * Run a session on machine @p m until "quit", the end of @p in or
 * @p end_ns of virtual time (no command moves past it).
 * @param tl      The followed timers (the "dump" command), or NULL.
 * @param record  Where to copy every command line, or NULL.
 * @return 0, or -1 if @p out failed.
 */
int cwsim_step_session(struct cw_sim_machine *m, struct cwsim_timerlist *tl, uint64_t end_ns,
		       FILE *in, FILE *out, FILE *record);

#endif /* CLOCKWORK_TOOLS_CWSIM_STEP_H */
