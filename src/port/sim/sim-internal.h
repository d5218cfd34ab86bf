/* SPDX-License-Identifier: MIT */
/*
 * Private header of the simulator port: the engine's state, shared by the
 * engine, the hardware models and the system glue, and the port-internal
 * calls between those files. Never installed.
 *
 * Ownership: the engine (struct cw_sim) keeps a singly linked list of the
 * counter models attached to it, so machine-wide state changes (suspend,
 * later deep idle) reach every counter. Counters unlink themselves when they
 * are destroyed; they must be destroyed before their engine.
 */
#ifndef CLOCKWORK_SRC_PORT_SIM_SIM_INTERNAL_H
#define CLOCKWORK_SRC_PORT_SIM_SIM_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "sim-internal.h is private to the clockwork library"
#endif

#include <clockwork/sim.h>

/**
 * The engine: virtual clock, event queue and random generator. Single
 * threaded; every field is written only by the thread driving the engine.
 */
struct cw_sim {
	/** Virtual time in ns. Written by cw_sim_run_until(). */
	uint64_t now_ns;
	/** CPU of the event being run (0 outside events). */
	unsigned current_cpu;
	/** True while cw_sim_run_until() dispatches (guards against nesting). */
	bool running;
	/** Binary min-heap of queued events, ordered by (when_ns, seq). */
	struct cw_sim_event **heap;
	/** Number of queued events. */
	size_t nr_queued;
	/** Capacity of @heap in entries; doubles when full. */
	size_t capacity;
	/** Sequence number given to the next scheduled event. */
	uint64_t next_seq;
	/** Total number of events run so far. */
	uint64_t events_run;
	/** Seed the generator was started from. */
	uint64_t seed;
	/** xoshiro256** state. */
	uint64_t rng[4];
	/** Counter models attached to this engine (cw_sim_counter_create()). */
	struct cw_sim_counter *counters;
};

/** Reasons a counter is not counting (a bitmask; counting iff 0). */
enum cw__sim_stop_reason {
	/** cw_sim_counter_set_stopped(). */
	CW__SIM_STOP_USER = 0x1u,
	/** The machine is suspended and the counter stops in suspend. */
	CW__SIM_STOP_SUSPEND = 0x2u,
};

/**
 * Report a caller bug in the simulator (nested run, corrupt queue) and
 * abort. Never returns.
 */
_Noreturn void cw__sim_bug(const char *what);

/**
 * Enter (true) or leave (false) machine suspend: every counter of @sim that
 * stops in suspend stops (or restarts) at the current virtual time.
 */
void cw__sim_counters_set_suspended(struct cw_sim *sim, bool suspended);

/**
 * Write the CPUs of @n as a CPU list ("0-3,8"), snprintf style.
 * @return Length of the full text, excluding the NUL.
 */
size_t cw__sim_format_cpulist(const struct cw_sim_node_desc *n, char *buf, size_t len);

struct cw_sim_hw;
struct cw_driver;

/**
 * Attach a machine's hardware to its sim system: from now on the port's
 * send_ipi hook goes to @hw's interrupt controller, cpu_call runs through
 * @hw's CPU model, and hw_match resolves compatible strings against @m's
 * devices (cw__sim_machine_hw_match()). Context: setup, before boot.
 */
void cw__sim_port_attach(struct cw_system *sys, struct cw_sim_machine *m, struct cw_sim_hw *hw);

/**
 * The @index-th device of @m whose compatible string is @compatible:
 * counters match "sim,counter" (handle: struct cw__sim_counter_hw), timer
 * sections their compatible (handle: struct cw_sim_hw_timer).
 * @return 0, or CW_ENODEV when there are no more.
 */
int cw__sim_machine_hw_match(struct cw_sim_machine *m, const char *compatible, unsigned index,
			     void **hw);

/** Compatible string of the modelled counters. */
#define CW__SIM_COUNTER_COMPATIBLE "sim,counter"

/** Handle of a modelled counter for the "sim,counter" driver. */
struct cw__sim_counter_hw {
	/** The model. */
	struct cw_sim_counter *counter;
	/** Clocksource rating and CW_CLOCKSOURCE_* flags from the machine file. */
	int rating;
	unsigned flags;
};

/** The port's driver table (init levels; drivers.c). */
extern const struct cw_driver *const cw__sim_port_drivers[];
/** Number of entries in cw__sim_port_drivers. */
extern const unsigned cw__sim_nr_port_drivers;

/**
 * The machine's init_time hook (time_init -> timer_probe): probe the system
 * timer drivers (clocksources and clock event devices; drivers.c) for
 * every device of @m they match, logging each probe.
 */
void cw__sim_probe_time_drivers(struct cw_system *sys, struct cw_sim_machine *m);

/** Record the workload run of @m (NULL: none), which the machine then owns. */
void cw__sim_machine_set_workload(struct cw_sim_machine *m, struct cw_sim_workload_run *w);

/** Whether idle state @state of @m is deep (false for a bad index). */
bool cw__sim_machine_idle_state_deep(const struct cw_sim_machine *m, unsigned state);

/** The workload run of @m, or NULL. */
struct cw_sim_workload_run *cw__sim_machine_workload(const struct cw_sim_machine *m);

/** The hardware of a sim system, or NULL (a system without a machine). */
struct cw_sim_hw *cw__sim_port_hw(const struct cw_system *sys);

#endif /* CLOCKWORK_SRC_PORT_SIM_SIM_INTERNAL_H */
