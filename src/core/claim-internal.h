/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of the claim component (claim.c): its row of the
 * component table (setup, teardown, the per-CPU pool's hotplug steps). Its
 * state is allocated by its init step and hangs off sys->claim.
 */
#ifndef CLOCKWORK_SRC_CORE_CLAIM_INTERNAL_H
#define CLOCKWORK_SRC_CORE_CLAIM_INTERNAL_H

#include <stddef.h>

struct cw_system;

/** Allocate the claim state (list, lock, the pool's per-CPU dummies). @return 0 or CW_ENOMEM. */
int cw__claim_init(struct cw_system *sys);

/** Free it; claims still held are dropped (their devices stay as they are). */
void cw__claim_fini(struct cw_system *sys);

/** Per-CPU bytes the component keeps (a pool dummy device per CPU). */
size_t cw__claim_cpu_bytes(void);

/**
 * Online step of the per-CPU pool: @p cpu came online and clockevents
 * offered it every unused device; if it still has no tick device (no
 * local timer, no free global channel), it gets its dummy device and is
 * driven by the broadcast device. Context: controlling thread, no lock.
 */
void cw__claim_cpu_online(struct cw_system *sys, unsigned cpu);

/**
 * Late boot: every online CPU the drivers left without a tick device gets
 * its dummy (as in the online step), when there is a broadcast device.
 * Context: the booting thread, no lock.
 */
void cw__claim_boot_late(struct cw_system *sys);

/**
 * Dead step of the per-CPU pool: the dead CPU's dummy is removed, and the
 * channel it released goes to a CPU still running on its dummy. Context:
 * a survivor, no lock.
 */
void cw__claim_cpu_dead(struct cw_system *sys, unsigned cpu);

#endif /* CLOCKWORK_SRC_CORE_CLAIM_INTERNAL_H */
