// SPDX-License-Identifier: MIT
/*
 * Seeded random model test of the timer wheel against a naive reference (a
 * plain array of armed timers): random arm, re-arm, mod_pending, reduce,
 * add_on, delete, shutdown and re-setup, and time advancing by random
 * amounts including long idles (with the NO_HZ idle enter/exit calls).
 * Every armed timer must fire exactly once, never before its expiry and no
 * later than its level's granularity (at most 1/7.9 of its timeout, one
 * jiffy on level 0); timeouts beyond the range fire at the clamp. The
 * checker (cw_timer_check) runs after every step. Re-setting up a pending
 * timer must be refused (CW_EBUSY). Three runs place the wheel's jiffies
 * 3000 before the 32-bit wrap, 2^63 and the 64-bit wrap (the model's own
 * clock stays unwrapped; the wheel sees it shifted).
 *
 * CW_TEST_SEED=<n> reruns one seed; CW_TIMER_MODEL_OPS=<n> sets the number
 * of operations per configuration (default CWT_MODEL_OPS: a short run in the
 * unit suite, 10 million in the soak build). The seed is printed on failure.
 */
#include <clockwork/timer.h>

#include "cw_rand.h"
#include "cw_test.h"

#include "core/timer-internal.h"

#include <stdlib.h>

#ifndef CWT_MODEL_OPS
#define CWT_MODEL_OPS 120000ull
#endif

#define NR_TIMERS 384u

struct mtimer {
	struct cw_timer timer;
	unsigned id;
	unsigned flags;
	bool armed;
	bool dead;
	uint64_t lo;
	uint64_t hi;
	uint64_t e;
	uint64_t arm_now;
	uint64_t fires;
};

struct model {
	struct cwt t;
	struct mtimer timers[NR_TIMERS];
	uint64_t rng;
	uint64_t seed;
	uint64_t step;
	uint64_t now;
	unsigned hz;
	unsigned nr_cpus;
	unsigned depth;
	uint64_t max_timeout;
	uint64_t cutoff;
	uint64_t fired_total;
	uint64_t prev_run;
	/* The wheel sees model time + offset (modulo 2^64): a run can start
	 * next to a jiffies boundary while the model keeps plain arithmetic. */
	uint64_t offset;
	uint64_t wheel_first;
	char report[256];
};

static struct model *M;

static uint64_t rnd(void)
{
	return cw_rand_next(&M->rng);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define MFAIL(...)                                                                                 \
	do {                                                                                       \
		print_message("timer model: seed %llu hz %u cpus %u step %llu now %llu: ",         \
			      (unsigned long long)M->seed, M->hz, M->nr_cpus,                      \
			      (unsigned long long)M->step, (unsigned long long)M->now);            \
		fail_msg(__VA_ARGS__);                                                             \
	} while (0)

/* Model time -> the wheel's jiffies. */
static uint64_t W(uint64_t model_jiffies)
{
	return model_jiffies + M->offset;
}

/* The earlier of two reported wheel events (wrap-safe; NONE: none). */
static uint64_t earlier(uint64_t a, uint64_t b)
{
	if (a == CW_TIMER_NEXT_NONE) {
		return b;
	}
	if (b == CW_TIMER_NEXT_NONE) {
		return a;
	}
	return cw_time_before_eq64(a, b) ? a : b;
}

static unsigned level_of(uint64_t delta)
{
	unsigned lvl = 0;

	/* Level n starts at 63 * 8^(n-1): the documented geometry. */
	while (lvl + 1 < M->depth && delta >= (63ull << (3 * lvl))) {
		lvl++;
	}
	return lvl;
}

/* The firing window of a timer armed at model time @now for @e. */
static void window(struct mtimer *m, uint64_t e, uint64_t now)
{
	uint64_t last_gran = cw__timer_level_gran(M->depth - 1);

	m->e = e;
	m->arm_now = now;
	if (e <= now) {
		/* Already due: the next expiry run. */
		m->lo = now + 1;
		m->hi = now + 1;
	} else if (e - now + 1 >= M->cutoff) {
		/* Clamped to the wheel's range (the base clock is now or now + 1). */
		uint64_t clamp = now + M->max_timeout;

		m->lo = (e + 1 < clamp + 1) ? e + 1 : clamp + 1;
		m->hi = (e + last_gran > clamp + 1 + last_gran) ? e + last_gran
								: clamp + 1 + last_gran;
	} else {
		uint64_t delta = e - now;
		uint64_t gran = cw__timer_level_gran(level_of(delta));
		uint64_t rel = (delta * 8 + 62) / 63;

		m->lo = e + 1;
		m->hi = e + gran;
		/* Independent check of the 8/63 bound the geometry promises. */
		if (gran > 1 && gran > rel) {
			MFAIL("granularity %llu above 8/63 of delta %llu", (unsigned long long)gran,
			      (unsigned long long)delta);
		}
	}
}

static void model_fn(struct cw_timer *timer)
{
	struct mtimer *m =
		(struct mtimer *)(void *)((char *)timer - offsetof(struct mtimer, timer));

	if (!m->armed || m->dead) {
		MFAIL("timer %u fired while not armed (dead %d)", m->id, m->dead);
	}
	/* Never early; and late only when no expiry ran inside the window
	 * (time jumped over it: the missed check after each run covers the rest). */
	if (M->now < m->lo || (M->now > m->hi && M->prev_run >= m->hi)) {
		MFAIL("timer %u armed at %llu for %llu fired at %llu, window [%llu, %llu]", m->id,
		      (unsigned long long)m->arm_now, (unsigned long long)m->e,
		      (unsigned long long)M->now, (unsigned long long)m->lo,
		      (unsigned long long)m->hi);
	}
	m->armed = false;
	m->fires++;
	M->fired_total++;
}

static void check_all(void)
{
	if (cw_timer_check(M->t.sys, M->report, sizeof(M->report)) != 0) {
		MFAIL("checker: %s", M->report);
	}
}

static void check_model_pending(void)
{
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		struct mtimer *m = &M->timers[i];

		if (cw_timer_pending(&m->timer) != m->armed) {
			MFAIL("timer %u: pending %d, model %d", i, cw_timer_pending(&m->timer),
			      m->armed);
		}
		if (m->armed && m->hi <= M->now) {
			MFAIL("timer %u armed at %llu for %llu missed: window ends %llu", i,
			      (unsigned long long)m->arm_now, (unsigned long long)m->e,
			      (unsigned long long)m->hi);
		}
	}
}

static uint64_t pick_expiry(struct mtimer *m)
{
	uint64_t now = M->now;

	switch (below(16)) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
		return now + below(70);
	case 6:
	case 7:
	case 8:
		return now + below(600);
	case 9:
	case 10:
		return now + below(40000);
	case 11:
		return now + below(3000000);
	case 12:
		return now + below(M->cutoff / 4);
	case 13:
		/* Around and beyond the range: clamped. */
		return now + M->cutoff - 4 + below(M->cutoff);
	case 14:
		return now - (now < 100 ? now : below(100));
	default:
		/* Near the current expiry: the same-expiry and same-bucket paths. */
		if (m->e != CW_TIMER_NEVER && m->e + 8 > now) {
			return m->e + below(16) - (m->e >= 8 ? 8 : 0);
		}
		return now + below(100);
	}
}

static void op_arm(struct mtimer *m, unsigned kind)
{
	uint64_t e = pick_expiry(m);
	int ret;

	if (getenv("CWT_TRACE") && (unsigned)atoi(getenv("CWT_TRACE")) == m->id) {
		print_message("step %llu now %llu: arm kind %u e %llu (armed %d cur %llu)\n",
			      (unsigned long long)M->step, (unsigned long long)M->now, kind,
			      (unsigned long long)e, m->armed, (unsigned long long)m->e);
	}

	switch (kind) {
	case 0:
		ret = cw_timer_mod(&m->timer, W(e));
		if (ret != (int)m->armed) {
			MFAIL("mod of timer %u returned %d, model pending %d", m->id, ret,
			      m->armed);
		}
		/* Same expiry of a pending timer: nothing changes (the
		 * placement, and so the window, of the earlier arm stays). */
		if (!m->dead && !(m->armed && e == m->e)) {
			window(m, e, M->now);
		}
		m->armed = !m->dead;
		break;
	case 1:
		ret = cw_timer_mod_pending(&m->timer, W(e));
		if (ret != (int)m->armed) {
			MFAIL("mod_pending of timer %u returned %d, model %d", m->id, ret,
			      m->armed);
		}
		if (m->armed && e != m->e) {
			window(m, e, M->now);
		}
		break;
	case 2:
		ret = cw_timer_reduce(&m->timer, W(e));
		if (ret != (int)m->armed) {
			MFAIL("reduce of timer %u returned %d, model %d", m->id, ret, m->armed);
		}
		if (m->dead) {
			break;
		}
		if (!m->armed || e < m->e) {
			window(m, e, M->now);
		}
		m->armed = true;
		break;
	default: {
		unsigned cpu = (unsigned)below(M->nr_cpus);

		ret = cw_timer_add_on(&m->timer, W(e), cpu);
		if (ret != (int)m->armed) {
			MFAIL("add_on of timer %u returned %d, model %d", m->id, ret, m->armed);
		}
		if (!m->dead) {
			window(m, e, M->now);
			m->armed = true;
		}
		break;
	}
	}
}

static void op_delete(struct mtimer *m, unsigned kind)
{
	int ret;

	switch (kind) {
	case 0:
		ret = cw_timer_del(&m->timer);
		break;
	case 1:
		ret = cw_timer_del_sync(&m->timer);
		break;
	case 2:
		ret = cw_timer_shutdown(&m->timer);
		m->dead = true;
		break;
	default:
		ret = cw_timer_shutdown_sync(&m->timer);
		m->dead = true;
		break;
	}
	if (ret != (int)m->armed) {
		MFAIL("delete kind %u of timer %u returned %d, model %d", kind, m->id, ret,
		      m->armed);
	}
	m->armed = false;
}

static void advance(void)
{
	uint64_t r = below(100), d;
	bool idle = false;

	if (r < 55) {
		d = 1;
	} else if (r < 80) {
		d = 1 + below(10);
	} else if (r < 93) {
		d = 1 + below(1000);
	} else if (r < 99) {
		d = 1 + below(1ull << 24);
		idle = true;
	} else {
		d = 1 + below(M->cutoff * 2);
		idle = true;
	}
	if (idle) {
		/* NO_HZ: the CPUs stop their ticks, sleep, and restart. */
		for (unsigned cpu = 0; cpu < M->nr_cpus; cpu++) {
			struct cw_timer_next next;
			uint64_t first = cw__timer_idle_enter(M->t.sys, cpu, W(M->now), &next);

			if (first != earlier(next.local, next.global)) {
				MFAIL("idle_enter returned %llu, not min(local, global)",
				      (unsigned long long)first);
			}
		}
	}
	M->prev_run = M->now;
	M->now += d;
	cw__timer_test_set_jiffies(M->t.sys, W(M->now));
	for (unsigned cpu = 0; cpu < M->nr_cpus; cpu++) {
		if (idle) {
			cw__timer_idle_exit(M->t.sys, cpu, W(M->now));
		}
		cw__timer_run_at(M->t.sys, cpu, W(M->now));
	}
}

/*
 * @wheel_start: 0, or the wheel's jiffies at the start (the model's own
 * clock starts at a random value either way).
 */
static void run_model(unsigned hz, unsigned nr_cpus, uint64_t seed, uint64_t ops,
		      uint64_t wheel_start)
{
	struct cw_system_config cfg = { .nr_cpus = nr_cpus, .hz = hz };

	M = calloc(1, sizeof(*M));
	assert_non_null(M);
	cwt_init_cfg(&M->t, &cfg);
	M->seed = seed;
	M->rng = seed;
	M->hz = hz;
	M->nr_cpus = nr_cpus;
	M->depth = cw__timer_levels(hz);
	M->max_timeout = cw__timer_max_timeout(hz);
	M->cutoff = M->max_timeout + cw__timer_level_gran(M->depth - 1);
	/* Start at an arbitrary, unaligned jiffies value. */
	M->now = rnd() % (1ull << 40);
	M->offset = wheel_start ? wheel_start - M->now : 0;
	M->wheel_first = W(M->now);
	cw__timer_test_set_jiffies(M->t.sys, W(M->now));
	cw__timer_forward(M->t.sys, 0, W(M->now));
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		struct mtimer *m = &M->timers[i];

		m->id = i;
		m->flags = (unsigned)below(4) == 0 ? CW_TIMER_PINNED
			   : below(5) == 0         ? CW_TIMER_DEFERRABLE
						   : 0;
		assert_int_equal(cw_timer_setup(&m->timer, M->t.sys, model_fn, m->flags), 0);
		m->e = CW_TIMER_NEVER;
	}
	for (M->step = 0; M->step < ops; M->step++) {
		uint64_t r = below(100);
		struct mtimer *m = &M->timers[below(NR_TIMERS)];

		if (r < 45) {
			op_arm(m, (unsigned)below(4));
		} else if (r < 62) {
			op_delete(m, (unsigned)(below(10) < 8 ? below(2) : 2 + below(2)));
		} else if (r < 65) {
			if (!m->armed) {
				/* Re-setup (revives a shut-down timer). */
				if (cw_timer_setup(&m->timer, M->t.sys, model_fn, m->flags) != 0) {
					MFAIL("re-setup of idle timer %u refused", m->id);
				}
				m->dead = false;
				m->e = CW_TIMER_NEVER;
			} else if (cw_timer_setup(&m->timer, M->t.sys, model_fn, m->flags) !=
				   CW_EBUSY) {
				/* A pending timer is refused and stays as it was. */
				MFAIL("re-setup of pending timer %u not refused", m->id);
			}
		} else {
			advance();
		}
		check_all();
		check_model_pending();
	}
	/* Drain: everything armed fires by the end of the range. */
	M->now += M->cutoff * 2;
	cw__timer_test_set_jiffies(M->t.sys, W(M->now));
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		cw__timer_run_at(M->t.sys, cpu, W(M->now));
	}
	check_all();
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		if (M->timers[i].armed) {
			MFAIL("timer %u never fired", i);
		}
	}
	print_message("timer model: seed %llu hz %u cpus %u: %llu ops, %llu timers fired, wheel "
		      "jiffies %#llx to %#llx\n",
		      (unsigned long long)seed, hz, nr_cpus, (unsigned long long)ops,
		      (unsigned long long)M->fired_total, (unsigned long long)M->wheel_first,
		      (unsigned long long)W(M->now));
	cwt_fini(&M->t);
	free(M);
	M = NULL;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return (s && *s) ? strtoull(s, NULL, 0) : def;
}

static void test_model_every_timer_fires_once_within_its_level_bound_hz1000(void **state)
{
	(void)state;
	run_model(1000, 2, env_u64("CW_TEST_SEED", 1), env_u64("CW_TIMER_MODEL_OPS", CWT_MODEL_OPS),
		  0);
}

static void test_model_every_timer_fires_once_within_its_level_bound_hz250(void **state)
{
	(void)state;
	run_model(250, 1, env_u64("CW_TEST_SEED", 2),
		  env_u64("CW_TIMER_MODEL_OPS", CWT_MODEL_OPS) / 2, 0);
}

static void test_model_every_timer_fires_once_within_its_level_bound_hz100(void **state)
{
	(void)state;
	run_model(100, 3, env_u64("CW_TEST_SEED", 3),
		  env_u64("CW_TIMER_MODEL_OPS", CWT_MODEL_OPS) / 2, 0);
}

/* The same model with the wheel's jiffies starting 3000 before each boundary. */
static void test_model_across_the_32bit_wrap_hz1000(void **state)
{
	(void)state;
	run_model(1000, 2, env_u64("CW_TEST_SEED", 4),
		  env_u64("CW_TIMER_MODEL_OPS", CWT_MODEL_OPS) / 2, (UINT64_C(1) << 32) - 3000);
}

static void test_model_across_the_signed_midpoint_hz250(void **state)
{
	(void)state;
	run_model(250, 2, env_u64("CW_TEST_SEED", 5),
		  env_u64("CW_TIMER_MODEL_OPS", CWT_MODEL_OPS) / 2, (UINT64_C(1) << 63) - 3000);
}

static void test_model_across_the_64bit_wrap_hz100(void **state)
{
	(void)state;
	run_model(100, 3, env_u64("CW_TEST_SEED", 6),
		  env_u64("CW_TIMER_MODEL_OPS", CWT_MODEL_OPS) / 2, UINT64_C(0) - 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_every_timer_fires_once_within_its_level_bound_hz1000),
		cmocka_unit_test(test_model_every_timer_fires_once_within_its_level_bound_hz250),
		cmocka_unit_test(test_model_every_timer_fires_once_within_its_level_bound_hz100),
		cmocka_unit_test(test_model_across_the_32bit_wrap_hz1000),
		cmocka_unit_test(test_model_across_the_signed_midpoint_hz250),
		cmocka_unit_test(test_model_across_the_64bit_wrap_hz100),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
