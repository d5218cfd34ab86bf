/* SPDX-License-Identifier: MIT */
/*
 * The idle-server workload of the simulator: a workload file's
 * [idle-server] section (src/port/sim/idle-server.c; docs/simulator.md and
 * docs/timer-migration.md, "The wakeup study in cwsim").
 *
 * A server whose CPUs are mostly idle. Every CPU owns connections; each
 * connection's timeout is a GLOBAL wheel timer (not pinned), re-armed on
 * every packet of the connection and deleted when a packet closes it, so
 * most timeouts are cancelled or pushed back before they expire. Every CPU
 * also has one PINNED housekeeping wheel timer that re-arms itself. Packets
 * arrive per connection at random (a cross call to the connection's CPU,
 * which wakes it when it sleeps); a few CPUs at a time are in a burst:
 * they stay busy (out of idle) and their connections see much more
 * traffic. Idle CPUs sit in one idle state (the deepest by default) with
 * the tick stopped, so they wake only for what the core asks (timers,
 * IPIs) and for packets.
 *
 * The section replaces the [workload] busy/idle periods: with it, those
 * keys may be left out and are ignored.
 */
#ifndef CLOCKWORK_INCLUDE_SIM_IDLE_SERVER_H
#define CLOCKWORK_INCLUDE_SIM_IDLE_SERVER_H

#include <clockwork/system.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_sim_machine;

/** Where a packet puts its connection's timeout (key placement). */
enum cw_sim_idle_server_placement {
	/** On the CPU handling the packet (cw_timer_mod()): what the pull model expects. */
	CW_SIM_IDLE_SERVER_LOCAL = 0,
	/**
	 * Pre-6.9 Linux (get_nohz_timer_target()): a packet handled by a CPU
	 * that is not in a burst queues the timeout on the first burst CPU of
	 * its NUMA node, else of the machine, else on itself
	 * (cw_timer_add_on()). Meant to be run with timer migration off.
	 */
	CW_SIM_IDLE_SERVER_PUSH = 1,
};

/** An [idle-server] section (line 0: none). */
struct cw_sim_idle_server_desc {
	/** Connections per CPU (key connections). */
	unsigned connections;
	/** Timeout a packet re-arms, ns (key timeout). */
	uint64_t timeout_ns;
	/** Mean time between two packets of one connection of an idle CPU, ns (key packets;
	 * exponential). */
	uint64_t packet_gap_ns;
	/** The same on a CPU in a burst, ns (key burst_packets; exponential). */
	uint64_t burst_packet_gap_ns;
	/** One packet in this many closes its connection: the timeout is deleted (key close_every;
	 * 0: never). */
	unsigned close_every;
	/** Period of each CPU's pinned housekeeping timer, ns (key housekeeping; 0: none). */
	uint64_t housekeeping_ns;
	/** CPUs in a burst: nr_cpus * burst_num / burst_den, at least 1 (key burst_cpus = A/B or
	 * N). */
	unsigned burst_num;
	/** Denominator of burst_cpus (0: burst_num is a count of CPUs). */
	unsigned burst_den;
	/** A new random set of burst CPUs every this many ns (key burst_every). */
	uint64_t burst_every_ns;
	/** Idle state name idle CPUs sit in (key idle_state; empty: the deepest). */
	char idle_state[16];
	/** Timeout placement (key placement = local | push). */
	enum cw_sim_idle_server_placement placement;
	/**
	 * Bursts are drawn from these CPUs only (key burst_from = LIST, such
	 * as the big CPUs of a machine with capacity classes), a bit per CPU;
	 * with burst_from_set false, from every CPU.
	 */
	uint64_t burst_from[CW_MAX_CPUS / 64];
	/** The file gave burst_from (else bursts are drawn from every CPU). */
	bool burst_from_set;
	/**
	 * NUMA node of each CPU for the push placement, or NULL (one node).
	 * Not a key: a caller that has the machine description sets it
	 * (cwsim --tmigr-policies does); it must outlive the run.
	 */
	const unsigned *cpu_node;
	/** Line of the section header (0: no section). */
	unsigned line;
};

/** What one CPU did in an idle-server run (cw_sim_machine_idle_server_stats()). */
struct cw_sim_idle_server_cpu_stats {
	/** Packets handled by this CPU (its connections' traffic). */
	uint64_t packets;
	/** Packets handled while the CPU was not in a burst (each wakes it if it sleeps). */
	uint64_t idle_packets;
	/** Packets that closed their connection (a timeout deleted). */
	uint64_t closes;
	/** Timeouts armed or re-armed by this CPU's packets. */
	uint64_t arms;
	/** Of those, queued on another CPU by the push placement. */
	uint64_t pushed;
	/** CPUs the push placement looked at for this CPU's arms (its enqueue cost). */
	uint64_t push_scanned;
	/** Connection timeouts this CPU ran that were queued on its own base. */
	uint64_t timeouts_own;
	/** Connection timeouts this CPU ran that were queued on another CPU's base (pulled). */
	uint64_t timeouts_pulled;
	/** Connection timeouts this CPU ran whose connection belongs to another CPU. */
	uint64_t timeouts_remote;
	/** Housekeeping (pinned) timers this CPU ran. */
	uint64_t housekeeping;
	/** Times a burst started on this CPU (the run woke it). */
	uint64_t bursts;
	/** Whether the CPU is in a burst now. */
	bool in_burst;
};

/**
 * Counters of @p cpu in the idle-server run of @p m's workload. Pure reads:
 * calling it never changes the run.
 * @return 0; CW_ENODEV (no workload, or no [idle-server] section); CW_EINVAL (bad CPU).
 */
CW_API int cw_sim_machine_idle_server_stats(const struct cw_sim_machine *m, unsigned cpu,
					    struct cw_sim_idle_server_cpu_stats *out);

/**
 * Lateness of every connection timeout that expired so far, ns after the
 * time it was armed for (arm time + timeout), in expiry order.
 * @param m    The machine.
 * @param out  Receives up to @p max values (may be NULL with @p max 0).
 * @param max  Room in @p out.
 * @return the number of expiries (may exceed @p max); 0 without a run.
 */
CW_API size_t cw_sim_machine_idle_server_lateness(const struct cw_sim_machine *m, uint64_t *out,
						  size_t max);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_SIM_IDLE_SERVER_H */
