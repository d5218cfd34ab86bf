/* SPDX-License-Identifier: MIT */
/*
 * The [idle-server] section of a workload (idle-server.c), as the workload
 * parser and run (workload.c) call it.
 */
#ifndef CLOCKWORK_SRC_PORT_SIM_IDLE_SERVER_INTERNAL_H
#define CLOCKWORK_SRC_PORT_SIM_IDLE_SERVER_INTERNAL_H

#include <clockwork/sim.h>
#include <clockwork/sim_idle_server.h>

#include "port/sim/sim-internal.h"

#include <stddef.h>

struct cw__sim_idle_server;

/** The section starts at the current line: defaults into @p d. */
void cw__sim_idle_server_begin(struct cw__sim_text *tx, struct cw_sim_idle_server_desc *d);

/**
 * One key of the section into @p d; @p seen[0] records the keys already
 * given (a bit per key; each at most once). @return 0 or CW_EINVAL (file:line).
 */
int cw__sim_idle_server_key(struct cw__sim_text *tx, struct cw_sim_idle_server_desc *d,
			    unsigned seen[8], const char *key, const char *val);

/** The section is complete (end of file). @return 0 or CW_EINVAL. */
int cw__sim_idle_server_check(struct cw__sim_text *tx, const struct cw_sim_idle_server_desc *d);

/**
 * Start the run on booted machine @p m: set the timers up on their CPUs,
 * put the idle CPUs into their idle loop, schedule packets and bursts.
 * @return 0; CW_EINVAL (no such idle state; message in @p err); CW_ENOMEM.
 */
int cw__sim_idle_server_start(struct cw_sim_machine *m, const struct cw_sim_idle_server_desc *d,
			      struct cw__sim_idle_server **out, char *err, size_t err_len);

/** @p cpu runs again (back online, or its offline was refused): back to its idle loop unless in a
 * burst. */
void cw__sim_idle_server_cpu_resume(struct cw__sim_idle_server *s, unsigned cpu);

/** Cancel its events and timers and free it (NULL is fine). */
void cw__sim_idle_server_stop(struct cw__sim_idle_server *s);

/** The idle-server run of @p m's workload, or NULL (workload.c). */
struct cw__sim_idle_server *cw__sim_workload_idle_server(const struct cw_sim_machine *m);

#endif /* CLOCKWORK_SRC_PORT_SIM_IDLE_SERVER_INTERNAL_H */
