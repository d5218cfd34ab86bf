/* SPDX-License-Identifier: MIT */
/*
 * The POSIX API layer: the implicit system (set by the caller or created by
 * default on the posix port), the clock id and errno tables, clocks, sleeps
 * and the legacy time calls. Timers are in timers.c, the per-port waiters
 * in waiter-posix.c and waiter-sim.c.
 *
 * The default system. The first call that needs a system and finds none
 * creates a posix-port system: min(CW_POSIX_API_DEFAULT_MAX_CPUS, online
 * host CPUs) CPU threads, no TSC (no 250 ms calibration on first use; the
 * clocksource is clock_gettime(CLOCK_MONOTONIC_RAW)), REALTIME starting
 * from the host's. An atexit handler deletes the timers and destroys it.
 *
 * fork. The child has none of the parent's threads, so a posix-port system
 * is unusable there. pthread_atfork handlers take this layer's locks
 * around fork (so the child never inherits them held), and in the child
 * forget every timer (POSIX: timers are not inherited) and the posix-port
 * system without touching it; the next call creates a new default system
 * whose REALTIME continues from the parent's clockwork REALTIME (the
 * offset to the host clock is measured just before the fork). A sim system
 * stays: it lives in the child's copy of the memory and needs no thread.
 *
 * Locking rules: pa_sys_lock guards creating, replacing and destroying the
 * system; readers load the pointer with acquire (pairs with the release
 * store after creation) and take no lock, so clock_gettime stays lockless.
 */
#include <clockwork/port_posix.h>
#include <clockwork/posix.h>
#include <clockwork/system.h>
#include <clockwork/timekeeping.h>

#include "posixapi-internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static pthread_mutex_t pa_sys_lock = PTHREAD_MUTEX_INITIALIZER;
/* Pairs with the release store in create_default() / set_system(). */
static _Atomic(struct cw_system *) pa_sys;
/* The current system is the default one (ours to destroy). */
static bool pa_sys_is_default;
static pthread_once_t pa_once = PTHREAD_ONCE_INIT;
/*
 * Host minus clockwork MONOTONIC, BOOTTIME and MONOTONIC_RAW when the
 * current posix-port system became current (0 on the sim port): the
 * application reads the host's values (cw__pa_user_offset()).
 */
static _Atomic int64_t pa_off_mono, pa_off_boot, pa_off_raw;
/* Last MONOTONIC_COARSE handed out on the current system (coarse_now()). */
static _Atomic int64_t pa_coarse_last;
/* REALTIME - host REALTIME of the parent at fork, for the child's new system. */
static int64_t pa_fork_rt_offset_ns;
static bool pa_fork_rt_valid;

/* ---- tables ------------------------------------------------------------ */

/*
 * Linux clock ids 0..11. Relative sleeps and timers measure an interval, so
 * they run on MONOTONIC (BOOTTIME for the BOOTTIME clocks), as Linux does
 * for CLOCK_REALTIME; absolute ones run on the clock itself and so follow
 * settime. The ALARM clocks behave as on a Linux machine without a wakeup
 * RTC (clockwork has no suspend wakeups to offer): reading them is
 * EINVAL, sleeping on them and timers ENOTSUP, clock_adjtime EOPNOTSUPP.
 */
static const struct cw_pa_clock pa_clocks[] = {
	[CLOCK_REALTIME] = { true, true, true, CW_CLOCK_REALTIME, CW_CLOCK_REALTIME,
			     CW_CLOCK_MONOTONIC },
	[CLOCK_MONOTONIC] = { true, true, false, CW_CLOCK_MONOTONIC, CW_CLOCK_MONOTONIC,
			      CW_CLOCK_MONOTONIC },
	[CLOCK_MONOTONIC_RAW] = { true, false, false, CW_CLOCK_MONOTONIC_RAW, 0, 0 },
	[CLOCK_REALTIME_COARSE] = { true, false, false, CW_CLOCK_REALTIME_COARSE, 0, 0 },
	[CLOCK_MONOTONIC_COARSE] = { true, false, false, CW_CLOCK_MONOTONIC_COARSE, 0, 0 },
	[CLOCK_BOOTTIME] = { true, true, false, CW_CLOCK_BOOTTIME, CW_CLOCK_BOOTTIME,
			     CW_CLOCK_BOOTTIME },
	[CLOCK_REALTIME_ALARM] = { true, false, false, CW_CLOCK_REALTIME, 0, 0, true },
	[CLOCK_BOOTTIME_ALARM] = { true, false, false, CW_CLOCK_BOOTTIME, 0, 0, true },
	[CLOCK_TAI] = { true, true, false, CW_CLOCK_TAI, CW_CLOCK_TAI, CW_CLOCK_MONOTONIC },
};

const struct cw_pa_clock *cw__pa_clock(clockid_t id)
{
	if (id < 0 || (size_t)id >= sizeof(pa_clocks) / sizeof(pa_clocks[0]) ||
	    !pa_clocks[id].valid) {
		return NULL;
	}
	return &pa_clocks[id];
}

bool cw__pa_is_cpu_clock(clockid_t id)
{
	return id < 0 || id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID;
}

/* The one CW_E* -> errno table. */
static const struct {
	int cw;
	int host;
} pa_errnos[] = {
	{ CW_EINVAL, EINVAL }, { CW_ETIME, ETIME },   { CW_EBUSY, EBUSY },   { CW_ENODEV, ENODEV },
	{ CW_EAGAIN, EAGAIN }, { CW_ENOSYS, ENOSYS }, { CW_ERANGE, ERANGE }, { CW_ENOMEM, ENOMEM },
	{ CW_ENOENT, ENOENT }, { CW_EPERM, EPERM },   { CW_EIO, EIO },
};

int cw__pa_errno(int cw_err)
{
	for (size_t i = 0; i < sizeof(pa_errnos) / sizeof(pa_errnos[0]); i++) {
		if (pa_errnos[i].cw == cw_err) {
			return pa_errnos[i].host;
		}
	}
	return cw_err ? EIO : 0;
}

/*
 * Largest settable REALTIME, s (exclusive): Linux's TIME_SETTOD_SEC_MAX,
 * KTIME_SEC_MAX less 30 years of uptime, so MONOTONIC + offset never overflows.
 */
#define CW_PA_SETTOD_SEC_MAX (INT64_MAX / CW_NSEC_PER_SEC - 30LL * 365 * 24 * 3600)

/* ---- small helpers ----------------------------------------------------- */

bool cw__pa_ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < CW_NSEC_PER_SEC;
}

int64_t cw__pa_ts_to_ns(const struct timespec *ts)
{
	if (ts->tv_sec >= (INT64_MAX - ts->tv_nsec) / CW_NSEC_PER_SEC) {
		return CW_KTIME_MAX;
	}
	return (int64_t)ts->tv_sec * CW_NSEC_PER_SEC + ts->tv_nsec;
}

void cw__pa_ns_to_ts(int64_t ns, struct timespec *ts)
{
	if (ns < 0) {
		ns = 0;
	}
	ts->tv_sec = (time_t)(ns / CW_NSEC_PER_SEC);
	ts->tv_nsec = (long)(ns % CW_NSEC_PER_SEC);
}

int64_t cw__pa_add(int64_t a, int64_t b)
{
	return a > CW_KTIME_MAX - b ? CW_KTIME_MAX : a + b;
}

int64_t cw__pa_now(struct cw_system *sys, int id)
{
	cw_ktime_t now = 0;

	cw_clock_get_ns(sys, id, &now);
	return now;
}

static int64_t host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * CW_NSEC_PER_SEC + ts.tv_nsec;
}

static int64_t host_realtime_ns(void)
{
	return host_ns(CLOCK_REALTIME);
}

/*
 * The offsets that make clockwork's MONOTONIC, BOOTTIME and MONOTONIC_RAW
 * read as the host's on a posix-port system (values handed to host calls,
 * compared across processes, or taken across fork then agree; the rates
 * differ by the host's NTP correction, a few ppm at most). Before the
 * system is published.
 */
static void offsets_measure(struct cw_system *sys)
{
	bool posix = sys && !strcmp(cw__pa_port_name(sys), "posix");
	int64_t off_mono = 0, off_boot = 0, off_raw = 0;

	if (posix) {
		/* The host's suspended time, never above the truth (BOOTTIME read first). */
		int64_t host_boot = host_ns(CLOCK_BOOTTIME);
		int64_t host_mono = host_ns(CLOCK_MONOTONIC);
		int64_t host_susp = host_boot > host_mono ? host_boot - host_mono : 0;

		off_mono = host_mono - cw_ktime_get(sys);
		/*
		 * BOOTTIME from MONOTONIC's offset plus the difference of the two
		 * suspended times: BOOTTIME - MONOTONIC then reads as the host's
		 * (>= 0), so a BOOTTIME read after a MONOTONIC read is never below it.
		 */
		off_boot = off_mono + host_susp - (int64_t)cw_timekeeping_suspended_total_ns(sys);
		off_raw = host_ns(CLOCK_MONOTONIC_RAW) - cw_ktime_get_raw(sys);
	}
	atomic_store_explicit(&pa_off_mono, off_mono, memory_order_relaxed);
	atomic_store_explicit(&pa_off_boot, off_boot, memory_order_relaxed);
	atomic_store_explicit(&pa_off_raw, off_raw, memory_order_relaxed);
}

int64_t cw__pa_user_offset(int id)
{
	switch (id) {
	case CW_CLOCK_MONOTONIC:
	case CW_CLOCK_MONOTONIC_COARSE:
		return atomic_load_explicit(&pa_off_mono, memory_order_relaxed);
	case CW_CLOCK_BOOTTIME:
	case CW_CLOCK_BOOTTIME_COARSE:
		return atomic_load_explicit(&pa_off_boot, memory_order_relaxed);
	case CW_CLOCK_MONOTONIC_RAW:
	case CW_CLOCK_MONOTONIC_RAW_COARSE:
		return atomic_load_explicit(&pa_off_raw, memory_order_relaxed);
	default:
		return 0;
	}
}

int64_t cw__pa_user_to_cw(int id, int64_t user_ns)
{
	int64_t off = cw__pa_user_offset(id);

	/* A time before clockwork's zero is simply in the past. */
	if (off > 0 && user_ns < INT64_MIN + off) {
		return INT64_MIN;
	}
	return off < 0 ? cw__pa_add(user_ns, -off) : user_ns - off;
}

const char *cw__pa_port_name(const struct cw_system *sys)
{
	return cw_system_port_name(sys);
}

const struct cw_pa_waiter_ops *cw__pa_waiter_for(struct cw_system *sys)
{
	const char *name = cw__pa_port_name(sys);

	if (!strcmp(name, cw__pa_waiter_posix.port)) {
		return &cw__pa_waiter_posix;
	}
	if (!strcmp(name, cw__pa_waiter_sim.port)) {
		return &cw__pa_waiter_sim;
	}
	return NULL;
}

/* ---- the implicit system ----------------------------------------------- */

static void pa_atexit(void)
{
	struct cw_system *sys;

	pthread_mutex_lock(&pa_sys_lock);
	sys = atomic_load_explicit(&pa_sys, memory_order_relaxed);
	if (sys && pa_sys_is_default) {
		cw__pa_timers_shutdown();
		atomic_store_explicit(&pa_sys, NULL, memory_order_release);
		pa_sys_is_default = false;
		cw_posix_system_destroy(sys);
	}
	pthread_mutex_unlock(&pa_sys_lock);
}

static void pa_prepare(void)
{
	struct cw_system *sys;

	pthread_mutex_lock(&pa_sys_lock);
	cw__pa_timers_atfork_prepare();
	sys = atomic_load_explicit(&pa_sys, memory_order_relaxed);
	pa_fork_rt_valid = false;
	if (sys && !strcmp(cw__pa_port_name(sys), "posix")) {
		pa_fork_rt_offset_ns = cw_ktime_get_real(sys) - host_realtime_ns();
		pa_fork_rt_valid = true;
	}
}

static void pa_parent(void)
{
	cw__pa_timers_atfork_parent();
	pthread_mutex_unlock(&pa_sys_lock);
}

static void pa_child(void)
{
	struct cw_system *sys = atomic_load_explicit(&pa_sys, memory_order_relaxed);
	bool posix = sys && !strcmp(cw__pa_port_name(sys), "posix");

	/* The forking thread held the locks: it is the only thread here. */
	cw__pa_timers_atfork_child(posix);
	if (posix) {
		/* Its CPU threads do not exist here: abandon it (never freed). */
		atomic_store_explicit(&pa_sys, NULL, memory_order_relaxed);
		pa_sys_is_default = false;
	}
	pthread_mutex_unlock(&pa_sys_lock);
}

static void pa_register_hooks(void)
{
	pthread_atfork(pa_prepare, pa_parent, pa_child);
	atexit(pa_atexit);
}

/*
 * The host's tick rate, from its COARSE resolution, when clockwork offers
 * it (100, 250, 300, 1000 Hz): the drop-in's COARSE clocks then tick and
 * report the resolution glibc + Linux do here. 0 (the default) otherwise.
 */
static unsigned host_hz(void)
{
	struct timespec res;
	long hz;

	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) || res.tv_sec || res.tv_nsec <= 0) {
		return 0;
	}
	hz = (CW_NSEC_PER_SEC + res.tv_nsec / 2) / res.tv_nsec;
	return (hz == 100 || hz == 250 || hz == 300 || hz == 1000) ? (unsigned)hz : 0;
}

/* CW_POSIX_RT_PRIORITY=1..99: the default system's CPU threads run SCHED_FIFO. */
static int env_rt_priority(void)
{
	const char *v = getenv("CW_POSIX_RT_PRIORITY");
	char *end = NULL;
	long prio;

	if (!v || !*v) {
		return 0;
	}
	prio = strtol(v, &end, 10);
	return (*end || prio < 1 || prio > 99) ? 0 : (int)prio;
}

static struct cw_system *create_default_locked(void)
{
	struct cw_system_config cfg = { 0 };
	struct cw_posix_options opt = { 0 };
	struct cw_system *sys = NULL;
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	cfg.nr_cpus = online < 1                               ? 1
		      : online > CW_POSIX_API_DEFAULT_MAX_CPUS ? CW_POSIX_API_DEFAULT_MAX_CPUS
							       : (unsigned)online;
	if (pa_fork_rt_valid) {
		/* Continue the parent's REALTIME (0 would mean "the host's"). */
		cfg.realtime_init_ns = host_realtime_ns() + pa_fork_rt_offset_ns;
		if (cfg.realtime_init_ns <= 0) {
			cfg.realtime_init_ns = 1;
		}
	}
	cfg.hz = host_hz();
	opt.flags = CW_POSIX_NO_TSC;
	opt.rt_priority = env_rt_priority();
	if (cw_posix_system_create(&cfg, &opt, &sys)) {
		return NULL;
	}
	pa_fork_rt_valid = false;
	pa_sys_is_default = true;
	cw__pa_ntp_reset();
	atomic_store_explicit(&pa_coarse_last, 0, memory_order_relaxed);
	offsets_measure(sys);
	atomic_store_explicit(&pa_sys, sys, memory_order_release);
	return sys;
}

struct cw_system *cw__pa_system(void)
{
	struct cw_system *sys = atomic_load_explicit(&pa_sys, memory_order_acquire);

	if (sys) {
		return sys;
	}
	pthread_once(&pa_once, pa_register_hooks);
	pthread_mutex_lock(&pa_sys_lock);
	sys = atomic_load_explicit(&pa_sys, memory_order_relaxed);
	if (!sys) {
		sys = create_default_locked();
	}
	pthread_mutex_unlock(&pa_sys_lock);
	return sys;
}

CW_API struct cw_system *cw_posix_api_system(void)
{
	return cw__pa_system();
}

CW_API int cw_posix_api_set_system(struct cw_system *sys)
{
	struct cw_system *old;
	int ret = 0;

	if (sys && !cw__pa_waiter_for(sys)) {
		return CW_EINVAL;
	}
	pthread_once(&pa_once, pa_register_hooks);
	pthread_mutex_lock(&pa_sys_lock);
	old = atomic_load_explicit(&pa_sys, memory_order_relaxed);
	if (old == sys) {
		goto out_unlock;
	}
	if (old && cw__pa_timers_count()) {
		ret = CW_EBUSY;
		goto out_unlock;
	}
	if (old && pa_sys_is_default) {
		cw_posix_system_destroy(old);
	}
	pa_sys_is_default = false;
	cw__pa_ntp_reset();
	atomic_store_explicit(&pa_coarse_last, 0, memory_order_relaxed);
	offsets_measure(sys);
	atomic_store_explicit(&pa_sys, sys, memory_order_release);
out_unlock:
	pthread_mutex_unlock(&pa_sys_lock);
	return ret;
}

/* ---- clocks ------------------------------------------------------------- */

static int fail(int err)
{
	errno = err;
	return -1;
}

/*
 * The COARSE clocks. clockwork's coarse values are the time of the last
 * timekeeping update, which happens on a CPU's tick; the application's
 * threads are no CPUs, so while they are busy and clockwork's CPUs idle
 * (tick stopped) nothing updates them, for seconds. On Linux the busy
 * CPU is the application's own, and its tick advances them. So the
 * reader stands in for that tick: the coarse value is the last update
 * plus the whole ticks elapsed since (on MONOTONIC), which is what the
 * next update will report. A frequency change can make the update land a
 * few ns short of that, so MONOTONIC_COARSE is kept from going back (the
 * last value handed out, per system); REALTIME_COARSE keeps its offset to
 * it from the same update, so settime still steps it.
 * Lockless (a compare-and-swap), so async-signal-safe like the others.
 */
static cw_ktime_t coarse_now(struct cw_system *sys, int read_id)
{
	int64_t tick = (int64_t)cw_system_tick_nsec(sys);
	cw_ktime_t mono_c, mono_c2, id_c = 0, fine, adv, res, last;

	do {
		cw_clock_get_ns(sys, CW_CLOCK_MONOTONIC_COARSE, &mono_c);
		cw_clock_get_ns(sys, read_id, &id_c);
		fine = cw_ktime_get(sys);
		cw_clock_get_ns(sys, CW_CLOCK_MONOTONIC_COARSE, &mono_c2);
	} while (mono_c != mono_c2);
	adv = (fine > mono_c && tick > 0) ? (fine - mono_c) / tick * tick : 0;
	res = mono_c + adv;
	last = atomic_load_explicit(&pa_coarse_last, memory_order_relaxed);
	while (res > last &&
	       !atomic_compare_exchange_weak_explicit(&pa_coarse_last, &last, res,
						      memory_order_relaxed, memory_order_relaxed)) {
	}
	if (last > res && last <= fine) {
		res = last;
	}
	return id_c + (res - mono_c);
}

CW_API int cw_clock_gettime(clockid_t clock_id, struct timespec *tp)
{
	const struct cw_pa_clock *c;
	struct cw_system *sys;
	cw_ktime_t now;

	if (cw__pa_is_cpu_clock(clock_id)) {
		return clock_gettime(clock_id, tp);
	}
	c = cw__pa_clock(clock_id);
	if (!c || c->alarm) {
		return fail(EINVAL);
	}
	if (!tp) {
		return fail(EFAULT);
	}
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	if (c->read_id == CW_CLOCK_REALTIME_COARSE || c->read_id == CW_CLOCK_MONOTONIC_COARSE) {
		now = coarse_now(sys, c->read_id);
	} else if (cw_clock_get_ns(sys, c->read_id, &now)) {
		return fail(EINVAL);
	}
	now += cw__pa_user_offset(c->read_id);
	cw__pa_ns_to_ts(now, tp);
	return 0;
}

CW_API int cw_clock_getres(clockid_t clock_id, struct timespec *res)
{
	const struct cw_pa_clock *c;
	struct cw_system *sys;
	cw_ktime_t ns;

	if (cw__pa_is_cpu_clock(clock_id)) {
		return clock_getres(clock_id, res);
	}
	c = cw__pa_clock(clock_id);
	if (!c || c->alarm) {
		return fail(EINVAL);
	}
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	/* The coarse variants report a tick; every other clock 1 ns. */
	if (cw_clock_getres_ns(sys, c->read_id, &ns)) {
		return fail(EINVAL);
	}
	if (res) {
		cw__pa_ns_to_ts(ns, res);
	}
	return 0;
}

CW_API int cw_clock_settime(clockid_t clock_id, const struct timespec *tp)
{
	const struct cw_pa_clock *c;
	struct cw_system *sys;
	int ret;

	if (cw__pa_is_cpu_clock(clock_id)) {
		return clock_settime(clock_id, tp);
	}
	c = cw__pa_clock(clock_id);
	if (!c || !c->settable) {
		return fail(EINVAL);
	}
	if (!tp) {
		return fail(EFAULT);
	}
	/* Linux's timespec64_valid_settod(): room for 30 years of uptime. */
	if (!cw__pa_ts_valid(tp) || tp->tv_sec >= CW_PA_SETTOD_SEC_MAX) {
		return fail(EINVAL);
	}
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	/* Linux refuses a REALTIME before boot (below MONOTONIC): EINVAL. */
	if (cw__pa_ts_to_ns(tp) <
	    cw__pa_now(sys, CW_CLOCK_MONOTONIC) + cw__pa_user_offset(CW_CLOCK_MONOTONIC)) {
		return fail(EINVAL);
	}
	ret = cw_timekeeping_settime(sys, cw__pa_ts_to_ns(tp));
	return ret ? fail(cw__pa_errno(ret)) : 0;
}

/* ---- sleeping ---------------------------------------------------------- */

void cw__pa_backoff(unsigned attempt)
{
	struct timespec ts = { 0, attempt >= 8 ? 200000L : 1000L << attempt };

	/* The raw system call: glibc's nanosleep would be a cancellation point. */
	syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
}

/*
 * cw_hrtimer_cancel() does not wait when it believes it runs inside the
 * timer's own callback: the callback's CPU is this_cpu and that CPU is in
 * an interrupt. On the posix port a thread that is not a CPU counts as
 * CPU 0, so while CPU 0 runs the callback an application thread's cancel
 * returned at once, and the sleeper's stack frame could go while the
 * callback still used it. Our callers are never the callback, so wait
 * here; blocking between attempts, since cw_hrtimer_cancel() spins and a
 * real-time caller spinning on the core of the CPU thread that runs the
 * callback would wait for the scheduler's real-time throttling.
 */
void cw__pa_hrtimer_cancel(struct cw_hrtimer *timer)
{
	for (unsigned i = 0; cw_hrtimer_try_to_cancel(timer) < 0; i++) {
		cw__pa_backoff(i);
	}
}

struct pa_sleeper {
	struct cw_hrtimer timer;
	struct cw_system *sys;
	const struct cw_pa_waiter_ops *waiter;
	struct cw_pa_wait w;
};

static enum cw_hrtimer_restart sleeper_fn(struct cw_hrtimer *timer)
{
	struct pa_sleeper *s = (struct pa_sleeper *)(void *)timer;

	/*
	 * wake() is the last access to *s (the core does not touch a timer
	 * whose callback returned NORESTART): the sleeper returns once the
	 * waiter has settled.
	 */
	s->waiter->wake(s->sys, &s->w);
	return CW_HRTIMER_NORESTART;
}

/*
 * Make sure the callback is done with @s: its word is set and the waiter
 * settled (wake() no longer uses it), or the timer is stopped and not
 * running. A "running" seen here may also be a previous sleeper's
 * callback at the same stack address that has not returned yet: retrying
 * try_to_cancel handles both. Never spins: pause() blocks.
 */
static void sleeper_stop(struct pa_sleeper *s)
{
	for (unsigned i = 0;; i++) {
		/* Pairs with the release store in wake(). */
		if (atomic_load_explicit(&s->w.word, memory_order_acquire)) {
			s->waiter->settle(s->sys, &s->w);
			return;
		}
		if (cw_hrtimer_try_to_cancel(&s->timer) >= 0) {
			/* Stopped, or its callback finished just now. */
			if (atomic_load_explicit(&s->w.word, memory_order_acquire)) {
				s->waiter->settle(s->sys, &s->w);
			}
			return;
		}
		s->waiter->pause(s->sys, &s->w, i);
	}
}

/* Cancellation cleanup: the thread unwinds out of the wait. */
static void sleeper_cleanup(void *arg)
{
	struct pa_sleeper *s = arg;

	sleeper_stop(s);
	s->waiter->finish(s->sys, &s->w);
}

/*
 * The wait, a cancellation point: a cancelled sleeper unwinds through the
 * cleanup, which stops the timer (see CW_PA_CANCEL_PATH).
 */
CW_PA_CANCEL_PATH
static int sleeper_wait(struct pa_sleeper *s)
{
	int ret;

	pthread_cleanup_push(sleeper_cleanup, s);
	ret = s->waiter->wait(s->sys, &s->w);
	pthread_cleanup_pop(0);
	return ret;
}

CW_PA_CANCEL_PATH
int cw__pa_sleep_until(struct cw_system *sys, int hr_clock, int64_t expires_ns,
		       int64_t *remaining_ns)
{
	struct pa_sleeper s;
	int ret, cancel_state;

	memset(&s, 0, sizeof(s));
	s.sys = sys;
	s.waiter = cw__pa_waiter_for(sys);
	if (!s.waiter) {
		return ENOTSUP;
	}
	if (cw_hrtimer_setup(sys, &s.timer, sleeper_fn, hr_clock, CW_HRTIMER_MODE_ABS)) {
		return EINVAL;
	}
	atomic_init(&s.w.word, 0);
	ret = s.waiter->prepare(sys, &s.w);
	if (ret) {
		s.waiter->finish(sys, &s.w);
		return ret;
	}
	/* A time already passed is not programmed: the sleep is over. */
	if (cw_hrtimer_start_user(&s.timer, expires_ns, 0, CW_HRTIMER_MODE_ABS) == CW_ETIME) {
		s.waiter->finish(sys, &s.w);
		return 0;
	}
	ret = sleeper_wait(&s);
	/* No cancellation from here on: the timer and the descriptor go first. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
	sleeper_stop(&s);
	/* The expiry wins over a signal that came with it, as in Linux. */
	if (ret == EINTR && atomic_load_explicit(&s.w.word, memory_order_acquire)) {
		ret = 0;
	}
	s.waiter->finish(sys, &s.w);
	pthread_setcancelstate(cancel_state, NULL);
	if (ret && remaining_ns) {
		*remaining_ns = expires_ns - cw__pa_now(sys, hr_clock);
		if (*remaining_ns < 0) {
			*remaining_ns = 0;
		}
	}
	return ret;
}

CW_PA_CANCEL_PATH
CW_API int cw_clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
			      struct timespec *remain)
{
	const struct cw_pa_clock *c;
	struct cw_system *sys;
	int64_t req, until, left = 0;
	int hr_clock, ret, saved_errno;

	if (cw__pa_is_cpu_clock(clock_id)) {
		return clock_nanosleep(clock_id, flags, request, remain);
	}
	/* A cancellation point even when it does not block (glibc's is). */
	pthread_testcancel();
	c = cw__pa_clock(clock_id);
	/* Linux looks at TIMER_ABSTIME only and ignores the other flag bits. */
	if (!c) {
		return EINVAL;
	}
	if (!c->can_sleep) {
		return ENOTSUP;
	}
	if (!request) {
		return EFAULT;
	}
	if (!cw__pa_ts_valid(request)) {
		return EINVAL;
	}
	sys = cw__pa_system();
	if (!sys) {
		return EAGAIN;
	}
	req = cw__pa_ts_to_ns(request);
	if (flags & TIMER_ABSTIME) {
		/* A time already passed: cw__pa_sleep_until() returns at once. */
		hr_clock = c->abs_id;
		until = cw__pa_user_to_cw(hr_clock, req);
	} else {
		if (req == 0) {
			return 0;
		}
		hr_clock = c->rel_id;
		until = cw__pa_add(cw__pa_now(sys, hr_clock), req);
	}
	/* clock_nanosleep reports through its return value only: keep errno. */
	saved_errno = errno;
	ret = cw__pa_sleep_until(sys, hr_clock, until, &left);
	errno = saved_errno;
	if (ret == EINTR && remain && !(flags & TIMER_ABSTIME)) {
		cw__pa_ns_to_ts(left, remain);
	}
	return ret;
}

CW_PA_CANCEL_PATH
CW_API int cw_nanosleep(const struct timespec *request, struct timespec *remain)
{
	int ret = cw_clock_nanosleep(CLOCK_REALTIME, 0, request, remain);

	return ret ? fail(ret) : 0;
}

/* ---- legacy ------------------------------------------------------------- */

CW_API time_t cw_time(time_t *tloc)
{
	struct cw_system *sys = cw__pa_system();
	time_t t;

	if (!sys) {
		errno = EAGAIN;
		return (time_t)-1;
	}
	t = (time_t)(cw_ktime_get_real(sys) / CW_NSEC_PER_SEC);
	if (tloc) {
		*tloc = t;
	}
	return t;
}

CW_API int cw_gettimeofday(struct timeval *tv, void *tz)
{
	struct cw_system *sys = cw__pa_system();
	int64_t now;

	if (!sys) {
		return fail(EAGAIN);
	}
	if (tv) {
		now = cw_ktime_get_real(sys);
		tv->tv_sec = (time_t)(now / CW_NSEC_PER_SEC);
		tv->tv_usec = (suseconds_t)(now % CW_NSEC_PER_SEC / CW_NSEC_PER_USEC);
	}
	if (tz) {
		/* struct timezone is two ints; glibc zeroes them. */
		memset(tz, 0, 2 * sizeof(int));
	}
	return 0;
}

CW_API int cw_settimeofday(const struct timeval *tv, const struct timezone *tz)
{
	struct timespec ts;

	if (tz) {
		return fail(EINVAL);
	}
	if (!tv) {
		return 0;
	}
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= CW_USEC_PER_SEC) {
		return fail(EINVAL);
	}
	ts.tv_sec = tv->tv_sec;
	ts.tv_nsec = (long)tv->tv_usec * 1000;
	return cw_clock_settime(CLOCK_REALTIME, &ts);
}

CW_PA_CANCEL_PATH
CW_API unsigned int cw_sleep(unsigned int seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds, .tv_nsec = 0 };

	if (cw_clock_nanosleep(CLOCK_REALTIME, 0, &ts, &ts) != EINTR) {
		return 0;
	}
	/* glibc: the whole seconds not slept (truncated), errno EINTR. */
	errno = EINTR;
	return (unsigned int)ts.tv_sec;
}

CW_PA_CANCEL_PATH
CW_API int cw_usleep(useconds_t usec)
{
	struct timespec ts = {
		.tv_sec = (time_t)(usec / CW_USEC_PER_SEC),
		.tv_nsec = (long)(usec % CW_USEC_PER_SEC) * 1000,
	};

	return cw_nanosleep(&ts, NULL);
}

CW_API clock_t cw_clock(void)
{
	return clock();
}
