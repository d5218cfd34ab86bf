/* SPDX-License-Identifier: MIT */
/*
 * bench_wheel, case W1-threads (issue 15, section 2): wheel arm+cancel
 * throughput from 1, 2, 4 and 8 application threads (threads that are not
 * clockwork CPUs) on a running posix system, and the lateness of timers
 * that expire on the CPUs meanwhile.
 *
 * The system: the posix port with one CPU per host core (so "4 threads"
 * on this 2-core machine means two application threads per core, with the
 * two CPU threads beside them), HZ=1000, default options (CPU threads not
 * pinned), the real clock. Each application thread owns W1T_PER_THREAD
 * timers armed at random expiries of 1 ms to 60 s (as W1), then, until
 * told to stop, cancels a random one of its own timers (cw_timer_del())
 * and re-arms it (cw_timer_mod(t, jiffies + random delay)), reading
 * jiffies once per W1T_BATCH operations. One operation is one cancel plus
 * one re-arm; a row's ns_per_op is wall time / operations of all threads
 * together (its inverse is the throughput), and the printed ratio is a
 * row's throughput over the 1-thread row's of the same policy.
 *
 * Policies (the row's impl), all in one run, interleaved per repetition:
 *
 *   clockwork-cpu0   every thread bound to CPU 0 (cw_posix_thread_set_cpu(
 *                    sys, 0)): what every application thread got before
 *                    issue 15, all arms on CPU 0's base and its one lock
 *   clockwork-bound  thread i bound to CPU i mod CPUs: the application
 *                    chooses (an alternative measured for the issue)
 *   clockwork-home   no binding: the port's default, the CPU of the host
 *                    core the thread runs on (sched_getcpu())
 *   spin             the threads only draw random numbers, no clockwork
 *                    call: the lateness the host's scheduling alone causes
 *                    with that many busy threads (its ns/op is the loop's)
 *
 * Lateness: while the threads run, every CPU has two probe timers that
 * re-arm themselves from their callbacks (cw_timer_add_on(), on their own
 * CPU) d = 1..4 jiffies ahead (level 0 of the wheel): a pinned one, on the
 * CPU's local base, which application threads do not use, and a global
 * one, on the CPU's global base, where the threads' own timers go.
 * docs/timers.md bounds a level-0 timer: it runs at the first tick after
 * its expiry, so at most d + 1 jiffies after it was armed. A fire is
 * beyond the bound when jiffies read in its callback are past expires + 1
 * (the CPU ran it at a later tick: its thread was not running, or it could
 * not take its base's lock); the table counts those ("late"). A sample is
 * the time from arming to the callback minus d jiffies: within the bound
 * it lies in (0, 1 jiffy] plus the tick's own latency on the host (the
 * timerfd wakeup of the CPU thread, about 0.1 ms on an idle machine). Rows
 * W1-threadsN-late-p50, -late-p99 and -late-max give the median, the 99th
 * percentile and the maximum of the pinned probes' samples in one
 * repetition, in ns (median, min, max over the repetitions), and
 * W1-threadsN-glate-* the same for the global probes; ops_per_rep is the
 * probe fires per repetition.
 *
 * CW_BENCH_WHEEL_THREADS_RT=p runs the CPU threads at SCHED_FIFO priority p
 * (cw_posix_options.rt_priority; the table's title says what the host
 * granted): the documented bound on posix depends on it
 * (docs/timers.md, "Lateness on posix").
 *
 * With CW_BENCH_WHEEL_THREADS_PIN=1 the CPU threads are pinned
 * (CW_POSIX_PIN_CPUS) and application thread i pins itself to the core of
 * CPU i mod CPUs; the impl names end in -pinned, and clockwork-bound
 * becomes clockwork-cross: thread i bound to the CPU of the next core, so
 * no thread shares its base with the CPU thread of its own core (an
 * alternative measured for the issue; clockwork-home-pinned shares it).
 *
 * CW_BENCH_WHEEL_THREADS_CPUS=n gives the system n CPUs instead of one
 * per host core (impl names end in -<n>cpus): with n = 8,
 * clockwork-bound-8cpus gives each of up to 8 threads a base of its own.
 *
 * CW_BENCH_WHEEL_THREADS_HRTIMER=1 has the threads do the same with
 * hrtimers (cw_hrtimer_try_to_cancel + cw_hrtimer_start at an absolute
 * MONOTONIC time 1 ms to 60 s ahead, the clock read once per batch);
 * impl names then start with clockwork-hrtimer-.
 *
 * Case names carry the thread count (W1-threads4: 4 application
 * threads); pending_timers is threads x W1T_PER_THREAD. Environment:
 * CW_BENCH_QUICK=1 runs 200 ms per measurement, CW_BENCH_TINY=1 20 ms and
 * one repetition; CW_BENCH_WHEEL_THREADS=1,4 picks thread counts.
 */
#include <clockwork/hrtimer.h>
#include <clockwork/port_posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>

#include "bench.h"
#include "late_probe.h"
#include "wheel_threads.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define W1T_PER_THREAD  1000u
#define W1T_MAX_DELAY   60000u
#define W1T_BATCH       256u
#define W1T_MAX_THREADS 8u
#define W1T_RUN_NS      1000000000ull
#define W1T_REPS        3u
#define W1T_HZ          1000u
#define W1T_PROBE_MAX_D 4u
#define W1T_MAX_CPUS    64u

enum w1t_policy {
	W1T_CPU0,
	W1T_BOUND,
	W1T_HOME,
	W1T_SPIN,
	W1T_NR_POLICIES,
};

static const char *const w1t_names[2][W1T_NR_POLICIES] = {
	{ "clockwork-cpu0", "clockwork-bound", "clockwork-home", "spin" },
	{ "clockwork-cpu0-pinned", "clockwork-cross-pinned", "clockwork-home-pinned",
	  "spin-pinned" },
};

/* CW_BENCH_WHEEL_THREADS_PIN=1: CPU threads pinned, each application thread too. */
static bool w1t_pinned;
/* CW_BENCH_WHEEL_THREADS_HRTIMER=1: the threads arm and cancel hrtimers instead. */
static bool w1t_hr;
static uint64_t w1t_tick_ns;

/* The impl names of this run: w1t_names[w1t_pinned], plus "-<n>cpus" if not one per core. */
static char w1t_impl[W1T_NR_POLICIES][48];

static const unsigned w1t_threads[] = { 1, 2, 4, 8 };
#define W1T_NR_COUNTS (sizeof(w1t_threads) / sizeof(w1t_threads[0]))

struct w1t_run;

struct w1t_thread {
	pthread_t th;
	unsigned idx;
	struct w1t_run *run;
	struct cw_timer *timers;
	struct cw_hrtimer *hr;
	uint64_t rng;
	uint64_t ops;
	int err;
};

struct w1t_run {
	struct cw_system *sys;
	enum w1t_policy policy;
	unsigned nr_cpus;
	atomic_uint ready;
	atomic_bool go;
	atomic_bool stop;
	struct w1t_thread th[W1T_MAX_THREADS];
};

static inline uint64_t w1t_rng(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static inline uint64_t w1t_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)w1t_rng(s) * n) >> 64);
}

static void w1t_nop(struct cw_timer *t)
{
	(void)t;
}

/* Setup done: wait for the start, then spin (the reference policy) until the stop. */
static void w1t_start(struct w1t_thread *me)
{
	struct w1t_run *run = me->run;

	atomic_fetch_add(&run->ready, 1);
	while (!atomic_load_explicit(&run->go, memory_order_acquire)) {
		sched_yield();
	}
	while (run->policy == W1T_SPIN && !atomic_load_explicit(&run->stop, memory_order_relaxed)) {
		uint64_t sum = 0;

		for (unsigned k = 0; k < W1T_BATCH; k++) {
			sum += w1t_below(&me->rng, W1T_PER_THREAD);
		}
		me->ops += W1T_BATCH + (sum == UINT64_MAX);
	}
}

/* W1 on the wheel: cw_timer_del + cw_timer_mod(jiffies + 1 ms..60 s). */
static void w1t_wheel_loop(struct w1t_thread *me)
{
	struct w1t_run *run = me->run;
	struct cw_system *sys = run->sys;
	uint64_t now = cw_jiffies_get(sys);

	for (unsigned i = 0; i < W1T_PER_THREAD && !me->err; i++) {
		me->err = cw_timer_setup(&me->timers[i], sys, w1t_nop, 0);
		cw_timer_mod(&me->timers[i], now + 1 + w1t_below(&me->rng, W1T_MAX_DELAY));
	}
	w1t_start(me);
	/* At least one batch: a thread the host starts late still counts (tiny runs are 20 ms). */
	do {
		now = cw_jiffies_get(sys);
		for (unsigned k = 0; k < W1T_BATCH; k++) {
			struct cw_timer *t = &me->timers[w1t_below(&me->rng, W1T_PER_THREAD)];

			cw_timer_del(t);
			cw_timer_mod(t, now + 1 + w1t_below(&me->rng, W1T_MAX_DELAY));
		}
		me->ops += W1T_BATCH;
	} while (!atomic_load_explicit(&run->stop, memory_order_relaxed));
	for (unsigned i = 0; i < W1T_PER_THREAD; i++) {
		cw_timer_shutdown_sync(&me->timers[i]);
	}
}

static enum cw_hrtimer_restart w1t_hr_nop(struct cw_hrtimer *t)
{
	(void)t;
	return CW_HRTIMER_NORESTART;
}

/* The same on hrtimers: cw_hrtimer_try_to_cancel + cw_hrtimer_start(now + 1 ms..60 s, ABS). */
static void w1t_hr_loop(struct w1t_thread *me)
{
	struct w1t_run *run = me->run;
	struct cw_system *sys = run->sys;
	cw_ktime_t now = cw_ktime_get(sys);

	for (unsigned i = 0; i < W1T_PER_THREAD && !me->err; i++) {
		me->err = cw_hrtimer_setup(sys, &me->hr[i], w1t_hr_nop, CW_CLOCK_MONOTONIC,
					   CW_HRTIMER_MODE_ABS);
		cw_hrtimer_start(
			&me->hr[i],
			now + (cw_ktime_t)((1 + w1t_below(&me->rng, W1T_MAX_DELAY)) * w1t_tick_ns),
			CW_HRTIMER_MODE_ABS);
	}
	w1t_start(me);
	/* At least one batch, as in w1t_wheel_loop(). */
	do {
		now = cw_ktime_get(sys);
		for (unsigned k = 0; k < W1T_BATCH; k++) {
			struct cw_hrtimer *t = &me->hr[w1t_below(&me->rng, W1T_PER_THREAD)];

			cw_hrtimer_try_to_cancel(t);
			cw_hrtimer_start(
				t,
				now + (cw_ktime_t)((1 + w1t_below(&me->rng, W1T_MAX_DELAY)) *
						   w1t_tick_ns),
				CW_HRTIMER_MODE_ABS);
		}
		me->ops += W1T_BATCH;
	} while (!atomic_load_explicit(&run->stop, memory_order_relaxed));
	for (unsigned i = 0; i < W1T_PER_THREAD; i++) {
		cw_hrtimer_cancel(&me->hr[i]);
	}
}

static void *w1t_thread_main(void *arg)
{
	struct w1t_thread *me = arg;
	struct w1t_run *run = me->run;
	struct cw_system *sys = run->sys;

	if (w1t_pinned) {
		/* Thread i on host core i mod CPUs, where CPU i mod CPUs is pinned too. */
		struct cw_posix_cpu_info info;
		cpu_set_t set;

		cw_posix_cpu_info(sys, me->idx % run->nr_cpus, &info);
		CPU_ZERO(&set);
		CPU_SET((unsigned)info.host_core, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (run->policy == W1T_CPU0) {
		me->err = cw_posix_thread_set_cpu(sys, 0);
	} else if (run->policy == W1T_BOUND) {
		/* Pinned: bound to the CPU of the next core ("cross"), never its own core's. */
		me->err = cw_posix_thread_set_cpu(
			sys, (int)((me->idx + (w1t_pinned ? 1u : 0u)) % run->nr_cpus));
	}
	if (w1t_hr) {
		w1t_hr_loop(me);
	} else {
		w1t_wheel_loop(me);
	}
	return NULL;
}

/* Lateness of one kind of probe in one measurement: p50, p99, max, fires over the bound. */
struct w1t_late {
	uint64_t fires;
	uint64_t over;
	double p50_ns;
	double p99_ns;
	double max_ns;
};

/* The probes of one measurement: [c] CPU c's pinned one, [W1T_MAX_CPUS + c] its global one. */
static struct late_probe w1t_probes[2 * W1T_MAX_CPUS];

/* Lateness of the pinned (@global false) or the global probes of @nr CPUs. */
static void w1t_late_collect(unsigned nr, bool global, struct w1t_late *out)
{
	static int64_t all[W1T_MAX_CPUS * LATE_PROBE_SAMPLES];
	unsigned over = 0;
	size_t n = late_probe_collect(&w1t_probes[global ? W1T_MAX_CPUS : 0], nr, all, &over);

	memset(out, 0, sizeof(*out));
	out->over = over;
	if (n == 0) {
		return;
	}
	out->fires = n;
	out->p50_ns = (double)all[n / 2];
	out->p99_ns = (double)all[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
	out->max_ns = (double)all[n - 1];
}

/* Start both probes of each of @nr CPUs. */
static int w1t_probes_start(struct cw_system *sys, unsigned nr)
{
	int err = 0;

	for (unsigned c = 0; c < nr && !err; c++) {
		err = late_probe_start(&w1t_probes[c], sys, c, CW_TIMER_PINNED,
				       (int64_t)w1t_tick_ns, W1T_PROBE_MAX_D);
		if (!err) {
			err = late_probe_start(&w1t_probes[W1T_MAX_CPUS + c], sys, c, 0,
					       (int64_t)w1t_tick_ns, W1T_PROBE_MAX_D);
		}
	}
	return err;
}

static void w1t_probes_stop(unsigned nr)
{
	for (unsigned c = 0; c < nr; c++) {
		late_probe_stop(&w1t_probes[c]);
		late_probe_stop(&w1t_probes[W1T_MAX_CPUS + c]);
	}
}

static uint64_t w1t_run_ns(void)
{
	return bench_tiny() ? 20000000ull : bench_quick() ? 200000000ull : W1T_RUN_NS;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ull),
			       .tv_nsec = (long)(ns % 1000000000ull) };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

/* One measurement: @nthreads threads under @policy. @return ns per op, or -1. */
static double w1t_measure(struct cw_system *sys, unsigned nr_cpus, enum w1t_policy policy,
			  unsigned nthreads, uint64_t *ops_out, struct w1t_late late[2])
{
	static struct w1t_run run;
	uint64_t t0, t1, ops = 0;
	int err = 0;

	memset(&run, 0, sizeof(run));
	run.sys = sys;
	run.policy = policy;
	run.nr_cpus = nr_cpus;
	for (unsigned i = 0; i < nthreads; i++) {
		struct w1t_thread *th = &run.th[i];

		th->idx = i;
		th->run = &run;
		th->rng = 0x9e3779b97f4a7c15ull * (i + 1) + nthreads;
		th->timers = calloc(W1T_PER_THREAD, sizeof(*th->timers));
		th->hr = calloc(W1T_PER_THREAD, sizeof(*th->hr));
		if (!th->timers || !th->hr ||
		    pthread_create(&th->th, NULL, w1t_thread_main, th) != 0) {
			fprintf(stderr, "bench_wheel: W1-threads: cannot start thread %u\n", i);
			exit(1);
		}
	}
	while (atomic_load(&run.ready) < nthreads) {
		sched_yield();
	}
	err = w1t_probes_start(sys, nr_cpus);
	t0 = bench_now_ns();
	atomic_store_explicit(&run.go, true, memory_order_release);
	sleep_ns(w1t_run_ns());
	atomic_store_explicit(&run.stop, true, memory_order_relaxed);
	t1 = bench_now_ns();
	w1t_probes_stop(nr_cpus);
	for (unsigned i = 0; i < nthreads; i++) {
		pthread_join(run.th[i].th, NULL);
		ops += run.th[i].ops;
		err = err ? err : run.th[i].err;
		free(run.th[i].timers);
		free(run.th[i].hr);
	}
	w1t_late_collect(nr_cpus, false, &late[0]);
	w1t_late_collect(nr_cpus, true, &late[1]);
	*ops_out = ops;
	if (err || ops == 0) {
		fprintf(stderr, "bench_wheel: W1-threads: %s, %u threads: %s\n", w1t_impl[policy],
			nthreads, err ? cw_strerror(err) : "no operation done");
		return -1.0;
	}
	/* The last batch of each thread may end after the stop: count it in. */
	return (double)(t1 - t0) / (double)ops;
}

/* The lateness of one kind of probe over the repetitions. */
struct w1t_late_cell {
	double p50[W1T_REPS];
	double p99[W1T_REPS];
	double max[W1T_REPS];
	/** Repetitions in which some probe of the kind fired (the arrays hold those). */
	unsigned nr;
	uint64_t fires;
	uint64_t over;
};

struct w1t_cell {
	double ns[W1T_REPS];
	unsigned nr;
	uint64_t ops;
	/** [0] the pinned probes (local bases), [1] the global ones. */
	struct w1t_late_cell late[2];
	bool failed;
};

static bool w1t_wanted(unsigned nthreads)
{
	const char *list = getenv("CW_BENCH_WHEEL_THREADS");
	char want[16];
	char buf[128];

	if (!list || !list[0]) {
		return true;
	}
	snprintf(want, sizeof(want), ",%u,", nthreads);
	snprintf(buf, sizeof(buf), ",%s,", list);
	return strstr(buf, want) != NULL;
}

/* Write one row of @n samples (sorted in place); @return their median. */
static double w1t_write(const char *cs, const char *impl, unsigned nthreads, uint64_t ops,
			double *v, unsigned n, const struct bench_load *load)
{
	struct bench_row br = {
		.suite = "wheel",
		.case_name = cs,
		.impl = impl,
		.clock = "host",
		.pending_timers = (int64_t)nthreads * W1T_PER_THREAD,
		.ops_per_rep = ops,
		.peak_rss_kib = -1,
		.bytes_per_timer = w1t_hr ? sizeof(struct cw_hrtimer) : sizeof(struct cw_timer),
		.load_start = *load,
	};

	if (strncmp(impl, "spin", 4) == 0) {
		/* The reference threads keep no timers: not a timer row. */
		br.pending_timers = -1;
		br.bytes_per_timer = 0;
	}
	bench_row_stats(&br, v, n);
	bench_row_write(&br);
	return br.ns_per_op;
}

/* "SCHED_FIFO 50" when every CPU thread runs at that priority, else what they run at. */
static const char *w1t_rt_desc(struct cw_system *sys, unsigned nr_cpus, int asked)
{
	static char buf[64];
	int got = -1;

	for (unsigned c = 0; c < nr_cpus; c++) {
		struct cw_posix_cpu_info info;

		if (cw_posix_cpu_info(sys, c, &info) == 0 && (got < 0 || info.rt_priority < got)) {
			got = info.rt_priority;
		}
	}
	if (got > 0) {
		snprintf(buf, sizeof(buf), "SCHED_FIFO %d", got);
	} else if (asked > 0) {
		snprintf(buf, sizeof(buf), "normal (SCHED_FIFO %d refused by the host)", asked);
	} else {
		snprintf(buf, sizeof(buf), "normal priority");
	}
	return buf;
}

bool wheel_threads_run(void)
{
	static struct w1t_cell cells[W1T_NR_POLICIES][W1T_NR_COUNTS];
	const char *pin = getenv("CW_BENCH_WHEEL_THREADS_PIN");
	const char *cpus_env = getenv("CW_BENCH_WHEEL_THREADS_CPUS");
	const char *hr_env = getenv("CW_BENCH_WHEEL_THREADS_HRTIMER");
	const char *rt_env = getenv("CW_BENCH_WHEEL_THREADS_RT");
	struct cw_system_config cfg = { .hz = W1T_HZ };
	unsigned reps = bench_tiny() ? 1 : W1T_REPS;
	long host = sysconf(_SC_NPROCESSORS_ONLN);
	struct cw_posix_options opt = { 0 };
	struct bench_load load;
	struct w1t_late idle[2];
	struct cw_system *sys;
	bool ok = true;
	int err;

	w1t_pinned = pin && pin[0] && strcmp(pin, "0") != 0;
	opt.flags = w1t_pinned ? CW_POSIX_PIN_CPUS : 0;
	if (rt_env && rt_env[0]) {
		unsigned long prio = strtoul(rt_env, NULL, 0);

		opt.rt_priority = prio > 99 ? 99 : (int)prio;
	}
	cfg.nr_cpus = host < 2 ? 2 : host > (long)W1T_MAX_CPUS ? W1T_MAX_CPUS : (unsigned)host;
	if (cpus_env && cpus_env[0]) {
		unsigned long n = strtoul(cpus_env, NULL, 0);

		cfg.nr_cpus = n < 1 ? 1 : n > W1T_MAX_CPUS ? W1T_MAX_CPUS : (unsigned)n;
	}
	w1t_hr = hr_env && hr_env[0] && strcmp(hr_env, "0") != 0;
	for (unsigned p = 0; p < W1T_NR_POLICIES; p++) {
		const char *name = w1t_names[w1t_pinned][p];
		char cpus[16] = "";

		if (cfg.nr_cpus != (unsigned)host) {
			snprintf(cpus, sizeof(cpus), "-%ucpus", cfg.nr_cpus);
		}
		/* "clockwork-x" becomes "clockwork-hrtimer-x" for the hrtimer variant. */
		if (w1t_hr && strncmp(name, "clockwork-", 10) == 0) {
			snprintf(w1t_impl[p], sizeof(w1t_impl[p]), "clockwork-hrtimer-%s%s",
				 name + 10, cpus);
		} else {
			snprintf(w1t_impl[p], sizeof(w1t_impl[p]), "%s%s", name, cpus);
		}
	}
	err = cw_posix_system_create(&cfg, &opt, &sys);
	if (err) {
		fprintf(stderr, "bench_wheel: W1-threads: cw_posix_system_create: %s\n",
			cw_strerror(err));
		return false;
	}
	w1t_tick_ns = 1000000000ull / W1T_HZ;
	bench_load_read(&load);
	memset(cells, 0, sizeof(cells));
	/* Lateness with no application thread: the reference. */
	if (w1t_probes_start(sys, cfg.nr_cpus) == 0) {
		sleep_ns(w1t_run_ns());
	}
	w1t_probes_stop(cfg.nr_cpus);
	w1t_late_collect(cfg.nr_cpus, false, &idle[0]);
	w1t_late_collect(cfg.nr_cpus, true, &idle[1]);
	for (unsigned r = 0; r < reps; r++) {
		for (unsigned k = 0; k < W1T_NR_COUNTS; k++) {
			if (!w1t_wanted(w1t_threads[k])) {
				continue;
			}
			for (unsigned p = 0; p < W1T_NR_POLICIES; p++) {
				struct w1t_cell *c = &cells[p][k];
				struct w1t_late late[2];
				double ns;

				if (c->failed) {
					continue;
				}
				ns = w1t_measure(sys, cfg.nr_cpus, (enum w1t_policy)p,
						 w1t_threads[k], &c->ops, late);
				if (ns < 0) {
					c->failed = true;
					continue;
				}
				c->ns[c->nr++] = ns;
				for (unsigned g = 0; g < 2; g++) {
					struct w1t_late_cell *lc = &c->late[g];

					if (late[g].fires) {
						lc->p50[lc->nr] = late[g].p50_ns;
						lc->p99[lc->nr] = late[g].p99_ns;
						lc->max[lc->nr] = late[g].max_ns;
						lc->nr++;
					}
					lc->fires += late[g].fires;
					lc->over += late[g].over;
				}
			}
		}
	}
	printf("\nW1-threads: arm+cancel from application threads, %u pending timers each, "
	       "posix port, %u CPUs, HZ=%u, CPU threads %s, %.1f s per measurement, median of "
	       "%u\n",
	       W1T_PER_THREAD, cfg.nr_cpus, W1T_HZ, w1t_rt_desc(sys, cfg.nr_cpus, opt.rt_priority),
	       (double)w1t_run_ns() / 1e9, reps);
	printf("  probe lateness after the expiry, us, p50/p99/max (bound: the tick after it, "
	       "1 jiffy = %llu us, plus the tick's own wakeup); 'late': fires at a later "
	       "jiffy / fires\n",
	       (unsigned long long)(w1t_tick_ns / 1000));
	for (unsigned g = 0; g < 2; g++) {
		printf("  with no application thread, %s probes: %.0f/%.0f/%.0f, late %llu/%llu\n",
		       g ? "global" : "pinned", idle[g].p50_ns / 1e3, idle[g].p99_ns / 1e3,
		       idle[g].max_ns / 1e3, (unsigned long long)idle[g].over,
		       (unsigned long long)idle[g].fires);
	}
	printf("  %-22s %7s %8s %7s %9s %20s %11s %20s %11s\n", "impl", "threads", "ns/op",
	       "Mops/s", "vs 1 thr", "pinned p50/p99/max", "late", "global p50/p99/max", "late");
	for (unsigned p = 0; p < W1T_NR_POLICIES; p++) {
		double base = 0;

		for (unsigned k = 0; k < W1T_NR_COUNTS; k++) {
			struct w1t_cell *c = &cells[p][k];
			unsigned n = w1t_threads[k];
			char cs[48];
			double ns;

			if (c->failed) {
				printf("  %-22s %7u   (FAILED)\n", w1t_impl[p], n);
				ok = false;
				continue;
			}
			if (c->nr == 0) {
				continue;
			}
			snprintf(cs, sizeof(cs), "W1-threads%u", n);
			ns = w1t_write(cs, w1t_impl[p], n, c->ops, c->ns, c->nr, &load);
			if (n == 1) {
				base = ns;
			}
			printf("  %-22s %7u %8.1f %7.2f", w1t_impl[p], n, ns, 1e3 / ns);
			if (base > 0) {
				printf(" %8.2fx", base / ns);
			} else {
				printf(" %9s", "-");
			}
			for (unsigned g = 0; g < 2; g++) {
				static const char *const what[3] = { "p50", "p99", "max" };
				struct w1t_late_cell *lc = &c->late[g];
				double *v[3] = { lc->p50, lc->p99, lc->max };
				double med[3];
				char buf[48];

				if (lc->nr == 0) {
					/* No probe of the kind fired in any repetition: no row. */
					printf(" %20s %11s", "-", "-");
					continue;
				}
				for (unsigned q = 0; q < 3; q++) {
					snprintf(cs, sizeof(cs), "W1-threads%u-%slate-%s", n,
						 g ? "g" : "", what[q]);
					med[q] = w1t_write(cs, w1t_impl[p], n, lc->fires / lc->nr,
							   v[q], lc->nr, &load);
				}
				snprintf(buf, sizeof(buf), "%.0f/%.0f/%.0f", med[0] / 1e3,
					 med[1] / 1e3, med[2] / 1e3);
				printf(" %20s", buf);
				snprintf(buf, sizeof(buf), "%llu/%llu",
					 (unsigned long long)lc->over,
					 (unsigned long long)lc->fires);
				printf(" %11s", buf);
			}
			printf("\n");
		}
	}
	fflush(stdout);
	cw_posix_system_destroy(sys);
	return ok;
}
