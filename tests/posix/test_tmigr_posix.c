// SPDX-License-Identifier: MIT
/*
 * Timer migration on the posix port with real CPU threads (issue 11,
 * section 4; label posix, so make check also runs it under
 * ThreadSanitizer): 8 CPU threads, CPUs 0 and 1 busy (a work item that
 * spins and re-queues itself), CPUs 2-7 idle in epoll. The busy CPUs keep
 * arming global wheel timers on the idle CPUs' bases (cw_timer_add_on), a
 * few to 20 ms ahead, for WINDOW_S seconds. Without the hierarchy every
 * such timer would kick its idle CPU and wake it at its expiry; with it
 * the idle CPUs hand them up and the busy CPUs pull them.
 *
 * Asserted with counts, not sleeps: thousands of global timers expire,
 * every one on a busy CPU, and the idle CPUs take no timer interrupt and
 * no IPI during the window (their counters do not move). The wait for the
 * window is the workload, not a bound; the test prints what it measured.
 */
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>
#include <clockwork/tmigr.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#define NR_CPUS   8u
#define NR_BUSY   2u
#define PER_IDLE  48u
#define NR_TIMERS ((NR_CPUS - NR_BUSY) * PER_IDLE)
#define WINDOW_S  10u
#define SETTLE_MS 300u

struct tt {
	struct cw_timer timer;
	atomic_bool armed;
};

static struct cw_system *sys;
static struct tt timers[NR_TIMERS];
static atomic_uint_fast64_t fired_on[NR_CPUS];
static atomic_bool stop;
static atomic_uint busy_done;
/* Failures on CPU threads (cmocka asserts only on the test thread). */
static atomic_uint thread_errors;
static struct cw_posix_work work[NR_BUSY];

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000u, (long)(ms % 1000u) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void timer_fn(struct cw_timer *t)
{
	struct tt *x = (struct tt *)(void *)t;
	int cpu = cw_posix_this_cpu(sys);

	atomic_fetch_add(&fired_on[cpu < 0 ? 0 : (unsigned)cpu], 1);
	atomic_store(&x->armed, false);
}

/* On a busy CPU: re-arm the idle CPUs' timers that fired, spin a little, go again. */
static void busy_fn(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint64_t end = mono_ns() + 300000;
	uint64_t now_j = cw_jiffies_get(sys);

	for (unsigned i = me; i < NR_TIMERS; i += NR_BUSY) {
		if (!atomic_load(&timers[i].armed)) {
			unsigned idle_cpu = NR_BUSY + i / PER_IDLE;

			atomic_store(&timers[i].armed, true);
			if (cw_timer_add_on(&timers[i].timer, now_j + 2 + (i * 7) % 18, idle_cpu)) {
				atomic_fetch_add(&thread_errors, 1);
			}
		}
	}
	while (mono_ns() < end) {
	}
	if (atomic_load(&stop)) {
		atomic_fetch_add(&busy_done, 1);
		return;
	}
	if (cw_posix_cpu_call_async(sys, me, &work[me])) {
		atomic_fetch_add(&thread_errors, 1);
		atomic_fetch_add(&busy_done, 1);
	}
}

static void snapshot(struct cw_posix_cpu_info *info)
{
	for (unsigned c = 0; c < NR_CPUS; c++) {
		assert_int_equal(cw_posix_cpu_info(sys, c, &info[c]), 0);
	}
}

static void test_idle_cpus_stay_asleep_while_busy_cpus_pull(void **state)
{
	struct cw_system_config cfg = { .nr_cpus = NR_CPUS, .hz = 1000 };
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC };
	struct cw_posix_cpu_info before[NR_CPUS], after[NR_CPUS];
	struct cw_tmigr_stats st;
	uint64_t fired_busy = 0, fired_idle = 0, irqs_idle = 0, ipis_idle = 0;

	(void)state;
	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		assert_int_equal(cw_timer_setup(&timers[i].timer, sys, timer_fn, 0), 0);
	}
	/* Let the idle CPUs reach their idle wait with the tick stopped. */
	sleep_ms(SETTLE_MS);
	for (unsigned b = 0; b < NR_BUSY; b++) {
		work[b].fn = busy_fn;
		work[b].arg = (void *)(uintptr_t)b;
		assert_int_equal(cw_posix_cpu_call_async(sys, b, &work[b]), 0);
	}
	/* The first round of arming reaches the idle CPUs; then the window. */
	sleep_ms(SETTLE_MS);
	snapshot(before);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		atomic_store(&fired_on[c], 0);
	}
	sleep_ms(WINDOW_S * 1000u);
	snapshot(after);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		uint64_t f = atomic_load(&fired_on[c]);

		if (c < NR_BUSY) {
			fired_busy += f;
		} else {
			fired_idle += f;
			irqs_idle += after[c].timer_irqs - before[c].timer_irqs;
			ipis_idle += after[c].ipis - before[c].ipis;
		}
		print_message("CPU %u: %llu global timers run here, %llu timer interrupts, %llu "
			      "IPIs, %llu wakeups in %u s\n",
			      c, (unsigned long long)f,
			      (unsigned long long)(after[c].timer_irqs - before[c].timer_irqs),
			      (unsigned long long)(after[c].ipis - before[c].ipis),
			      (unsigned long long)(after[c].wakeups - before[c].wakeups), WINDOW_S);
	}
	assert_int_equal(cw_tmigr_get_stats(sys, &st), 0);
	print_message("hierarchy: %llu remote runs, %llu hook updates, %llu kicks, %llu last-idle "
		      "duties\n",
		      (unsigned long long)st.remote_runs, (unsigned long long)st.new_timer_updates,
		      (unsigned long long)st.kicks, (unsigned long long)st.last_idle_duties);

	atomic_store(&stop, true);
	while (atomic_load(&busy_done) < NR_BUSY) {
		sleep_ms(1);
	}
	for (unsigned i = 0; i < NR_TIMERS; i++) {
		cw_timer_shutdown_sync(&timers[i].timer);
	}
	cw_posix_system_destroy(sys);

	assert_int_equal(atomic_load(&thread_errors), 0);
	/* Thousands of global timers of the idle CPUs expired, all on busy CPUs... */
	assert_true(fired_busy >= 1000);
	assert_int_equal(fired_idle, 0);
	/* ...and the idle CPUs were never interrupted for them. */
	assert_int_equal(irqs_idle, 0);
	assert_int_equal(ipis_idle, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_cpus_stay_asleep_while_busy_cpus_pull),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
