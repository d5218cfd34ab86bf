// SPDX-License-Identifier: MIT
/*
 * Timer migration (src/core/tmigr.c, issue 11).
 *
 * 1. The group-state protocol, driven step by step on the pure functions
 *    and on real state words: activation, hand-over of the migrator role,
 *    the last child leaving, and the lost-update race that the sequence
 *    number prevents (a CPU going idle reads its parent's word, a sibling
 *    of its group activates in between and leaves the word's value equal
 *    but for seq: the stale compare-and-swap must fail).
 * 2. The hierarchy's shape: levels and cross-node level from the topology.
 * 3. A seeded model of the whole hierarchy against a naive reference: CPUs
 *    in three NUMA nodes (one isolated) go idle and busy, go down and come
 *    up, and arm and delete global timers, on a tickless test port driven
 *    jiffy by jiffy; after every step the hierarchy's checker recomputes
 *    every group's state and first event from the CPUs and their wheel
 *    bases, and every global timer must expire exactly once, never early,
 *    at most its wheel level's granularity late, on some online CPU.
 */
#include <clockwork/cpu.h>
#include <clockwork/system.h>
#include <clockwork/timer.h>
#include <clockwork/tmigr.h>

#include "cw_rand.h"
#include "cw_test.h"

#include "core/system-internal.h"
#include "core/timer-internal.h"
#include "core/tmigr-internal.h"

#include <stdio.h>
#include <string.h>

#define TT_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- 1. the state word ---------------------------------------------------- */

static void test_activate_takes_migrator_only_when_none(void **state)
{
	uint32_t s = cw__tmigr_state(0, CW_TMIGR_NONE, 7);
	bool walk_on;

	(void)state;
	s = cw__tmigr_state_activate(s, 0x4, &walk_on);
	assert_true(walk_on);
	assert_int_equal(cw__tmigr_active(s), 0x4);
	assert_int_equal(cw__tmigr_migrator(s), 0x4);
	assert_int_equal(cw__tmigr_seq(s), 8);
	s = cw__tmigr_state_activate(s, 0x1, &walk_on);
	assert_false(walk_on);
	assert_int_equal(cw__tmigr_active(s), 0x5);
	assert_int_equal(cw__tmigr_migrator(s), 0x4);
	assert_int_equal(cw__tmigr_seq(s), 9);
}

static void test_deactivate_hands_migrator_to_lowest_active(void **state)
{
	uint32_t s = cw__tmigr_state(0x2c, 0x08, 0xffff);
	bool walk_on;

	(void)state;
	/* A non-migrator leaves: only its bit goes. */
	s = cw__tmigr_state_deactivate(s, 0x20, false, &walk_on);
	assert_false(walk_on);
	assert_int_equal(cw__tmigr_active(s), 0x0c);
	assert_int_equal(cw__tmigr_migrator(s), 0x08);
	assert_int_equal(cw__tmigr_seq(s), 0); /* 16-bit seq wraps */
	/* The migrator leaves: the lowest remaining active bit takes over. */
	s = cw__tmigr_state_deactivate(s, 0x08, false, &walk_on);
	assert_false(walk_on);
	assert_int_equal(cw__tmigr_active(s), 0x04);
	assert_int_equal(cw__tmigr_migrator(s), 0x04);
	/* The last one leaves: nobody is migrator, the parent must hear of it. */
	s = cw__tmigr_state_deactivate(s, 0x04, false, &walk_on);
	assert_true(walk_on);
	assert_int_equal(cw__tmigr_active(s), 0);
	assert_int_equal(cw__tmigr_migrator(s), CW_TMIGR_NONE);
	/* A child group that became active again keeps its bit. */
	s = cw__tmigr_state(0x01, 0x01, 3);
	s = cw__tmigr_state_deactivate(s, 0x01, true, &walk_on);
	assert_false(walk_on);
	assert_int_equal(cw__tmigr_active(s), 0x01);
	assert_int_equal(cw__tmigr_migrator(s), 0x01);
}

static bool cas(_Atomic uint32_t *w, uint32_t *cur, uint32_t new)
{
	return atomic_compare_exchange_strong(w, cur, new);
}

/*
 * Group G (bit 0x1 in parent P) has one CPU, A (bit 0x1 in G), which is P's
 * migrator chain. A goes idle; B (bit 0x2 in G) comes out of idle while A's
 * walk is between reading P and writing it.
 */
static void test_sequence_number_prevents_lost_update(void **state)
{
	_Atomic uint32_t g, p;
	uint32_t cur_g, cur_p, a_seen_p, new;
	bool walk_on, child_active;

	(void)state;
	atomic_init(&g, cw__tmigr_state(0x1, 0x1, 10));
	atomic_init(&p, cw__tmigr_state(0x1, 0x1, 20));

	/* Step 1: A leaves G: G has no active child left, so A walks up to P. */
	cur_g = atomic_load(&g);
	new = cw__tmigr_state_deactivate(cur_g, 0x1, false, &walk_on);
	assert_true(cas(&g, &cur_g, new));
	assert_true(walk_on);

	/* Step 2: A reads P and G's state (idle) and computes P without G. */
	a_seen_p = atomic_load(&p);
	child_active = cw__tmigr_active(atomic_load(&g)) != 0;
	assert_false(child_active);

	/* Step 3: B activates in G (takes G's migrator role), then in P: G's
	 * bit is still set and G is still P's migrator, so only seq changes. */
	cur_g = atomic_load(&g);
	new = cw__tmigr_state_activate(cur_g, 0x2, &walk_on);
	assert_true(cas(&g, &cur_g, new));
	assert_true(walk_on);
	cur_p = atomic_load(&p);
	new = cw__tmigr_state_activate(cur_p, 0x1, &walk_on);
	assert_true(cas(&p, &cur_p, new));
	assert_false(walk_on);
	/* The value is the one A read, but for the sequence number. */
	assert_int_equal(atomic_load(&p) & 0xffffu, a_seen_p & 0xffffu);
	assert_true(atomic_load(&p) != a_seen_p);

	/* Step 4: A's stale CAS fails because seq moved... */
	cur_p = a_seen_p;
	new = cw__tmigr_state_deactivate(cur_p, 0x1, child_active, &walk_on);
	assert_int_equal(cw__tmigr_active(new), 0); /* what it would have written */
	assert_false(cas(&p, &cur_p, new));
	/* ...and its retry reads G again, active now: G's bit stays in P. */
	child_active = cw__tmigr_active(atomic_load(&g)) != 0;
	assert_true(child_active);
	new = cw__tmigr_state_deactivate(cur_p, 0x1, child_active, &walk_on);
	assert_true(cas(&p, &cur_p, new));
	assert_false(walk_on);
	assert_int_equal(cw__tmigr_active(atomic_load(&p)), 0x1);
	assert_int_equal(cw__tmigr_migrator(atomic_load(&p)), 0x1);

	/* Without the sequence number the stale CAS would have succeeded and
	 * left P believing G idle while B runs in it: the lost update. */
	{
		_Atomic uint32_t noseq;
		uint32_t stale = a_seen_p & 0xffffu;

		atomic_init(&noseq, atomic_load(&p) & 0xffffu);
		cur_p = stale;
		new = cw__tmigr_state_deactivate(stale, 0x1, false, &walk_on) & 0xffffu;
		assert_true(cas(&noseq, &cur_p, new));
		assert_int_equal(cw__tmigr_active(atomic_load(&noseq)), 0);
	}
}

/* ---- a tickless test port ------------------------------------------------- */

#define MAX_CPUS 32

struct port {
	unsigned cur;
	/* CW_IPI_KICK and friends sent to each CPU, not yet handled. */
	bool kicked[MAX_CPUS];
	unsigned kicks;
};

static unsigned port_this_cpu(void *ctx)
{
	return ((struct port *)ctx)->cur;
}

static void port_send_ipi(void *ctx, unsigned cpu)
{
	struct port *p = ctx;

	p->kicked[cpu] = true;
	p->kicks++;
}

static int port_cpu_call(void *ctx, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	struct port *p = ctx;
	unsigned saved = p->cur;

	p->cur = cpu;
	fn(arg);
	p->cur = saved;
	return 0;
}

static void port_log(void *ctx, int level, const char *line)
{
	(void)ctx;
	if (level <= CW_LOG_WARNING) {
		fprintf(stderr, "log: %s\n", line);
	}
}

static const struct cw_port_ops port_ops = {
	.name = "tmigr-test",
	.this_cpu = port_this_cpu,
	.send_ipi = port_send_ipi,
	.cpu_call = port_cpu_call,
	.log_write = port_log,
};

static bool one_duty_holder;

static struct cw_system *make_system_classes(struct port *p, unsigned nr, const unsigned *node,
					     const bool *isolated, const unsigned *klass)
{
	struct cw_system_config cfg = { 0 };
	struct cw_system *sys;

	memset(p, 0, sizeof(*p));
	cfg.nr_cpus = nr;
	cfg.hz = 1000;
	cfg.port = &port_ops;
	cfg.port_ctx = p;
	cfg.log_lines = 256;
	cfg.cpu_node = node;
	cfg.cpu_isolated = isolated;
	cfg.cpu_capacity_class = klass;
	cfg.tmigr_per_class = klass != NULL;
	cfg.tmigr_one_duty_holder = one_duty_holder;
	assert_int_equal(cw_system_create(&cfg, &sys), 0);
	return sys;
}

static struct cw_system *make_system(struct port *p, unsigned nr, const unsigned *node,
				     const bool *isolated)
{
	return make_system_classes(p, nr, node, isolated, NULL);
}

/* ---- 2. shape -------------------------------------------------------------- */

static void shape_case(unsigned nr, unsigned per_node, unsigned want_levels, unsigned want_cross)
{
	static unsigned node[CW_MAX_CPUS];
	struct port p;
	struct cw_system *sys;
	struct cw_tmigr_info info;
	char line[128];
	bool found = false;

	for (unsigned i = 0; i < nr; i++) {
		node[i] = i / per_node;
	}
	sys = make_system(&p, nr, node, NULL);
	assert_int_equal(cw_tmigr_get_info(sys, &info), 0);
	print_message("%u CPUs, %u per node: %u levels, crossnode level %u, %u groups\n", nr,
		      per_node, info.levels, info.crossnode_level, info.nr_groups);
	assert_int_equal(info.levels, want_levels);
	assert_int_equal(info.crossnode_level, want_cross);
	assert_int_equal(info.children_per_group, 8);
	snprintf(line, sizeof(line),
		 "Timer migration: %u hierarchy levels; 8 children per group; %u crossnode level",
		 want_levels, want_cross);
	for (uint64_t i = 0; i < cw_log_count(sys); i++) {
		char l[256];

		if (cw_log_get(sys, i, l, sizeof(l)) == 0 && strstr(l, line)) {
			found = true;
		}
	}
	assert_true(found);
	cw_system_destroy(sys);
}

static void test_levels_follow_the_numa_topology(void **state)
{
	(void)state;
	/* Linux's example: 2 nodes of 24 CPUs: LVL0 x6, LVL1 x2 per node, LVL2 x1. */
	shape_case(48, 24, 3, 2);
	shape_case(8, 8, 1, 1);
	shape_case(64, 64, 2, 2);
	shape_case(4096, 64, 4, 2); /* 64 nodes of 64 */
	shape_case(512, 256, 4, 3); /* 2 nodes of 256 */
}

static void test_tree_output_names_groups_and_cpus(void **state)
{
	static const unsigned node[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1 };
	static const bool iso[12] = { [11] = true };
	struct port p;
	struct cw_system *sys = make_system(&p, 12, node, iso);
	char buf[2048];
	int n = cw_tmigr_format_tree(sys, buf, sizeof(buf));

	(void)state;
	print_message("%s", buf);
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf, "crossnode level 2"));
	assert_non_null(strstr(buf, "cpus 0 1 2 3 4 5 6 7\n"));
	assert_non_null(strstr(buf, "cpus 8\n"));
	assert_non_null(strstr(buf, "cpus 9 10\n"));
	assert_non_null(strstr(buf, "isolated: CPU 11"));
	assert_int_equal(cw_tmigr_check(sys, buf, sizeof(buf)), 0);
	cw_system_destroy(sys);
}

/* ---- 3. the model ---------------------------------------------------------- */

#define M_CPUS   20
#define M_TIMERS 160

struct mtimer {
	struct cw_timer timer;
	struct model *m;
	bool armed;
	uint64_t expires;
	uint64_t gran;
	unsigned fires;
};

struct model {
	struct port p;
	struct cw_system *sys;
	uint64_t now;
	uint64_t rng;
	bool online[M_CPUS];
	bool idle[M_CPUS];
	uint64_t wake[M_CPUS];
	struct mtimer t[M_TIMERS];
	uint64_t expiries, remote_expiries, wakeups, idle_global_wakeups;
	bool in_idle_wakeup;
	unsigned ran_on;
};

static void mtimer_fn(struct cw_timer *timer)
{
	struct mtimer *mt = TT_CONTAINER(timer, struct mtimer, timer);
	struct model *m = mt->m;

	if (!mt->armed || mt->fires != 0) {
		fail_msg("timer %ld fired %u times before, armed %d", (long)(mt - m->t), mt->fires,
			 mt->armed);
	}
	if (!cw_time_after64(m->now, mt->expires) || m->now - mt->expires > mt->gran) {
		fail_msg("timer %ld expires %llu (gran %llu) ran at %llu on CPU %u (queued on CPU "
			 "%u, idle %d, online %d, wake %lld)",
			 (long)(mt - m->t), (unsigned long long)mt->expires,
			 (unsigned long long)mt->gran, (unsigned long long)m->now, m->ran_on,
			 (unsigned)(mt->timer.flags & 0xffffu), m->idle[mt->timer.flags & 0xffffu],
			 m->online[mt->timer.flags & 0xffffu],
			 (long long)m->wake[mt->timer.flags & 0xffffu]);
	}
	if (!m->online[m->ran_on]) {
		fail_msg("timer %ld ran on offline CPU %u", (long)(mt - m->t), m->ran_on);
	}
	mt->fires++;
	mt->armed = false;
	m->expiries++;
}

static void model_check(struct model *m, const char *after)
{
	char report[512];

	if (cw_tmigr_check(m->sys, report, sizeof(report)) != 0) {
		char tree[8192];

		cw_tmigr_format_tree(m->sys, tree, sizeof(tree));
		fail_msg("after %s at jiffy %llu: %s\n%s", after, (unsigned long long)m->now,
			 report, tree);
	}
	if (cw_timer_check(m->sys, report, sizeof(report)) != 0) {
		fail_msg("wheel checker after %s: %s", after, report);
	}
}

/* @cpu goes idle: the wheel marks its bases, the hierarchy gives the wakeup jiffy. */
static void go_idle(struct model *m, unsigned cpu)
{
	struct cw_timer_next n;

	m->p.cur = cpu;
	cw__timer_idle_enter(m->sys, cpu, m->now, &n);
	m->wake[cpu] = cw__tmigr_cpu_deactivate(m->sys, cpu, n.local, n.global);
	m->idle[cpu] = true;
}

static void wake_up(struct model *m, unsigned cpu)
{
	m->p.cur = cpu;
	cw__tmigr_cpu_activate(m->sys, cpu);
	cw__timer_idle_exit(m->sys, cpu, m->now);
	m->idle[cpu] = false;
}

/* One tick of awake @cpu: its own bases, then the pull (the soft work order). */
static void tick(struct model *m, unsigned cpu)
{
	m->p.cur = cpu;
	m->ran_on = cpu;
	cw__timer_run_at(m->sys, cpu, m->now);
	if (cw__tmigr_requires_handle_remote(m->sys, cpu, m->now)) {
		uint64_t before = m->expiries;

		cw__tmigr_handle_remote_at(m->sys, cpu, m->now);
		m->remote_expiries += m->expiries - before;
	}
}

static void arm(struct model *m, unsigned i, unsigned cpu, uint64_t delta)
{
	struct mtimer *mt = &m->t[i];

	mt->expires = m->now + delta;
	mt->fires = 0;
	mt->armed = true;
	if (cw_rand_next(&m->rng) % 2) {
		/* A thread that is no CPU arms it there (the kick path when all sleep). */
		m->p.cur = CW_PORT_NO_CPU;
		assert_true(cw_timer_add_on(&mt->timer, mt->expires, cpu) >= 0);
	} else {
		/* Code running on @cpu arms it (an interrupt if the CPU sleeps: it
		 * re-plans its sleep on its way back to idle). */
		m->p.cur = cpu;
		cw_timer_mod(&mt->timer, mt->expires);
		if (m->idle[cpu]) {
			go_idle(m, cpu);
		}
	}
	/*
	 * The wheel's bound is the granularity of the level the timer sits
	 * at, which may be coarser than its delta asks: a re-arm that maps to
	 * the same bucket only stores the new expiry (the networking fast
	 * path, as Linux), and a base clock left behind by a stale first
	 * expiry places it from further back. The level is in its flags
	 * (bucket index in bits 20-29, 64 buckets per level).
	 */
	mt->gran = cw__timer_level_gran(((mt->timer.flags >> 20) & 0x3ffu) / 64u);
}

static unsigned online_available(struct model *m)
{
	unsigned n = 0;

	for (unsigned c = 0; c < M_CPUS - 1; c++) {
		n += m->online[c];
	}
	return n;
}

static void model_run(uint64_t seed, unsigned steps, bool per_class)
{
	static unsigned klass[M_CPUS];
	static unsigned node[M_CPUS];
	static bool iso[M_CPUS];
	struct model *m = test_calloc(1, sizeof(*m));
	uint64_t start = UINT64_C(0xfffffff0) - 200; /* crosses the 32-bit wrap */
	struct cw_tmigr_stats st;

	for (unsigned c = 0; c < M_CPUS; c++) {
		node[c] = c < 9 ? 0 : c < 18 ? 1 : 2; /* 9 + 9 + 2: three levels */
	}
	iso[M_CPUS - 1] = true;
	m->rng = seed;
	for (unsigned c = 0; c < M_CPUS; c++) {
		klass[c] = c % 2; /* big and little CPUs in every node */
	}
	m->sys = make_system_classes(&m->p, M_CPUS, node, iso, per_class ? klass : NULL);
	m->now = start;
	cw__timer_test_set_jiffies(m->sys, m->now);
	for (unsigned c = 0; c < M_CPUS; c++) {
		m->online[c] = true;
		m->wake[c] = CW_TIMER_NEXT_NONE;
	}
	for (unsigned i = 0; i < M_TIMERS; i++) {
		m->t[i].m = m;
		assert_int_equal(cw_timer_setup(&m->t[i].timer, m->sys, mtimer_fn, 0), 0);
	}
	model_check(m, "creation");

	for (unsigned step = 0; step < steps; step++) {
		unsigned cpu = (unsigned)(cw_rand_next(&m->rng) % (M_CPUS));
		unsigned op = (unsigned)(cw_rand_next(&m->rng) % (100));
		const char *what = "tick";

		if (op < 30 && m->online[cpu]) {
			/* Arm (or re-arm) a global timer on @cpu, idle or not (an
			 * arming thread that maps to it; the hook path when idle). */
			static const uint64_t deltas[] = { 1, 5, 40, 63, 200, 600, 3000 };
			unsigned i = (unsigned)(cw_rand_next(&m->rng) % (M_TIMERS));

			arm(m, i, cpu,
			    deltas[(cw_rand_next(&m->rng) % (CW_ARRAY_SIZE(deltas)))] +
				    (cw_rand_next(&m->rng) % (8)));
			what = "arm";
		} else if (op < 40) {
			unsigned i = (unsigned)(cw_rand_next(&m->rng) % (M_TIMERS));

			m->p.cur = cpu;
			cw_timer_del(&m->t[i].timer);
			m->t[i].armed = false;
			what = "delete";
		} else if (op < 70 && m->online[cpu]) {
			/* Idle is the common state: all CPUs idle at once happens often. */
			if (m->idle[cpu] && cw_rand_next(&m->rng) % 4 == 0) {
				wake_up(m, cpu);
				what = "busy";
			} else if (!m->idle[cpu]) {
				go_idle(m, cpu);
				what = "idle";
			}
		} else if (op < 72 && cpu != 0) {
			if (m->online[cpu] && online_available(m) > 2) {
				if (m->idle[cpu]) {
					wake_up(m, cpu);
				}
				m->p.cur = CW_PORT_NO_CPU;
				/* From a controlling thread that is no CPU: the dying step
				 * runs on the CPU, the dead step on that thread. */
				m->online[cpu] = false;
				assert_int_equal(cw_cpu_down(m->sys, cpu), 0);
				what = "cpu down";
			} else if (!m->online[cpu]) {
				m->p.cur = CW_PORT_NO_CPU;
				assert_int_equal(cw_cpu_up(m->sys, cpu), 0);
				m->online[cpu] = true;
				m->idle[cpu] = false;
				what = "cpu up";
			}
		} else {
			/* A jiffy passes: awake CPUs tick, sleeping ones wake when due. */
			m->now++;
			cw__timer_test_set_jiffies(m->sys, m->now);
			for (unsigned c = 0; c < M_CPUS; c++) {
				if (!m->online[c]) {
					continue;
				}
				if (m->idle[c] &&
				    (m->p.kicked[c] || (m->wake[c] != CW_TIMER_NEXT_NONE &&
							cw_time_after_eq64(m->now, m->wake[c])))) {
					m->wakeups++;
					wake_up(m, c);
					tick(m, c);
					go_idle(m, c);
				} else if (!m->idle[c]) {
					tick(m, c);
				}
				m->p.kicked[c] = false;
			}
		}
		/* A kick reaches an idle CPU at once (the IPI): it re-plans its sleep. */
		for (unsigned c = 0; c < M_CPUS; c++) {
			if (m->p.kicked[c] && m->online[c] && m->idle[c]) {
				m->p.kicked[c] = false;
				wake_up(m, c);
				go_idle(m, c);
			}
			m->p.kicked[c] = false;
		}
		model_check(m, what);
	}
	/*
	 * Everyone goes idle but CPU 0 (and CPU 1, the other class's busy CPU,
	 * with one hierarchy per class); run until every armed timer came due.
	 */
	if (per_class && !m->online[1]) {
		m->p.cur = CW_PORT_NO_CPU;
		assert_int_equal(cw_cpu_up(m->sys, 1), 0);
		m->online[1] = true;
		m->idle[1] = false;
	}
	for (unsigned c = 1; c < M_CPUS; c++) {
		if (m->online[c] && !m->idle[c]) {
			go_idle(m, c);
		}
	}
	for (unsigned c = 0; c < (per_class ? 2u : 1u); c++) {
		if (m->idle[c]) {
			wake_up(m, c);
		}
	}
	/* Re-plan every sleep with them busy: a former last-idle duty is dropped. */
	for (unsigned c = per_class ? 2u : 1u; c < M_CPUS; c++) {
		if (m->online[c]) {
			wake_up(m, c);
			go_idle(m, c);
		}
	}
	model_check(m, "drain start");
	for (unsigned j = 0; j < 4000; j++) {
		m->now++;
		cw__timer_test_set_jiffies(m->sys, m->now);
		tick(m, 0);
		if (per_class) {
			tick(m, 1);
		}
		for (unsigned c = 1; c < M_CPUS; c++) {
			if (m->online[c] && m->idle[c] &&
			    (m->p.kicked[c] || (m->wake[c] != CW_TIMER_NEXT_NONE &&
						cw_time_after_eq64(m->now, m->wake[c])))) {
				m->wakeups++;
				if (c != M_CPUS - 1) {
					/* Only pinned/local reasons or isolation may wake a CPU
					 * here. */
					m->idle_global_wakeups++;
				}
				wake_up(m, c);
				tick(m, c);
				go_idle(m, c);
			}
			m->p.kicked[c] = false;
		}
		model_check(m, "drain");
	}
	for (unsigned i = 0; i < M_TIMERS; i++) {
		if (m->t[i].armed) {
			fail_msg("timer %u (expires %llu) armed but never fired", i,
				 (unsigned long long)m->t[i].expires);
		}
		assert_false(cw_timer_pending(&m->t[i].timer));
	}
	assert_int_equal(cw_tmigr_get_stats(m->sys, &st), 0);
	print_message("seed %llu%s: %llu expiries (%llu pulled remotely), %llu idle wakeups "
		      "(%llu in the drain with CPU 0 busy), %llu remote runs, %llu duties, %llu "
		      "hook updates, %llu kicks\n",
		      (unsigned long long)seed, one_duty_holder ? " (one duty holder)" : "",
		      (unsigned long long)m->expiries, (unsigned long long)m->remote_expiries,
		      (unsigned long long)m->wakeups, (unsigned long long)m->idle_global_wakeups,
		      (unsigned long long)st.remote_runs, (unsigned long long)st.last_idle_duties,
		      (unsigned long long)st.new_timer_updates, (unsigned long long)st.kicks);
	assert_true(m->expiries > 100);
	assert_true(m->remote_expiries > 0);
	/* With CPU 0 busy, no available idle CPU woke for a global timer. */
	assert_int_equal(m->idle_global_wakeups, 0);
	for (unsigned i = 0; i < M_TIMERS; i++) {
		cw_timer_shutdown_sync(&m->t[i].timer);
	}
	cw_system_destroy(m->sys);
	test_free(m);
}

static void test_model_against_naive_reference(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		/* Odd seeds: the default; even ones: one last-idle duty holder. */
		one_duty_holder = seed % 2 == 0;
		model_run(seed, 12000, false);
	}
	one_duty_holder = false;
}

/* One hierarchy per capacity class (off by default): the same model, two classes. */
static void test_model_one_hierarchy_per_class(void **state)
{
	(void)state;
	for (uint64_t seed = 11; seed <= 14; seed++) {
		one_duty_holder = seed % 2 == 0;
		model_run(seed, 12000, true);
	}
	one_duty_holder = false;
}

static void test_per_class_builds_one_tree_per_class(void **state)
{
	static const unsigned node[16] = { 0 };
	static const unsigned klass[16] = { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct port p;
	struct cw_system *sys = make_system_classes(&p, 16, node, NULL, klass);
	struct cw_tmigr_info info;
	char buf[2048];

	(void)state;
	assert_int_equal(cw_tmigr_get_info(sys, &info), 0);
	cw_tmigr_format_tree(sys, buf, sizeof(buf));
	print_message("%s", buf);
	/* 4 big, 12 little: the larger class needs 2 levels; each class its own top. */
	assert_int_equal(info.nr_trees, 2);
	assert_int_equal(info.levels, 2);
	assert_non_null(strstr(buf, "capacity class 0:\nL1 group"));
	assert_non_null(strstr(buf, "capacity class 1:\nL1 group"));
	assert_non_null(strstr(buf, "cpus 0 1 2 3\n"));
	assert_non_null(strstr(buf, "cpus 4 5 6 7 8 9 10 11\n"));
	assert_int_equal(cw_tmigr_check(sys, buf, sizeof(buf)), 0);
	cw_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_activate_takes_migrator_only_when_none),
		cmocka_unit_test(test_deactivate_hands_migrator_to_lowest_active),
		cmocka_unit_test(test_sequence_number_prevents_lost_update),
		cmocka_unit_test(test_levels_follow_the_numa_topology),
		cmocka_unit_test(test_tree_output_names_groups_and_cpus),
		cmocka_unit_test(test_model_against_naive_reference),
		cmocka_unit_test(test_per_class_builds_one_tree_per_class),
		cmocka_unit_test(test_model_one_hierarchy_per_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
