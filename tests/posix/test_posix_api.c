/* SPDX-License-Identifier: MIT */
/*
 * The POSIX API on the default posix-port system, in real time with real
 * signals: SIGEV_SIGNAL to a handler, SIGEV_THREAD, SIGEV_THREAD_ID,
 * overruns of a blocked signal, sleeps interrupted by a handler, fork, and
 * process-directed signals landing on application threads only. Bounds
 * survive a loaded two-core machine; every test prints what it measured.
 */
#include "cw_test.h"
#include "posix_test.h"

#include <clockwork/port_posix.h>
#include <clockwork/posix.h>
#include <clockwork/system.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int64_t host_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

static pid_t my_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(sig, &sa, NULL), 0);
}

static void arm(timer_t id, int64_t value_ns, int64_t interval_ns)
{
	assert_int_equal(arm_ns(id, value_ns, interval_ns), 0);
}

/* ---- SIGEV_SIGNAL ---------------------------------------------------------- */

static _Atomic int sig_hits;
static _Atomic int64_t sig_first_ns;
static _Atomic int sig_bad;
static _Atomic pid_t sig_tid;

static void on_rt(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	(void)sig;
	if (info->si_code != SI_TIMER || info->si_value.sival_int != 99) {
		atomic_store(&sig_bad, 1);
	}
	if (atomic_fetch_add(&sig_hits, 1) == 0) {
		atomic_store(&sig_first_ns, host_mono_ns());
	}
	atomic_store(&sig_tid, my_tid());
}

static void test_posix_api_sigev_signal_reaches_handler_on_time(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL };
	int64_t t0, late;
	timer_t id;
	int n;

	(void)state;
	set_handler(SIGRTMIN, on_rt, 0);
	ev.sigev_signo = SIGRTMIN;
	ev.sigev_value.sival_int = 99;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	atomic_store(&sig_hits, 0);
	t0 = host_mono_ns();
	arm(id, 50 * 1000000LL, 0);
	for (int i = 0; i < 2000 && !atomic_load(&sig_hits); i++) {
		host_sleep_ms(1);
	}
	assert_int_equal(atomic_load(&sig_hits), 1);
	late = atomic_load(&sig_first_ns) - t0 - 50 * 1000000LL;
	print_message("one-shot 50 ms timer: handler ran %lld us after the expiry\n",
		      (long long)(late / 1000));
	assert_true(late >= 0);
	assert_true(late < 200 * 1000000LL);
	/* The process-directed signal ran on this (the only application) thread. */
	assert_int_equal(atomic_load(&sig_tid), my_tid());
	/* Periodic: 10 ms for 500 ms. */
	atomic_store(&sig_hits, 0);
	arm(id, 10 * 1000000LL, 10 * 1000000LL);
	host_sleep_ms(500);
	arm(id, 0, 0);
	n = atomic_load(&sig_hits);
	print_message("10 ms periodic timer: %d signals in 500 ms\n", n);
#if defined(__SANITIZE_THREAD__)
	/*
	 * Under TSan only the first periodic signal reaches the handler in
	 * this window (TSan defers and re-drives handlers); the count is
	 * printed, the rate is checked in the plain and ASan builds.
	 */
	assert_true(n >= 1 && n <= 52);
#else
	assert_true(n >= 30 && n <= 52);
#endif
	assert_int_equal(atomic_load(&sig_bad), 0);
	assert_int_equal(cw_timer_delete(id), 0);
}

/* ---- SIGEV_THREAD ------------------------------------------------------------ */

static _Atomic int thr_hits;
static _Atomic pid_t thr_tid;

static void on_thread(union sigval v)
{
	assert_ptr_equal(v.sival_ptr, &thr_hits);
	atomic_store(&thr_tid, my_tid());
	atomic_fetch_add(&thr_hits, 1);
}

static void test_posix_api_sigev_thread_runs_function_on_new_thread(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD };
	pthread_attr_t attr;
	timer_t id;
	int n;

	(void)state;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ev.sigev_notify_function = on_thread;
	ev.sigev_notify_attributes = &attr;
	ev.sigev_value.sival_ptr = &thr_hits;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	pthread_attr_destroy(&attr);
	arm(id, 20 * 1000000LL, 20 * 1000000LL);
	host_sleep_ms(300);
	assert_int_equal(cw_timer_delete(id), 0);
	host_sleep_ms(50);
	n = atomic_load(&thr_hits);
	print_message("20 ms SIGEV_THREAD timer: %d calls in 300 ms\n", n);
	assert_true(n >= 5 && n <= 16);
	assert_true(atomic_load(&thr_tid) != my_tid());
}

/* ---- SIGEV_THREAD_ID ----------------------------------------------------------- */

struct tid_target {
	_Atomic pid_t tid;
	_Atomic int got;
	siginfo_t info;
};

static void *tid_thread(void *arg)
{
	struct tid_target *t = arg;
	struct timespec limit = { 5, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 1);
	atomic_store(&t->tid, my_tid());
	if (sigtimedwait(&set, &t->info, &limit) == SIGRTMIN + 1) {
		atomic_store(&t->got, 1);
	}
	return NULL;
}

static void test_posix_api_sigev_thread_id_targets_one_thread(void **state)
{
	struct sigevent ev;
	struct tid_target t;
	pthread_t thr;
	timer_t id;
	int64_t t0;

	(void)state;
	memset(&t, 0, sizeof(t));
	block(SIGRTMIN + 1, true);
	assert_int_equal(pthread_create(&thr, NULL, tid_thread, &t), 0);
	while (!atomic_load(&t.tid)) {
		host_sleep_ms(1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGRTMIN + 1;
	ev._sigev_un._tid = atomic_load(&t.tid);
	ev.sigev_value.sival_int = 5;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	t0 = host_mono_ns();
	arm(id, 30 * 1000000LL, 0);
	pthread_join(thr, NULL);
	print_message("SIGEV_THREAD_ID: thread took the signal %lld us after arming\n",
		      (long long)((host_mono_ns() - t0) / 1000));
	assert_int_equal(atomic_load(&t.got), 1);
	assert_int_equal(t.info.si_code, SI_TIMER);
	assert_int_equal(t.info.si_value.sival_int, 5);
	assert_int_equal(t.info.si_timerid, (int)(intptr_t)id);
	assert_int_equal(cw_timer_delete(id), 0);
	block(SIGRTMIN + 1, false);
}

/* ---- overruns ------------------------------------------------------------------ */

static void test_posix_api_blocked_signal_counts_overruns(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL };
	struct timespec zero = { 0, 0 };
	int64_t t0, elapsed, expect;
	siginfo_t info;
	sigset_t set;
	timer_t id;
	int over, extra;

	(void)state;
	block(SIGRTMIN + 2, true);
	ev.sigev_signo = SIGRTMIN + 2;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	t0 = host_mono_ns();
	arm(id, 5 * 1000000LL, 5 * 1000000LL);
	host_sleep_ms(300);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	assert_int_equal(sigtimedwait(&set, &info, &zero), SIGRTMIN + 2);
	elapsed = host_mono_ns() - t0;
	over = cw_timer_getoverrun(id);
	arm(id, 0, 0);
	expect = elapsed / (5 * 1000000LL) - 1;
	print_message("5 ms timer, signal blocked %lld ms: overrun %d (expected about %lld)\n",
		      (long long)(elapsed / 1000000), over, (long long)expect);
	assert_true(over >= expect - 3 && over <= expect + 1);
	/*
	 * Only one signal was queued while blocked; one more may have been
	 * sent between the take and the disarm (the next period), no more.
	 */
	extra = 0;
	while (sigtimedwait(&set, &info, &zero) == SIGRTMIN + 2) {
		extra++;
	}
	assert_true(extra <= 1);
	assert_int_equal(cw_timer_delete(id), 0);
	block(SIGRTMIN + 2, false);
}

/* ---- interrupted sleeps ------------------------------------------------------------ */

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
}

struct kicker {
	pthread_t target;
	int delay_ms;
};

static void *kick(void *arg)
{
	struct kicker *k = arg;

	host_sleep_ms(k->delay_ms);
	pthread_kill(k->target, SIGUSR1);
	return NULL;
}

static void test_posix_api_signal_interrupts_sleep_with_remaining(void **state)
{
	struct kicker k = { pthread_self(), 100 };
	struct timespec req = { 2, 0 }, rem = { 0, 0 };
	int flags[2] = { 0, SA_RESTART };
	pthread_t thr;

	(void)state;
	for (int i = 0; i < 2; i++) {
		int64_t t0 = host_mono_ns(), took;
		int ret;

		set_handler(SIGUSR1, on_usr1, flags[i]);
		assert_int_equal(pthread_create(&thr, NULL, kick, &k), 0);
		ret = cw_nanosleep(&req, &rem);
		took = host_mono_ns() - t0;
		pthread_join(thr, NULL);
		print_message(
			"nanosleep(2 s)%s: returned %d errno %d after %lld ms, %lld ms left\n",
			flags[i] ? " with SA_RESTART" : "", ret, errno, (long long)(took / 1000000),
			(long long)(ns_of(&rem) / 1000000));
		assert_int_equal(ret, -1);
		assert_int_equal(errno, EINTR);
		assert_true(took < 1500 * 1000000LL);
		assert_true(ns_of(&rem) > 500 * 1000000LL);
		/* The kicker waits 100 ms from about when the sleep starts. */
		assert_true(ns_of(&rem) <= 1950 * 1000000LL);
	}
	/* clock_nanosleep returns the error number. */
	assert_int_equal(pthread_create(&thr, NULL, kick, &k), 0);
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem), EINTR);
	pthread_join(thr, NULL);
	/* sleep() returns the whole seconds left (glibc truncates: 2.9 s gives 2). */
	assert_int_equal(pthread_create(&thr, NULL, kick, &k), 0);
	assert_int_equal(cw_sleep(3), 2);
	pthread_join(thr, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/*
 * A SIGEV_SIGNAL timer whose signal comes 1 s into the sleep (where the
 * old waiter's 1 s wait slice ended: the signal was lost to the sleep, which
 * ran to its end and left errno at ETIMEDOUT). Linux: every sleep call ends
 * at the signal with EINTR and the time left.
 */
static _Atomic int alrm_hits;

static void on_alrm(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	atomic_fetch_add(&alrm_hits, 1);
}

static void test_posix_api_timer_signal_interrupts_every_sleep_call(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
	struct timespec req = { 3, 0 }, rem;
	int64_t t0, took;
	timer_t id;
	int ret;

	(void)state;
	set_handler(SIGALRM, on_alrm, SA_RESTART);
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	for (int call = 0; call < 4; call++) {
		static const char *const names[] = { "nanosleep", "clock_nanosleep", "sleep",
						     "usleep" };
		int hits = atomic_load(&alrm_hits);

		memset(&rem, 0, sizeof(rem));
		arm(id, 1000 * 1000000LL, 0);
		t0 = host_mono_ns();
		errno = 0;
		switch (call) {
		case 0:
			ret = cw_nanosleep(&req, &rem);
			assert_int_equal(ret, -1);
			assert_int_equal(errno, EINTR);
			break;
		case 1:
			ret = cw_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
			assert_int_equal(ret, EINTR);
			/* clock_nanosleep returns the error; errno is untouched. */
			assert_int_equal(errno, 0);
			break;
		case 2:
			ret = (int)cw_sleep(3);
			/* glibc: the whole seconds left, truncated (1.99 s: 1). */
			assert_int_equal(ret, 1);
			assert_int_equal(errno, EINTR);
			break;
		default:
			ret = cw_usleep(3000000);
			assert_int_equal(ret, -1);
			assert_int_equal(errno, EINTR);
			break;
		}
		took = host_mono_ns() - t0;
		print_message("%s(3 s), timer signal at 1 s: returned %d errno %d after %lld ms, "
			      "rem %lld ms\n",
			      names[call], ret, errno, (long long)(took / 1000000),
			      (long long)(ns_of(&rem) / 1000000));
		assert_int_equal(atomic_load(&alrm_hits), hits + 1);
		assert_true(took >= 990 * 1000000LL);
		assert_true(took < 2500 * 1000000LL);
		if (call < 2) {
			assert_true(ns_of(&rem) > 500 * 1000000LL);
			assert_true(ns_of(&rem) <= 2010 * 1000000LL);
		}
	}
	assert_int_equal(cw_timer_delete(id), 0);
	signal(SIGALRM, SIG_DFL);
}

/* Successful sleeps leave errno alone (usleep left ETIMEDOUT after 1 s). */
static void test_posix_api_sleeps_leave_errno_alone_on_success(void **state)
{
	struct timespec req = { 1, 200000000L };

	(void)state;
	errno = 1234;
	assert_int_equal(cw_usleep(1200000), 0);
	print_message("usleep(1.2 s): errno %d after success\n", errno);
	assert_int_equal(errno, 1234);
	assert_int_equal(cw_nanosleep(&req, NULL), 0);
	assert_int_equal(errno, 1234);
	assert_int_equal(cw_sleep(1), 0);
	assert_int_equal(errno, 1234);
}

/* ---- cancellation ------------------------------------------------------------------ */

struct cancel_case {
	int call;
	_Atomic int started;
	_Atomic int cleaned;
};

static void cancel_cleanup(void *arg)
{
	struct cancel_case *c = arg;

	atomic_store(&c->cleaned, 1);
}

static void *cancel_sleeper(void *arg)
{
	struct cancel_case *c = arg;
	struct timespec req = { 10, 0 };

	pthread_cleanup_push(cancel_cleanup, c);
	atomic_store(&c->started, 1);
	switch (c->call) {
	case 0:
		cw_nanosleep(&req, NULL);
		break;
	case 1:
		cw_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
		break;
	case 2:
		req.tv_sec += cw_time(NULL);
		cw_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &req, NULL);
		break;
	default:
		cw_sleep(10);
		break;
	}
	pthread_cleanup_pop(0);
	return NULL;
}

static void test_posix_api_sleeps_are_cancellation_points(void **state)
{
	struct timespec req = { 0, 20000000L };

	(void)state;
#if defined(__SANITIZE_THREAD__)
	/*
	 * glibc runs the cleanup handlers of a thread cancelled in a blocking
	 * call from its cancellation signal handler; ThreadSanitizer does not
	 * see the locks taken there and reports the timer's cancellation as a
	 * race. The plain and ASan builds run this test.
	 */
	print_message("SKIP under ThreadSanitizer: cleanup runs in a signal handler\n");
	skip();
#endif
	for (int call = 0; call < 4; call++) {
		struct cancel_case c = { .call = call };
		int64_t t0;
		void *res = NULL;
		pthread_t thr;

		assert_int_equal(pthread_create(&thr, NULL, cancel_sleeper, &c), 0);
		while (!atomic_load(&c.started)) {
			host_sleep_ms(1);
		}
		host_sleep_ms(50);
		t0 = host_mono_ns();
		assert_int_equal(pthread_cancel(thr), 0);
		assert_int_equal(pthread_join(thr, &res), 0);
		print_message("sleep call %d: cancelled, joined after %lld ms, cleanup ran: %d\n",
			      call, (long long)((host_mono_ns() - t0) / 1000000),
			      atomic_load(&c.cleaned));
		assert_ptr_equal(res, PTHREAD_CANCELED);
		assert_int_equal(atomic_load(&c.cleaned), 1);
		assert_true(host_mono_ns() - t0 < 2000 * 1000000LL);
	}
	/* Nothing of the cancelled sleepers is left: sleeping still works. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(cw_nanosleep(&req, NULL), 0);
	}
	/* A cancellation already pending acts at the call, even for a sleep of 0. */
}

/* ---- the clocks read as the host's ---------------------------------------------------- */

/*
 * MONOTONIC, BOOTTIME and MONOTONIC_RAW read as the host's (values passed
 * to host calls such as a MONOTONIC pthread_cond_timedwait, or compared
 * across processes, must agree), and absolute sleeps and timers take
 * deadlines on that scale. Before, they counted from the system's creation.
 */
static void test_posix_api_monotonic_clocks_read_as_the_hosts(void **state)
{
	static const clockid_t ids[3] = { CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW };
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 5 };
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	struct timespec a, b, host, deadline, zero = { 2, 0 };
	int64_t t0, woke;
	siginfo_t info;
	sigset_t set;
	timer_t id;

	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(clock_gettime(ids[i], &a), 0);
		assert_int_equal(cw_clock_gettime(ids[i], &host), 0);
		assert_int_equal(clock_gettime(ids[i], &b), 0);
		print_message("clock %d: clockwork %lld.%09ld, host %lld.%09ld\n", (int)ids[i],
			      (long long)host.tv_sec, host.tv_nsec, (long long)b.tv_sec, b.tv_nsec);
		/* Between the two host reads, within the host's NTP drift (ms). */
		assert_true(ns_of(&host) > ns_of(&a) - 5 * 1000000LL);
		assert_true(ns_of(&host) < ns_of(&b) + 5 * 1000000LL);
	}
	/* BOOTTIME - MONOTONIC is the (host's) suspended time: a later BOOTTIME read is never
	 * below. */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(cw_clock_gettime(CLOCK_MONOTONIC, &a), 0);
		assert_int_equal(cw_clock_gettime(CLOCK_BOOTTIME, &b), 0);
		assert_true(ns_of(&b) >= ns_of(&a));
	}
	/* An absolute MONOTONIC sleep to a host-derived deadline 30 ms ahead. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	t0 = ns_of(&deadline);
	deadline.tv_nsec += 30000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_nsec -= 1000000000L;
		deadline.tv_sec++;
	}
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0);
	woke = host_mono_ns();
	print_message("absolute MONOTONIC sleep to host now + 30 ms: woke after %lld us\n",
		      (long long)((woke - t0) / 1000));
	assert_true(woke - t0 >= 29 * 1000000LL);
	assert_true(woke - t0 < 1000 * 1000000LL);
	/* An absolute timer on the same scale. */
	block(SIGRTMIN + 5, true);
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	t0 = host_mono_ns();
	its.it_value.tv_sec = (time_t)((t0 + 30000000LL) / 1000000000LL);
	its.it_value.tv_nsec = (long)((t0 + 30000000LL) % 1000000000LL);
	assert_int_equal(cw_timer_settime(id, TIMER_ABSTIME, &its, NULL), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 5);
	assert_int_equal(sigtimedwait(&set, &info, &zero), SIGRTMIN + 5);
	woke = host_mono_ns();
	print_message("absolute MONOTONIC timer at host now + 30 ms: fired after %lld us\n",
		      (long long)((woke - t0) / 1000));
	assert_true(woke - t0 >= 29 * 1000000LL);
	assert_true(woke - t0 < 1000 * 1000000LL);
	assert_int_equal(cw_timer_delete(id), 0);
	block(SIGRTMIN + 5, false);
}

/* ---- COARSE clocks ------------------------------------------------------------------ */

/*
 * A busy application reading the COARSE clocks while clockwork's CPUs are
 * idle: they must advance once per tick as read (glibc + Linux: the busy
 * CPU's tick does it). Before the fix they stood still for seconds. The
 * lag is the fine clock read just before the coarse one minus the coarse
 * value: at most one tick (a preemption between the two reads can only
 * make it smaller).
 */
static void test_posix_api_coarse_clocks_advance_while_the_application_is_busy(void **state)
{
	static const clockid_t ids[2] = { CLOCK_MONOTONIC_COARSE, CLOCK_REALTIME_COARSE };
	struct timespec res;

	(void)state;
	assert_int_equal(cw_clock_getres(CLOCK_MONOTONIC_COARSE, &res), 0);
	{
		struct timespec host_res;

		/* The default system ticks at the host's rate: the same resolution. */
		assert_int_equal(clock_getres(CLOCK_MONOTONIC_COARSE, &host_res), 0);
		print_message("COARSE resolution: clockwork %lld us, host %lld us\n",
			      (long long)(ns_of(&res) / 1000),
			      (long long)(ns_of(&host_res) / 1000));
		assert_int_equal(ns_of(&res), ns_of(&host_res));
	}
	for (int i = 0; i < 2; i++) {
		int64_t t_end = host_mono_ns() + 1500 * 1000000LL, prev = -1, max_lag = 0;
		long changes = 0, reads = 0;
		struct timespec ts, fine;

		while (host_mono_ns() < t_end) {
			int64_t v;

			assert_int_equal(
				cw_clock_gettime(i ? CLOCK_REALTIME : CLOCK_MONOTONIC, &fine), 0);
			assert_int_equal(cw_clock_gettime(ids[i], &ts), 0);
			v = ns_of(&ts);
			reads++;
			/* Never backwards, never more than a tick behind. */
			assert_true(v >= prev);
			if (ns_of(&fine) - v > max_lag) {
				max_lag = ns_of(&fine) - v;
			}
			if (v != prev) {
				changes++;
				prev = v;
			}
		}
		print_message("%s: %ld reads, %ld values in 1.5 s, largest lag behind the fine "
			      "clock %lld us (tick %lld us)\n",
			      i ? "REALTIME_COARSE" : "MONOTONIC_COARSE", reads, changes,
			      (long long)(max_lag / 1000), (long long)(ns_of(&res) / 1000));
		assert_true(max_lag <= ns_of(&res));
		assert_true(changes >= 100);
	}
}

/* ---- real-time callers ---------------------------------------------------------------- */

#define RT_LOOPS 300

struct rt_run {
	int host_core;
	int prio;
	/** Relative 1 ms sleeps: each loop's lateness is its own (no catch-up after a stall). */
	bool relative;
	int64_t late_ns[RT_LOOPS];
	int64_t max_late_ns;
	int64_t median_late_ns;
	int err;
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * A cyclictest-style loop: absolute 1 ms periods on clockwork MONOTONIC,
 * from a SCHED_FIFO thread pinned to the host core of clockwork's CPU 0.
 */
static void *rt_loop(void *arg)
{
	struct rt_run *r = arg;
	struct sched_param sp = { .sched_priority = r->prio };
	struct timespec next, now;
	cpu_set_t set;
	int64_t late;

	CPU_ZERO(&set);
	CPU_SET(r->host_core, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ||
	    pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		r->err = 1;
		return NULL;
	}
	cw_clock_gettime(CLOCK_MONOTONIC, &next);
	for (int i = 0; i < RT_LOOPS; i++) {
		static const struct timespec one_ms = { 0, 1000000L };

		if (r->relative) {
			cw_clock_gettime(CLOCK_MONOTONIC, &next);
		}
		next.tv_nsec += 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		if (r->relative ? cw_clock_nanosleep(CLOCK_MONOTONIC, 0, &one_ms, NULL)
				: cw_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL)) {
			r->err = 2;
			return NULL;
		}
		cw_clock_gettime(CLOCK_MONOTONIC, &now);
		late = ns_of(&now) - ns_of(&next);
		r->late_ns[i] = late;
		if (late > r->max_late_ns) {
			r->max_late_ns = late;
		}
	}
	qsort(r->late_ns, RT_LOOPS, sizeof(r->late_ns[0]), cmp_i64);
	r->median_late_ns = r->late_ns[RT_LOOPS / 2];
	return NULL;
}

/* One CPU pinned to the first allowed host core; run the loop there. */
static void rt_measure(int cpu_rt_priority, struct rt_run *r)
{
	struct cw_posix_options opt = { .flags = CW_POSIX_NO_TSC | CW_POSIX_PIN_CPUS,
					.rt_priority = cpu_rt_priority };
	struct cw_system_config cfg = { .nr_cpus = 1 };
	struct cw_posix_cpu_info info;
	struct cw_system *sys = NULL;
	pthread_t thr;

	assert_int_equal(cw_posix_system_create(&cfg, &opt, &sys), 0);
	assert_int_equal(cw_posix_cpu_info(sys, 0, &info), 0);
	assert_int_equal(info.rt_priority, cpu_rt_priority);
	r->host_core = info.host_core;
	assert_true(r->host_core >= 0);
	assert_int_equal(cw_posix_api_set_system(sys), 0);
	assert_int_equal(pthread_create(&thr, NULL, rt_loop, r), 0);
	assert_int_equal(pthread_join(thr, NULL), 0);
	assert_int_equal(cw_posix_api_set_system(NULL), 0);
	cw_posix_system_destroy(sys);
}

/* CW_POSIX_RT_PRIORITY gives the default system's CPU threads SCHED_FIFO. */
static void test_posix_api_env_rt_priority_applies_to_the_default_system(void **state)
{
	int status = -1;
	pid_t pid;

	(void)state;
#if defined(__SANITIZE_THREAD__)
	/* TSan cannot start threads in the child of a multi-threaded fork. */
	skip();
#endif
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cw_posix_cpu_info info;
		struct sched_param sp = { .sched_priority = 1 };
		int expect;

		alarm(20);
		/* Permitted here? Otherwise the threads must stay at normal priority. */
		expect = sched_setscheduler(0, SCHED_FIFO, &sp) == 0 ? 33 : 0;
		sp.sched_priority = 0;
		sched_setscheduler(0, SCHED_OTHER, &sp);
		setenv("CW_POSIX_RT_PRIORITY", "33", 1);
		/* The parent's system is abandoned in the child: this creates a new one. */
		if (cw_posix_cpu_info(cw_posix_api_system(), 0, &info) != 0) {
			_exit(10);
		}
		_exit(info.rt_priority == expect ? 0 : 11);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("CW_POSIX_RT_PRIORITY=33: child exit status %d\n",
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_posix_api_realtime_sleeper_blocks_and_is_served(void **state)
{
	struct sched_param sp = { .sched_priority = 10 };
	int cases[2] = { 0, 20 };

	(void)state;
	/* Can this process use SCHED_FIFO at all? */
	if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp)) {
		print_message("SKIP: SCHED_FIFO not permitted here (no CAP_SYS_NICE)\n");
		skip();
	}
	sp.sched_priority = 0;
	assert_int_equal(pthread_setschedparam(pthread_self(), SCHED_OTHER, &sp), 0);
	for (int i = 0; i < 2; i++) {
		static struct rt_run r;

		memset(&r, 0, sizeof(r));
		r.prio = 10;
		/*
		 * At normal priority one stall is documented (below); with
		 * absolute periods every later loop would inherit it, so that
		 * case sleeps 1 ms at a time and a stall moves one sample.
		 */
		r.relative = !cases[i];
		rt_measure(cases[i], &r);
		assert_int_equal(r.err, 0);
		print_message(
			"SCHED_FIFO 10 sleeper, 1 ms %s, clockwork CPU thread "
			"%s on its core: %d loops, late by %lld us (median), %lld us at most\n",
			r.relative ? "relative sleeps" : "absolute periods",
			cases[i] ? "SCHED_FIFO 20" : "at normal priority", RT_LOOPS,
			(long long)(r.median_late_ns / 1000), (long long)(r.max_late_ns / 1000));
		/*
		 * Spinning for the CPU thread cost about 800 ms on every wakeup
		 * (until the scheduler's real-time throttling let it run), so
		 * the median was hundreds of ms. Blocking costs a wakeup of the
		 * CPU thread: at normal priority that waits for the fair
		 * scheduler on a loaded machine, and a core lock held by a
		 * preempted normal thread can still stall one wakeup (hence the
		 * median); under SCHED_FIFO neither happens.
		 */
		if (cases[i]) {
			assert_true(r.median_late_ns < 1000000LL);
			assert_true(r.max_late_ns < 50 * 1000000LL);
		} else {
			assert_true(r.median_late_ns < 20 * 1000000LL);
		}
	}
}

/* ---- fork ------------------------------------------------------------------------ */

static int child_checks(timer_t parent_timer, int64_t parent_offset_ns)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL };
	struct itimerspec its;
	struct timespec ts, req = { 0, 20000000 }, zero = { 0, 0 };
	int64_t t0, offset;
	siginfo_t info;
	sigset_t set;
	timer_t id;

	/* The parent's timer is not inherited. */
	if (cw_timer_gettime(parent_timer, &its) != -1 || errno != EINVAL) {
		return 10;
	}
	/* REALTIME continues from the parent's clockwork REALTIME. */
	cw_clock_gettime(CLOCK_REALTIME, &ts);
	offset = ns_of(&ts);
	clock_gettime(CLOCK_REALTIME, &ts);
	offset -= ns_of(&ts);
	if (offset - parent_offset_ns > 200000000LL || parent_offset_ns - offset > 200000000LL) {
		return 11;
	}
	t0 = host_mono_ns();
	if (cw_nanosleep(&req, NULL) != 0 || host_mono_ns() - t0 < 20000000LL) {
		return 12;
	}
	ev.sigev_signo = SIGRTMIN + 3;
	if (cw_timer_create(CLOCK_MONOTONIC, &ev, &id) != 0) {
		return 13;
	}
	arm(id, 10 * 1000000LL, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	req.tv_nsec = 200000000;
	(void)zero;
	if (sigtimedwait(&set, &info, &req) != SIGRTMIN + 3 ||
	    info.si_timerid != (int)(intptr_t)id) {
		return 14;
	}
	return 0;
}

static void test_posix_api_fork_child_keeps_clocks_and_timers(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL };
	struct timespec ts, host;
	timer_t id;
	int64_t offset;
	siginfo_t info;
	sigset_t set;
	pid_t pid;
	int status = -1;

	(void)state;
#if defined(__SANITIZE_THREAD__)
	/* TSan cannot start threads in the child of a multi-threaded fork. */
	skip();
#endif
	block(SIGRTMIN + 3, true);
	/* Move clockwork's REALTIME 1000 s ahead of the host's. */
	clock_gettime(CLOCK_REALTIME, &host);
	ts = host;
	ts.tv_sec += 1000;
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	offset = 1000 * 1000000000LL;
	ev.sigev_signo = SIGRTMIN + 3;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	arm(id, 100 * 1000000LL, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		_exit(child_checks(id, offset));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	print_message("fork child exit status %d\n", WEXITSTATUS(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's timer still fires. */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	ts.tv_sec = 2;
	ts.tv_nsec = 0;
	assert_int_equal(sigtimedwait(&set, &info, &ts), SIGRTMIN + 3);
	assert_int_equal(info.si_timerid, (int)(intptr_t)id);
	assert_int_equal(cw_timer_delete(id), 0);
	/* Put REALTIME back on the host's. */
	clock_gettime(CLOCK_REALTIME, &host);
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &host), 0);
	block(SIGRTMIN + 3, false);
}

/* ---- library threads block every signal --------------------------------------------- */

static _Atomic int usr2_wrong;
static _Atomic int usr2_hits;
static pid_t main_tid;

static void on_usr2(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)info;
	(void)uc;
	if (my_tid() != main_tid) {
		atomic_store(&usr2_wrong, 1);
	}
	atomic_fetch_add(&usr2_hits, 1);
}

static void test_posix_api_process_signals_never_land_on_library_threads(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL };
	timer_t id;
	int n;

	(void)state;
	main_tid = my_tid();
	set_handler(SIGUSR2, on_usr2, 0);
	ev.sigev_signo = SIGUSR2;
	/* A SIGEV_THREAD timer too, so the dispatcher thread exists. */
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
	arm(id, 2 * 1000000LL, 2 * 1000000LL);
	for (int i = 0; i < 50; i++) {
		kill(getpid(), SIGUSR2);
		host_sleep_ms(2);
	}
	assert_int_equal(cw_timer_delete(id), 0);
	n = atomic_load(&usr2_hits);
	print_message("SIGUSR2: %d handler runs, all on the main thread: %s\n", n,
		      atomic_load(&usr2_wrong) ? "no" : "yes");
	assert_true(n >= 25);
	assert_int_equal(atomic_load(&usr2_wrong), 0);
	signal(SIGUSR2, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_api_sigev_signal_reaches_handler_on_time),
		cmocka_unit_test(test_posix_api_sigev_thread_runs_function_on_new_thread),
		cmocka_unit_test(test_posix_api_sigev_thread_id_targets_one_thread),
		cmocka_unit_test(test_posix_api_blocked_signal_counts_overruns),
		cmocka_unit_test(test_posix_api_signal_interrupts_sleep_with_remaining),
		cmocka_unit_test(test_posix_api_timer_signal_interrupts_every_sleep_call),
		cmocka_unit_test(test_posix_api_sleeps_leave_errno_alone_on_success),
		cmocka_unit_test(test_posix_api_sleeps_are_cancellation_points),
		cmocka_unit_test(test_posix_api_monotonic_clocks_read_as_the_hosts),
		cmocka_unit_test(
			test_posix_api_coarse_clocks_advance_while_the_application_is_busy),
		cmocka_unit_test(test_posix_api_realtime_sleeper_blocks_and_is_served),
		cmocka_unit_test(test_posix_api_env_rt_priority_applies_to_the_default_system),
		cmocka_unit_test(test_posix_api_fork_child_keeps_clocks_and_timers),
		cmocka_unit_test(test_posix_api_process_signals_never_land_on_library_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
