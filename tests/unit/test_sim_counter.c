/* SPDX-License-Identifier: MIT */
/*
 * Tests of the free-running counter model: exact counts at given virtual
 * times for 16..64-bit counters and their wrap by mask, exact drift
 * arithmetic, continuity across drift changes (the sub-cycle remainder is
 * carried), scheduled drift changes, stopping, read jitter and parameter
 * validation.
 */
#include <clockwork/sim.h>
#include <clockwork/clockwork.h>
#include <clockwork/driver/clocksource.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define NS_PER_S UINT64_C(1000000000)

static struct cw_sim *new_sim(void)
{
	struct cw_sim *sim = NULL;

	assert_int_equal(cw_sim_create(99, &sim), 0);
	return sim;
}

static struct cw_sim_counter *new_counter(struct cw_sim *sim, unsigned bits, uint64_t hz,
					  int64_t drift_ppb, uint64_t start)
{
	struct cw_sim_counter_params p = {
		.name = "c",
		.width_bits = bits,
		.freq_hz = hz,
		.drift_ppb = drift_ppb,
		.start_value = start,
	};
	struct cw_sim_counter *c = NULL;

	assert_int_equal(cw_sim_counter_create(sim, &p, &c), 0);
	return c;
}

/* Reference: (start + floor(hz * t / 1e9)) & mask, drift 0. */
static uint64_t ref_value(unsigned bits, uint64_t hz, uint64_t start, uint64_t t_ns)
{
	unsigned __int128 cycles = (unsigned __int128)hz * t_ns / NS_PER_S;

	return (uint64_t)(start + cycles) & CW_CLOCKSOURCE_MASK(bits);
}

static void check_width(unsigned bits, uint64_t hz, uint64_t start)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, bits, hz, 0, start);
	uint64_t mask = CW_CLOCKSOURCE_MASK(bits);
	uint64_t prev = cw_sim_counter_value(c);
	static const uint64_t steps_ns[] = { 1, 999, 65536, 1000000, 123456789, 3 * NS_PER_S };

	assert_int_equal(prev, start);
	for (int round = 0; round < 40; round++) {
		uint64_t step = steps_ns[round % 6];
		uint64_t v;

		cw_sim_run_for(sim, step);
		v = cw_sim_counter_value(c);
		assert_int_equal(v, ref_value(bits, hz, start, cw_sim_now_ns(sim)));
		assert_true(v <= mask);
		/* The motion since the last read is exactly the cycles counted. */
		assert_int_equal((v - prev) & mask,
				 (ref_value(64, hz, 0, cw_sim_now_ns(sim)) -
				  ref_value(64, hz, 0, cw_sim_now_ns(sim) - step)) &
					 mask);
		prev = v;
	}
	{
		unsigned __int128 total = (unsigned __int128)hz * cw_sim_now_ns(sim) / NS_PER_S;

		assert_int_equal(cw_sim_counter_wraps(c), (uint64_t)((start + total) >> bits));
	}
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_16_bit_wraps_by_mask(void **state)
{
	(void)state;
	check_width(16, 1000000, 0xff00);
}

static void test_counter_24_bit_wraps_by_mask(void **state)
{
	(void)state;
	/* acpi_pm: 3.579545 MHz wraps every 4.69 s. */
	check_width(24, 3579545, 0);
}

static void test_counter_32_bit_wraps_by_mask(void **state)
{
	(void)state;
	check_width(32, 1000000000, 0xfffff000);
}

static void test_counter_56_bit_wraps_by_mask(void **state)
{
	(void)state;
	check_width(56, 2400000000, CW_CLOCKSOURCE_MASK(56) - 1000);
}

static void test_counter_64_bit_wraps_by_mask(void **state)
{
	(void)state;
	check_width(64, 3000000000, UINT64_MAX - 100);
}

static void test_counter_64_bit_exact_after_wrap(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 64, 1000000000, 0, UINT64_MAX - 99);

	(void)state;
	cw_sim_run_until(sim, 99);
	assert_int_equal(cw_sim_counter_value(c), UINT64_MAX);
	assert_int_equal(cw_sim_counter_wraps(c), 0);
	cw_sim_run_until(sim, 100);
	assert_int_equal(cw_sim_counter_value(c), 0);
	assert_int_equal(cw_sim_counter_wraps(c), 1);
	cw_sim_run_until(sim, 300);
	assert_int_equal(cw_sim_counter_value(c), 200);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_exact_count_at_fractional_frequency(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 32, 3579545, 0, 0);

	(void)state;
	cw_sim_run_until(sim, 1000000);
	/* 3579.545 cycles in 1 ms: the model floors. */
	assert_int_equal(cw_sim_counter_value(c), 3579);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 3579545);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_drift_math_is_exact(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *fast = new_counter(sim, 64, 1000000, 1000000, 0);
	struct cw_sim_counter *slow = new_counter(sim, 64, 1000000, -250000, 0);
	struct cw_sim_counter *ppb = new_counter(sim, 64, 1000000000, 1, 0);

	(void)state;
	cw_sim_run_until(sim, NS_PER_S);
	/* +1000 ppm at 1 MHz: exactly 1001000 cycles in one second. */
	assert_int_equal(cw_sim_counter_value(fast), 1001000);
	assert_int_equal(cw_sim_counter_value(slow), 999750);
	/* +1 ppb at 1 GHz: exactly one extra cycle per second. */
	assert_int_equal(cw_sim_counter_value(ppb), 1000000001);
	cw_sim_run_until(sim, 1000 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(ppb), 1000000001000ull);
	assert_int_equal(cw_sim_counter_drift_ppb(fast), 1000000);
	cw_sim_counter_destroy(fast);
	cw_sim_counter_destroy(slow);
	cw_sim_counter_destroy(ppb);
	cw_sim_destroy(sim);
}

static void test_counter_drift_change_is_continuous(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 64, 1000000, 0, 0);
	uint64_t before;

	(void)state;
	cw_sim_run_until(sim, NS_PER_S / 2);
	before = cw_sim_counter_value(c);
	assert_int_equal(before, 500000);
	cw_sim_counter_set_drift(c, 10000000); /* +1 % */
	assert_int_equal(cw_sim_counter_value(c), before);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 500000 + 505000);
	cw_sim_counter_set_drift(c, -10000000); /* -1 % */
	cw_sim_run_until(sim, 2 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1005000 + 990000);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_drift_change_carries_the_fraction(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 16, 3, 0, 0);

	(void)state;
	cw_sim_run_until(sim, NS_PER_S / 2);
	/* 1.5 cycles counted: reads 1, the half cycle is kept. */
	assert_int_equal(cw_sim_counter_value(c), 1);
	cw_sim_counter_set_drift(c, 0);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 3);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_scheduled_drift_applies_at_its_time(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 64, 1000000, 0, 0);

	(void)state;
	assert_int_equal(cw_sim_counter_schedule_drift(c, NS_PER_S, 1000000), 0);
	assert_int_equal(cw_sim_counter_schedule_drift(c, 3 * NS_PER_S, 0), 0);
	assert_int_equal(cw_sim_counter_schedule_drift(c, 0, CW_SIM_DRIFT_MAX_PPB + 1), CW_EINVAL);
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1000000);
	assert_int_equal(cw_sim_counter_drift_ppb(c), 1000000);
	cw_sim_run_until(sim, 4 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1000000 + 2 * 1001000 + 1000000);
	assert_int_equal(cw_sim_counter_drift_ppb(c), 0);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_destroy_cancels_scheduled_drift(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 64, 1000000, 0, 0);

	(void)state;
	assert_int_equal(cw_sim_counter_schedule_drift(c, NS_PER_S, 1000000), 0);
	assert_int_equal(cw_sim_nr_queued(sim), 1);
	cw_sim_counter_destroy(c);
	assert_int_equal(cw_sim_nr_queued(sim), 0);
	assert_int_equal(cw_sim_run_until(sim, 2 * NS_PER_S), 0);
	cw_sim_destroy(sim);
}

static void test_counter_stopped_holds_its_value(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c = new_counter(sim, 24, 1000000, 0, 0);

	(void)state;
	cw_sim_run_until(sim, NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1000000);
	cw_sim_counter_set_stopped(c, true);
	assert_false(cw_sim_counter_is_counting(c));
	cw_sim_run_until(sim, 3 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1000000);
	/* A drift change while stopped does not count anything either. */
	cw_sim_counter_set_drift(c, 5000);
	cw_sim_counter_set_stopped(c, false);
	assert_true(cw_sim_counter_is_counting(c));
	cw_sim_run_until(sim, 4 * NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), (1000000 + 1000005) & 0xffffff);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_jitter_stays_in_bounds_and_is_seeded(void **state)
{
	struct cw_sim *a = NULL, *b = NULL;
	struct cw_sim_counter_params p = {
		.name = "j",
		.width_bits = 32,
		.freq_hz = 1000000,
		.jitter_cycles = 5,
	};
	struct cw_sim_counter *ca, *cb;
	unsigned seen[6] = { 0 };

	(void)state;
	assert_int_equal(cw_sim_create(5, &a), 0);
	assert_int_equal(cw_sim_create(5, &b), 0);
	assert_int_equal(cw_sim_counter_create(a, &p, &ca), 0);
	assert_int_equal(cw_sim_counter_create(b, &p, &cb), 0);
	cw_sim_run_until(a, NS_PER_S);
	cw_sim_run_until(b, NS_PER_S);
	for (int i = 0; i < 600; i++) {
		uint64_t exact = cw_sim_counter_value(ca);
		uint64_t r = cw_sim_counter_read(ca);

		assert_in_range(r, exact, exact + 5);
		seen[r - exact]++;
		assert_int_equal(cw_sim_counter_read(cb), r);
		/* 10 cycles on: the next read is free to land anywhere in its range. */
		cw_sim_run_for(a, 10000);
		cw_sim_run_for(b, 10000);
	}
	for (int i = 0; i < 6; i++) {
		assert_true(seen[i] > 0);
	}
	cw_sim_counter_destroy(ca);
	cw_sim_counter_destroy(cb);
	cw_sim_destroy(a);
	cw_sim_destroy(b);
}

/*
 * Jittered reads never go back, even at one instant (two reads at the same
 * virtual time used to differ either way, so every clock id could step back
 * by a few ns) and across a wrap (compared before the mask).
 */
static void test_counter_jittered_reads_never_go_back(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter_params p = {
		.name = "j",
		.width_bits = 16,
		.freq_hz = 1000000,
		.jitter_cycles = 20,
		.start_value = 0xffc0,
	};
	struct cw_sim_counter *c;
	uint64_t last, wrapped = 0;

	(void)state;
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), 0);
	last = cw_sim_counter_read(c);
	/* 200 reads per instant, one instant per 3 cycles, across the wrap at 64 us. */
	for (int step = 0; step < 40; step++) {
		for (int i = 0; i < 200; i++) {
			uint64_t exact = cw_sim_counter_value(c);
			uint64_t r = cw_sim_counter_read(c);
			/* Unwrap against the previous read: at most 23 cycles apart. */
			uint64_t ahead = (r - last) & 0xffff;

			if (ahead > 23) {
				fail_msg("read 0x%llx after 0x%llx at %llu ns: went back",
					 (unsigned long long)r, (unsigned long long)last,
					 (unsigned long long)cw_sim_now_ns(sim));
			}
			assert_true(((r - exact) & 0xffff) <= 20);
			wrapped += r < last;
			last = r;
		}
		cw_sim_run_for(sim, 3000);
	}
	assert_int_equal(wrapped, 1);
	assert_int_equal(cw_sim_counter_wraps(c), 1);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

/* Every clock id of a machine whose current counter has read jitter (the x86 TSC, 20 cycles). */
static void test_clocks_never_step_back_on_a_jittery_counter(void **state)
{
	static const int ids[] = { CW_CLOCK_REALTIME, CW_CLOCK_MONOTONIC, CW_CLOCK_MONOTONIC_RAW,
				   CW_CLOCK_BOOTTIME, CW_CLOCK_TAI };
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_machine *m = NULL;
	struct cw_sim *sim = new_sim();
	cw_ktime_t prev[5] = { 0 };
	struct cw_system *sys;
	char path[512], err[CW_SIM_ERR_MAX];

	(void)state;
	snprintf(path, sizeof(path), "%s/examples/machines/x86-tsc-hpet.ini", CW_SOURCE_DIR);
	if (cw_sim_machine_desc_parse_file(path, &d, err, sizeof(err))) {
		fail_msg("%s", err);
	}
	assert_int_equal(cw_sim_machine_create(sim, d, NULL, NULL, NULL, &m), 0);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	sys = cw_sim_machine_system(m);
	for (int step = 0; step < 2000; step++) {
		for (int i = 0; i < 10; i++) {
			for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
				cw_ktime_t v = 0;

				assert_int_equal(cw_clock_get_ns(sys, ids[k], &v), 0);
				if (v < prev[k]) {
					fail_msg("%s stepped back at %llu ns: %lld -> %lld",
						 cw_clock_name(ids[k]),
						 (unsigned long long)cw_sim_now_ns(sim),
						 (long long)prev[k], (long long)v);
				}
				prev[k] = v;
			}
		}
		cw_sim_run_for(sim, 997);
	}
	cw_sim_machine_destroy(m);
	cw_sim_machine_desc_free(d);
	cw_sim_destroy(sim);
}

static void test_counter_rejects_bad_parameters(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter_params p = { .name = "x", .width_bits = 32, .freq_hz = 1000 };
	struct cw_sim_counter *c = NULL;

	(void)state;
	p.width_bits = 15;
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.width_bits = 65;
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.width_bits = 16;
	p.freq_hz = 0;
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.freq_hz = 1000;
	p.start_value = 0x10000;
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.start_value = 0;
	p.drift_ppb = -1000000000;
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.drift_ppb = 0;
	p.name = "a_name_that_is_much_too_long_for_a_clocksource";
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.name = "";
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), CW_EINVAL);
	p.name = "ok";
	assert_int_equal(cw_sim_counter_create(sim, &p, &c), 0);
	assert_string_equal(cw_sim_counter_name(c), "ok");
	assert_int_equal(cw_sim_counter_width_bits(c), 16);
	assert_int_equal(cw_sim_counter_freq_hz(c), 1000);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

static void test_counter_created_later_starts_from_its_start_value(void **state)
{
	struct cw_sim *sim = new_sim();
	struct cw_sim_counter *c;

	(void)state;
	cw_sim_run_until(sim, 5 * NS_PER_S);
	c = new_counter(sim, 32, 1000, 0, 42);
	assert_int_equal(cw_sim_counter_value(c), 42);
	cw_sim_run_for(sim, NS_PER_S);
	assert_int_equal(cw_sim_counter_value(c), 1042);
	cw_sim_counter_destroy(c);
	cw_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_16_bit_wraps_by_mask),
		cmocka_unit_test(test_counter_24_bit_wraps_by_mask),
		cmocka_unit_test(test_counter_32_bit_wraps_by_mask),
		cmocka_unit_test(test_counter_56_bit_wraps_by_mask),
		cmocka_unit_test(test_counter_64_bit_wraps_by_mask),
		cmocka_unit_test(test_counter_64_bit_exact_after_wrap),
		cmocka_unit_test(test_counter_exact_count_at_fractional_frequency),
		cmocka_unit_test(test_counter_drift_math_is_exact),
		cmocka_unit_test(test_counter_drift_change_is_continuous),
		cmocka_unit_test(test_counter_drift_change_carries_the_fraction),
		cmocka_unit_test(test_counter_scheduled_drift_applies_at_its_time),
		cmocka_unit_test(test_counter_destroy_cancels_scheduled_drift),
		cmocka_unit_test(test_counter_stopped_holds_its_value),
		cmocka_unit_test(test_counter_jitter_stays_in_bounds_and_is_seeded),
		cmocka_unit_test(test_counter_jittered_reads_never_go_back),
		cmocka_unit_test(test_clocks_never_step_back_on_a_jittery_counter),
		cmocka_unit_test(test_counter_rejects_bad_parameters),
		cmocka_unit_test(test_counter_created_later_starts_from_its_start_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
