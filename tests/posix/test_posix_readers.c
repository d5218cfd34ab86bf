/* SPDX-License-Identifier: MIT */
/*
 * Readers racing a writer on real threads never see a backward step. One
 * writer thread hammers cw_timekeeping_update() and tries the port stand-in
 * cw_tick_port_do_timer() (always refused: the timerfd ticks own jiffies),
 * alternates the NTP frequency between +500 and -500 ppm, steps REALTIME with
 * ADJ_SETOFFSET and switches the clocksource between the TSC and the
 * clock_gettime ones, while two reader threads read every clock id that must
 * be monotonic (MONOTONIC, MONOTONIC_RAW, BOOTTIME and their coarse variants;
 * REALTIME and TAI are stepped on purpose, so they are not checked) for about
 * one second and check that each value is at least the previous one.
 *
 * The CPU threads' ticks update as well, so several threads update at once.
 * The test is built for ThreadSanitizer too (-DCW_SANITIZE=thread): every
 * shared variable of the test itself is atomic, so any report points at the
 * library.
 */
#include <clockwork/clocksource.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

/* How long the readers run. */
#define RACE_DURATION_NS (1000 * CW_NSEC_PER_MSEC)
#define NR_READERS       2
/* Writer schedule, in writer iterations. */
#define WRITER_FREQ_EVERY      32
#define WRITER_OVERRIDE_EVERY  1024
#define WRITER_SETOFFSET_EVERY 2048
/* +-500 ppm in scaled ppm. */
#define FREQ_SCALED_500PPM (500LL << 16)

/* Clock ids that must never step back in this test. */
static const int race_clocks[] = {
	CW_CLOCK_MONOTONIC,         CW_CLOCK_MONOTONIC_RAW,        CW_CLOCK_BOOTTIME,
	CW_CLOCK_MONOTONIC_COARSE,  CW_CLOCK_MONOTONIC_RAW_COARSE, CW_CLOCK_BOOTTIME_COARSE,
};
#define NR_RACE_CLOCKS (sizeof(race_clocks) / sizeof(race_clocks[0]))

struct race_reader {
	pthread_t thread;
	struct race_state *st;
	/* Reads and backward steps per clock id, written by this reader only. */
	uint64_t reads[NR_RACE_CLOCKS];
	uint64_t backward[NR_RACE_CLOCKS];
	int64_t worst_step_ns[NR_RACE_CLOCKS];
	uint64_t errors;
};

struct race_state {
	struct cw_system *sys;
	atomic_bool stop;
	bool have_tsc;
	/* What the writer does besides updating (set before the threads start). */
	bool ntp, switch_sources;
	/* Writer statistics (written by the writer, read after join). */
	uint64_t updates, do_timers, do_timers_refused, freq_changes, overrides, overrides_refused,
		setoffsets;
	uint64_t adjtimex_errors;
};

static uint64_t host_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)CW_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Read one clock id; direct readers for the three that have one. */
static int race_read(struct cw_system *sys, int id, cw_ktime_t *v)
{
	switch (id) {
	case CW_CLOCK_MONOTONIC:
		*v = cw_ktime_get(sys);
		return 0;
	case CW_CLOCK_MONOTONIC_RAW:
		*v = cw_ktime_get_raw(sys);
		return 0;
	case CW_CLOCK_MONOTONIC_COARSE:
		*v = cw_ktime_get_coarse(sys);
		return 0;
	default:
		return cw_clock_get_ns(sys, id, v);
	}
}

static void *race_reader_main(void *arg)
{
	struct race_reader *r = arg;
	cw_ktime_t prev[NR_RACE_CLOCKS], v;

	for (size_t i = 0; i < NR_RACE_CLOCKS; i++) {
		race_read(r->st->sys, race_clocks[i], &prev[i]);
	}
	while (!atomic_load_explicit(&r->st->stop, memory_order_relaxed)) {
		for (size_t i = 0; i < NR_RACE_CLOCKS; i++) {
			if (race_read(r->st->sys, race_clocks[i], &v) != 0) {
				r->errors++;
				continue;
			}
			r->reads[i]++;
			if (v < prev[i]) {
				r->backward[i]++;
				if (prev[i] - v > r->worst_step_ns[i]) {
					r->worst_step_ns[i] = prev[i] - v;
				}
			}
			prev[i] = v;
		}
	}
	return NULL;
}

static void race_writer_freq(struct race_state *st, uint64_t iter)
{
	struct cw_timex tx = { .modes = CW_ADJ_FREQUENCY };

	tx.freq = (iter / WRITER_FREQ_EVERY) % 2 ? -FREQ_SCALED_500PPM : FREQ_SCALED_500PPM;
	if (cw_adjtimex(st->sys, &tx) < 0) {
		st->adjtimex_errors++;
	}
	st->freq_changes++;
}

static void race_writer_setoffset(struct race_state *st, uint64_t iter)
{
	/* Step REALTIME by +1 ms or -1 ms (time_sec -1 with frac 999 ms). */
	struct cw_timex tx = { .modes = CW_ADJ_SETOFFSET | CW_ADJ_NANO };
	bool back = (iter / WRITER_SETOFFSET_EVERY) % 2;

	tx.time_sec = back ? -1 : 0;
	tx.time_frac = back ? 999 * CW_NSEC_PER_MSEC : CW_NSEC_PER_MSEC;
	if (cw_adjtimex(st->sys, &tx) < 0) {
		st->adjtimex_errors++;
	}
	st->setoffsets++;
}

static void race_writer_override(struct race_state *st, uint64_t iter)
{
	static const char *const names[] = {
		CW_POSIX_CS_TSC, CW_POSIX_CS_GETTIME_RAW, CW_POSIX_CS_TSC, CW_POSIX_CS_GETTIME_MONO,
	};
	uint64_t k = iter / WRITER_OVERRIDE_EVERY;
	const char *name = names[k % 4];

	if (!st->have_tsc) {
		name = k % 2 ? CW_POSIX_CS_GETTIME_RAW : CW_POSIX_CS_GETTIME_MONO;
	}
	if (cw_clocksource_override(st->sys, name) == 0) {
		st->overrides++;
	} else {
		st->overrides_refused++;
	}
}

static void *race_writer_main(void *arg)
{
	struct race_state *st = arg;

	for (uint64_t iter = 1; !atomic_load_explicit(&st->stop, memory_order_relaxed); iter++) {
		if (iter % 2) {
			cw_timekeeping_update(st->sys);
			st->updates++;
		} else if (cw_tick_port_do_timer(st->sys, 1) == 0) {
			/* Only while no tick device holds the duty (the tick owns jiffies). */
			st->do_timers++;
		} else {
			st->do_timers_refused++;
		}
		if (st->ntp && iter % WRITER_FREQ_EVERY == 0) {
			race_writer_freq(st, iter);
		}
		if (st->ntp && iter % WRITER_SETOFFSET_EVERY == 0) {
			race_writer_setoffset(st, iter);
		}
		if (st->switch_sources && iter % WRITER_OVERRIDE_EVERY == 0) {
			race_writer_override(st, iter);
		}
	}
	return NULL;
}

static void race_report(const struct race_state *st, const struct race_reader *rd,
			uint64_t elapsed_ns, uint64_t *total_backward)
{
	*total_backward = 0;
	printf("# readers racing writer for %.3f s (tsc %s; writer: ntp %s, switches %s)\n",
	       (double)elapsed_ns / 1e9, st->have_tsc ? "registered" : "absent",
	       st->ntp ? "on" : "off", st->switch_sources ? "on" : "off");
	printf("# writer: %" PRIu64 " updates, %" PRIu64 " stand-in do_timer (%" PRIu64
	       " refused: the tick owns jiffies), %" PRIu64 " freq changes, %" PRIu64
	       " setoffsets, %" PRIu64 " overrides (%" PRIu64 " refused), %" PRIu64
	       " adjtimex errors\n",
	       st->updates, st->do_timers, st->do_timers_refused, st->freq_changes, st->setoffsets,
	       st->overrides, st->overrides_refused, st->adjtimex_errors);
	for (size_t i = 0; i < NR_RACE_CLOCKS; i++) {
		uint64_t reads = 0, back = 0;
		int64_t worst = 0;

		for (int r = 0; r < NR_READERS; r++) {
			reads += rd[r].reads[i];
			back += rd[r].backward[i];
			worst = rd[r].worst_step_ns[i] > worst ? rd[r].worst_step_ns[i] : worst;
		}
		printf("#   %-20s %10" PRIu64 " reads, %" PRIu64 " backward steps (worst %" PRId64
		       " ns)\n",
		       cw_clock_name(race_clocks[i]), reads, back, worst);
		*total_backward += back;
	}
}

static void race_run(bool ntp, bool switch_sources)
{
	struct cw_posix_options opt = { .tsc_calibrate_ms = 20, .tsc_calibrate_rounds = 3 };
	struct race_reader rd[NR_READERS];
	struct race_state st;
	struct cw_timex tx = { .modes = CW_ADJ_FREQUENCY, .freq = 0 };
	uint64_t t0, elapsed, total_backward, errors = 0, min_reads = UINT64_MAX;
	pthread_t writer;

	memset(&st, 0, sizeof(st));
	memset(rd, 0, sizeof(rd));
	atomic_init(&st.stop, false);
	st.ntp = ntp;
	st.switch_sources = switch_sources;
	assert_int_equal(cw_posix_system_create(NULL, &opt, &st.sys), 0);
	st.have_tsc = cw_posix_tsc_usable();

	t0 = host_mono_ns();
	for (int r = 0; r < NR_READERS; r++) {
		rd[r].st = &st;
		assert_int_equal(pthread_create(&rd[r].thread, NULL, race_reader_main, &rd[r]), 0);
	}
	assert_int_equal(pthread_create(&writer, NULL, race_writer_main, &st), 0);
	while (host_mono_ns() - t0 < RACE_DURATION_NS) {
		struct timespec ts = { .tv_nsec = 10 * CW_NSEC_PER_MSEC };

		nanosleep(&ts, NULL);
	}
	atomic_store_explicit(&st.stop, true, memory_order_relaxed);
	pthread_join(writer, NULL);
	for (int r = 0; r < NR_READERS; r++) {
		pthread_join(rd[r].thread, NULL);
		errors += rd[r].errors;
		for (size_t i = 0; i < NR_RACE_CLOCKS; i++) {
			min_reads = rd[r].reads[i] < min_reads ? rd[r].reads[i] : min_reads;
		}
	}
	elapsed = host_mono_ns() - t0;
	race_report(&st, rd, elapsed, &total_backward);
	/* With timerfd tick devices the tick layer owns jiffies: no stand-in advance got in. */
	if (cw_tick_do_timer_cpu(st.sys) != CW_TICK_DO_TIMER_BOOT) {
		assert_int_equal(st.do_timers, 0);
		assert_true(st.do_timers_refused > 0);
	}

	cw_clocksource_override(st.sys, NULL);
	assert_true(cw_adjtimex(st.sys, &tx) >= 0);
	cw_posix_system_destroy(st.sys);

	assert_int_equal(errors, 0);
	assert_int_equal(st.adjtimex_errors, 0);
	/* Every clock was read and the writer really raced the readers. */
	assert_true(min_reads > 1000);
	if (ntp) {
		assert_true(st.freq_changes > 10);
		assert_true(st.setoffsets > 1);
	}
	if (switch_sources) {
		assert_true(st.overrides > 2);
	}
	assert_int_equal(total_backward, 0);
}

/* Updates, NTP frequency steps of 1000 ppm and REALTIME steps. */
static void test_posix_readers_racing_updates_and_ntp_never_step_back(void **state)
{
	(void)state;
	race_run(true, false);
}

/* Updates and clocksource switches (tsc <-> clock_gettime_raw/mono). */
static void test_posix_readers_racing_clocksource_switches_never_step_back(void **state)
{
	(void)state;
	race_run(false, true);
}

/* Everything at once. */
static void test_posix_readers_racing_writer_never_step_back(void **state)
{
	(void)state;
	race_run(true, true);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_readers_racing_updates_and_ntp_never_step_back),
		cmocka_unit_test(test_posix_readers_racing_clocksource_switches_never_step_back),
		cmocka_unit_test(test_posix_readers_racing_writer_never_step_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
