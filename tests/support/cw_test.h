/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers for the deterministic core tests: a system on the sim port
 * with modelled counters, and readers of every clock id. Header-only so each
 * test program stays one file; every helper is static.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_CW_TEST_H
#define CLOCKWORK_TESTS_SUPPORT_CW_TEST_H

#include <clockwork/clockwork.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/sim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MS(x) ((uint64_t)(x) * 1000000ULL)
#define US(x) ((uint64_t)(x) * 1000ULL)
#define SEC(x) ((uint64_t)(x) * 1000000000ULL)

#define CWT_MAX_COUNTERS 8

/** A system on the sim engine plus the counters a test made. */
struct cwt {
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_sim_counter *counters[CWT_MAX_COUNTERS];
	unsigned nr_counters;
	bool started;
};

/** Every clock id the core provides, in a fixed order. */
static const int cwt_clock_ids[] = {
	CW_CLOCK_REALTIME,       CW_CLOCK_MONOTONIC,           CW_CLOCK_MONOTONIC_RAW,
	CW_CLOCK_REALTIME_COARSE, CW_CLOCK_MONOTONIC_COARSE,    CW_CLOCK_BOOTTIME,
	CW_CLOCK_TAI,            CW_CLOCK_MONOTONIC_RAW_COARSE, CW_CLOCK_BOOTTIME_COARSE,
	CW_CLOCK_TAI_COARSE,
};
#define CWT_NR_CLOCKS (sizeof(cwt_clock_ids) / sizeof(cwt_clock_ids[0]))

static inline void cwt_init_cfg(struct cwt *t, const struct cw_system_config *cfg)
{
	memset(t, 0, sizeof(*t));
	assert_int_equal(cw_sim_create(42, &t->sim), 0);
	assert_int_equal(cw_sim_system_create(t->sim, cfg, false, &t->sys), 0);
}

static inline void cwt_init(struct cwt *t, unsigned hz)
{
	struct cw_system_config cfg = { .nr_cpus = 4, .hz = hz };

	cwt_init_cfg(t, &cfg);
}

/** Create a counter and register it; returns it. */
static inline struct cw_sim_counter *cwt_counter(struct cwt *t, const char *name, unsigned bits,
						 uint64_t hz, int64_t drift_ppb, int rating,
						 unsigned flags)
{
	struct cw_sim_counter_params p = {
		.name = name, .width_bits = bits, .freq_hz = hz, .drift_ppb = drift_ppb,
	};
	struct cw_sim_counter *c;

	assert_true(t->nr_counters < CWT_MAX_COUNTERS);
	assert_int_equal(cw_sim_counter_create(t->sim, &p, &c), 0);
	assert_int_equal(cw_sim_counter_register(c, t->sys, rating, flags), 0);
	t->counters[t->nr_counters++] = c;
	return c;
}

/** Boot and start the periodic tick + watchdog events. */
static inline void cwt_boot(struct cwt *t)
{
	assert_int_equal(cw_system_boot(t->sys), 0);
	cw_sim_system_start(t->sim, t->sys);
	t->started = true;
}

static inline void cwt_fini(struct cwt *t)
{
	if (t->started) {
		cw_sim_system_stop(t->sim, t->sys);
	}
	cw_system_destroy(t->sys);
	for (unsigned i = 0; i < t->nr_counters; i++) {
		cw_sim_counter_destroy(t->counters[i]);
	}
	cw_sim_destroy(t->sim);
}

static inline int64_t cwt_clock(struct cwt *t, int id)
{
	cw_ktime_t v = 0;

	assert_int_equal(cw_clock_get_ns(t->sys, id, &v), 0);
	return v;
}

static inline void cwt_read_all(struct cwt *t, int64_t out[CWT_NR_CLOCKS])
{
	for (size_t i = 0; i < CWT_NR_CLOCKS; i++) {
		out[i] = cwt_clock(t, cwt_clock_ids[i]);
	}
}

static inline void cwt_current(struct cwt *t, char *buf, size_t len)
{
	assert_int_equal(cw_clocksource_current(t->sys, buf, len), 0);
}

static inline void cwt_assert_current(struct cwt *t, const char *name)
{
	char cur[CW_CLOCKSOURCE_NAME_MAX];

	cwt_current(t, cur, sizeof(cur));
	assert_string_equal(cur, name);
}

static inline unsigned cwt_flags_of(struct cwt *t, const char *name)
{
	struct cw_clocksource_info info[16];
	size_t n = 0;

	assert_int_equal(cw_clocksource_list(t->sys, info, 16, &n), 0);
	for (size_t i = 0; i < n && i < 16; i++) {
		if (strcmp(info[i].name, name) == 0) {
			return info[i].flags;
		}
	}
	fail_msg("no clocksource named %s", name);
	return 0;
}

static inline void cwt_dump_log(struct cwt *t)
{
	char line[256];
	uint64_t n = cw_log_count(t->sys);

	for (uint64_t i = n > 64 ? n - 64 : 0; i < n; i++) {
		if (cw_log_get(t->sys, i, line, sizeof(line)) == 0) {
			print_message("  log: %s\n", line);
		}
	}
}

#endif /* CLOCKWORK_TESTS_SUPPORT_CW_TEST_H */
