/* SPDX-License-Identifier: MIT */
/*
 * cwlat on this machine's clocks. One clockwork system on the posix port
 * with one CPU per measurement thread; on CPU i a periodic, pinned, hard
 * hrtimer on MONOTONIC. Its callback runs on the CPU's host thread inside
 * the timer interrupt (the timerfd the CPU's epoll loop waits on), which
 * is the closest equivalent of measuring in the kernel's hrtimer
 * interrupt. The latency of one expiry is
 *
 *     host CLOCK_MONOTONIC read first thing in the callback
 *   - the timer's expiry, translated into host CLOCK_MONOTONIC
 *
 * The translation adds offset_ns (host minus clockwork MONOTONIC), which
 * the main thread re-measures every OFFSET_REFRESH_NS with the narrowest
 * of OFFSET_SAMPLES bracketed reads: clockwork's MONOTONIC may run on the
 * TSC, whose calibrated rate differs from the host clock's by a few ppm,
 * and 100 ms at 10 ppm is 1 us; re-measuring keeps that error below the
 * bracket width (tens of ns).
 *
 * With --compare the same number of raw loops of each kind run on their own
 * host threads: clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) to the
 * expiry, or an absolute CLOCK_MONOTONIC timerfd armed for the expiry and
 * read; their latency is the host clock read after the wakeup minus the
 * expiry. All series share one start time and one end; their first
 * expiries are spread evenly over one interval (the thread's phase), so
 * the threads do not all wake at the same instant and queue behind one
 * another on the host's cores (cyclictest's --distance does the same).
 *
 * Every series forwards the same way after a late wakeup: the next expiry
 * is the first period boundary after now, and the periods skipped are
 * counted as overruns (cw_hrtimer_forward_now() for clockwork).
 *
 * Lifetime: the hrtimers live in the run struct; the main thread waits
 * until every callback has returned NORESTART (the done counter, release/
 * acquire) or the deadline passed, then cancels them (which waits for a
 * running callback) before it reads the samples and destroys the system.
 */
#include "cwlat-internal.h"

#include <clockwork/clockwork.h>
#include <clockwork/cpu.h>
#include <clockwork/hrtimer.h>
#include <clockwork/port_posix.h>
#include <clockwork/proxy.h>
#include <clockwork/timekeeping.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Re-measure the clockwork-to-host MONOTONIC offset this often, ns. */
#define OFFSET_REFRESH_NS (100 * (int64_t)CW_NSEC_PER_MSEC)
/* Bracketed reads per offset measurement; the narrowest wins. */
#define OFFSET_SAMPLES    5
/* Time between the start of the threads and the first expiry, ns. */
#define START_DELAY_NS    (100 * (int64_t)CW_NSEC_PER_MSEC)
/* How long past the end the main thread waits for late series, ns. */
#define END_GRACE_NS      (2 * (int64_t)CW_NSEC_PER_SEC)

struct posix_run;

/** One clockwork measurement timer (CPU i). */
struct cw_meas {
	/** First member: the callback gets back here by a cast. */
	struct cw_hrtimer timer;
	struct posix_run *run;
	struct cwlat_thread *th;
	/** First expiry and end, clockwork MONOTONIC ns. */
	int64_t first_cw;
	int64_t end_cw;
};

/* Words of the --oob CPU mask (--threads is at most 256). */
#define CWLAT_OOB_MASK_WORDS 4

/** One out-of-band measurement timer (CPU i, --oob). */
struct oob_meas {
	struct cw_oob_timer timer;
	struct posix_run *run;
	struct cwlat_thread *th;
	unsigned cpu;
	int64_t first_cw;
	int64_t end_cw;
	bool started;
};

/** One raw loop thread. */
struct raw_meas {
	struct posix_run *run;
	struct cwlat_thread *th;
	pthread_t thread;
	bool started;
	/** CWLAT_SERIES_NANOSLEEP or CWLAT_SERIES_TIMERFD. */
	int kind;
	/** Host core to pin to, or -1. */
	int core;
	/** The loop failed (timerfd_create, settime or read): the errno, else 0. */
	int failed;
	/** SCHED_FIFO could not be applied. */
	bool prio_failed;
	/** Timer slack the thread runs with, ns. */
	long slack_ns;
};

struct posix_run {
	const struct cwlat_opts *o;
	struct cw_system *sys;
	/** Host minus clockwork MONOTONIC, ns. */
	_Atomic int64_t offset_ns;
	/** Clockwork timers whose callback returned NORESTART for good. */
	atomic_uint done;
	/** Common start and end, host CLOCK_MONOTONIC ns. */
	int64_t start_host;
	int64_t end_host;
	struct cw_meas *cw;
	struct oob_meas *oob;
	/** The proxy tick device is installed (--oob). */
	bool proxy;
	struct raw_meas *raw;
	unsigned nr_raw;
	/** Allowed host cores, in order (for --affinity). */
	int *cores;
	unsigned nr_cores;
};

static int64_t host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * CW_NSEC_PER_SEC + ts.tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / CW_NSEC_PER_SEC),
		.tv_nsec = (long)(ns % CW_NSEC_PER_SEC),
	};

	return ts;
}

static void offset_refresh(struct posix_run *r)
{
	int64_t best = INT64_MAX;
	int64_t offset = 0;

	for (int i = 0; i < OFFSET_SAMPLES; i++) {
		int64_t h0 = host_now();
		int64_t cw = cw_ktime_get(r->sys);
		int64_t h1 = host_now();

		if (h1 - h0 < best) {
			best = h1 - h0;
			offset = h0 + (h1 - h0) / 2 - cw;
		}
	}
	atomic_store_explicit(&r->offset_ns, offset, memory_order_relaxed);
}

/* ---------------------------------------------------------------------- */
/* Clockwork series */

static enum cw_hrtimer_restart cw_meas_fire(struct cw_hrtimer *timer)
{
	int64_t now = host_now();
	struct cw_meas *m = (struct cw_meas *)timer;
	struct posix_run *r = m->run;
	int64_t offset = atomic_load_explicit(&r->offset_ns, memory_order_relaxed);
	int64_t expires = cw_hrtimer_get_expires(timer);
	uint64_t n;

	cwlat_record(m->th, now - (expires + offset));
	n = cw_hrtimer_forward_now(timer, r->o->interval_ns);
	if (n > 1) {
		m->th->overruns += n - 1;
	}
	if (cw_hrtimer_get_expires(timer) >= m->end_cw) {
		/* Pairs with the acquire load in wait_done(): the samples are published. */
		atomic_fetch_add_explicit(&r->done, 1, memory_order_release);
		return CW_HRTIMER_NORESTART;
	}
	return CW_HRTIMER_RESTART;
}

/* Runs on CPU i (cw_cpu_call()): start its timer there, pinned. */
static void cw_meas_start(void *arg)
{
	struct cw_meas *m = arg;

	cw_hrtimer_start(&m->timer, m->first_cw, CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED);
}

static int cw_series_start(struct posix_run *r, struct cwlat_series *s, FILE *err)
{
	int64_t offset = atomic_load_explicit(&r->offset_ns, memory_order_relaxed);

	for (unsigned i = 0; i < r->o->threads; i++) {
		struct cw_meas *m = &r->cw[i];
		int ret;

		m->th = &s->thread[i];
		m->first_cw = r->start_host + (int64_t)m->th->phase_ns - offset;
		m->end_cw = r->end_host - offset;
		ret = cw_hrtimer_setup(r->sys, &m->timer, cw_meas_fire, CW_CLOCK_MONOTONIC,
				       CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED |
					       CW_HRTIMER_MODE_HARD);
		if (!ret) {
			/* Set only now: cancel at the end looks at it to skip unset timers. */
			m->run = r;
			ret = cw_cpu_call(r->sys, i, cw_meas_start, m);
		}
		if (ret) {
			fprintf(err, "cwlat: cannot start the hrtimer on CPU %u: %s\n", i,
				cw_strerror(ret));
			return CWLAT_EXIT_FAILURE;
		}
	}
	return CWLAT_EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Out-of-band series (--oob) */

/* On the CPU's oob thread: latency against the host clock, like cw_meas_fire(). */
static void oob_meas_fire(struct cw_oob_timer *t, cw_ktime_t now_cw)
{
	int64_t now = host_now();
	struct oob_meas *m = t->data;
	struct posix_run *r = m->run;
	int64_t offset = atomic_load_explicit(&r->offset_ns, memory_order_relaxed);
	bool last = t->expires_ns + (int64_t)r->o->interval_ns >= m->end_cw;

	(void)now_cw;
	if (t->expires_ns < m->end_cw) {
		cwlat_record(m->th, now - (t->expires_ns + offset));
		/* The layer skipped the periods a late run missed (all before this one). */
		m->th->overruns = t->overruns;
	}
	if (last) {
		/* A late run may have skipped past the end: that expiry is no sample. */
		cw_oob_timer_cancel(r->sys, m->cpu, t);
		/* Pairs with the acquire load in wait_done(). */
		atomic_fetch_add_explicit(&r->done, 1, memory_order_release);
	}
}

static void oob_meas_start(void *arg)
{
	struct oob_meas *m = arg;

	m->started = cw_oob_timer_start(m->run->sys, m->cpu, &m->timer, m->first_cw,
					m->run->o->interval_ns) == 0;
}

static void oob_meas_cancel(void *arg)
{
	struct oob_meas *m = arg;

	cw_oob_timer_cancel(m->run->sys, m->cpu, &m->timer);
}

/* The proxy on every CPU, then one oob timer per CPU on the oob stage. */
static int oob_series_start(struct posix_run *r, struct cwlat_series *s, FILE *err)
{
	int64_t offset = atomic_load_explicit(&r->offset_ns, memory_order_relaxed);
	uint64_t mask[CWLAT_OOB_MASK_WORDS] = { 0 };
	int ret;

	for (unsigned i = 0; i < r->o->threads; i++) {
		mask[i / 64] |= UINT64_C(1) << (i % 64);
	}
	ret = cw_tick_install_proxy(r->sys, cw_tick_proxy_setup_oob_timers, NULL, mask);
	if (ret) {
		fprintf(err, "cwlat: cannot install the proxy tick device: %s\n", cw_strerror(ret));
		return CWLAT_EXIT_FAILURE;
	}
	r->proxy = true;
	for (unsigned i = 0; i < r->o->threads; i++) {
		struct oob_meas *m = &r->oob[i];

		m->run = r;
		m->cpu = i;
		m->th = &s->thread[i];
		m->first_cw = r->start_host + (int64_t)m->th->phase_ns - offset;
		m->end_cw = r->end_host - offset;
		m->timer.fn = oob_meas_fire;
		m->timer.data = m;
		if (cw_cpu_call(r->sys, i, oob_meas_start, m) || !m->started) {
			fprintf(err, "cwlat: cannot start the oob timer on CPU %u\n", i);
			return CWLAT_EXIT_FAILURE;
		}
	}
	return CWLAT_EXIT_OK;
}

static void oob_series_stop(struct posix_run *r)
{
	uint64_t mask[CWLAT_OOB_MASK_WORDS] = { 0 };

	if (!r->proxy) {
		return;
	}
	for (unsigned i = 0; i < r->o->threads; i++) {
		mask[i / 64] |= UINT64_C(1) << (i % 64);
		if (r->oob[i].started) {
			cw_cpu_call(r->sys, i, oob_meas_cancel, &r->oob[i]);
		}
	}
	cw_tick_uninstall_proxy(r->sys, mask);
}

/* A masked section: the CPU thread (the in-band stage) busy for --masked. */
static void masked_section(void *arg)
{
	const struct posix_run *r = arg;
	int64_t end = host_now() + (int64_t)r->o->masked_ns;

	while (host_now() < end) {
	}
}

/* SCHED_FIFO for every clockwork CPU thread; false (and a warning) if refused. */
static bool cw_series_priority(struct posix_run *r, FILE *err)
{
	struct sched_param sp = { .sched_priority = r->o->priority };

	for (unsigned i = 0; i < r->o->threads; i++) {
		struct cw_posix_cpu_info info;

		if (cw_posix_cpu_info(r->sys, i, &info) || !info.tid) {
			fprintf(err,
				"cwlat: warning: no host thread for CPU %u; priority not set\n", i);
			return false;
		}
		/* On Linux a thread id names one thread for sched_setscheduler(). */
		if (sched_setscheduler((pid_t)info.tid, SCHED_FIFO, &sp)) {
			fprintf(err,
				"cwlat: warning: SCHED_FIFO priority %d not permitted for the "
				"clockwork CPU threads (%s); they run at normal priority\n",
				r->o->priority, strerror(errno));
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------- */
/* Raw loops */

static void raw_thread_setup(struct raw_meas *m)
{
	const struct cwlat_opts *o = m->run->o;

	if (m->core >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(m->core, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (o->priority) {
		struct sched_param sp = { .sched_priority = o->priority };

		m->prio_failed = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp) != 0;
	}
	m->slack_ns = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
}

/* Wait until @expiry with the loop's mechanism; 0 or -1 on a host error. */
static int raw_wait(struct raw_meas *m, int fd, int64_t expiry)
{
	struct timespec ts = ns_to_ts(expiry);

	if (m->kind == CWLAT_SERIES_NANOSLEEP) {
		int ret;

		do {
			ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} while (ret == EINTR);
		/* clock_nanosleep() returns the error number instead of setting errno. */
		errno = ret;
		return ret ? -1 : 0;
	} else {
		struct itimerspec its = { .it_value = ts };
		uint64_t expirations;
		ssize_t n;

		if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL)) {
			return -1;
		}
		do {
			n = read(fd, &expirations, sizeof(expirations));
		} while (n < 0 && errno == EINTR);
		return n == (ssize_t)sizeof(expirations) ? 0 : -1;
	}
}

static void *raw_thread(void *arg)
{
	struct raw_meas *m = arg;
	struct posix_run *r = m->run;
	int64_t interval = (int64_t)r->o->interval_ns;
	int64_t expiry = r->start_host + (int64_t)m->th->phase_ns;
	int fd = -1;

	raw_thread_setup(m);
	if (m->kind == CWLAT_SERIES_TIMERFD) {
		fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		if (fd < 0) {
			m->failed = errno;
			return NULL;
		}
	}
	while (expiry < r->end_host) {
		uint64_t n;
		int64_t now;

		if (raw_wait(m, fd, expiry)) {
			m->failed = errno ? errno : EIO;
			break;
		}
		now = host_now();
		cwlat_record(m->th, now - expiry);
		n = cwlat_periods_to_next(expiry, now, r->o->interval_ns);
		m->th->overruns += n - 1;
		expiry += (int64_t)n * interval;
	}
	if (fd >= 0) {
		close(fd);
	}
	return NULL;
}

static int raw_series_start(struct posix_run *r, struct cwlat_series *series, unsigned nr_series,
			    FILE *err)
{
	unsigned k = 0;

	for (unsigned s = CWLAT_SERIES_NANOSLEEP; s < nr_series; s++) {
		for (unsigned i = 0; i < r->o->threads; i++, k++) {
			struct raw_meas *m = &r->raw[k];

			m->run = r;
			m->th = &series[s].thread[i];
			m->kind = (int)s;
			m->core = r->o->affinity && r->nr_cores ? r->cores[i % r->nr_cores] : -1;
			if (pthread_create(&m->thread, NULL, raw_thread, m)) {
				fprintf(err, "cwlat: cannot create a %s thread\n", series[s].name);
				return CWLAT_EXIT_FAILURE;
			}
			m->started = true;
		}
	}
	return CWLAT_EXIT_OK;
}

/* Join the raw threads; warn about refused priorities; fail on a broken loop. */
static int raw_series_join(struct posix_run *r, struct cwlat_env *env, FILE *err)
{
	bool prio_warned = false;
	int ret = CWLAT_EXIT_OK;

	for (unsigned k = 0; k < r->nr_raw; k++) {
		struct raw_meas *m = &r->raw[k];

		if (!m->started) {
			continue;
		}
		pthread_join(m->thread, NULL);
		env->raw_timer_slack_ns = m->slack_ns;
		if (m->prio_failed) {
			env->priority_applied = false;
			if (!prio_warned) {
				fprintf(err,
					"cwlat: warning: SCHED_FIFO priority %d not permitted for "
					"the raw loops; they ran at normal priority\n",
					r->o->priority);
				prio_warned = true;
			}
		}
		if (m->failed) {
			fprintf(err, "cwlat: a %s loop failed: %s\n",
				m->kind == CWLAT_SERIES_TIMERFD ? "timerfd" : "nanosleep",
				strerror(m->failed));
			ret = CWLAT_EXIT_FAILURE;
		}
	}
	return ret;
}

/* ---------------------------------------------------------------------- */
/* The run */

static void find_cores(struct posix_run *r)
{
	cpu_set_t set;

	r->nr_cores = 0;
	if (sched_getaffinity(0, sizeof(set), &set)) {
		return;
	}
	r->cores = calloc((size_t)CPU_COUNT(&set), sizeof(*r->cores));
	if (!r->cores) {
		return;
	}
	for (int c = 0; c < CPU_SETSIZE && r->nr_cores < (unsigned)CPU_COUNT(&set); c++) {
		if (CPU_ISSET(c, &set)) {
			r->cores[r->nr_cores++] = c;
		}
	}
}

/*
 * Sleep until every series ended (or the deadline), refreshing the offset;
 * with --masked, run a masked section on every CPU each 4 --masked instead
 * of sleeping.
 */
static void wait_done(struct posix_run *r)
{
	int64_t deadline = r->end_host + END_GRACE_NS;
	unsigned timers = r->o->threads * (r->oob ? 2u : 1u);
	int64_t last_refresh = host_now();

	for (;;) {
		int64_t step = r->o->masked_ns ? 4 * (int64_t)r->o->masked_ns : OFFSET_REFRESH_NS;
		struct timespec ts = ns_to_ts(step);
		int64_t now = host_now();

		if (now >= deadline) {
			break;
		}
		/* Pairs with the release in cw_meas_fire() and oob_meas_fire(). */
		if (now >= r->end_host &&
		    atomic_load_explicit(&r->done, memory_order_acquire) >= timers) {
			break;
		}
		if (r->o->masked_ns && now < r->end_host) {
			for (unsigned i = 0; i < r->o->threads; i++) {
				cw_cpu_call(r->sys, i, masked_section, r);
			}
		}
		nanosleep(&ts, NULL);
		if (host_now() - last_refresh >= OFFSET_REFRESH_NS) {
			offset_refresh(r);
			last_refresh = host_now();
		}
	}
}

/* Wait until the CPUs are in high-resolution mode (the watchdog must verify the TSC). */
static void wait_hres(struct posix_run *r, struct cwlat_env *env, FILE *err)
{
	struct timespec step = ns_to_ts((int64_t)CWLAT_HRES_WAIT_STEP_NS);
	int64_t t0 = host_now();

	while (!(env->hres = cwlat_all_hres(r->sys, r->o->threads)) &&
	       host_now() - t0 < (int64_t)CWLAT_HRES_WAIT_MAX_NS) {
		nanosleep(&step, NULL);
	}
	env->hres_wait_ns = (uint64_t)(host_now() - t0);
	if (!env->hres) {
		fputs("cwlat: warning: not every CPU switched to high-resolution mode; "
		      "expiries wait for the tick\n",
		      err);
	}
}

static int create_system(struct posix_run *r, struct cwlat_env *env, FILE *err)
{
	struct cw_system_config cfg = {
		.nr_cpus = r->o->threads,
		.hz = r->o->hz,
		.clocksource_override = r->o->clocksource,
	};
	struct cw_posix_options opt = {
		.flags = r->o->affinity ? CW_POSIX_PIN_CPUS : 0,
	};
	int ret = cw_posix_system_create(&cfg, &opt, &r->sys);

	if (ret) {
		fprintf(err, "cwlat: cannot create the clockwork system: %s\n", cw_strerror(ret));
		return CWLAT_EXIT_FAILURE;
	}
	if (cw_clocksource_current(r->sys, env->clocksource, sizeof(env->clocksource))) {
		snprintf(env->clocksource, sizeof(env->clocksource), "?");
	}
	if (r->o->clocksource && strcmp(env->clocksource, r->o->clocksource) != 0) {
		fprintf(err, "cwlat: warning: clocksource '%s' not used; clockwork runs on '%s'\n",
			r->o->clocksource, env->clocksource);
	}
	return CWLAT_EXIT_OK;
}

int cwlat_posix_measure(const struct cwlat_opts *o, struct cwlat_series *series, unsigned nr_series,
			struct cwlat_env *env, FILE *err)
{
	struct posix_run r = { .o = o };
	int ret;

	env->raw_timer_slack_ns = -1;
	find_cores(&r);
	env->host_cores = r.nr_cores;
	r.nr_raw = o->oob ? 0 : (nr_series - 1) * o->threads;
	r.cw = calloc(o->threads, sizeof(*r.cw));
	r.oob = o->oob ? calloc(o->threads, sizeof(*r.oob)) : NULL;
	r.raw = calloc(r.nr_raw ? r.nr_raw : 1, sizeof(*r.raw));
	if (!r.cw || !r.raw || (o->oob && !r.oob)) {
		fputs("cwlat: out of memory\n", err);
		ret = CWLAT_EXIT_FAILURE;
		goto out_free;
	}
	ret = create_system(&r, env, err);
	if (ret) {
		goto out_free;
	}
	env->priority_applied = o->priority && cw_series_priority(&r, err);
	wait_hres(&r, env, err);
	offset_refresh(&r);
	r.start_host = host_now() + START_DELAY_NS;
	r.end_host = r.start_host + (int64_t)o->duration_ns;
	ret = cw_series_start(&r, &series[CWLAT_SERIES_CLOCKWORK], err);
	if (!ret && o->oob) {
		ret = oob_series_start(&r, &series[CWLAT_SERIES_OOB], err);
	} else if (!ret) {
		ret = raw_series_start(&r, series, nr_series, err);
	}
	if (!ret) {
		wait_done(&r);
	}
	if (cw_clocksource_current(r.sys, env->clocksource_end, sizeof(env->clocksource_end))) {
		snprintf(env->clocksource_end, sizeof(env->clocksource_end), "?");
	}
	for (unsigned i = 0; i < o->threads; i++) {
		if (r.cw[i].run) {
			cw_hrtimer_cancel(&r.cw[i].timer);
		}
	}
	oob_series_stop(&r);
	if (raw_series_join(&r, env, err)) {
		ret = CWLAT_EXIT_FAILURE;
	}
	cw_posix_system_destroy(r.sys);
out_free:
	free(r.cores);
	free(r.cw);
	free(r.oob);
	free(r.raw);
	return ret;
}
