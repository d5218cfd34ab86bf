/* SPDX-License-Identifier: MIT */
/*
 * The modelled NIC of a workload's [nic] section (nic.c), as the workload
 * parser and run (workload.c) call it, and the two workload helpers nic.c
 * borrows (distribution values and draws).
 */
#ifndef CLOCKWORK_SRC_PORT_SIM_NIC_INTERNAL_H
#define CLOCKWORK_SRC_PORT_SIM_NIC_INTERNAL_H

#include <clockwork/sim.h>

#include "port/sim/sim-internal.h"

#include <stddef.h>
#include <stdint.h>

struct cw_sim_hw;
struct cw__sim_nic;

/** Parse a distribution value at the current line (workload.c). @return 0 or CW_EINVAL. */
int cw__sim_wl_parse_dist(struct cw__sim_text *tx, const char *val, struct cw_sim_dist *d);

/** Draw a length from @p d with the engine's generator (workload.c). */
uint64_t cw__sim_wl_draw(struct cw_sim *sim, const struct cw_sim_dist *d);

/**
 * One key of a [nic] section into @p d; @p seen records the keys already
 * given (each at most once). @return 0 or CW_EINVAL (file:line message).
 */
int cw__sim_nic_key(struct cw__sim_text *tx, struct cw_sim_nic_desc *d, unsigned seen[8],
		    const char *key, const char *val);

/** The section is complete (at the end of the file). @return 0 or CW_EINVAL. */
int cw__sim_nic_check(struct cw__sim_text *tx, const struct cw_sim_nic_desc *d);

/**
 * Start the NIC on a booted machine: claim its timer, schedule the first
 * packet. @return 0; CW_EINVAL (CPU out of range) or the claim's error, with
 * a message in @p err.
 */
int cw__sim_nic_start(struct cw_system *sys, struct cw_sim_hw *hw, const struct cw_sim_nic_desc *d,
		      struct cw__sim_nic **out, char *err, size_t err_len);

/** Stop it, release its timer, free it (NULL is fine). */
void cw__sim_nic_stop(struct cw__sim_nic *n);

/** What it measured so far. */
void cw__sim_nic_stats(struct cw__sim_nic *n, struct cw_sim_nic_stats *out);

#endif /* CLOCKWORK_SRC_PORT_SIM_NIC_INTERNAL_H */
