/* SPDX-License-Identifier: MIT */
/*
 * The posix port's CPU threads: every CPU ticks at HZ from its timerfd for
 * two seconds of real time and jiffies follow; idle time is accounted;
 * cw_cpu_call() runs on the target CPU's own thread, also CPU to CPU in
 * both directions at once, and on the caller as the target before the
 * CPUs start; async work runs in order; pinning puts each CPU on its host
 * core; start/stop and create/destroy cycles leak neither descriptors nor
 * threads, and a stopped system resumes ticking.
 *
 * Real time: bounds hold on a loaded two-core machine (and under
 * ThreadSanitizer); every test prints what it measured.
 */
#include <clockwork/cpu.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>

#include <dirent.h>
#include <inttypes.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define MSEC           CW_NSEC_PER_MSEC
#define NR_CPUS        4
/* Per-CPU tick count tolerance over the measured span. */
#define TICK_TOLERANCE 0.15

static uint64_t host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * (uint64_t)CW_NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / CW_NSEC_PER_SEC),
			       .tv_nsec = (long)(ns % CW_NSEC_PER_SEC) };

	while (nanosleep(&ts, &ts) != 0) {
		/* Interrupted: sleep the rest. */
	}
}

/* Most tests here count ticks: the tick keeps running in idle (nohz=off). */
static struct cw_system *make_system_nohz(unsigned nr_cpus, unsigned hz, unsigned flags, bool nohz)
{
	struct cw_system_config cfg = { .nr_cpus = nr_cpus, .hz = hz, .nohz_off = !nohz };
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC | flags };
	struct cw_system *sys = NULL;

	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	assert_non_null(sys);
	return sys;
}

static struct cw_system *make_system(unsigned nr_cpus, unsigned hz, unsigned flags)
{
	return make_system_nohz(nr_cpus, hz, flags, false);
}

/* The tick layer bound a device on every CPU (else the core has none yet). */
static bool ticks_bound(struct cw_system *sys)
{
	for (unsigned i = 0; i < cw_system_nr_cpus(sys); i++) {
		if (!cw_tick_device(sys, i)) {
			return false;
		}
	}
	return true;
}

static unsigned count_dir(const char *path)
{
	DIR *d = opendir(path);
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d)) {
		n++;
	}
	closedir(d);
	return n;
}

/*
 * Threads of this process, once it settles at @want: a joined thread leaves
 * /proc/self/task a moment after pthread_join() returns (the kernel wakes
 * the joiner before it reaps the task). Gives up after 1 s.
 */
static unsigned count_tasks_settled(unsigned want)
{
	unsigned n = count_dir("/proc/self/task");

	for (int i = 0; i < 1000 && n != want; i++) {
		sleep_ns(MSEC);
		n = count_dir("/proc/self/task");
	}
	return n;
}

/* ---- ticking ------------------------------------------------------------ */

struct tick_sample {
	uint64_t host_ns;
	uint64_t jiffies;
	struct cw_tick_cpu_stats cpu[NR_CPUS];
};

static void tick_sample_take(struct cw_system *sys, struct tick_sample *s)
{
	s->host_ns = host_ns();
	s->jiffies = cw_jiffies_get(sys);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		assert_int_equal(cw_tick_get_cpu_stats(sys, i, &s->cpu[i]), 0);
	}
}

/* Run @sys for @span_ns; check per-CPU ticks and jiffies against HZ. */
static void check_ticks_at_hz(struct cw_system *sys, unsigned hz, uint64_t span_ns)
{
	struct tick_sample a, b;
	double expected, lo, hi, jiffies;
	bool ok = true;

	tick_sample_take(sys, &a);
	sleep_ns(span_ns);
	tick_sample_take(sys, &b);
	expected = (double)(b.host_ns - a.host_ns) * hz / 1e9;
	lo = expected * (1.0 - TICK_TOLERANCE);
	hi = expected * (1.0 + TICK_TOLERANCE);
	jiffies = (double)(b.jiffies - a.jiffies);
	printf("# HZ=%u over %.1f ms: expected %.1f ticks per CPU (bounds %.0f..%.0f)\n", hz,
	       (double)(b.host_ns - a.host_ns) / 1e6, expected, lo, hi);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		struct cw_posix_cpu_info info;
		double ticks = (double)(b.cpu[i].ticks - a.cpu[i].ticks);
		double idle_ms = (double)(b.cpu[i].idle_ns - a.cpu[i].idle_ns) / 1e6;

		assert_int_equal(cw_posix_cpu_info(sys, i, &info), 0);
		printf("#   cpu%u (%s, %s): %.0f ticks, %" PRIu64 " interrupts, %" PRIu64
		       " do_timer ticks, idle %.1f ms, %" PRIu64 " timer irqs / %" PRIu64
		       " wakeups in total\n",
		       i, cw_tick_device(sys, i) ? cw_tick_device(sys, i)->name : "none",
		       cw_tick_mode_name(cw_tick_mode(sys, i)), ticks,
		       b.cpu[i].interrupts - a.cpu[i].interrupts,
		       b.cpu[i].do_timer_ticks - a.cpu[i].do_timer_ticks, idle_ms, info.timer_irqs,
		       info.wakeups);
		/*
		 * A CPU thread descheduled on a loaded machine skips ticks (the
		 * next one is programmed from now; jiffies catch up by the
		 * elapsed count, checked below), so per CPU only half is required.
		 */
		ok = ok && ticks >= expected * 0.5 && ticks <= hi;
	}
	printf("#   jiffies +%.0f, do_timer on cpu %d\n", jiffies, cw_tick_do_timer_cpu(sys));
	assert_true(ok);
	assert_true(jiffies >= lo && jiffies <= hi);
}

static void test_posix_four_cpus_tick_at_hz_for_two_seconds(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 1000, 0);

	(void)state;
	if (!ticks_bound(sys)) {
		printf("# no tick device bound (core without a tick layer): skipped\n");
		cw_posix_system_destroy(sys);
		skip();
	}
	check_ticks_at_hz(sys, 1000, 2000 * MSEC);
	cw_posix_system_destroy(sys);
}

static void test_posix_periodic_capable_timerfd_ticks_at_hz(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 250, CW_POSIX_TIMERFD_PERIODIC);

	(void)state;
	if (!ticks_bound(sys)) {
		cw_posix_system_destroy(sys);
		skip();
	}
	check_ticks_at_hz(sys, 250, 1000 * MSEC);
	cw_posix_system_destroy(sys);
}

static void test_posix_idle_cpus_account_idle_time(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 250, 0);
	struct tick_sample a, b;
	uint64_t span;

	(void)state;
	if (!ticks_bound(sys)) {
		cw_posix_system_destroy(sys);
		skip();
	}
	tick_sample_take(sys, &a);
	sleep_ns(500 * MSEC);
	tick_sample_take(sys, &b);
	span = b.host_ns - a.host_ns;
	for (unsigned i = 0; i < NR_CPUS; i++) {
		uint64_t idle = b.cpu[i].idle_ns - a.cpu[i].idle_ns;

		printf("# cpu%u idle %.1f of %.1f ms, %" PRIu64 " idle entries\n", i,
		       (double)idle / 1e6, (double)span / 1e6,
		       b.cpu[i].idle_entries - a.cpu[i].idle_entries);
		/* The CPUs only tick: most of the time is idle even when shared. */
		assert_true(idle > span / 2);
		assert_true(idle <= span + 10 * MSEC);
	}
	cw_posix_system_destroy(sys);
}

/*
 * NO_HZ (the default): CPUs with nothing to do stop their tick. Over half a
 * second at HZ=1000 an idle CPU takes a handful of interrupts at most
 * (the wakeups of the port itself), not 500.
 */
static void test_posix_idle_cpus_stop_their_tick_with_nohz(void **state)
{
	struct cw_system *sys = make_system_nohz(NR_CPUS, 1000, 0, true);
	struct tick_sample a, b;

	(void)state;
	sleep_ns(50 * MSEC);
	tick_sample_take(sys, &a);
	sleep_ns(500 * MSEC);
	tick_sample_take(sys, &b);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		uint64_t irqs = b.cpu[i].interrupts - a.cpu[i].interrupts;
		uint64_t idle = b.cpu[i].idle_ns - a.cpu[i].idle_ns;

		printf("# nohz cpu%u: %" PRIu64 " interrupts, %" PRIu64
		       " ticks, idle %.1f ms in 500 ms\n",
		       i, irqs, b.cpu[i].ticks - a.cpu[i].ticks, (double)idle / 1e6);
		assert_true(irqs < 25);
		assert_true(idle > 400 * MSEC);
	}
	cw_posix_system_destroy(sys);
}

/* ---- cw_cpu_call ------------------------------------------------------- */

struct where {
	struct cw_system *sys;
	int cpu;
	uint64_t tid;
	bool in_irq;
	int host_core;
};

static void record_where(void *arg)
{
	struct where *w = arg;

	w->cpu = cw_posix_this_cpu(w->sys);
	w->tid = (uint64_t)gettid();
	w->in_irq = cw_in_irq(w->sys);
	w->host_core = sched_getcpu();
}

static void test_posix_cpu_call_runs_on_the_target_cpu_thread(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 250, 0);

	(void)state;
	assert_int_equal(cw_posix_this_cpu(sys), -1);
	for (unsigned i = 0; i < NR_CPUS; i++) {
		struct cw_posix_cpu_info info;
		struct where w = { .sys = sys, .cpu = -1 };

		assert_int_equal(cw_cpu_call(sys, i, record_where, &w), 0);
		assert_int_equal(cw_posix_cpu_info(sys, i, &info), 0);
		printf("# cpu%u: ran as cpu %d on tid %" PRIu64 " (cpu thread tid %" PRIu64
		       ", caller %d)\n",
		       i, w.cpu, w.tid, info.tid, (int)gettid());
		assert_true(info.running);
		assert_int_equal(w.cpu, (int)i);
		assert_int_equal(w.tid, info.tid);
		assert_int_not_equal(w.tid, (uint64_t)gettid());
		assert_false(w.in_irq);
	}
	assert_int_equal(cw_cpu_call(sys, NR_CPUS, record_where, NULL), CW_EINVAL);
	cw_posix_system_destroy(sys);
}

static void test_posix_cpu_call_before_start_runs_on_caller_as_target(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 250, CW_POSIX_NO_START);
	struct cw_posix_cpu_info info;
	struct where w = { .sys = sys, .cpu = -1 };

	(void)state;
	assert_int_equal(cw_posix_cpu_info(sys, 2, &info), 0);
	assert_false(info.running);
	assert_int_equal(cw_cpu_call(sys, 2, record_where, &w), 0);
	printf("# stopped cpu2: ran as cpu %d on tid %" PRIu64 " (caller %d)\n", w.cpu, w.tid,
	       (int)gettid());
	assert_int_equal(w.cpu, 2);
	assert_int_equal(w.tid, (uint64_t)gettid());
	/* The caller is itself again afterwards. */
	assert_int_equal(cw_posix_this_cpu(sys), -1);
	assert_int_equal(cw_posix_system_start(sys), 0);
	assert_int_equal(cw_posix_system_start(sys), CW_EBUSY);
	assert_int_equal(cw_cpu_call(sys, 2, record_where, &w), 0);
	assert_int_equal(cw_posix_cpu_info(sys, 2, &info), 0);
	assert_int_equal(w.cpu, 2);
	assert_int_equal(w.tid, info.tid);
	cw_posix_system_destroy(sys);
}

/* Two CPUs call each other at the same moment, many times. */
#define PINGPONG_ROUNDS 500

struct pingpong {
	struct cw_system *sys;
	unsigned self, peer;
	struct cw_posix_work work;
	_Atomic unsigned done;
	_Atomic unsigned peer_runs;
	unsigned wrong_cpu;
	unsigned failed_calls;
	_Atomic bool *go;
};

static void pingpong_remote(void *arg)
{
	struct pingpong *p = arg;

	/* Runs on p->peer, called by p->self. */
	if (cw_posix_this_cpu(p->sys) != (int)p->peer) {
		p->wrong_cpu++;
	}
	atomic_fetch_add_explicit(&p->peer_runs, 1, memory_order_relaxed);
}

static void pingpong_work(void *arg)
{
	struct pingpong *p = arg;

	/* Both sides start together, so their calls cross. */
	while (!atomic_load_explicit(p->go, memory_order_acquire)) {
		sched_yield();
	}
	for (unsigned i = 0; i < PINGPONG_ROUNDS; i++) {
		/* cmocka asserts only on the test's thread: count failures here. */
		if (cw_cpu_call(p->sys, p->peer, pingpong_remote, p) != 0) {
			p->failed_calls++;
		}
	}
	atomic_store_explicit(&p->done, 1, memory_order_release);
}

static void test_posix_cpu_calls_both_ways_at_once_complete(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 1000, 0);
	_Atomic bool go = false;
	struct pingpong p[2] = {
		{ .sys = sys, .self = 0, .peer = 1, .go = &go },
		{ .sys = sys, .self = 1, .peer = 0, .go = &go },
	};
	uint64_t t0, deadline;

	(void)state;
	for (int i = 0; i < 2; i++) {
		p[i].work.fn = pingpong_work;
		p[i].work.arg = &p[i];
		assert_int_equal(cw_posix_cpu_call_async(sys, p[i].self, &p[i].work), 0);
	}
	t0 = host_ns();
	atomic_store_explicit(&go, true, memory_order_release);
	deadline = t0 + 30000 * MSEC;
	while ((!atomic_load_explicit(&p[0].done, memory_order_acquire) ||
		!atomic_load_explicit(&p[1].done, memory_order_acquire)) &&
	       host_ns() < deadline) {
		sleep_ns(MSEC);
	}
	printf("# cpu0<->cpu1: %u + %u crossing calls in %.1f ms, done %u/%u\n",
	       atomic_load(&p[0].peer_runs), atomic_load(&p[1].peer_runs),
	       (double)(host_ns() - t0) / 1e6, atomic_load(&p[0].done), atomic_load(&p[1].done));
	/* A deadlock would leave destroy hanging: fail before it. */
	assert_true(atomic_load(&p[0].done) && atomic_load(&p[1].done));
	cw_posix_system_destroy(sys);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(atomic_load(&p[i].peer_runs), PINGPONG_ROUNDS);
		assert_int_equal(p[i].wrong_cpu, 0);
		assert_int_equal(p[i].failed_calls, 0);
	}
}

/* Async work runs in queue order on its CPU. */
#define ASYNC_ITEMS 64

struct async_item {
	struct cw_posix_work work;
	struct cw_system *sys;
	unsigned index;
	int cpu;
	unsigned *order;
	_Atomic unsigned *count;
};

static void async_run(void *arg)
{
	struct async_item *it = arg;
	unsigned slot = atomic_fetch_add_explicit(it->count, 1, memory_order_acq_rel);

	it->order[slot] = it->index;
	it->cpu = cw_posix_this_cpu(it->sys);
}

static void test_posix_async_work_runs_in_order_on_its_cpu(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 250, CW_POSIX_NO_START);
	struct async_item items[ASYNC_ITEMS];
	unsigned order[ASYNC_ITEMS];
	_Atomic unsigned count = 0;
	uint64_t deadline;

	(void)state;
	/* Half queued before the CPUs start, half after. */
	for (unsigned i = 0; i < ASYNC_ITEMS; i++) {
		items[i] = (struct async_item){ .work = { .fn = async_run, .arg = &items[i] },
						.sys = sys,
						.index = i,
						.cpu = -1,
						.order = order,
						.count = &count };
		if (i == ASYNC_ITEMS / 2) {
			assert_int_equal(cw_posix_system_start(sys), 0);
		}
		assert_int_equal(cw_posix_cpu_call_async(sys, 3, &items[i].work), 0);
	}
	deadline = host_ns() + 10000 * MSEC;
	while (atomic_load(&count) < ASYNC_ITEMS && host_ns() < deadline) {
		sleep_ns(MSEC);
	}
	printf("# %u of %u async items ran\n", atomic_load(&count), ASYNC_ITEMS);
	assert_int_equal(atomic_load(&count), ASYNC_ITEMS);
	cw_posix_system_destroy(sys);
	for (unsigned i = 0; i < ASYNC_ITEMS; i++) {
		assert_int_equal(order[i], i);
		assert_int_equal(items[i].cpu, 3);
	}
}

static void test_posix_pinned_cpus_run_on_their_host_cores(void **state)
{
	long host_cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct cw_system *sys = make_system(NR_CPUS, 250, CW_POSIX_PIN_CPUS);

	(void)state;
	printf("# %ld host core(s) for %d CPUs%s\n", host_cores, NR_CPUS,
	       host_cores < NR_CPUS ? ": CPUs share cores" : "");
	for (unsigned i = 0; i < NR_CPUS; i++) {
		struct cw_posix_cpu_info info;
		struct where w = { .sys = sys, .cpu = -1 };

		assert_int_equal(cw_cpu_call(sys, i, record_where, &w), 0);
		assert_int_equal(cw_posix_cpu_info(sys, i, &info), 0);
		printf("#   cpu%u pinned to core %d, ran on core %d\n", i, info.host_core,
		       w.host_core);
		assert_true(info.host_core >= 0);
		assert_int_equal(w.host_core, info.host_core);
	}
	assert_true(cw_log_contains(sys, "pinned to"));
	cw_posix_system_destroy(sys);
}

/* ---- lifecycle --------------------------------------------------------- */

static void test_posix_start_stop_twenty_times_keeps_ticking(void **state)
{
	struct cw_system *sys = make_system(NR_CPUS, 1000, 0);
	unsigned threads_running, threads_stopped;
	uint64_t j0, j1, t0 = host_ns();
	bool bound = ticks_bound(sys);

	(void)state;
	threads_running = count_dir("/proc/self/task");
	for (int i = 0; i < 20; i++) {
		struct where w = { .sys = sys, .cpu = -1 };

		assert_int_equal(cw_posix_system_stop(sys), 0);
		assert_int_equal(cw_posix_system_stop(sys), 0);
		threads_stopped = count_tasks_settled(threads_running - NR_CPUS);
		assert_int_equal(threads_stopped, threads_running - NR_CPUS);
		/* Stopped: calls run here, as the CPU. */
		assert_int_equal(cw_cpu_call(sys, (unsigned)i % NR_CPUS, record_where, &w), 0);
		assert_int_equal(w.tid, (uint64_t)gettid());
		assert_int_equal(cw_posix_system_start(sys), 0);
		assert_int_equal(count_tasks_settled(threads_running), threads_running);
	}
	j0 = cw_jiffies_get(sys);
	sleep_ns(100 * MSEC);
	j1 = cw_jiffies_get(sys);
	printf("# 20 stop/start cycles in %.1f ms; %u threads running, %u stopped; jiffies +%" PRIu64
	       " in 100 ms after the last start\n",
	       (double)(host_ns() - t0) / 1e6, threads_running, threads_stopped, j1 - j0);
	cw_posix_system_destroy(sys);
	if (bound) {
		assert_true(j1 - j0 >= 50 && j1 - j0 <= 150);
	}
}

static void test_posix_create_destroy_twenty_times_leaks_nothing(void **state)
{
	unsigned fds_before, fds_after, tasks_before, tasks_after;
	uint64_t t0 = host_ns();

	(void)state;
	fds_before = count_dir("/proc/self/fd");
	tasks_before = count_dir("/proc/self/task");
	for (int i = 0; i < 20; i++) {
		unsigned flags = (i % 2) ? CW_POSIX_NO_START : 0;
		struct cw_system *sys;

		flags |= (i % 5 == 4) ? CW_POSIX_TIMERFD_PERIODIC : 0;
		sys = make_system(NR_CPUS, 1000, flags);
		if (i % 3 == 0) {
			sleep_ns(5 * MSEC);
		}
		cw_posix_system_destroy(sys);
	}
	fds_after = count_dir("/proc/self/fd");
	tasks_after = count_tasks_settled(tasks_before);
	printf("# 20 create/destroy cycles of a %d-CPU system in %.1f ms; fds %u -> %u, "
	       "threads %u -> %u\n",
	       NR_CPUS, (double)(host_ns() - t0) / 1e6, fds_before, fds_after, tasks_before,
	       tasks_after);
	assert_int_equal(fds_after, fds_before);
	assert_int_equal(tasks_after, tasks_before);
}

static void test_posix_housekeeping_leaves_do_timer_to_the_tick(void **state)
{
	struct cw_system *sys = make_system(2, 250, 0);
	struct cw_system *legacy = make_system(2, 250, CW_POSIX_NO_TIMERFD);
	struct cw_posix_stats st, st_legacy;
	uint64_t j0 = cw_jiffies_get(legacy), j1;

	(void)state;
	sleep_ns(200 * MSEC);
	j1 = cw_jiffies_get(legacy);
	assert_int_equal(cw_posix_stats(sys, &st), 0);
	assert_int_equal(cw_posix_stats(legacy, &st_legacy), 0);
	printf("# with timerfd devices: housekeeping drives do_timer: %s (%" PRIu64
	       " ticks); without: %s (%" PRIu64 " ticks, jiffies +%" PRIu64 " in 200 ms)\n",
	       st.drives_do_timer ? "yes" : "no", st.ticks,
	       st_legacy.drives_do_timer ? "yes" : "no", st_legacy.ticks, j1 - j0);
	assert_null(cw_tick_device(legacy, 0));
	assert_true(st_legacy.drives_do_timer);
	assert_true(j1 - j0 >= 25 && j1 - j0 <= 75);
	if (ticks_bound(sys)) {
		assert_false(st.drives_do_timer);
		assert_int_equal(st.ticks, 0);
	}
	cw_posix_system_destroy(legacy);
	cw_posix_system_destroy(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_four_cpus_tick_at_hz_for_two_seconds),
		cmocka_unit_test(test_posix_periodic_capable_timerfd_ticks_at_hz),
		cmocka_unit_test(test_posix_idle_cpus_account_idle_time),
		cmocka_unit_test(test_posix_idle_cpus_stop_their_tick_with_nohz),
		cmocka_unit_test(test_posix_cpu_call_runs_on_the_target_cpu_thread),
		cmocka_unit_test(test_posix_cpu_call_before_start_runs_on_caller_as_target),
		cmocka_unit_test(test_posix_cpu_calls_both_ways_at_once_complete),
		cmocka_unit_test(test_posix_async_work_runs_in_order_on_its_cpu),
		cmocka_unit_test(test_posix_pinned_cpus_run_on_their_host_cores),
		cmocka_unit_test(test_posix_start_stop_twenty_times_keeps_ticking),
		cmocka_unit_test(test_posix_create_destroy_twenty_times_leaks_nothing),
		cmocka_unit_test(test_posix_housekeeping_leaves_do_timer_to_the_tick),
	};

	return cmocka_run_group_tests_name("posix cpu threads", tests, NULL, NULL);
}
