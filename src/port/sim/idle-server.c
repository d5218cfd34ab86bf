/* SPDX-License-Identifier: MIT */
/*
 * The idle-server workload (include/clockwork/sim_idle_server.h): a
 * workload file's [idle-server] section, and its run on a booted machine.
 *
 * What it models is the case timer migration is for: a server whose CPUs
 * sleep most of the time while each owns network connections whose
 * timeouts are ordinary (global, not pinned) wheel timers. Every packet of
 * a connection pushes its timeout back (cw_timer_mod(), the networking
 * fast path) or, one packet in close_every, closes the connection
 * (cw_timer_del()); only connections that stay quiet for a whole timeout
 * see it expire. Each CPU also runs one pinned housekeeping timer.
 *
 * Engine events, all drawn from the engine's generator in a fixed order:
 *   - per CPU, the next packet of one of its connections (exponential
 *     gaps: a connection of a sleeping CPU sends every `packets` on
 *     average, of a CPU in a burst every `burst_packets`). The packet is a
 *     cross call to the CPU (cw_sim_hw_run_on()), which wakes it when it
 *     sleeps: a device interrupt, as a NIC's would be;
 *   - every burst_every, a new random set of burst CPUs: leaving CPUs go
 *     back to their idle loop, joining CPUs are woken and stay running.
 * Idle CPUs sit in an idle loop (cw_sim_hw_cpu_idle_loop()) in one state,
 * the deepest unless idle_state names one; the core stops their tick, so
 * they wake only for packets, for the timers the core programs and for
 * IPIs. Which timers run where is the core's business (timer migration);
 * this file only counts: who ran each timeout, whether it was queued on
 * the running CPU's own base (or pulled from another's), and how late it
 * ran after the time it was armed for.
 *
 * The push placement is the pre-6.9 Linux heuristic at enqueue
 * (get_nohz_timer_target()): a CPU that is not in a burst (the scheduler
 * would call it idle) queues the timeout on the first burst CPU of its
 * node, else of the machine, else keeps it; every CPU looked at counts as
 * enqueue cost.
 */
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/sim_idle_server.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>

#include "port/sim/idle-server-internal.h"
#include "port/sim/nic-internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Largest number of connections per CPU. */
#define IS_CONN_MAX   4096u
/** Shortest mean gap between two packets of one connection, ns. */
#define IS_MIN_GAP_NS 1000u

/* ---------------------------------------------------------------------- */
/* Parser */

/** Keys; the index is the bit in seen[0]. */
static const char *const is_keys[] = {
	"connections", "timeout",     "packets",    "burst_packets", "close_every", "housekeeping",
	"burst_cpus",  "burst_every", "idle_state", "placement",     "burst_from",
};

static const char is_keys_text[] = "a key of [idle-server]: connections, timeout, packets, "
				   "burst_packets, close_every, housekeeping, burst_cpus, "
				   "burst_every, idle_state, placement, burst_from";

void cw__sim_idle_server_begin(struct cw__sim_text *tx, struct cw_sim_idle_server_desc *d)
{
	*d = (struct cw_sim_idle_server_desc){
		.connections = 4,
		.timeout_ns = 1500 * (uint64_t)1000000,
		.packet_gap_ns = 3000 * (uint64_t)1000000,
		.burst_packet_gap_ns = 20 * (uint64_t)1000000,
		.close_every = 16,
		.housekeeping_ns = 1000 * (uint64_t)1000000,
		.burst_num = 1,
		.burst_den = 16,
		.burst_every_ns = 500 * (uint64_t)1000000,
		.placement = CW_SIM_IDLE_SERVER_LOCAL,
		.line = tx->line,
	};
}

/* A decimal in [lo, hi] filling @s. */
static bool is_uint(const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9') {
		return false;
	}
	v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi) {
		return false;
	}
	*out = (unsigned)v;
	return true;
}

static int is_duration(struct cw__sim_text *tx, const char *val, bool zero_ok, uint64_t *out)
{
	if (cw_sim_parse_duration_ns(val, out) || (!zero_ok && *out == 0)) {
		return cw__sim_text_expected(tx,
					     zero_ok ? "a time such as 1s or 500ms (0: none)"
						     : "a time above 0 such as 1500ms",
					     val);
	}
	return 0;
}

/* Mean gap of one connection: at least IS_MIN_GAP_NS (each packet is an engine event). */
static int is_gap(struct cw__sim_text *tx, const char *val, uint64_t *out)
{
	if (cw_sim_parse_duration_ns(val, out) || *out < IS_MIN_GAP_NS) {
		return cw__sim_text_expected(
			tx, "a mean time between packets of 1us or more, such as 3s", val);
	}
	return 0;
}

static int is_burst_cpus(struct cw__sim_text *tx, struct cw_sim_idle_server_desc *d,
			 const char *val)
{
	char buf[32];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", val);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (is_uint(buf, 0, 65536, &d->burst_num) &&
		    is_uint(slash + 1, 1, 65536, &d->burst_den) && d->burst_num <= d->burst_den) {
			return 0;
		}
	} else if (is_uint(buf, 0, CW_MAX_CPUS, &d->burst_num)) {
		d->burst_den = 0;
		return 0;
	}
	return cw__sim_text_expected(
		tx, "a share of the CPUs A/B (A <= B, such as 1/16) or a count of CPUs", val);
}

/* burst_from = LIST: "0-7,32-39" (ranges and single CPUs, comma-separated). */
static int is_cpu_set(struct cw__sim_text *tx, struct cw_sim_idle_server_desc *d, const char *val)
{
	const char *p = val;

	memset(d->burst_from, 0, sizeof(d->burst_from));
	for (;;) {
		char *end;
		unsigned long lo, hi;

		if (*p < '0' || *p > '9') {
			break;
		}
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9') {
				break;
			}
			hi = strtoul(p, &end, 10);
		}
		if (lo > hi || hi >= CW_MAX_CPUS) {
			break;
		}
		for (unsigned long c = lo; c <= hi; c++) {
			d->burst_from[c / 64] |= (uint64_t)1 << (c % 64);
		}
		if (*end == '\0') {
			d->burst_from_set = true;
			return 0;
		}
		if (*end != ',') {
			break;
		}
		p = end + 1;
	}
	return cw__sim_text_expected(tx, "a CPU list such as 0-7,32-39 (CPUs below 4096)", val);
}

int cw__sim_idle_server_key(struct cw__sim_text *tx, struct cw_sim_idle_server_desc *d,
			    unsigned seen[8], const char *key, const char *val)
{
	unsigned k;

	for (k = 0; k < sizeof(is_keys) / sizeof(is_keys[0]); k++) {
		if (strcmp(key, is_keys[k]) == 0) {
			break;
		}
	}
	if (k == sizeof(is_keys) / sizeof(is_keys[0])) {
		return cw__sim_text_expected(tx, is_keys_text, key);
	}
	if (seen[0] & (1u << k)) {
		return cw__sim_text_err(tx, tx->line, "key '%s' given twice in [idle-server]", key);
	}
	seen[0] |= 1u << k;
	switch (k) {
	case 0:
		if (!is_uint(val, 1, IS_CONN_MAX, &d->connections)) {
			return cw__sim_text_expected(
				tx, "a number of connections per CPU, 1 to 4096", val);
		}
		return 0;
	case 1:
		return is_duration(tx, val, false, &d->timeout_ns);
	case 2:
		return is_gap(tx, val, &d->packet_gap_ns);
	case 3:
		return is_gap(tx, val, &d->burst_packet_gap_ns);
	case 4:
		if (!is_uint(val, 0, 1000000, &d->close_every)) {
			return cw__sim_text_expected(
				tx, "a number: one packet in N closes (0: never)", val);
		}
		return 0;
	case 5:
		return is_duration(tx, val, true, &d->housekeeping_ns);
	case 6:
		return is_burst_cpus(tx, d, val);
	case 7:
		return is_duration(tx, val, false, &d->burst_every_ns);
	case 8:
		if (strlen(val) >= sizeof(d->idle_state)) {
			return cw__sim_text_expected(
				tx, "an idle state name of at most 15 characters", val);
		}
		snprintf(d->idle_state, sizeof(d->idle_state), "%s", val);
		return 0;
	case 10:
		return is_cpu_set(tx, d, val);
	default:
		if (strcmp(val, "local") == 0) {
			d->placement = CW_SIM_IDLE_SERVER_LOCAL;
		} else if (strcmp(val, "push") == 0) {
			d->placement = CW_SIM_IDLE_SERVER_PUSH;
		} else {
			return cw__sim_text_expected(tx, "local or push", val);
		}
		return 0;
	}
}

int cw__sim_idle_server_check(struct cw__sim_text *tx, const struct cw_sim_idle_server_desc *d)
{
	(void)tx;
	(void)d;
	/* Every key has a default and was range-checked when given. */
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Run */

struct is_cpu;

/** One connection: its timeout timer and where it was queued. */
struct is_conn {
	struct cw_timer timer;
	struct is_cpu *owner;
	/** CPU whose base the timeout was queued on by its last arm. */
	unsigned queued_cpu;
	/** Virtual time the timeout was armed for (arm time + timeout), ns. */
	uint64_t due_ns;
};

/** One CPU of the run. */
struct is_cpu {
	struct cw__sim_idle_server *s;
	unsigned cpu;
	/** Its next packet. */
	struct cw_sim_event pkt_ev;
	/** The packet being delivered: the connection, and whether it closes it. */
	struct is_conn *pkt_conn;
	bool pkt_close;
	struct cw_timer housekeeping;
	uint64_t hk_phase_j;
	struct is_conn *conns;
	/** is_setup_cpu() ran (not for a CPU offline at the start). */
	bool set_up;
	struct cw_sim_idle_server_cpu_stats st;
};

struct cw__sim_idle_server {
	struct cw_sim_machine *m;
	struct cw_sim *sim;
	struct cw_sim_hw *hw;
	struct cw_system *sys;
	struct cw_sim_idle_server_desc d;
	unsigned nr_cpus;
	struct is_cpu *cpus;
	/** Idle state index of idle CPUs. */
	int state;
	/** Timeout and housekeeping period in jiffies (rounded up). */
	uint64_t timeout_j;
	uint64_t hk_j;
	/** CPUs of one burst, and the scratch permutation that draws them (from nr_cand
	 * candidates). */
	unsigned burst_size;
	unsigned *perm;
	unsigned nr_cand;
	struct cw_sim_event burst_ev;
	/** Lateness of every expired timeout, ns. */
	uint64_t *late;
	size_t nr_late;
	size_t cap_late;
};

static uint64_t is_jiffies(const struct cw__sim_idle_server *s, uint64_t ns)
{
	uint64_t tick = 1000000000u / cw_system_hz(s->sys);

	return (ns + tick - 1) / tick;
}

static uint64_t is_exp(struct cw_sim *sim, uint64_t mean_ns)
{
	struct cw_sim_dist d = { .kind = CW_SIM_DIST_EXPONENTIAL, .a_ns = mean_ns };

	return cw__sim_wl_draw(sim, &d);
}

/* Schedule @c's next packet from now (its rate follows its burst state). */
static void is_next_packet(struct is_cpu *c)
{
	struct cw__sim_idle_server *s = c->s;
	uint64_t mean = c->st.in_burst ? s->d.burst_packet_gap_ns : s->d.packet_gap_ns;

	mean /= s->d.connections;
	cw_sim_event_schedule(s->sim, &c->pkt_ev,
			      cw_sim_now_ns(s->sim) + is_exp(s->sim, mean ? mean : 1) + 1);
}

/* Push placement: the first burst CPU of @cpu's node, else of the machine, else @cpu. */
static unsigned is_push_target(struct cw__sim_idle_server *s, struct is_cpu *c)
{
	const unsigned *node = s->d.cpu_node;

	for (int pass = node ? 0 : 1; pass < 2; pass++) {
		for (unsigned i = 0; i < s->nr_cpus; i++) {
			if (pass == 0 && node[i] != node[c->cpu]) {
				continue;
			}
			c->st.push_scanned++;
			if (s->cpus[i].st.in_burst &&
			    cw_sim_hw_cpu_state(s->hw, i) != CW_SIM_HW_CPU_OFFLINE) {
				return i;
			}
		}
	}
	return c->cpu;
}

/* A packet, as its CPU: close the connection or push its timeout back. */
static void is_packet_on_cpu(void *arg)
{
	struct is_cpu *c = arg;
	struct cw__sim_idle_server *s = c->s;
	struct is_conn *conn = c->pkt_conn;
	uint64_t exp;

	c->st.packets++;
	c->st.idle_packets += !c->st.in_burst;
	if (c->pkt_close) {
		cw_timer_del(&conn->timer);
		c->st.closes++;
		return;
	}
	exp = cw_jiffies_get(s->sys) + s->timeout_j + 1;
	conn->due_ns = cw_sim_now_ns(s->sim) + s->d.timeout_ns;
	c->st.arms++;
	if (s->d.placement == CW_SIM_IDLE_SERVER_PUSH && !c->st.in_burst) {
		unsigned target = is_push_target(s, c);

		if (target != c->cpu && cw_timer_add_on(&conn->timer, exp, target) >= 0) {
			conn->queued_cpu = target;
			c->st.pushed++;
			return;
		}
	}
	cw_timer_mod(&conn->timer, exp);
	conn->queued_cpu = c->cpu;
}

static void is_packet(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct is_cpu *c = ev->data;
	struct cw__sim_idle_server *s = c->s;

	(void)sim;
	c->pkt_conn = &c->conns[cw_sim_random_below(s->sim, s->d.connections)];
	c->pkt_close = s->d.close_every && cw_sim_random_below(s->sim, s->d.close_every) == 0;
	/* An offline CPU (CW_ENODEV) loses its packets. */
	(void)cw_sim_hw_run_on(s->hw, c->cpu, is_packet_on_cpu, c);
	is_next_packet(c);
}

/* A connection timed out: it is closed until its next packet. */
static void is_timeout(struct cw_timer *t)
{
	struct is_conn *conn = (struct is_conn *)((char *)t - offsetof(struct is_conn, timer));
	struct cw__sim_idle_server *s = conn->owner->s;
	unsigned cpu = cw_sim_current_cpu(s->sim);
	struct is_cpu *c = &s->cpus[cpu < s->nr_cpus ? cpu : conn->owner->cpu];
	uint64_t now = cw_sim_now_ns(s->sim);

	if (cpu == conn->queued_cpu) {
		c->st.timeouts_own++;
	} else {
		c->st.timeouts_pulled++;
	}
	c->st.timeouts_remote += cpu != conn->owner->cpu;
	if (s->nr_late == s->cap_late) {
		size_t cap = s->cap_late ? 2 * s->cap_late : 1024;
		uint64_t *p = realloc(s->late, cap * sizeof(*p));

		if (!p) {
			return; /* counted above; the percentiles lose this sample */
		}
		s->late = p;
		s->cap_late = cap;
	}
	s->late[s->nr_late++] = now > conn->due_ns ? now - conn->due_ns : 0;
}

/* The pinned housekeeping timer: count, and come back one period later. */
static void is_housekeeping(struct cw_timer *t)
{
	struct is_cpu *c = (struct is_cpu *)((char *)t - offsetof(struct is_cpu, housekeeping));

	c->st.housekeeping++;
	cw_timer_mod(t, cw_timer_expires(t) + c->s->hk_j);
}

/* On each CPU at the start: set its timers up (a timer belongs to the CPU that arms it). */
static void is_setup_cpu(void *arg)
{
	struct is_cpu *c = arg;
	struct cw__sim_idle_server *s = c->s;

	for (unsigned i = 0; i < s->d.connections; i++) {
		c->conns[i].owner = c;
		c->conns[i].queued_cpu = c->cpu;
		cw_timer_setup(&c->conns[i].timer, s->sys, is_timeout, 0);
	}
	cw_timer_setup(&c->housekeeping, s->sys, is_housekeeping, CW_TIMER_PINNED);
	c->set_up = true;
	if (s->hk_j) {
		cw_timer_mod(&c->housekeeping, cw_jiffies_get(s->sys) + 1 + c->hk_phase_j);
	}
}

static void is_set_burst(struct cw__sim_idle_server *s, struct is_cpu *c, bool burst)
{
	if (burst == c->st.in_burst) {
		return;
	}
	c->st.in_burst = burst;
	if (cw_sim_hw_cpu_state(s->hw, c->cpu) == CW_SIM_HW_CPU_OFFLINE) {
		return;
	}
	if (burst) {
		cw_sim_hw_cpu_idle_loop(s->hw, c->cpu, -1);
		if (cw_sim_hw_cpu_state(s->hw, c->cpu) == CW_SIM_HW_CPU_IDLE) {
			cw_sim_hw_cpu_wake(s->hw, c->cpu);
		}
		/* After the wake: an observer sees it in the window the wake opened. */
		c->st.bursts++;
	} else {
		cw_sim_hw_cpu_idle_loop(s->hw, c->cpu, s->state);
	}
	cw_sim_event_cancel(s->sim, &c->pkt_ev);
	is_next_packet(c);
}

/* A new random set of burst CPUs (a partial Fisher-Yates shuffle). */
static void is_burst(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct cw__sim_idle_server *s = ev->data;
	unsigned n = 0;

	for (unsigned i = 0; i < s->nr_cpus; i++) {
		if (!s->d.burst_from_set || (s->d.burst_from[i / 64] >> (i % 64) & 1u)) {
			s->perm[n++] = i;
		}
	}
	for (unsigned i = 0; i < s->burst_size; i++) {
		unsigned j = i + (unsigned)cw_sim_random_below(sim, n - i);
		unsigned t = s->perm[i];

		s->perm[i] = s->perm[j];
		s->perm[j] = t;
	}
	/* CPUs leaving the burst first, then the new ones. */
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
		bool in = false;

		for (unsigned i = 0; i < s->burst_size && !in; i++) {
			in = s->perm[i] == cpu;
		}
		if (!in) {
			is_set_burst(s, &s->cpus[cpu], false);
		}
	}
	for (unsigned i = 0; i < s->burst_size; i++) {
		is_set_burst(s, &s->cpus[s->perm[i]], true);
	}
	cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + s->d.burst_every_ns);
}

static int is_pick_state(struct cw__sim_idle_server *s, char *err, size_t err_len)
{
	unsigned n = cw_sim_hw_nr_idle_states(s->hw);

	s->state = -1;
	for (unsigned i = 0; i < n; i++) {
		if (s->d.idle_state[0]) {
			if (strcmp(cw_sim_hw_idle_state_name(s->hw, i), s->d.idle_state) == 0) {
				s->state = (int)i;
			}
		} else if (s->state < 0 || cw__sim_machine_idle_state_deep(s->m, i) ||
			   !cw__sim_machine_idle_state_deep(s->m, (unsigned)s->state)) {
			/* The table lists states shallowest first: keep the last deep one. */
			s->state = (int)i;
		}
	}
	if (s->state < 0) {
		snprintf(
			err, err_len,
			s->d.idle_state[0]
				? "[idle-server] line %u: idle state '%s' is not one of the machine's"
				: "[idle-server] line %u: the machine has no idle state%s",
			s->d.line, s->d.idle_state);
		return CW_EINVAL;
	}
	return 0;
}

int cw__sim_idle_server_start(struct cw_sim_machine *m, const struct cw_sim_idle_server_desc *d,
			      struct cw__sim_idle_server **out, char *err, size_t err_len)
{
	struct cw__sim_idle_server *s = calloc(1, sizeof(*s));
	int ret;

	*out = NULL;
	if (!s) {
		return CW_ENOMEM;
	}
	s->m = m;
	s->hw = cw_sim_machine_hw(m);
	s->sys = cw_sim_machine_system(m);
	s->sim = cw_sim_system_engine(s->sys);
	s->d = *d;
	s->nr_cpus = cw_system_nr_cpus(s->sys);
	cw_sim_event_init(&s->burst_ev, is_burst, s);
	ret = is_pick_state(s, err, err_len);
	if (ret) {
		free(s);
		return ret;
	}
	s->timeout_j = is_jiffies(s, d->timeout_ns);
	s->hk_j = is_jiffies(s, d->housekeeping_ns);
	s->burst_size = d->burst_den
				? (unsigned)((uint64_t)s->nr_cpus * d->burst_num / d->burst_den)
				: d->burst_num;
	if (s->burst_size == 0 && d->burst_num) {
		s->burst_size = 1;
	}
	s->nr_cand = s->nr_cpus;
	if (d->burst_from_set) {
		s->nr_cand = 0;
		for (unsigned cpu = 0; cpu < CW_MAX_CPUS; cpu++) {
			bool in = d->burst_from[cpu / 64] >> (cpu % 64) & 1u;

			if (in && cpu >= s->nr_cpus) {
				snprintf(
					err, err_len,
					"[idle-server] line %u: burst_from names CPU%u but the machine "
					"has CPUs 0..%u",
					d->line, cpu, s->nr_cpus - 1);
				free(s);
				return CW_EINVAL;
			}
			s->nr_cand += in;
		}
	}
	if (s->burst_size > s->nr_cand) {
		s->burst_size = s->nr_cand;
	}
	s->cpus = calloc(s->nr_cpus, sizeof(*s->cpus));
	s->perm = calloc(s->nr_cpus, sizeof(*s->perm));
	if (!s->cpus || !s->perm) {
		cw__sim_idle_server_stop(s);
		return CW_ENOMEM;
	}
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
		s->cpus[cpu].conns = calloc(d->connections, sizeof(struct is_conn));
		if (!s->cpus[cpu].conns) {
			cw__sim_idle_server_stop(s);
			return CW_ENOMEM;
		}
	}
	for (unsigned cpu = 0; cpu < s->nr_cpus; cpu++) {
		struct is_cpu *c = &s->cpus[cpu];

		c->s = s;
		c->cpu = cpu;
		c->hk_phase_j = s->hk_j ? cw_sim_random_below(s->sim, s->hk_j) : 0;
		cw_sim_hw_run_on(s->hw, cpu, is_setup_cpu, c);
		cw_sim_event_init(&c->pkt_ev, is_packet, c);
		c->pkt_ev.cpu = cpu;
		if (cw_sim_hw_cpu_state(s->hw, cpu) != CW_SIM_HW_CPU_OFFLINE) {
			cw_sim_hw_cpu_idle_loop(s->hw, cpu, s->state);
		}
		is_next_packet(c);
	}
	cw_sim_event_schedule(s->sim, &s->burst_ev, cw_sim_now_ns(s->sim));
	*out = s;
	return 0;
}

void cw__sim_idle_server_cpu_resume(struct cw__sim_idle_server *s, unsigned cpu)
{
	if (cpu < s->nr_cpus && !s->cpus[cpu].st.in_burst) {
		cw_sim_hw_cpu_idle_loop(s->hw, cpu, s->state);
	}
}

void cw__sim_idle_server_stop(struct cw__sim_idle_server *s)
{
	if (!s) {
		return;
	}
	cw_sim_event_cancel(s->sim, &s->burst_ev);
	for (unsigned cpu = 0; s->cpus && cpu < s->nr_cpus; cpu++) {
		struct is_cpu *c = &s->cpus[cpu];

		if (c->s) {
			cw_sim_event_cancel(s->sim, &c->pkt_ev);
		}
		for (unsigned i = 0; c->set_up && i < s->d.connections; i++) {
			cw_timer_shutdown(&c->conns[i].timer);
		}
		if (c->set_up) {
			cw_timer_shutdown(&c->housekeeping);
		}
		free(c->conns);
	}
	free(s->cpus);
	free(s->perm);
	free(s->late);
	free(s);
}

CW_API int cw_sim_machine_idle_server_stats(const struct cw_sim_machine *m, unsigned cpu,
					    struct cw_sim_idle_server_cpu_stats *out)
{
	struct cw__sim_idle_server *s = m ? cw__sim_workload_idle_server(m) : NULL;

	if (!s) {
		return CW_ENODEV;
	}
	if (cpu >= s->nr_cpus || !out) {
		return CW_EINVAL;
	}
	*out = s->cpus[cpu].st;
	return 0;
}

CW_API size_t cw_sim_machine_idle_server_lateness(const struct cw_sim_machine *m, uint64_t *out,
						  size_t max)
{
	struct cw__sim_idle_server *s = m ? cw__sim_workload_idle_server(m) : NULL;

	if (!s) {
		return 0;
	}
	if (out) {
		memcpy(out, s->late, (s->nr_late < max ? s->nr_late : max) * sizeof(*out));
	}
	return s->nr_late;
}
