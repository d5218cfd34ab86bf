/* SPDX-License-Identifier: MIT */
/*
 * POSIX timers (timer_create and friends) and the process's ITIMER_REAL /
 * alarm, on clockwork hrtimers.
 *
 * Ids and slots. A table of CW_POSIX_API_TIMER_MAX slots in chunks of CHUNK
 * entries, allocated on demand and never freed. A slot holds the timer
 * itself, so its memory stays valid for the life of the process: the
 * lockless timer_getoverrun() can read a slot that another thread deletes
 * at that moment (it then answers EINVAL) and never touches freed memory.
 * A slot's seq is odd while a timer lives in it; create and delete each
 * increment it, so a reader that sees seq change knows its reads may mix
 * two timers. timer_create takes the lowest free slot; a timer_t is the
 * slot number cast to a pointer, as glibc does with the kernel's ids.
 *
 * Expiry and delivery, as Linux. Each timer keeps its logical expiry and
 * interval in the clock of its hrtimer (the clock itself for absolute
 * settings, MONOTONIC or BOOTTIME for relative ones). An expiry sends the
 * notification and the timer then waits for its delivery: Linux re-arms an
 * interval timer only when its signal is delivered, and counts as overruns
 * every period that elapsed from the expiry that sent it up to that
 * delivery (hrtimer_forward at dequeue). User space cannot see a delivery
 * happen, so it is detected:
 *   - SIGEV_SIGNAL (and the itimer's SIGALRM): the signal number is no
 *     longer in the process's pending set (sigpending() from a thread that
 *     blocks everything);
 *   - SIGEV_THREAD_ID: no longer in the target thread's set (SigPnd of
 *     /proc/self/task/<tid>/status; an exited thread counts as delivered);
 *   - SIGEV_THREAD: the dispatcher takes the notification from its queue
 *     (glibc's helper thread taking SIGTIMER): an exact delivery time.
 * The hrtimer polls a pending notification at the next expiry, but not
 * sooner than CW_POSIX_API_MIN_POLL_NS after the last poll (a tiny interval
 * cannot keep a CPU busy), and timer_getoverrun() checks it at once. Whoever
 * sees the delivery first fixes the count, with a compare-and-swap on the
 * state word: timer_getoverrun() at its own call time (so a program that
 * takes the signal and asks at once gets the count up to then), the poll
 * at max(last poll that saw it pending, now - interval) (exact when
 * delivery is prompt: the expiry that woke the poll is not counted). The
 * next hrtimer callback then re-arms the timer at the first expiry after
 * the counted periods. Overruns are counted by arithmetic from the expiry
 * that sent the notification, so they never depend on how often the timer
 * runs.
 *
 * The state word (state): phase in bits 62-63 (IDLE, PENDING, DELIVERED),
 * a tag in bits 40-61 that changes at every send and every settime (never
 * reset when a slot is reused), and in DELIVERED the periods counted at
 * delivery in bits 0-39. The tag makes a stale compare-and-swap fail.
 *
 * Locking rules: pa_timers_lock serialises create/settime/gettime/delete
 * and the table writers; timer->lock guards the arming fields against the
 * hrtimer callback and is never held across cw__pa_hrtimer_cancel() (which
 * waits for the callback). pa_disp.lock guards the SIGEV_THREAD queue and
 * is innermost. timer_getoverrun() takes no lock (async-signal-safe): it
 * reads atomics and may compare-and-swap the state word.
 *
 * Lifetime rules: delete stops the hrtimer (waiting for a running
 * callback), takes the timer out of the dispatcher queue (waiting while the
 * dispatcher starts a thread with its attributes) and only then frees the
 * slot. A notification thread gets its own copy of function and value.
 *
 * exec: the exec family's wrappers (end of file) hand an armed ITIMER_REAL
 * to the host's ITIMER_REAL, which the kernel keeps across execve; the new
 * image's first itimer call adopts it back (itimer_adopt()).
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK     1024
#define NR_CHUNKS (CW_POSIX_API_TIMER_MAX / CHUNK)
/* No id: the ITIMER_REAL timer. */
#define ID_ITIMER (-1)

/* The state word. */
#define PH_SHIFT     62
#define PH_IDLE      UINT64_C(0)
#define PH_PENDING   UINT64_C(1)
#define PH_DELIVERED UINT64_C(2)
#define TAG_SHIFT    40
#define TAG_MASK     ((UINT64_C(1) << 22) - 1)
#define COUNT_MAX    ((UINT64_C(1) << TAG_SHIFT) - 1)

CW_BUILD_ASSERT(CW_POSIX_API_TIMER_MAX % CHUNK == 0, "whole chunks");

struct pa_timer {
	/* Odd while a timer lives in the slot; see the file comment. */
	_Atomic uint32_t seq;
	/* Set at creation, constant while live (atomics: lockless readers). */
	int id;
	_Atomic int notify;
	_Atomic int signo;
	_Atomic pid_t tid;
	_Atomic bool host;
	_Atomic(void *) host_timer;
	clockid_t clock;
	_Atomic(struct cw_system *) sys;
	union sigval value;
	void (*function)(union sigval);
	pthread_attr_t attr;

	struct cw_hrtimer hrt;
	/* Guards the fields below against the callback. */
	pthread_mutex_t lock;
	bool armed;
	bool hrt_ready;
	/* Next expiry still to notify (phase IDLE). */
	int64_t expires_ns;
	/* Last time a poll found the notification still pending (or it was sent). */
	int64_t seen_ns;
	/* Last time a poll found it still pending (rate limit). */
	int64_t poll_ns;
	_Atomic int hr_clock;
	_Atomic int64_t interval_ns;
	/* Expiry the pending (or just delivered) notification stands for. */
	_Atomic int64_t sent_ns;
	_Atomic uint64_t state;
	_Atomic int overrun_last;

	/* Dispatcher queue (SIGEV_THREAD), under pa_disp.lock. */
	bool queued;
	struct pa_timer *next;
};

static pthread_mutex_t pa_timers_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct pa_timer *) pa_chunks[NR_CHUNKS];
static unsigned pa_nr_timers;
/* Atomic: the exec wrappers look at it without a lock (fork child, signal handler). */
static _Atomic(struct pa_timer *) pa_itimer;
/* The process that armed pa_itimer: a vfork child shares the memory, not the itimer. */
static _Atomic pid_t pa_itimer_pid;

/* SIGEV_THREAD dispatcher: one library thread that starts the notify threads. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* Signalled when busy goes back to NULL. */
	pthread_cond_t idle;
	struct pa_timer *head, *tail;
	/* The timer whose attributes pthread_create() is reading. */
	struct pa_timer *busy;
	bool started;
} pa_disp = { PTHREAD_MUTEX_INITIALIZER,
	      PTHREAD_COND_INITIALIZER,
	      PTHREAD_COND_INITIALIZER,
	      NULL,
	      NULL,
	      NULL,
	      false };

static int fail(int err)
{
	errno = err;
	return -1;
}

static uint64_t st_phase(uint64_t s)
{
	return s >> PH_SHIFT;
}

static uint64_t st_tag(uint64_t s)
{
	return (s >> TAG_SHIFT) & TAG_MASK;
}

static uint64_t st_make(uint64_t phase, uint64_t tag, uint64_t count)
{
	return phase << PH_SHIFT | (tag & TAG_MASK) << TAG_SHIFT | (count & COUNT_MAX);
}

/* ---- table -------------------------------------------------------------- */

static struct pa_timer *slot(int id, bool alloc)
{
	struct pa_timer *chunk;

	if (id < 0 || id >= CW_POSIX_API_TIMER_MAX) {
		return NULL;
	}
	/* Pairs with the release store below. */
	chunk = atomic_load_explicit(&pa_chunks[id / CHUNK], memory_order_acquire);
	if (!chunk && alloc) {
		chunk = calloc(CHUNK, sizeof(*chunk));
		if (chunk) {
			for (int i = 0; i < CHUNK; i++) {
				pthread_mutex_init(&chunk[i].lock, NULL);
				chunk[i].id = id / CHUNK * CHUNK + i;
			}
			atomic_store_explicit(&pa_chunks[id / CHUNK], chunk, memory_order_release);
		}
	}
	return chunk ? &chunk[id % CHUNK] : NULL;
}

static bool live(uint32_t seq)
{
	return seq & 1;
}

/* The live timer @timerid (pa_timers_lock held), or NULL. */
static struct pa_timer *lookup_locked(timer_t timerid)
{
	intptr_t v = (intptr_t)timerid;
	struct pa_timer *t;

	if (v < 0 || v >= CW_POSIX_API_TIMER_MAX) {
		return NULL;
	}
	t = slot((int)v, false);
	return t && live(atomic_load_explicit(&t->seq, memory_order_relaxed)) ? t : NULL;
}

/* The most timers: ours, or RLIMIT_SIGPENDING (Linux charges each timer to it). */
static unsigned timer_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_SIGPENDING, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < CW_POSIX_API_TIMER_MAX) {
		return (unsigned)rl.rlim_cur;
	}
	return CW_POSIX_API_TIMER_MAX;
}

static int alloc_id_locked(void)
{
	if (pa_nr_timers >= timer_limit()) {
		return -EAGAIN;
	}
	for (int id = 0; id < CW_POSIX_API_TIMER_MAX; id++) {
		struct pa_timer *t = slot(id, true);

		if (!t) {
			return -ENOMEM;
		}
		if (!live(atomic_load_explicit(&t->seq, memory_order_relaxed))) {
			return id;
		}
	}
	return -EAGAIN;
}

static void destroy_locked(struct pa_timer *t, bool touch_hrtimer);

unsigned cw__pa_timers_count(void)
{
	struct pa_timer *it;
	unsigned n;

	pthread_mutex_lock(&pa_timers_lock);
	it = atomic_load(&pa_itimer);
	if (it) {
		bool armed;

		pthread_mutex_lock(&it->lock);
		armed = it->armed;
		pthread_mutex_unlock(&it->lock);
		if (!armed) {
			/* A fired alarm: nothing left that belongs to the system. */
			destroy_locked(it, true);
			atomic_store(&pa_itimer, NULL);
		}
	}
	n = pa_nr_timers + (atomic_load(&pa_itimer) != NULL);
	pthread_mutex_unlock(&pa_timers_lock);
	return n;
}

/* ---- delivery detection ------------------------------------------------- */

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

/* The signal of a SIGEV_SIGNAL/THREAD_ID notification is still pending. */
static bool signal_pending(const struct pa_timer *t)
{
	int signo = atomic_load_explicit(&t->signo, memory_order_relaxed);
	sigset_t set;

	if (atomic_load_explicit(&t->notify, memory_order_relaxed) == SIGEV_THREAD_ID) {
		return thread_has_pending(atomic_load_explicit(&t->tid, memory_order_relaxed),
					  signo);
	}
	return sigpending(&set) == 0 && sigismember(&set, signo) == 1;
}

/* Expiries in [@sent_ns, @until_ns] of a timer with period @iv_ns (at least 1). */
static uint64_t periods_until(int64_t sent_ns, int64_t iv_ns, int64_t until_ns)
{
	uint64_t n;

	if (iv_ns <= 0 || until_ns <= sent_ns) {
		return 1;
	}
	n = 1 + (uint64_t)((until_ns - sent_ns) / iv_ns);
	return n > COUNT_MAX ? COUNT_MAX : n;
}

/*
 * Mark the notification of state @s delivered, counting the periods up to
 * @until_ns. @return the new state, or the current one if @s is stale.
 */
static uint64_t deliver(struct pa_timer *t, uint64_t s, int64_t until_ns)
{
	int64_t sent = atomic_load(&t->sent_ns);
	int64_t iv = atomic_load(&t->interval_ns);
	uint64_t d = st_make(PH_DELIVERED, st_tag(s), periods_until(sent, iv, until_ns));

	/* Pairs with the loads of the state in the callback and timer_getoverrun(). */
	if (atomic_compare_exchange_strong(&t->state, &s, d)) {
		return d;
	}
	return s;
}

/* ---- sending -------------------------------------------------------------- */

static bool itimer_send_by_host(void)
{
	struct itimerval one_us = { { 0, 0 }, { 0, 1 } };

	/* The host's own ITIMER_REAL queues SIGALRM with si_code SI_KERNEL. */
	return setitimer(ITIMER_REAL, &one_us, NULL) == 0;
}

static int send_signal(struct pa_timer *t, unsigned overruns)
{
	int signo = atomic_load_explicit(&t->signo, memory_order_relaxed);
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = signo;
	if (t->id == ID_ITIMER) {
		info.si_code = SI_KERNEL;
	} else {
		info.si_code = SI_TIMER;
		info.si_timerid = t->id;
		info.si_overrun = (int)(overruns > INT_MAX ? INT_MAX : overruns);
		info.si_value = t->value;
	}
	if (atomic_load_explicit(&t->notify, memory_order_relaxed) == SIGEV_THREAD_ID) {
		return (int)syscall(SYS_rt_tgsigqueueinfo, getpid(),
				    atomic_load_explicit(&t->tid, memory_order_relaxed), signo,
				    &info);
	}
	if (syscall(SYS_rt_sigqueueinfo, getpid(), signo, &info) == 0) {
		return 0;
	}
	/*
	 * Linux refuses a non-negative si_code (SI_KERNEL) unless the sender is
	 * the main thread; a CPU thread lets the host's ITIMER_REAL send it,
	 * and only if that fails sends plain kill() (SI_USER).
	 */
	if (t->id != ID_ITIMER) {
		return -1;
	}
	return itimer_send_by_host() ? 0 : kill(getpid(), signo);
}

static void dispatch(struct pa_timer *t);

/*
 * Send the notification of the expiry at t->expires_ns, at @now. Called
 * with t->lock held, phase IDLE.
 */
static void send_locked(struct pa_timer *t, uint64_t s, int64_t now)
{
	int64_t iv = atomic_load(&t->interval_ns);
	uint64_t missed = iv ? (uint64_t)((now - t->expires_ns) / iv) : 0;
	uint64_t p = st_make(PH_PENDING, st_tag(s) + 1, 0);
	int notify = atomic_load_explicit(&t->notify, memory_order_relaxed);

	atomic_store(&t->sent_ns, t->expires_ns);
	t->seen_ns = now;
	if (!iv) {
		t->armed = false;
	}
	if (notify == SIGEV_THREAD) {
		/* Before queueing: the dispatcher drops a notification that is not PENDING. */
		atomic_store(&t->state, p);
		dispatch(t);
		return;
	}
	/*
	 * After sending: PENDING while the signal is not queued yet would look
	 * delivered to timer_getoverrun(). Nothing queued (error): count it
	 * delivered now, so the timer goes on.
	 */
	if (send_signal(t, (unsigned)(missed > UINT_MAX ? UINT_MAX : missed)) == 0) {
		atomic_store(&t->state, p);
	} else {
		atomic_store(&t->state, st_make(PH_DELIVERED, st_tag(p),
						periods_until(t->expires_ns, iv, now)));
	}
}

/*
 * The next poll of a pending notification: the next expiry, but at most one
 * poll per CW_POSIX_API_MIN_POLL_NS (counted from the last poll and from the
 * notified expiry), so a tiny interval cannot keep a CPU busy with polls or
 * sends. A late notification (a past start) still polls at its next expiry.
 */
static int64_t poll_time(struct pa_timer *t, int64_t now)
{
	int64_t iv = atomic_load(&t->interval_ns);
	int64_t sent = atomic_load(&t->sent_ns);
	int64_t next, floor;

	if (!iv) {
		return 0;
	}
	next = cw__pa_add(sent, (int64_t)periods_until(sent, iv, now) * iv);
	floor = cw__pa_add(sent > t->poll_ns ? sent : t->poll_ns, CW_POSIX_API_MIN_POLL_NS);
	return next > floor ? next : floor;
}

/*
 * Run the timer's state machine at @now (t->lock held): detect a delivery,
 * re-arm after one, send a due notification. @return the time the hrtimer
 * must run next, or 0 for never.
 */
static int64_t advance_locked(struct pa_timer *t, int64_t now)
{
	uint64_t s = atomic_load(&t->state);
	int64_t iv = atomic_load(&t->interval_ns);

	if (st_phase(s) == PH_PENDING) {
		if (atomic_load_explicit(&t->notify, memory_order_relaxed) == SIGEV_THREAD ||
		    signal_pending(t)) {
			/* The dispatcher marks SIGEV_THREAD delivered itself. */
			t->seen_ns = now;
			t->poll_ns = now;
			return poll_time(t, now);
		}
		/* Delivered since the last poll; see the file comment for the estimate. */
		s = deliver(t, s, iv && now - iv > t->seen_ns ? now - iv : t->seen_ns);
	}
	if (st_phase(s) == PH_DELIVERED) {
		uint64_t n = s & COUNT_MAX;
		int64_t sent = atomic_load(&t->sent_ns);

		if (n == COUNT_MAX) {
			n = periods_until(sent, iv, now);
		}
		atomic_store(&t->overrun_last, n - 1 > INT_MAX ? INT_MAX : (int)(n - 1));
		if (iv) {
			t->expires_ns = cw__pa_add(sent, (int64_t)(n * (uint64_t)iv));
		}
		/* Only PENDING is ever compare-and-swapped by others. */
		atomic_store(&t->state, st_make(PH_IDLE, st_tag(s), 0));
		s = atomic_load(&t->state);
	}
	if (!t->armed) {
		return 0;
	}
	if (now < t->expires_ns) {
		return t->expires_ns;
	}
	send_locked(t, s, now);
	/* A one-shot timer has nothing left to poll (0): getoverrun is 0 anyway. */
	return poll_time(t, now);
}

/* ---- SIGEV_THREAD -------------------------------------------------------- */

struct pa_start {
	void (*function)(union sigval);
	union sigval value;
};

static void *notify_thread(void *arg)
{
	struct pa_start start = *(struct pa_start *)arg;

	/* Every signal stays blocked, as under glibc (the attributes set that). */
	free(arg);
	start.function(start.value);
	return NULL;
}

/* Take @t off the dispatcher queue (pa_disp.lock held). */
static void unqueue_locked(struct pa_timer *t)
{
	struct pa_timer **pp = &pa_disp.head, *prev = NULL;

	if (!t->queued) {
		return;
	}
	while (*pp && *pp != t) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (*pp) {
		*pp = t->next;
		if (pa_disp.tail == t) {
			pa_disp.tail = prev;
		}
	}
	t->queued = false;
	t->next = NULL;
}

static void *dispatcher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&pa_disp.lock);
	for (;;) {
		struct pa_start *start;
		struct pa_timer *t;
		pthread_t thr;
		uint64_t s;

		while (!pa_disp.head) {
			pthread_cond_wait(&pa_disp.cond, &pa_disp.lock);
		}
		t = pa_disp.head;
		unqueue_locked(t);
		/* Taking it off the queue is its delivery (glibc: sigwaitinfo of SIGTIMER). */
		s = atomic_load(&t->state);
		if (st_phase(s) != PH_PENDING) {
			continue;
		}
		s = deliver(t, s, cw__pa_now(t->sys, atomic_load(&t->hr_clock)));
		if (st_phase(s) != PH_DELIVERED) {
			continue;
		}
		start = malloc(sizeof(*start));
		if (!start) {
			continue;
		}
		start->function = t->function;
		start->value = t->value;
		/* delete waits while busy == t: the attributes stay valid. */
		pa_disp.busy = t;
		pthread_mutex_unlock(&pa_disp.lock);
		if (pthread_create(&thr, &t->attr, notify_thread, start)) {
			free(start);
		}
		pthread_mutex_lock(&pa_disp.lock);
		pa_disp.busy = NULL;
		pthread_cond_broadcast(&pa_disp.idle);
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
	pthread_mutex_lock(&pa_disp.lock);
	/* Queued already (cannot be: settime and delete unqueue): it stands for this one. */
	if (!t->queued) {
		t->queued = true;
		t->next = NULL;
		if (pa_disp.tail) {
			pa_disp.tail->next = t;
		} else {
			pa_disp.head = t;
		}
		pa_disp.tail = t;
		pthread_cond_signal(&pa_disp.cond);
	}
	pthread_mutex_unlock(&pa_disp.lock);
}

/* Drop a queued notification of @t; with @wait also wait until the dispatcher is done with it. */
static void disp_forget(struct pa_timer *t, bool wait)
{
	pthread_mutex_lock(&pa_disp.lock);
	unqueue_locked(t);
	while (wait && pa_disp.busy == t) {
		pthread_cond_wait(&pa_disp.idle, &pa_disp.lock);
	}
	pthread_mutex_unlock(&pa_disp.lock);
}

/* Copy the attributes a SIGEV_THREAD caller gave (glibc copies them too). */
static int copy_attr(pthread_attr_t *dst, const pthread_attr_t *src)
{
	struct sched_param param;
	cpu_set_t cpus;
	sigset_t all;
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
	}
	/*
	 * glibc runs the function with every signal blocked, whatever mask the
	 * attributes name: its helper thread blocks all and the notification
	 * thread inherits that (glibc's tst-timer-sigmask checks it).
	 */
	sigfillset(&all);
	pthread_attr_setsigmask_np(dst, &all);
	pthread_attr_setdetachstate(dst, PTHREAD_CREATE_DETACHED);
	return 0;
}

/* ---- expiry -------------------------------------------------------------- */

static enum cw_hrtimer_restart timer_fn(struct cw_hrtimer *hrt)
{
	struct pa_timer *t = (struct pa_timer *)((char *)hrt - offsetof(struct pa_timer, hrt));
	int64_t now = cw_hrtimer_cb_get_time(hrt);
	int64_t next;

	pthread_mutex_lock(&t->lock);
	next = advance_locked(t, now);
	if (next) {
		/* Always after now: a poll time or a future expiry. */
		cw_hrtimer_set_expires_range_ns(hrt, next, 0);
	}
	pthread_mutex_unlock(&t->lock);
	return next ? CW_HRTIMER_RESTART : CW_HRTIMER_NORESTART;
}

/*
 * Queue the hrtimer for @next_ns from thread context (t->lock held, hrtimer
 * stopped). An expiry that has already passed is never programmed
 * (cw_hrtimer_start_user() says CW_ETIME): it is delivered here, by the
 * caller, and the loop queues whatever comes next.
 */
static void start_locked(struct pa_timer *t, int64_t next_ns)
{
	while (next_ns) {
		if (cw_hrtimer_start_user(&t->hrt, next_ns, 0, CW_HRTIMER_MODE_ABS) == 0) {
			return;
		}
		next_ns = advance_locked(t, cw__pa_now(t->sys, atomic_load(&t->hr_clock)));
	}
}

/* The logical next expiry of an armed timer at @now (t->lock held). */
static int64_t next_expiry_locked(struct pa_timer *t, int64_t now)
{
	int64_t iv = atomic_load(&t->interval_ns);
	int64_t base = t->expires_ns;

	if (st_phase(atomic_load(&t->state)) != PH_IDLE) {
		/* Not re-armed yet: the periods go on from the notified expiry. */
		base = atomic_load(&t->sent_ns);
	}
	if (iv && now >= base) {
		base = cw__pa_add(base, (int64_t)periods_until(base, iv, now) * iv);
	}
	return base;
}

/* The current setting of @t (t->lock held): remaining time and interval, ns. */
static void current_locked(struct pa_timer *t, int64_t *value_ns, int64_t *interval_ns)
{
	int64_t iv = atomic_load(&t->interval_ns);
	int64_t now, exp;

	*interval_ns = iv;
	*value_ns = 0;
	if (!t->armed) {
		return;
	}
	now = cw__pa_now(t->sys, atomic_load(&t->hr_clock));
	exp = next_expiry_locked(t, now);
	if (now < exp) {
		*value_ns = exp - now;
	} else if (atomic_load_explicit(&t->notify, memory_order_relaxed) == SIGEV_NONE) {
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

/*
 * Apply a setting (value_ns == 0 disarms). Called with pa_timers_lock,
 * hrtimer stopped. A notification still queued for SIGEV_THREAD is dropped
 * (Linux drops the signal of a timer re-armed before delivery).
 */
static void arm(struct pa_timer *t, bool abs, int64_t value_ns, int64_t interval_ns)
{
	const struct cw_pa_clock *c = cw__pa_clock(t->clock);
	uint64_t s;
	int hr;

	disp_forget(t, false);
	pthread_mutex_lock(&t->lock);
	s = atomic_load(&t->state);
	t->armed = value_ns != 0;
	atomic_store(&t->state, st_make(PH_IDLE, st_tag(s) + 1, 0));
	atomic_store(&t->interval_ns, t->armed ? interval_ns : 0);
	atomic_store(&t->overrun_last, 0);
	if (!t->armed) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	hr = abs ? c->abs_id : c->rel_id;
	atomic_store(&t->hr_clock, hr);
	/* An absolute time is on the clock as the application reads it (posixapi.c). */
	t->expires_ns = abs ? cw__pa_user_to_cw(hr, value_ns)
			    : cw__pa_add(cw__pa_now(t->sys, hr), value_ns);
	/*
	 * Before clockwork's zero (a MONOTONIC time from before the system
	 * existed) is fine, but keep now - expiry within int64 (146 years).
	 */
	if (t->expires_ns < INT64_MIN / 2) {
		t->expires_ns = INT64_MIN / 2;
	}
	if (atomic_load_explicit(&t->notify, memory_order_relaxed) != SIGEV_NONE) {
		cw_hrtimer_setup(t->sys, &t->hrt, timer_fn, hr, CW_HRTIMER_MODE_ABS);
		t->hrt_ready = true;
		start_locked(t, t->expires_ns);
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
	int signo = evp ? evp->sigev_signo : SIGALRM;
	int notify = evp ? evp->sigev_notify : SIGEV_SIGNAL;

	atomic_store(&t->notify, notify);
	atomic_store(&t->signo, signo);
	if (!evp) {
		return 0;
	}
	t->value = evp->sigev_value;
	switch (notify) {
	case SIGEV_NONE:
		return 0;
	case SIGEV_SIGNAL:
		return valid_signal(signo) ? 0 : EINVAL;
	case SIGEV_THREAD_ID:
		atomic_store(&t->tid, evp->_sigev_un._tid);
		return valid_signal(signo) && evp->_sigev_un._tid > 0 &&
				       thread_exists(evp->_sigev_un._tid)
			       ? 0
			       : EINVAL;
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

/* Reset the per-timer fields of a free slot for a new timer. */
static void slot_reset(struct pa_timer *t, clockid_t clock_id, struct cw_system *sys)
{
	uint64_t s = atomic_load(&t->state);

	t->clock = clock_id;
	t->sys = sys;
	memset(&t->value, 0, sizeof(t->value));
	t->function = NULL;
	t->armed = false;
	t->hrt_ready = false;
	t->expires_ns = 0;
	t->seen_ns = 0;
	t->poll_ns = 0;
	t->queued = false;
	t->next = NULL;
	atomic_store(&t->host, false);
	atomic_store(&t->host_timer, NULL);
	atomic_store(&t->tid, 0);
	atomic_store(&t->interval_ns, 0);
	atomic_store(&t->sent_ns, 0);
	atomic_store(&t->overrun_last, 0);
	/* The tag goes on counting across reuse: a stale snapshot never matches. */
	atomic_store(&t->state, st_make(PH_IDLE, st_tag(s) + 1, 0));
}

/* Fill slot @t for clock @clock_id and @evp (pa_timers_lock held). @return 0 or an errno. */
static int create_locked(struct pa_timer *t, clockid_t clock_id, const struct cw_pa_clock *c,
			 struct sigevent *evp, struct cw_system *sys)
{
	timer_t host_timer;
	int err;

	slot_reset(t, clock_id, sys);
	if (!c) {
		/* CPU-time clock: a host timer behind our id. */
		if (timer_create(clock_id, evp, &host_timer)) {
			return errno;
		}
		atomic_store(&t->host, true);
		atomic_store(&t->host_timer, host_timer);
		atomic_store(&t->notify, SIGEV_NONE);
		return 0;
	}
	err = setup_notify(t, evp);
	if (!err && atomic_load(&t->notify) == SIGEV_THREAD) {
		err = dispatcher_start_locked() ? EAGAIN : 0;
		if (err) {
			pthread_attr_destroy(&t->attr);
		}
	}
	if (err) {
		atomic_store(&t->notify, SIGEV_NONE);
		return err;
	}
	/*
	 * A NULL evp leaves si_value 0: glibc hands the kernel its own sigevent
	 * with sival_ptr NULL (the kernel's "sival_int = id" default is never
	 * reached through glibc).
	 */
	return 0;
}

CW_API int cw_timer_create(clockid_t clock_id, struct sigevent *evp, timer_t *timerid)
{
	const struct cw_pa_clock *c = NULL;
	struct cw_system *sys;
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
	pthread_mutex_lock(&pa_timers_lock);
	/* Linux checks the limit before the sigevent. */
	id = alloc_id_locked();
	if (id < 0) {
		pthread_mutex_unlock(&pa_timers_lock);
		return fail(-id);
	}
	t = slot(id, false);
	err = create_locked(t, clock_id, c, evp, sys);
	if (err) {
		pthread_mutex_unlock(&pa_timers_lock);
		return fail(err);
	}
	pa_nr_timers++;
	/* Publish: pairs with the acquire load in cw_timer_getoverrun(). */
	atomic_fetch_add_explicit(&t->seq, 1, memory_order_release);
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

	/* Linux looks at TIMER_ABSTIME only; other bits are ignored, not refused. */
	if (!value) {
		return fail(EFAULT);
	}
	if (!its_valid(value)) {
		return fail(EINVAL);
	}
	pthread_mutex_lock(&pa_timers_lock);
	t = lookup_locked(timerid);
	if (!t) {
		pthread_mutex_unlock(&pa_timers_lock);
		return fail(EINVAL);
	}
	if (atomic_load(&t->host)) {
		ret = timer_settime(atomic_load(&t->host_timer), flags, value, ovalue);
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
	t = lookup_locked(timerid);
	if (!t) {
		ret = fail(EINVAL);
	} else if (atomic_load(&t->host)) {
		ret = timer_gettime(atomic_load(&t->host_timer), value);
	} else {
		fill_its(t, value);
	}
	pthread_mutex_unlock(&pa_timers_lock);
	return ret;
}

/* The overrun count of @t (lockless); -1 with EINVAL from the host for a stale host id. */
static int getoverrun(struct pa_timer *t)
{
	uint64_t s;

	if (atomic_load(&t->host)) {
		return timer_getoverrun(atomic_load(&t->host_timer));
	}
	s = atomic_load(&t->state);
	if (st_phase(s) == PH_PENDING &&
	    atomic_load_explicit(&t->notify, memory_order_relaxed) != SIGEV_THREAD &&
	    !signal_pending(t)) {
		/* Delivered: the count is fixed now, as Linux fixes it at delivery. */
		s = deliver(t, s, cw__pa_now(t->sys, atomic_load(&t->hr_clock)));
	}
	if (st_phase(s) == PH_DELIVERED) {
		uint64_t n = s & COUNT_MAX;

		return n - 1 > INT_MAX ? INT_MAX : (int)(n - 1);
	}
	return atomic_load(&t->overrun_last);
}

CW_API int cw_timer_getoverrun(timer_t timerid)
{
	intptr_t v = (intptr_t)timerid;
	struct pa_timer *t;
	uint32_t seq;
	int ret;

	if (v < 0 || v >= CW_POSIX_API_TIMER_MAX) {
		return fail(EINVAL);
	}
	t = slot((int)v, false);
	if (!t) {
		return fail(EINVAL);
	}
	/* Pairs with the release increments in create and delete. */
	seq = atomic_load_explicit(&t->seq, memory_order_acquire);
	if (!live(seq)) {
		return fail(EINVAL);
	}
	ret = getoverrun(t);
	/* Deleted (and maybe reused) meanwhile: the timer the caller named is gone. */
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&t->seq, memory_order_relaxed) != seq) {
		return fail(EINVAL);
	}
	return ret;
}

/* Unhook @t from everything and free it. pa_timers_lock held. */
static void destroy_locked(struct pa_timer *t, bool touch_hrtimer)
{
	if (atomic_load(&t->host)) {
		timer_delete(atomic_load(&t->host_timer));
	} else if (touch_hrtimer) {
		disarm_hrtimer(t);
		/*
		 * The callback's last touch of t is unlocking t->lock; taking it
		 * orders the reuse after that.
		 */
		pthread_mutex_lock(&t->lock);
		t->armed = false;
		pthread_mutex_unlock(&t->lock);
	}
	if (atomic_load(&t->notify) == SIGEV_THREAD) {
		disp_forget(t, true);
		pthread_attr_destroy(&t->attr);
	}
	atomic_store(&t->notify, SIGEV_NONE);
	if (t->id == ID_ITIMER) {
		pthread_mutex_destroy(&t->lock);
	}
}

CW_API int cw_timer_delete(timer_t timerid)
{
	struct pa_timer *t;

	pthread_mutex_lock(&pa_timers_lock);
	t = lookup_locked(timerid);
	if (!t) {
		pthread_mutex_unlock(&pa_timers_lock);
		return fail(EINVAL);
	}
	/* Readers that started before see seq change and answer EINVAL. */
	atomic_fetch_add_explicit(&t->seq, 1, memory_order_release);
	pa_nr_timers--;
	destroy_locked(t, true);
	pthread_mutex_unlock(&pa_timers_lock);
	return 0;
}

/* Remove every timer (at exit, or in a fork child). pa_timers_lock held. */
static void drop_all_locked(bool touch_hrtimers)
{
	for (int c = 0; c < NR_CHUNKS; c++) {
		struct pa_timer *chunk = atomic_load(&pa_chunks[c]);

		for (int i = 0; chunk && i < CHUNK; i++) {
			struct pa_timer *t = &chunk[i];

			if (!live(atomic_load(&t->seq))) {
				continue;
			}
			atomic_fetch_add(&t->seq, 1);
			if (touch_hrtimers || atomic_load(&t->host)) {
				destroy_locked(t, touch_hrtimers);
			} else {
				/*
				 * The dead system's queues may point at the slot's
				 * hrtimer, but nothing touches that system again:
				 * forget the hrtimer, so the slot can be set up anew.
				 */
				if (atomic_load(&t->notify) == SIGEV_THREAD) {
					pthread_attr_destroy(&t->attr);
				}
				memset(&t->hrt, 0, sizeof(t->hrt));
				t->hrt_ready = false;
				atomic_store(&t->notify, SIGEV_NONE);
			}
		}
	}
	pa_nr_timers = 0;
	if (atomic_load(&pa_itimer)) {
		if (touch_hrtimers) {
			destroy_locked(atomic_load(&pa_itimer), true);
		}
		/* else: abandoned with the dead system; itimer_new() resets it. */
		atomic_store(&pa_itimer, NULL);
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
	/*
	 * The dispatcher thread is not in the child. Its condition variable
	 * still counts that thread as a waiter (glibc), and a signal would go
	 * to the phantom: the child's first SIGEV_THREAD timer would never
	 * run. Everything the dispatcher used starts afresh.
	 */
	pthread_mutex_init(&pa_disp.lock, NULL);
	pthread_cond_init(&pa_disp.cond, NULL);
	pthread_cond_init(&pa_disp.idle, NULL);
	for (struct pa_timer *t = pa_disp.head, *n; t; t = n) {
		n = t->next;
		t->queued = false;
		t->next = NULL;
	}
	pa_disp.head = NULL;
	pa_disp.tail = NULL;
	pa_disp.busy = NULL;
	pa_disp.started = false;
	/* A CPU thread may have held a timer's lock at the fork. */
	for (int c = 0; c < NR_CHUNKS; c++) {
		struct pa_timer *chunk = atomic_load(&pa_chunks[c]);

		for (int i = 0; chunk && i < CHUNK; i++) {
			pthread_mutex_init(&chunk[i].lock, NULL);
		}
	}
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
	struct pa_timer *t = atomic_load(&pa_itimer);
	int64_t value_ns = 0, interval_ns = 0;

	if (t) {
		pthread_mutex_lock(&t->lock);
		current_locked(t, &value_ns, &interval_ns);
		pthread_mutex_unlock(&t->lock);
	}
	ns_to_tv(value_ns, &out->it_value);
	ns_to_tv(interval_ns, &out->it_interval);
}

/*
 * The ITIMER_REAL timer's storage: static, never freed. A fork child
 * abandons the parent's system with the itimer's hrtimer maybe still listed
 * there; the storage is then set up from scratch (nothing touches that
 * system again), and nothing allocated is ever lost.
 */
static struct pa_timer pa_itimer_obj;

static struct pa_timer *itimer_new(struct cw_system *sys)
{
	struct pa_timer *t = &pa_itimer_obj;

	memset(&t->hrt, 0, sizeof(t->hrt));
	pthread_mutex_init(&t->lock, NULL);
	slot_reset(t, CLOCK_REALTIME, sys);
	t->id = ID_ITIMER;
	atomic_store(&t->notify, SIGEV_SIGNAL);
	atomic_store(&t->signo, SIGALRM);
	return t;
}

/* Apply an ITIMER_REAL setting (@value_ns 0 disarms). pa_timers_lock held. */
static void itimer_set_locked(struct cw_system *sys, int64_t value_ns, int64_t interval_ns)
{
	struct pa_timer *t = atomic_load(&pa_itimer);

	if (!t && value_ns) {
		t = itimer_new(sys);
		atomic_store(&pa_itimer_pid, getpid());
		atomic_store(&pa_itimer, t);
	}
	if (t) {
		disarm_hrtimer(t);
		arm(t, false, value_ns, interval_ns);
		if (!value_ns) {
			/* Disarmed: free it, so cw_posix_api_set_system() is not refused. */
			destroy_locked(t, false);
			atomic_store(&pa_itimer, NULL);
		}
	}
}

/* Set when this process image has looked for an ITIMER_REAL left by the one before. */
static _Atomic bool pa_itimer_adopted;

/*
 * The first ITIMER_REAL or alarm call of a process image takes over an
 * armed host ITIMER_REAL: the one an exec left (cw_execve() hands the
 * itimer to the host just before it; Linux keeps it across execve). Its
 * time left and interval move to clockwork's itimer, so getitimer() shows
 * it, setitimer() and alarm() replace it, and its SIGALRM arrives on time.
 * Until then the host's timer runs on its own (SIGALRM with SI_KERNEL, as
 * Linux): an image that never asks gets its signal all the same. After it,
 * the host's ITIMER_REAL only ever carries the 1 us sends of
 * itimer_send_by_host(). Called without pa_timers_lock (it may create the
 * system, and pa_sys_lock comes first).
 */
static void itimer_adopt(void)
{
	static const struct itimerval zero;
	struct itimerval host;
	struct cw_system *sys;
	int64_t value_ns, interval_ns;

	if (atomic_load(&pa_itimer_adopted)) {
		return;
	}
	if (getitimer(ITIMER_REAL, &host) ||
	    (!timerisset(&host.it_value) && !timerisset(&host.it_interval))) {
		atomic_store(&pa_itimer_adopted, true);
		return;
	}
	sys = cw__pa_system();
	if (!sys) {
		/* Left with the host (it still sends SIGALRM); tried again next call. */
		return;
	}
	pthread_mutex_lock(&pa_timers_lock);
	if (!atomic_load(&pa_itimer_adopted)) {
		atomic_store(&pa_itimer_adopted, true);
		/* Disarm and read in one call: nothing fires in between unseen. */
		if (setitimer(ITIMER_REAL, &zero, &host) == 0) {
			value_ns = tv_to_ns(&host.it_value);
			interval_ns = tv_to_ns(&host.it_interval);
			/*
			 * 0 with an interval: it fired and waits for its SIGALRM's
			 * delivery to re-arm; go on at the next period.
			 */
			if (!value_ns) {
				value_ns = interval_ns;
			}
			if (value_ns) {
				itimer_set_locked(sys, value_ns, interval_ns);
			}
		}
	}
	pthread_mutex_unlock(&pa_timers_lock);
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
	itimer_adopt();
	pthread_mutex_lock(&pa_timers_lock);
	itimer_get_locked(curr_value);
	pthread_mutex_unlock(&pa_timers_lock);
	return 0;
}

CW_API int cw_setitimer(int which, const struct itimerval *new_value, struct itimerval *old_value)
{
	static const struct itimerval zero;
	struct itimerval old;
	struct cw_system *sys;

	if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
		return setitimer(which, new_value, old_value);
	}
	if (which != ITIMER_REAL) {
		return fail(EINVAL);
	}
	if (!new_value) {
		/* Linux takes a NULL new value as zero (disarm), for old programs. */
		new_value = &zero;
	}
	if (!tv_valid(&new_value->it_value) || !tv_valid(&new_value->it_interval)) {
		return fail(EINVAL);
	}
	itimer_adopt();
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	pthread_mutex_lock(&pa_timers_lock);
	itimer_get_locked(&old);
	itimer_set_locked(sys, tv_to_ns(&new_value->it_value), tv_to_ns(&new_value->it_interval));
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

/* ---- exec: ITIMER_REAL survives it ---------------------------------------- */

/*
 * Linux keeps ITIMER_REAL (and so alarm) across execve; the new image has
 * none of clockwork. So just before the exec the wrappers below hand an
 * armed clockwork itimer (time left, interval) to the host's ITIMER_REAL,
 * and itimer_adopt() in the new image takes it back into clockwork (or the
 * host fires it there). If the exec fails, the host's timer comes back to
 * clockwork with whatever it has left (if it fired meanwhile the host sent
 * the SIGALRM). pa_timers_lock is held from the hand-over to the failure, so
 * no other thread changes the itimer in between (a successful exec ends
 * them). The signal mask and pending signals are left alone: the kernel
 * keeps both across exec.
 *
 * Async-signal-safety: with no clockwork itimer armed by this process (a
 * fork child, a vfork child, most programs) the wrappers only read two
 * atomics and call the exec. With one armed they take pa_timers_lock with
 * trylock for at most EXEC_LOCK_WAIT_NS (a signal handler that interrupted
 * a timer call of its own thread would wait for itself: after that the
 * exec goes ahead without the itimer), and t->lock, which only a CPU
 * thread's callback (never interrupted by the caller) and holders of
 * pa_timers_lock take.
 */
#define EXEC_LOCK_WAIT_NS 100000000LL
#define EXEC_POLL_NS      50000L
/* argv arrays of the execl family up to this size live on the stack. */
#define EXEC_ARGV_STACK   64

static void exec_pause(void)
{
	struct timespec ts = { 0, EXEC_POLL_NS };

	nanosleep(&ts, NULL);
}

/*
 * Hand an armed clockwork itimer to the host's ITIMER_REAL. @return true
 * with pa_timers_lock held if it did (call exec_itimer_back() if the exec
 * fails), false if there was nothing to hand over.
 */
static bool exec_itimer_handover(void)
{
	struct pa_timer *t = atomic_load(&pa_itimer);
	struct itimerval host;
	int64_t value_ns, interval_ns;
	bool locked = false;

	if (!t || atomic_load(&pa_itimer_pid) != getpid()) {
		return false;
	}
	for (int64_t waited = 0; waited < EXEC_LOCK_WAIT_NS; waited += EXEC_POLL_NS) {
		if (pthread_mutex_trylock(&pa_timers_lock) == 0) {
			locked = true;
			break;
		}
		exec_pause();
	}
	if (!locked) {
		return false;
	}
	t = atomic_load(&pa_itimer);
	if (!t) {
		pthread_mutex_unlock(&pa_timers_lock);
		return false;
	}
	pthread_mutex_lock(&t->lock);
	current_locked(t, &value_ns, &interval_ns);
	/* From now on its hrtimer sends nothing (it stays queued; exec or back() ends it). */
	t->armed = false;
	pthread_mutex_unlock(&t->lock);
	if (!value_ns) {
		pthread_mutex_unlock(&pa_timers_lock);
		return false;
	}
	/*
	 * A SIGALRM the callback gave to the host's timer (1 us) before we took
	 * t->lock must go out first, or the hand-over would overwrite it.
	 */
	for (int64_t waited = 0; waited < EXEC_LOCK_WAIT_NS && getitimer(ITIMER_REAL, &host) == 0 &&
				 timerisset(&host.it_value);
	     waited += EXEC_POLL_NS) {
		exec_pause();
	}
	ns_to_tv(value_ns, &host.it_value);
	ns_to_tv(interval_ns, &host.it_interval);
	if (setitimer(ITIMER_REAL, &host, NULL)) {
		itimer_set_locked(t->sys, value_ns, interval_ns);
		pthread_mutex_unlock(&pa_timers_lock);
		return false;
	}
	return true;
}

/* The exec failed: take the itimer back from the host. Releases pa_timers_lock. */
static void exec_itimer_back(void)
{
	static const struct itimerval zero;
	struct pa_timer *t = atomic_load(&pa_itimer);
	struct itimerval left;
	int64_t value_ns = 0, interval_ns = 0;
	int err = errno;

	if (setitimer(ITIMER_REAL, &zero, &left) == 0) {
		value_ns = tv_to_ns(&left.it_value);
		interval_ns = tv_to_ns(&left.it_interval);
		/* Fired and waiting for its SIGALRM's delivery: go on at the next period. */
		if (!value_ns) {
			value_ns = interval_ns;
		}
	}
	/* 0: a one-shot that fired during the exec (the host sent SIGALRM). */
	itimer_set_locked(t->sys, value_ns, interval_ns);
	pthread_mutex_unlock(&pa_timers_lock);
	errno = err;
}

CW_API int cw_execve(const char *path, char *const argv[], char *const envp[])
{
	bool handed = exec_itimer_handover();
	int ret = execve(path, argv, envp);

	if (handed) {
		exec_itimer_back();
	}
	return ret;
}

CW_API int cw_execv(const char *path, char *const argv[])
{
	bool handed = exec_itimer_handover();
	int ret = execv(path, argv);

	if (handed) {
		exec_itimer_back();
	}
	return ret;
}

CW_API int cw_execvp(const char *file, char *const argv[])
{
	bool handed = exec_itimer_handover();
	int ret = execvp(file, argv);

	if (handed) {
		exec_itimer_back();
	}
	return ret;
}

CW_API int cw_execvpe(const char *file, char *const argv[], char *const envp[])
{
	bool handed = exec_itimer_handover();
	int ret = execvpe(file, argv, envp);

	if (handed) {
		exec_itimer_back();
	}
	return ret;
}

CW_API int cw_fexecve(int fd, char *const argv[], char *const envp[])
{
	bool handed = exec_itimer_handover();
	int ret = fexecve(fd, argv, envp);

	if (handed) {
		exec_itimer_back();
	}
	return ret;
}

/* The argv of an execl-family call: on the stack, or mapped when long. */
struct exec_args {
	char **argv;
	size_t map_len;
	char *stack[EXEC_ARGV_STACK];
};

/*
 * Collect @arg0 and the arguments after it up to the NULL into @a, leaving
 * @ap after the NULL (execle's envp comes next). No malloc (exec is
 * async-signal-safe) and no VLA. @return 0, or -1 with errno ENOMEM.
 */
static int exec_args_get(struct exec_args *a, const char *arg0, va_list *ap)
{
	size_t n = 0;
	va_list count;
	void *p;

	if (arg0) {
		va_copy(count, *ap);
		for (n = 1; va_arg(count, char *); n++) {
		}
		va_end(count);
	}
	a->argv = a->stack;
	a->map_len = 0;
	if (n + 1 > EXEC_ARGV_STACK) {
		a->map_len = (n + 1) * sizeof(char *);
		p = mmap(NULL, a->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		if (p == MAP_FAILED) {
			errno = ENOMEM;
			return -1;
		}
		a->argv = p;
	}
	a->argv[0] = (char *)arg0;
	for (size_t i = 1; i < n; i++) {
		a->argv[i] = va_arg(*ap, char *);
	}
	if (arg0) {
		/* The terminating NULL. */
		(void)va_arg(*ap, char *);
	}
	a->argv[n] = NULL;
	return 0;
}

static void exec_args_put(struct exec_args *a)
{
	if (a->map_len) {
		munmap(a->argv, a->map_len);
	}
}

/* Which exec an execl-family call makes. */
enum exec_how {
	EXEC_PATH,   /* execl: cw_execv() */
	EXEC_SEARCH, /* execlp: cw_execvp() */
	EXEC_ENV,    /* execle: cw_execve(), envp after the NULL */
};

/*
 * The execl-family call @how: collect the argv from @arg0 and @ap (and,
 * for EXEC_ENV, the envp after its NULL), exec @path with it, and release
 * the argv if the exec returns, keeping its errno.
 */
static int exec_list(enum exec_how how, const char *path, const char *arg0, va_list *ap)
{
	struct exec_args a;
	char *const *envp;
	int ret, err;

	ret = exec_args_get(&a, arg0, ap);
	if (ret) {
		return ret;
	}
	switch (how) {
	case EXEC_SEARCH:
		ret = cw_execvp(path, a.argv);
		break;
	case EXEC_ENV:
		envp = va_arg(*ap, char *const *);
		ret = cw_execve(path, a.argv, envp);
		break;
	default:
		ret = cw_execv(path, a.argv);
		break;
	}
	err = errno;
	exec_args_put(&a);
	errno = err;
	return ret;
}

CW_API int cw_execl(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = exec_list(EXEC_PATH, path, arg, &ap);
	va_end(ap);
	return ret;
}

CW_API int cw_execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = exec_list(EXEC_SEARCH, file, arg, &ap);
	va_end(ap);
	return ret;
}

CW_API int cw_execle(const char *path, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = exec_list(EXEC_ENV, path, arg, &ap);
	va_end(ap);
	return ret;
}
