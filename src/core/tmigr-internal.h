/* SPDX-License-Identifier: MIT */
/*
 * Core-internal interface of timer migration (src/core/tmigr.c): the calls
 * the tick layer makes (idle entry and exit, the tick's cheap test and the
 * soft work), the component table's steps, and the pure group-state
 * functions the unit tests drive step by step.
 */
#ifndef CLOCKWORK_SRC_CORE_TMIGR_INTERNAL_H
#define CLOCKWORK_SRC_CORE_TMIGR_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "tmigr-internal.h is private to the clockwork library"
#endif

#include <clockwork/types.h>

struct cw_system;
struct cw_system_config;

/** No migrator in a group state word. */
#define CW_TMIGR_NONE 0xffu

/*
 * The group state word: active bitmap (bits 0-7), migrator (bits 8-15, one
 * child bit or CW_TMIGR_NONE), sequence number (bits 16-31).
 */
static inline unsigned cw__tmigr_active(uint32_t s)
{
	return s & 0xffu;
}
static inline unsigned cw__tmigr_migrator(uint32_t s)
{
	return (s >> 8) & 0xffu;
}
static inline unsigned cw__tmigr_seq(uint32_t s)
{
	return s >> 16;
}
static inline uint32_t cw__tmigr_state(unsigned active, unsigned migrator, unsigned seq)
{
	return (active & 0xffu) | ((migrator & 0xffu) << 8) | ((seq & 0xffffu) << 16);
}

/**
 * The state after child @p mask becomes active in @p cur (seq + 1); sets
 * @p walk_on when the group had no migrator (the child takes the role and
 * the change must go up to the parent).
 */
uint32_t cw__tmigr_state_activate(uint32_t cur, unsigned mask, bool *walk_on);

/**
 * The state after child @p mask reports idle in @p cur (seq + 1);
 * @p child_active says the child (a group) became active again meanwhile:
 * its bit then stays. A leaving migrator hands the role to the lowest
 * remaining active bit; @p walk_on is set when none is left.
 */
uint32_t cw__tmigr_state_deactivate(uint32_t cur, unsigned mask, bool child_active, bool *walk_on);

/** Component row: set up the hierarchy for the CPUs online at creation. @return 0 or CW_ENOMEM. */
int cw__tmigr_init(struct cw_system *sys, const struct cw_system_config *cfg);
/** Component row: free every group. */
void cw__tmigr_fini(struct cw_system *sys);
/** Component row: bytes per CPU of the hierarchy's CPU state. */
size_t cw__tmigr_cpu_bytes(void);
/** Hotplug prepare: create the groups @p cpu needs (never destroyed). */
void cw__tmigr_cpu_prepare(struct cw_system *sys, unsigned cpu);
/** Hotplug online: @p cpu joins the hierarchy (unless isolated), active. */
void cw__tmigr_cpu_online(struct cw_system *sys, unsigned cpu);
/** Hotplug dying, on @p cpu: leave the hierarchy; hand the duty on if it was the last. */
void cw__tmigr_cpu_dying(struct cw_system *sys, unsigned cpu);
/** Soft work (CW_SOFTIRQ_TMIGR) on @p cpu: pull the due global timers of idle CPUs. */
void cw__tmigr_handle_remote(struct cw_system *sys, unsigned cpu);

/**
 * Idle entry of @p cpu at @p basej with its wheel's next local and global
 * events (jiffies or CW_TIMER_NEXT_NONE): mark it idle in the hierarchy,
 * hand up the global event if it comes first. @return the jiffy the CPU
 * must wake for (its local event, its global one when it is not handed up,
 * or the system's first global event when it is the last CPU to go idle),
 * or CW_TIMER_NEXT_NONE. With migration off: min(local, global).
 */
uint64_t cw__tmigr_cpu_deactivate(struct cw_system *sys, unsigned cpu, uint64_t next_local,
				  uint64_t next_global);

/** Idle exit of @p cpu: active again (lock-free walk). No-op when it was not idle. */
void cw__tmigr_cpu_activate(struct cw_system *sys, unsigned cpu);

/**
 * The tick's cheap test on @p cpu at @p now_jiffies: is some group where
 * this CPU is the migrator due? Lockless (relaxed loads along its chain).
 */
bool cw__tmigr_requires_handle_remote(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/** Remote expiry with explicit jiffies (tests): cw__tmigr_handle_remote() at @p now_jiffies. */
void cw__tmigr_handle_remote_at(struct cw_system *sys, unsigned cpu, uint64_t now_jiffies);

/**
 * Tests only: flip @p cpu's bit in its level-0 group's active bitmap (a
 * corruption the protocol never makes; the checker must report it).
 * @return false when @p cpu has no group (migration off, isolated, bad CPU).
 */
bool cw__tmigr_test_flip_active(struct cw_system *sys, unsigned cpu);

/** Whether @p cpu takes part in the hierarchy (migration on, online, not isolated). */
bool cw__tmigr_cpu_available(struct cw_system *sys, unsigned cpu);

#endif /* CLOCKWORK_SRC_CORE_TMIGR_INTERNAL_H */
