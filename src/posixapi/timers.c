/* SPDX-License-Identifier: MIT */
/*
 * POSIX timers (timer_create and friends) and the process's ITIMER_REAL /
 * alarm, on clockwork hrtimers.
 *
 * Ids. A table of CW_POSIX_API_TIMER_MAX slots in chunks of CHUNK entries,
 * allocated on demand and never freed (so a lockless reader never sees a
 * chunk go away); timer_create takes the lowest free slot. A timer_t is the
 * slot number cast to a pointer, as glibc does with the kernel's ids.
 *
 * Expiry. Each timer keeps its own logical expiry and interval in the clock
 * of its hrtimer (the clock itself for absolute settings, MONOTONIC or
 * BOOTTIME for relative ones). The hrtimer callback (CPU thread, interrupt
 * context) counts the periods that passed (1 + missed ones), advances the
 * logical expiry past now, notifies, and restarts the hrtimer at the next
 * expiry. SIGEV_NONE timers never arm an hrtimer: timer_gettime computes
 * their state from the logical expiry.
 *
 * One pending notification. notify_state holds a PENDING bit and the
 * expiries counted while pending. An expiry with nothing pending sends the
 * notification with the missed periods as overruns; an expiry while
 * pending adds its periods to the count. The notification counts as
 * delivered when
 *   - SIGEV_SIGNAL: its signal number is no longer in the process's
 *     pending set (sigpending(), from the CPU thread or the caller);
 *   - SIGEV_THREAD_ID: no longer in the target thread's set (SigPnd of
 *     /proc/self/task/<tid>/status);
 *   - SIGEV_THREAD: its thread starts.
 * Delivery is checked lazily, at the next expiry and in timer_getoverrun,
 * which then moves the count to overrun_last (compare-and-swap, so the
 * callback and a signal handler can race). Limits: two timers (or a timer
 * and anything else) with the same signal number look pending while
 * either's signal is; a signal ignored (SIG_IGN) is never pending, so each
 * expiry sends one; si_overrun in the siginfo carries only the periods
 * missed before it was sent (the count while it waits is known only later:
 * use timer_getoverrun, as POSIX recommends). While pending, the hrtimer is
 * not programmed sooner than CW_POSIX_API_MIN_POLL_NS after the last
 * expiry, so a tiny interval cannot busy a CPU; overruns stay exact because
 * they are counted by arithmetic.
 *
 * Locking rules: pa_timers_lock serialises create/settime/gettime/delete
 * and the table writers; timer->lock guards the arming fields against the
 * callback and is never held across cw_hrtimer_cancel() (which waits for
 * the callback). timer_getoverrun takes no lock (async-signal-safe): it
 * reads the table and the atomics only.
 *
 * Lifetime rules: a timer is freed when its last reference goes: the
 * table's (dropped by delete) and one per SIGEV_THREAD notification in
 * flight. Delete cancels the hrtimer (waiting for a running callback)
 * before dropping the table's reference.
 */
#include <clockwork/hrtimer.h>
#include <clockwork/port_posix.h>
#include <clockwork/posix.h>
#include <clockwork/timekeeping.h>

#include "posixapi-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK      1024
#define NR_CHUNKS  (CW_POSIX_API_TIMER_MAX / CHUNK)
#define PENDING    (UINT64_C(1) << 63)
#define COUNT_MASK (PENDING - 1)
/* No id: the ITIMER_REAL timer. */
#define ID_ITIMER  (-1)

CW_BUILD_ASSERT(CW_POSIX_API_TIMER_MAX % CHUNK == 0, "whole chunks");

struct pa_timer {
	/* Set at creation, constant. */
	int id;
	clockid_t clock;
	struct cw_system *sys;
	int notify;
	int signo;
	pid_t tid;
	union sigval value;
	void (*function)(union sigval);
	pthread_attr_t attr;
	bool host;
	timer_t host_timer;

	struct cw_hrtimer hrt;
	/* Guards the fields below against the callback. */
	pthread_mutex_t lock;
	bool armed;
	bool hrt_ready;
	int hr_clock;
	int64_t expires_ns;
	int64_t interval_ns;

	_Atomic uint64_t notify_state;
	_Atomic int overrun_last;
	_Atomic int refs;
	_Atomic bool deleted;
	/* Dispatcher queue link (SIGEV_THREAD). */
	struct pa_timer *next;
};

static pthread_mutex_t pa_timers_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(_Atomic(struct pa_timer *) *) pa_chunks[NR_CHUNKS];
static unsigned pa_nr_timers;
static struct pa_timer *pa_itimer;

/* SIGEV_THREAD dispatcher: one library thread that starts the notify threads. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pa_timer *head, *tail;
	bool started;
} pa_disp = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, false };

static int fail(int err)
{
	errno = err;
	return -1;
}

/* ---- table -------------------------------------------------------------- */

static _Atomic(struct pa_timer *) *slot(int id, bool alloc)
{
	_Atomic(struct pa_timer *) *chunk;

	if (id < 0 || id >= CW_POSIX_API_TIMER_MAX) {
		return NULL;
	}
	/* Pairs with the release store below. */
	chunk = atomic_load_explicit(&pa_chunks[id / CHUNK], memory_order_acquire);
	if (!chunk && alloc) {
		chunk = calloc(CHUNK, sizeof(*chunk));
		if (chunk) {
			atomic_store_explicit(&pa_chunks[id / CHUNK], chunk, memory_order_release);
		}
	}
	return chunk ? &chunk[id % CHUNK] : NULL;
}

/* Lockless lookup (timer_getoverrun); the others hold pa_timers_lock. */
static struct pa_timer *lookup(timer_t timerid)
{
	intptr_t v = (intptr_t)timerid;
	_Atomic(struct pa_timer *) *s;

	if (v < 0 || v >= CW_POSIX_API_TIMER_MAX) {
		return NULL;
	}
	s = slot((int)v, false);
	/* Pairs with the release store in cw_timer_create(). */
	return s ? atomic_load_explicit(s, memory_order_acquire) : NULL;
}

static int alloc_id_locked(void)
{
	for (int id = 0; id < CW_POSIX_API_TIMER_MAX; id++) {
		_Atomic(struct pa_timer *) *s = slot(id, true);

		if (!s) {
			return -ENOMEM;
		}
		if (!atomic_load_explicit(s, memory_order_relaxed)) {
			return id;
		}
	}
	return -EAGAIN;
}

static void destroy_locked(struct pa_timer *t, bool touch_hrtimer);

static void timer_put(struct pa_timer *t)
{
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) {
		pthread_mutex_destroy(&t->lock);
		if (t->notify == SIGEV_THREAD) {
			pthread_attr_destroy(&t->attr);
		}
		free(t);
	}
}

unsigned cw__pa_timers_count(void)
{
	unsigned n;

	pthread_mutex_lock(&pa_timers_lock);
	if (pa_itimer) {
		bool armed;

		pthread_mutex_lock(&pa_itimer->lock);
		armed = pa_itimer->armed;
		pthread_mutex_unlock(&pa_itimer->lock);
		if (!armed) {
			/* A fired alarm: nothing left that belongs to the system. */
			destroy_locked(pa_itimer, true);
			pa_itimer = NULL;
		}
	}
	n = pa_nr_timers + (pa_itimer != NULL);
	pthread_mutex_unlock(&pa_timers_lock);
	return n;
}

/* ---- notification ------------------------------------------------------- */

static bool thread_has_pending(pid_t tid, int signo)
{
	char path[64], buf[1024];
	unsigned long long mask = 0;
	ssize_t n;
	char *p;
	int fd;

	/* open/read/close only: async-signal-safe. */
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return false;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) {
		return false;
	}
	buf[n] = '\0';
	p = strstr(buf, "\nSigPnd:");
	if (!p) {
		return false;
	}
	mask = strtoull(p + 8, NULL, 16);
	return signo <= 64 && (mask >> (signo - 1)) & 1;
}

static bool signal_pending(const struct pa_timer *t)
{
	sigset_t set;

	if (t->notify == SIGEV_THREAD) {
		/* Pending until its thread starts (which clears PENDING itself). */
		return true;
	}
	if (t->notify == SIGEV_THREAD_ID) {
		return thread_has_pending(t->tid, t->signo);
	}
	return sigpending(&set) == 0 && sigismember(&set, t->signo) == 1;
}

/* Move the count of a delivered notification to overrun_last. */
static void finalize(struct pa_timer *t, uint64_t seen)
{
	if (atomic_compare_exchange_strong(&t->notify_state, &seen, 0)) {
		uint64_t n = seen & COUNT_MASK;

		atomic_store(&t->overrun_last, n > INT_MAX ? INT_MAX : (int)n);
	}
}

static int send_signal(struct pa_timer *t, unsigned overruns)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = t->signo;
	if (t->id == ID_ITIMER) {
		info.si_code = SI_KERNEL;
	} else {
		info.si_code = SI_TIMER;
		info.si_timerid = t->id;
		info.si_overrun = (int)(overruns > INT_MAX ? INT_MAX : overruns);
		info.si_value = t->value;
	}
	if (t->notify == SIGEV_THREAD_ID) {
		return (int)syscall(SYS_rt_tgsigqueueinfo, getpid(), t->tid, t->signo, &info);
	}
	if (syscall(SYS_rt_sigqueueinfo, getpid(), t->signo, &info) == 0) {
		return 0;
	}
	/*
	 * Linux refuses a non-negative si_code (SI_KERNEL) unless the sender's
	 * thread id is the target pid, i.e. off the main thread: plain kill().
	 */
	return t->id == ID_ITIMER ? kill(getpid(), t->signo) : -1;
}

static void dispatch(struct pa_timer *t);

/* An expiry covering @periods periods (>= 1). Called with t->lock held. */
static void notify(struct pa_timer *t, uint64_t periods)
{
	uint64_t s = atomic_load(&t->notify_state);

	if (t->id == ID_ITIMER) {
		/* SIGALRM is a standard signal: the kernel merges pending ones. */
		send_signal(t, 0);
		return;
	}
	while (s & PENDING) {
		if (!signal_pending(t)) {
			finalize(t, s);
			break;
		}
		uint64_t n = (s & COUNT_MASK) + periods;

		if (n > COUNT_MASK) {
			n = COUNT_MASK;
		}
		if (atomic_compare_exchange_weak(&t->notify_state, &s, PENDING | n)) {
			return;
		}
	}
	atomic_store(&t->notify_state, PENDING | (periods - 1));
	if (t->notify == SIGEV_THREAD) {
		dispatch(t);
	} else if (send_signal(t, (unsigned)(periods - 1)) != 0) {
		atomic_store(&t->notify_state, 0);
	}
}

/* ---- SIGEV_THREAD -------------------------------------------------------- */

static void *notify_thread(void *arg)
{
	struct pa_timer *t = arg;
	sigset_t mask;

	/* glibc runs the function with the signal mask of the attributes, or none. */
	if (pthread_attr_getsigmask_np(&t->attr, &mask) != 0) {
		sigemptyset(&mask);
	}
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	finalize(t, atomic_load(&t->notify_state));
	if (!atomic_load(&t->deleted)) {
		t->function(t->value);
	}
	timer_put(t);
	return NULL;
}

static void *dispatcher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pa_disp.lock);
	for (;;) {
		struct pa_timer *t;
		pthread_t thr;

		while (!pa_disp.head) {
			pthread_cond_wait(&pa_disp.cond, &pa_disp.lock);
		}
		t = pa_disp.head;
		pa_disp.head = t->next;
		if (!pa_disp.head) {
			pa_disp.tail = NULL;
		}
		pthread_mutex_unlock(&pa_disp.lock);
		if (atomic_load(&t->deleted) || pthread_create(&thr, &t->attr, notify_thread, t)) {
			finalize(t, atomic_load(&t->notify_state));
			timer_put(t);
		}
		pthread_mutex_lock(&pa_disp.lock);
	}
	return NULL;
}

/* Start the dispatcher (with every signal blocked). Called with pa_timers_lock. */
static int dispatcher_start_locked(void)
{
	sigset_t all, old;
	pthread_t thr;
	int ret;

	if (pa_disp.started) {
		return 0;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&thr, NULL, dispatcher, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		return ret;
	}
	pthread_detach(thr);
	pa_disp.started = true;
	return 0;
}

/* Queue a SIGEV_THREAD notification (interrupt context: short critical section). */
static void dispatch(struct pa_timer *t)
{
	atomic_fetch_add(&t->refs, 1);
	pthread_mutex_lock(&pa_disp.lock);
	t->next = NULL;
	if (pa_disp.tail) {
		pa_disp.tail->next = t;
	} else {
		pa_disp.head = t;
	}
	pa_disp.tail = t;
	pthread_cond_signal(&pa_disp.cond);
	pthread_mutex_unlock(&pa_disp.lock);
}

/* Copy the attributes a SIGEV_THREAD caller gave (glibc copies them too). */
static int copy_attr(pthread_attr_t *dst, const pthread_attr_t *src)
{
	struct sched_param param;
	cpu_set_t cpus;
	sigset_t mask;
	size_t size;
	int v;

	if (pthread_attr_init(dst)) {
		return ENOMEM;
	}
	if (src) {
		if (!pthread_attr_getstacksize(src, &size)) {
			pthread_attr_setstacksize(dst, size);
		}
		if (!pthread_attr_getguardsize(src, &size)) {
			pthread_attr_setguardsize(dst, size);
		}
		if (!pthread_attr_getinheritsched(src, &v)) {
			pthread_attr_setinheritsched(dst, v);
		}
		if (!pthread_attr_getschedpolicy(src, &v)) {
			pthread_attr_setschedpolicy(dst, v);
		}
		if (!pthread_attr_getschedparam(src, &param)) {
			pthread_attr_setschedparam(dst, &param);
		}
		if (!pthread_attr_getscope(src, &v)) {
			pthread_attr_setscope(dst, v);
		}
		if (!pthread_attr_getaffinity_np(src, sizeof(cpus), &cpus)) {
			pthread_attr_setaffinity_np(dst, sizeof(cpus), &cpus);
		}
		if (!pthread_attr_getsigmask_np(src, &mask)) {
			pthread_attr_setsigmask_np(dst, &mask);
		}
	}
	pthread_attr_setdetachstate(dst, PTHREAD_CREATE_DETACHED);
	return 0;
}

/* ---- expiry -------------------------------------------------------------- */

static enum cw_hrtimer_restart timer_fn(struct cw_hrtimer *hrt)
{
	struct pa_timer *t = (struct pa_timer *)((char *)hrt - offsetof(struct pa_timer, hrt));
	int64_t now = cw_hrtimer_cb_get_time(hrt);
	uint64_t periods = 1;
	int64_t next;

	pthread_mutex_lock(&t->lock);
	if (!t->armed) {
		pthread_mutex_unlock(&t->lock);
		return CW_HRTIMER_NORESTART;
	}
	if (now < t->expires_ns) {
		/* Woken early (cannot happen for a due hrtimer): wait for the expiry. */
		next = t->expires_ns;
		goto out_restart;
	}
	if (t->interval_ns) {
		periods += (uint64_t)((now - t->expires_ns) / t->interval_ns);
		t->expires_ns =
			cw__pa_add(t->expires_ns, (int64_t)(periods * (uint64_t)t->interval_ns));
	} else {
		t->armed = false;
	}
	notify(t, periods);
	if (!t->armed) {
		pthread_mutex_unlock(&t->lock);
		return CW_HRTIMER_NORESTART;
	}
	next = t->expires_ns;
	if ((atomic_load(&t->notify_state) & PENDING) &&
	    next < cw__pa_add(now, CW_POSIX_API_MIN_POLL_NS)) {
		next = cw__pa_add(now, CW_POSIX_API_MIN_POLL_NS);
	}
out_restart:
	cw_hrtimer_set_expires_range_ns(hrt, next, 0);
	pthread_mutex_unlock(&t->lock);
	return CW_HRTIMER_RESTART;
}

/* The current setting of @t (t->lock held): remaining time and interval, ns. */
static void current_locked(struct pa_timer *t, int64_t *value_ns, int64_t *interval_ns)
{
	int64_t now, exp;

	*interval_ns = t->interval_ns;
	*value_ns = 0;
	if (!t->armed) {
		return;
	}
	now = cw__pa_now(t->sys, t->hr_clock);
	exp = t->expires_ns;
	if (now >= exp && t->interval_ns) {
		/* Periods the callback has not accounted yet (or SIGEV_NONE). */
		exp = cw__pa_add(exp, ((now - exp) / t->interval_ns + 1) * t->interval_ns);
	}
	if (now < exp) {
		*value_ns = exp - now;
	} else if (t->notify == SIGEV_NONE) {
		t->armed = false;
	} else {
		/* Due but not handled yet: Linux reports 1 ns. */
		*value_ns = 1;
	}
}

static void disarm_hrtimer(struct pa_timer *t)
{
	if (t->hrt_ready) {
		cw__pa_hrtimer_cancel(&t->hrt);
	}
}

/* Apply a setting (value_ns == 0 disarms). Called with pa_timers_lock, hrtimer stopped. */
static void arm(struct pa_timer *t, bool abs, int64_t value_ns, int64_t interval_ns)
{
	const struct cw_pa_clock *c = cw__pa_clock(t->clock);

	pthread_mutex_lock(&t->lock);
	t->armed = value_ns != 0;
	t->interval_ns = t->armed ? interval_ns : 0;
	atomic_store(&t->notify_state, 0);
	atomic_store(&t->overrun_last, 0);
	if (!t->armed) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	t->hr_clock = abs ? c->abs_id : c->rel_id;
	/* An absolute time is on the clock as the application reads it (posixapi.c). */
	t->expires_ns = abs ? cw__pa_user_to_cw(t->hr_clock, value_ns)
			    : cw__pa_add(cw__pa_now(t->sys, t->hr_clock), value_ns);
	if (t->notify != SIGEV_NONE) {
		cw_hrtimer_setup(t->sys, &t->hrt, timer_fn, t->hr_clock, CW_HRTIMER_MODE_ABS);
		t->hrt_ready = true;
		cw_hrtimer_start(&t->hrt, t->expires_ns, CW_HRTIMER_MODE_ABS);
	}
	pthread_mutex_unlock(&t->lock);
}

/* ---- creation ------------------------------------------------------------ */

static bool valid_signal(int signo)
{
	return signo > 0 && signo <= SIGRTMAX;
}

static bool thread_exists(pid_t tid)
{
	return syscall(SYS_tgkill, getpid(), tid, 0) == 0;
}

/* Validate @evp and fill the notification fields of @t. @return 0 or an errno. */
static int setup_notify(struct pa_timer *t, const struct sigevent *evp)
{
	if (!evp) {
		t->notify = SIGEV_SIGNAL;
		t->signo = SIGALRM;
		return 0;
	}
	t->notify = evp->sigev_notify;
	t->signo = evp->sigev_signo;
	t->value = evp->sigev_value;
	switch (evp->sigev_notify) {
	case SIGEV_NONE:
		return 0;
	case SIGEV_SIGNAL:
		return valid_signal(t->signo) ? 0 : EINVAL;
	case SIGEV_THREAD_ID:
		t->tid = evp->_sigev_un._tid;
		return valid_signal(t->signo) && t->tid > 0 && thread_exists(t->tid) ? 0 : EINVAL;
	case SIGEV_THREAD:
		t->function = evp->sigev_notify_function;
		if (!t->function) {
			return EINVAL;
		}
		return copy_attr(&t->attr, evp->sigev_notify_attributes);
	default:
		return EINVAL;
	}
}

static struct pa_timer *timer_new(clockid_t clock_id, struct cw_system *sys)
{
	struct pa_timer *t = calloc(1, sizeof(*t));

	if (!t) {
		return NULL;
	}
	t->clock = clock_id;
	t->sys = sys;
	pthread_mutex_init(&t->lock, NULL);
	atomic_init(&t->refs, 1);
	return t;
}

CW_API int cw_timer_create(clockid_t clock_id, struct sigevent *evp, timer_t *timerid)
{
	const struct cw_pa_clock *c = NULL;
	struct cw_system *sys = NULL;
	struct pa_timer *t;
	int id, err;

	if (!cw__pa_is_cpu_clock(clock_id)) {
		c = cw__pa_clock(clock_id);
		if (!c) {
			return fail(EINVAL);
		}
		if (!c->can_sleep) {
			return fail(ENOTSUP);
		}
	}
	if (!timerid) {
		return fail(EFAULT);
	}
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	t = timer_new(clock_id, sys);
	if (!t) {
		return fail(ENOMEM);
	}
	if (!c) {
		/* CPU-time clock: a host timer behind our id. */
		t->host = true;
		if (timer_create(clock_id, evp, &t->host_timer)) {
			err = errno;
			timer_put(t);
			return fail(err);
		}
	} else {
		err = setup_notify(t, evp);
		if (err) {
			t->notify = SIGEV_NONE;
			timer_put(t);
			return fail(err);
		}
	}
	pthread_mutex_lock(&pa_timers_lock);
	id = alloc_id_locked();
	err = id < 0 ? -id : 0;
	if (!err && t->notify == SIGEV_THREAD) {
		err = dispatcher_start_locked() ? EAGAIN : 0;
	}
	if (err) {
		pthread_mutex_unlock(&pa_timers_lock);
		if (t->host) {
			timer_delete(t->host_timer);
		}
		timer_put(t);
		return fail(err);
	}
	t->id = id;
	if (!evp && !t->host) {
		t->value.sival_int = id;
	}
	pa_nr_timers++;
	/* Pairs with the acquire load in lookup(). */
	atomic_store_explicit(slot(id, false), t, memory_order_release);
	pthread_mutex_unlock(&pa_timers_lock);
	*timerid = (timer_t)(intptr_t)id;
	return 0;
}

/* ---- settime / gettime / getoverrun / delete ----------------------------- */

static bool its_valid(const struct itimerspec *v)
{
	return cw__pa_ts_valid(&v->it_value) && cw__pa_ts_valid(&v->it_interval);
}

static void fill_its(struct pa_timer *t, struct itimerspec *out)
{
	int64_t value_ns, interval_ns;

	pthread_mutex_lock(&t->lock);
	current_locked(t, &value_ns, &interval_ns);
	pthread_mutex_unlock(&t->lock);
	cw__pa_ns_to_ts(value_ns, &out->it_value);
	cw__pa_ns_to_ts(interval_ns, &out->it_interval);
}

CW_API int cw_timer_settime(timer_t timerid, int flags, const struct itimerspec *value,
			    struct itimerspec *ovalue)
{
	struct pa_timer *t;
	struct itimerspec old;
	int ret;

	if (flags & ~TIMER_ABSTIME) {
		return fail(EINVAL);
	}
	if (!value) {
		return fail(EFAULT);
	}
	if (!its_valid(value)) {
		return fail(EINVAL);
	}
	pthread_mutex_lock(&pa_timers_lock);
	t = lookup(timerid);
	if (!t) {
		pthread_mutex_unlock(&pa_timers_lock);
		return fail(EINVAL);
	}
	if (t->host) {
		ret = timer_settime(t->host_timer, flags, value, ovalue);
		pthread_mutex_unlock(&pa_timers_lock);
		return ret;
	}
	/* Stop the hrtimer first: the callback takes t->lock. */
	disarm_hrtimer(t);
	fill_its(t, &old);
	arm(t, flags & TIMER_ABSTIME, cw__pa_ts_to_ns(&value->it_value),
	    cw__pa_ts_to_ns(&value->it_interval));
	pthread_mutex_unlock(&pa_timers_lock);
	if (ovalue) {
		*ovalue = old;
	}
	return 0;
}

CW_API int cw_timer_gettime(timer_t timerid, struct itimerspec *value)
{
	struct pa_timer *t;
	int ret = 0;

	if (!value) {
		return fail(EFAULT);
	}
	pthread_mutex_lock(&pa_timers_lock);
	t = lookup(timerid);
	if (!t) {
		ret = fail(EINVAL);
	} else if (t->host) {
		ret = timer_gettime(t->host_timer, value);
	} else {
		fill_its(t, value);
	}
	pthread_mutex_unlock(&pa_timers_lock);
	return ret;
}

CW_API int cw_timer_getoverrun(timer_t timerid)
{
	struct pa_timer *t = lookup(timerid);
	uint64_t s;

	if (!t) {
		return fail(EINVAL);
	}
	if (t->host) {
		return timer_getoverrun(t->host_timer);
	}
	s = atomic_load(&t->notify_state);
	if ((s & PENDING) && t->notify != SIGEV_THREAD && !signal_pending(t)) {
		finalize(t, s);
	}
	return atomic_load(&t->overrun_last);
}

/* Unhook @t from everything and drop the table's reference. pa_timers_lock held. */
static void destroy_locked(struct pa_timer *t, bool touch_hrtimer)
{
	if (t->host) {
		timer_delete(t->host_timer);
	} else if (touch_hrtimer) {
		disarm_hrtimer(t);
		/*
		 * The callback's last touch of t is unlocking t->lock; taking it
		 * orders the free after that. cw_hrtimer_try_to_cancel()'s
		 * lockless "not running" test is a relaxed read, which orders
		 * nothing (reported to the hrtimer owner).
		 */
		pthread_mutex_lock(&t->lock);
		pthread_mutex_unlock(&t->lock);
	}
	atomic_store(&t->deleted, true);
	timer_put(t);
}

CW_API int cw_timer_delete(timer_t timerid)
{
	struct pa_timer *t;

	pthread_mutex_lock(&pa_timers_lock);
	t = lookup(timerid);
	if (!t) {
		pthread_mutex_unlock(&pa_timers_lock);
		return fail(EINVAL);
	}
	atomic_store_explicit(slot(t->id, false), NULL, memory_order_release);
	pa_nr_timers--;
	destroy_locked(t, true);
	pthread_mutex_unlock(&pa_timers_lock);
	return 0;
}

/* Remove every timer (at exit, or in a fork child). pa_timers_lock held. */
static void drop_all_locked(bool touch_hrtimers)
{
	for (int c = 0; c < NR_CHUNKS; c++) {
		_Atomic(struct pa_timer *) *chunk = atomic_load(&pa_chunks[c]);

		for (int i = 0; chunk && i < CHUNK; i++) {
			struct pa_timer *t = atomic_load(&chunk[i]);

			if (t) {
				atomic_store(&chunk[i], NULL);
				if (touch_hrtimers || t->host) {
					destroy_locked(t, touch_hrtimers);
				}
				/* else: leaked, the dead system's queues may point at it. */
			}
		}
	}
	pa_nr_timers = 0;
	if (pa_itimer) {
		if (touch_hrtimers) {
			destroy_locked(pa_itimer, true);
		}
		pa_itimer = NULL;
	}
}

void cw__pa_timers_shutdown(void)
{
	pthread_mutex_lock(&pa_timers_lock);
	drop_all_locked(true);
	pthread_mutex_unlock(&pa_timers_lock);
}

void cw__pa_timers_atfork_prepare(void)
{
	pthread_mutex_lock(&pa_timers_lock);
	pthread_mutex_lock(&pa_disp.lock);
}

void cw__pa_timers_atfork_parent(void)
{
	pthread_mutex_unlock(&pa_disp.lock);
	pthread_mutex_unlock(&pa_timers_lock);
}

void cw__pa_timers_atfork_child(bool drop_hrtimers)
{
	/* The dispatcher thread is not in the child; its queue holds references. */
	pa_disp.head = NULL;
	pa_disp.tail = NULL;
	pa_disp.started = false;
	pthread_mutex_unlock(&pa_disp.lock);
	/* Host CPU-time timers are not inherited either: the kernel dropped them. */
	drop_all_locked(!drop_hrtimers);
	pthread_mutex_unlock(&pa_timers_lock);
}

/* ---- ITIMER_REAL and alarm ------------------------------------------------ */

static int64_t tv_to_ns(const struct timeval *tv)
{
	if (tv->tv_sec >= INT64_MAX / CW_NSEC_PER_SEC - 1) {
		return CW_KTIME_MAX;
	}
	return (int64_t)tv->tv_sec * CW_NSEC_PER_SEC + (int64_t)tv->tv_usec * CW_NSEC_PER_USEC;
}

static void ns_to_tv(int64_t ns, struct timeval *tv)
{
	/* Round up to a whole us, so an armed timer never reads as zero. */
	int64_t us = (ns + CW_NSEC_PER_USEC - 1) / CW_NSEC_PER_USEC;

	tv->tv_sec = (time_t)(us / CW_USEC_PER_SEC);
	tv->tv_usec = (suseconds_t)(us % CW_USEC_PER_SEC);
}

static bool tv_valid(const struct timeval *tv)
{
	return tv->tv_sec >= 0 && tv->tv_usec >= 0 && tv->tv_usec < CW_USEC_PER_SEC;
}

static void itimer_get_locked(struct itimerval *out)
{
	int64_t value_ns = 0, interval_ns = 0;

	if (pa_itimer) {
		pthread_mutex_lock(&pa_itimer->lock);
		current_locked(pa_itimer, &value_ns, &interval_ns);
		pthread_mutex_unlock(&pa_itimer->lock);
	}
	ns_to_tv(value_ns, &out->it_value);
	ns_to_tv(interval_ns, &out->it_interval);
}

CW_API int cw_getitimer(int which, struct itimerval *curr_value)
{
	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
		return getitimer(which, curr_value);
	}
	if (which != ITIMER_REAL) {
		return fail(EINVAL);
	}
	if (!curr_value) {
		return fail(EFAULT);
	}
	pthread_mutex_lock(&pa_timers_lock);
	itimer_get_locked(curr_value);
	pthread_mutex_unlock(&pa_timers_lock);
	return 0;
}

CW_API int cw_setitimer(int which, const struct itimerval *new_value, struct itimerval *old_value)
{
	struct itimerval old;
	struct cw_system *sys;
	int64_t value_ns;

	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
		return setitimer(which, new_value, old_value);
	}
	if (which != ITIMER_REAL) {
		return fail(EINVAL);
	}
	if (!new_value) {
		return fail(EFAULT);
	}
	if (!tv_valid(&new_value->it_value) || !tv_valid(&new_value->it_interval)) {
		return fail(EINVAL);
	}
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	value_ns = tv_to_ns(&new_value->it_value);
	pthread_mutex_lock(&pa_timers_lock);
	itimer_get_locked(&old);
	if (!pa_itimer && value_ns) {
		pa_itimer = timer_new(CLOCK_REALTIME, sys);
		if (!pa_itimer) {
			pthread_mutex_unlock(&pa_timers_lock);
			return fail(ENOMEM);
		}
		pa_itimer->id = ID_ITIMER;
		pa_itimer->notify = SIGEV_SIGNAL;
		pa_itimer->signo = SIGALRM;
	}
	if (pa_itimer) {
		disarm_hrtimer(pa_itimer);
		arm(pa_itimer, false, value_ns, tv_to_ns(&new_value->it_interval));
		if (!value_ns) {
			/* Disarmed: free it, so cw_posix_api_set_system() is not refused. */
			destroy_locked(pa_itimer, false);
			pa_itimer = NULL;
		}
	}
	pthread_mutex_unlock(&pa_timers_lock);
	if (old_value) {
		*old_value = old;
	}
	return 0;
}

CW_API unsigned int cw_alarm(unsigned int seconds)
{
	struct itimerval it = { .it_interval = { 0, 0 }, .it_value = { (time_t)seconds, 0 } };
	struct itimerval old;
	unsigned int secs;

	if (cw_setitimer(ITIMER_REAL, &it, &old)) {
		return 0;
	}
	/* Linux: never 0 for a pending alarm; round to nearest otherwise. */
	secs = (unsigned int)old.it_value.tv_sec;
	if ((!secs && old.it_value.tv_usec) || old.it_value.tv_usec >= 500000) {
		secs++;
	}
	return secs;
}
