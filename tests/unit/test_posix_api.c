/* SPDX-License-Identifier: MIT */
/*
 * The POSIX API (include/clockwork/posix.h) on the sim port, in virtual
 * time: the error cases as a table, sleeps that run the engine, interval
 * timers whose overruns are counted exactly, absolute REALTIME sleeps and
 * timers that follow settime and a leap second, the legacy calls.
 *
 * Timer signals are real signals sent to this process at virtual times;
 * the tests keep them blocked and take them with sigtimedwait(), so nothing
 * depends on host timing.
 */
#include "cw_test.h"

#include <clockwork/posix.h>
#include <clockwork/sim.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>

#define REAL0_NS   1700000000000000000LL
#define MIDNIGHT_S 1483228800LL

static const char machine_text[] = "[machine]\nname = pa\ncpus = 1\n"
				   "[counter c]\nwidth = 64\nfreq = 1GHz\nrating = 300\n"
				   "flags = continuous\n"
				   "[arch_timer local]\nfreq = 1GHz\nirq = 29\n";

struct pa {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	sigset_t old_mask;
};

static void pa_init_at(struct pa *p, int64_t real_ns, int32_t tai_s)
{
	struct cw_system_config cfg = { .hz = 1000,
					.realtime_init_ns = real_ns,
					.tai_offset_s = tai_s };
	struct cw_sim_machine_desc *d = NULL;
	char err[CW_SIM_ERR_MAX];
	sigset_t block;

	memset(p, 0, sizeof(*p));
	assert_int_equal(cw_sim_create(3, &p->sim), 0);
	if (cw_sim_machine_desc_parse_mem(machine_text, strlen(machine_text), "pa.ini", &d, err,
					  sizeof(err))) {
		fail_msg("%s", err);
	}
	assert_int_equal(cw_sim_machine_create(p->sim, d, &cfg, NULL, NULL, &p->m), 0);
	cw_sim_machine_desc_free(d);
	assert_int_equal(cw_sim_machine_boot(p->m), 0);
	p->sys = cw_sim_machine_system(p->m);
	cw_sim_run_for(p->sim, MS(10));
	assert_int_equal(cw_posix_api_set_system(p->sys), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN);
	sigaddset(&block, SIGRTMIN + 1);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &p->old_mask);
}

static void pa_init(struct pa *p)
{
	pa_init_at(p, REAL0_NS, 37);
}

static void drain(int sig)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	while (sigtimedwait(&set, NULL, &zero) > 0) {
	}
}

static void pa_fini(struct pa *p)
{
	drain(SIGRTMIN);
	drain(SIGRTMIN + 1);
	drain(SIGALRM);
	pthread_sigmask(SIG_SETMASK, &p->old_mask, NULL);
	assert_int_equal(cw_posix_api_set_system(NULL), 0);
	cw_sim_machine_destroy(p->m);
	cw_sim_destroy(p->sim);
}

static int64_t now_ns(clockid_t id)
{
	struct timespec ts;

	assert_int_equal(cw_clock_gettime(id, &ts), 0);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static struct timespec ts_of(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };

	return ts;
}

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* Take one pending instance of @sig; 0 if none. */
static int take(int sig, siginfo_t *info)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigtimedwait(&set, info, &zero) == sig;
}

/* Run @ns of simulated time: no @sig arrives. */
static void expect_quiet(struct pa *p, int sig, uint64_t ns)
{
	siginfo_t info;

	cw_sim_run_for(p->sim, ns);
	assert_false(take(sig, &info));
}

/* No @sig in @quiet_ns of simulated time, then one within @more_ns (taken). */
static void expect_sig_after(struct pa *p, int sig, uint64_t quiet_ns, uint64_t more_ns)
{
	siginfo_t info;

	expect_quiet(p, sig, quiet_ns);
	cw_sim_run_for(p->sim, more_ns);
	assert_true(take(sig, &info));
}

static timer_t make_timer(clockid_t clock, int sig)
{
	struct sigevent ev;
	timer_t id;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = sig;
	ev.sigev_value.sival_int = 4242;
	assert_int_equal(cw_timer_create(clock, &ev, &id), 0);
	return id;
}

static void arm(timer_t id, int flags, int64_t value_ns, int64_t interval_ns)
{
	struct itimerspec its = { .it_interval = ts_of(interval_ns), .it_value = ts_of(value_ns) };

	assert_int_equal(cw_timer_settime(id, flags, &its, NULL), 0);
}

/* ---- the error table ----------------------------------------------------- */

enum call {
	GETTIME,
	GETRES,
	SETTIME,
	NANOSLEEP,
	NANOSLEEP_ABS,
	NANOSLEEP_FLAGS,
	TCREATE_CLOCK,
	TCREATE_NOTIFY,
	TCREATE_SIGNO,
	TCREATE_TID,
	TCREATE_THREAD_NULL,
	TSETTIME_ID,
	TSETTIME_FLAGS,
	TSETTIME_VALUE,
	TSETTIME_INTERVAL,
	TGETTIME_ID,
	TGETOVERRUN_ID,
	TDELETE_ID,
	SETITIMER_WHICH,
	SETITIMER_USEC,
	SETTIMEOFDAY_TZ,
	SETTIMEOFDAY_USEC,
};

struct err_case {
	const char *what;
	enum call call;
	long arg;
	long nsec;
	int expect;
};

static const struct err_case err_cases[] = {
	{ "gettime clock 10", GETTIME, 10, 0, EINVAL },
	{ "gettime clock 12", GETTIME, 12, 0, EINVAL },
	{ "gettime clock 1000", GETTIME, 1000, 0, EINVAL },
	{ "getres clock 10", GETRES, 10, 0, EINVAL },
	{ "settime MONOTONIC", SETTIME, CLOCK_MONOTONIC, 0, EINVAL },
	{ "settime BOOTTIME", SETTIME, CLOCK_BOOTTIME, 0, EINVAL },
	{ "settime TAI", SETTIME, CLOCK_TAI, 0, EINVAL },
	{ "settime clock 10", SETTIME, 10, 0, EINVAL },
	{ "settime nsec -1", SETTIME, CLOCK_REALTIME, -1, EINVAL },
	{ "settime nsec 1e9", SETTIME, CLOCK_REALTIME, 1000000000, EINVAL },
	{ "settime sec -1", SETTIME, CLOCK_REALTIME, -2, EINVAL },
	{ "nanosleep clock 10", NANOSLEEP, 10, 0, EINVAL },
	{ "nanosleep MONOTONIC_RAW", NANOSLEEP, CLOCK_MONOTONIC_RAW, 0, ENOTSUP },
	{ "nanosleep REALTIME_COARSE", NANOSLEEP, CLOCK_REALTIME_COARSE, 0, ENOTSUP },
	{ "nanosleep MONOTONIC_COARSE", NANOSLEEP, CLOCK_MONOTONIC_COARSE, 0, ENOTSUP },
	{ "nanosleep nsec 1e9", NANOSLEEP, CLOCK_MONOTONIC, 1000000000, EINVAL },
	{ "nanosleep nsec -1", NANOSLEEP, CLOCK_MONOTONIC, -1, EINVAL },
	{ "nanosleep sec -1", NANOSLEEP, CLOCK_MONOTONIC, -2, EINVAL },
	{ "nanosleep abs nsec 1e9", NANOSLEEP_ABS, CLOCK_REALTIME, 1000000000, EINVAL },
	/* Linux looks at TIMER_ABSTIME only: other flag bits are ignored. */
	{ "nanosleep flags 2", NANOSLEEP_FLAGS, 2, 0, 0 },
	{ "nanosleep flags -1", NANOSLEEP_FLAGS, -1, 0, 0 },
	{ "timer_create clock 10", TCREATE_CLOCK, 10, 0, EINVAL },
	{ "timer_create clock 12", TCREATE_CLOCK, 12, 0, EINVAL },
	{ "timer_create MONOTONIC_RAW", TCREATE_CLOCK, CLOCK_MONOTONIC_RAW, 0, ENOTSUP },
	{ "timer_create MONOTONIC_COARSE", TCREATE_CLOCK, CLOCK_MONOTONIC_COARSE, 0, ENOTSUP },
	{ "timer_create notify 99", TCREATE_NOTIFY, 99, 0, EINVAL },
	{ "timer_create signo 0", TCREATE_SIGNO, 0, 0, EINVAL },
	{ "timer_create signo 65", TCREATE_SIGNO, 65, 0, EINVAL },
	{ "timer_create signo -1", TCREATE_SIGNO, -1, 0, EINVAL },
	{ "timer_create tid 0", TCREATE_TID, 0, 0, EINVAL },
	{ "timer_create tid 0x3fffffff", TCREATE_TID, 0x3fffffff, 0, EINVAL },
	{ "timer_create SIGEV_THREAD NULL", TCREATE_THREAD_NULL, 0, 0, EINVAL },
	{ "timer_settime id -1", TSETTIME_ID, -1, 0, EINVAL },
	{ "timer_settime id 7 (never created)", TSETTIME_ID, 7, 0, EINVAL },
	{ "timer_settime id 65536", TSETTIME_ID, 65536, 0, EINVAL },
	{ "timer_settime deleted id", TSETTIME_ID, 1000000, 0, EINVAL },
	{ "timer_settime flags 2 (ignored, as Linux)", TSETTIME_FLAGS, 2, 0, 0 },
	{ "timer_settime flags -1 (ignored, as Linux)", TSETTIME_FLAGS, -1, 0, 0 },
	{ "timer_settime value nsec 1e9", TSETTIME_VALUE, 0, 1000000000, EINVAL },
	{ "timer_settime value nsec -1", TSETTIME_VALUE, 0, -1, EINVAL },
	{ "timer_settime value sec -1", TSETTIME_VALUE, 0, -2, EINVAL },
	{ "timer_settime interval nsec 1e9", TSETTIME_INTERVAL, 0, 1000000000, EINVAL },
	{ "timer_gettime id 7", TGETTIME_ID, 7, 0, EINVAL },
	{ "timer_getoverrun id 7", TGETOVERRUN_ID, 7, 0, EINVAL },
	{ "timer_delete id 7", TDELETE_ID, 7, 0, EINVAL },
	{ "timer_delete id -5", TDELETE_ID, -5, 0, EINVAL },
	{ "setitimer which 5", SETITIMER_WHICH, 5, 0, EINVAL },
	{ "setitimer usec 1e6", SETITIMER_USEC, 0, 1000000, EINVAL },
	{ "setitimer usec -1", SETITIMER_USEC, 0, -1, EINVAL },
	{ "settimeofday tz", SETTIMEOFDAY_TZ, 0, 0, EINVAL },
	{ "settimeofday usec 1e6", SETTIMEOFDAY_USEC, 0, 1000000, EINVAL },
};

/* A timespec from a case: nsec -2 means tv_sec = -1. */
static struct timespec case_ts(const struct err_case *c)
{
	struct timespec ts = { 1, 0 };

	if (c->nsec == -2) {
		ts.tv_sec = -1;
	} else {
		ts.tv_nsec = c->nsec;
	}
	return ts;
}

/* Run one case; return the error (errno, or the return value for clock_nanosleep). */
static int run_case(const struct err_case *c, timer_t good)
{
	struct timespec ts = case_ts(c);
	struct itimerspec its = { { 0, 0 }, { 1, 0 } };
	struct itimerval itv = { { 0, 0 }, { 1, 0 } };
	struct timeval tv = { 1, 0 };
	struct timezone tz = { 0, 0 };
	struct sigevent ev;
	timer_t id = (timer_t)(intptr_t)c->arg;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	errno = 0;
	switch (c->call) {
	case GETTIME:
		return cw_clock_gettime((clockid_t)c->arg, &ts) == -1 ? errno : 0;
	case GETRES:
		return cw_clock_getres((clockid_t)c->arg, &ts) == -1 ? errno : 0;
	case SETTIME:
		return cw_clock_settime((clockid_t)c->arg, &ts) == -1 ? errno : 0;
	case NANOSLEEP:
		return cw_clock_nanosleep((clockid_t)c->arg, 0, &ts, NULL);
	case NANOSLEEP_ABS:
		return cw_clock_nanosleep((clockid_t)c->arg, TIMER_ABSTIME, &ts, NULL);
	case NANOSLEEP_FLAGS:
		/* A zero time: accepted flags must not sleep (or move the clocks). */
		ts.tv_sec = 0;
		return cw_clock_nanosleep(CLOCK_MONOTONIC, (int)c->arg, &ts, NULL);
	case TCREATE_CLOCK:
		return cw_timer_create((clockid_t)c->arg, &ev, &id) == -1 ? errno : 0;
	case TCREATE_NOTIFY:
		ev.sigev_notify = (int)c->arg;
		return cw_timer_create(CLOCK_MONOTONIC, &ev, &id) == -1 ? errno : 0;
	case TCREATE_SIGNO:
		ev.sigev_signo = (int)c->arg;
		return cw_timer_create(CLOCK_MONOTONIC, &ev, &id) == -1 ? errno : 0;
	case TCREATE_TID:
		ev.sigev_notify = SIGEV_THREAD_ID;
		ev._sigev_un._tid = (pid_t)c->arg;
		return cw_timer_create(CLOCK_MONOTONIC, &ev, &id) == -1 ? errno : 0;
	case TCREATE_THREAD_NULL:
		ev.sigev_notify = SIGEV_THREAD;
		ev.sigev_notify_function = NULL;
		return cw_timer_create(CLOCK_MONOTONIC, &ev, &id) == -1 ? errno : 0;
	case TSETTIME_ID:
		if (c->arg == 1000000) {
			/* A timer that existed: create, delete, then use. */
			assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &id), 0);
			assert_int_equal(cw_timer_delete(id), 0);
		}
		return cw_timer_settime(id, 0, &its, NULL) == -1 ? errno : 0;
	case TSETTIME_FLAGS:
		if (cw_timer_settime(good, (int)c->arg, &its, NULL) == -1) {
			return errno;
		}
		/* Accepted: disarm again, the table must leave the timer as it was. */
		its.it_value.tv_sec = 0;
		return cw_timer_settime(good, 0, &its, NULL) == -1 ? errno : 0;
	case TSETTIME_VALUE:
		its.it_value = ts;
		return cw_timer_settime(good, 0, &its, NULL) == -1 ? errno : 0;
	case TSETTIME_INTERVAL:
		its.it_interval = ts;
		return cw_timer_settime(good, 0, &its, NULL) == -1 ? errno : 0;
	case TGETTIME_ID:
		return cw_timer_gettime(id, &its) == -1 ? errno : 0;
	case TGETOVERRUN_ID:
		return cw_timer_getoverrun(id) == -1 ? errno : 0;
	case TDELETE_ID:
		return cw_timer_delete(id) == -1 ? errno : 0;
	case SETITIMER_WHICH:
		return cw_setitimer((int)c->arg, &itv, NULL) == -1 ? errno : 0;
	case SETITIMER_USEC:
		itv.it_value.tv_usec = c->nsec;
		return cw_setitimer(ITIMER_REAL, &itv, NULL) == -1 ? errno : 0;
	case SETTIMEOFDAY_TZ:
		return cw_settimeofday(&tv, &tz) == -1 ? errno : 0;
	case SETTIMEOFDAY_USEC:
		tv.tv_usec = c->nsec;
		return cw_settimeofday(&tv, NULL) == -1 ? errno : 0;
	}
	return -1;
}

static void test_posix_api_error_cases_match_posix(void **state)
{
	struct pa p;
	timer_t good;
	int64_t real0;
	unsigned bad = 0;

	(void)state;
	pa_init(&p);
	good = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	real0 = now_ns(CLOCK_REALTIME);
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		int got = run_case(&err_cases[i], good);

		if (got != err_cases[i].expect) {
			print_error("%s: got %d (%s), expected %d (%s)\n", err_cases[i].what, got,
				    strerror(got), err_cases[i].expect,
				    strerror(err_cases[i].expect));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	/* Nothing in the table changed the clock or armed the timer. */
	assert_true(now_ns(CLOCK_REALTIME) - real0 < (int64_t)MS(1));
	{
		struct itimerspec cur;

		assert_int_equal(cw_timer_gettime(good, &cur), 0);
		assert_int_equal(ns_of(&cur.it_value), 0);
	}
	/* NULL pointers where Linux answers EFAULT. */
	assert_int_equal(cw_clock_gettime(CLOCK_MONOTONIC, NULL), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, 0, NULL, NULL), EFAULT);
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, NULL, NULL), -1);
	assert_int_equal(errno, EFAULT);
	/* clock_getres(NULL) only validates. */
	assert_int_equal(cw_clock_getres(CLOCK_MONOTONIC, NULL), 0);
	/* nanosleep sets errno instead of returning it. */
	{
		struct timespec ts = { 0, 1000000000 };

		assert_int_equal(cw_nanosleep(&ts, NULL), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(cw_timer_delete(good), 0);
	pa_fini(&p);
}

/* ---- clocks ---------------------------------------------------------------- */

/*
 * A clock id that no call accepts: reading, resolution and setting give
 * EINVAL; sleeping returns @use_err, timer_create fails with errno @use_err,
 * clock_adjtime with errno @adj_errno.
 */
static void assert_clock_id_unusable(clockid_t id, int use_err, int adj_errno)
{
	struct timespec ts, req = { 0, 1000 };
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	struct timex tx = { 0 };
	timer_t tid;

	assert_int_equal(cw_clock_gettime(id, &ts), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cw_clock_getres(id, &ts), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cw_clock_settime(id, &req), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cw_clock_nanosleep(id, 0, &req, NULL), use_err);
	assert_int_equal(cw_timer_create(id, &ev, &tid), -1);
	assert_int_equal(errno, use_err);
	assert_int_equal(cw_clock_adjtime(id, &tx), -1);
	assert_int_equal(errno, adj_errno);
}

static void test_posix_api_clocks_read_the_system(void **state)
{
	struct pa p;
	struct timespec res;
	cw_ktime_t mono;

	(void)state;
	pa_init(&p);
	assert_int_equal(cw_clock_get_ns(p.sys, CW_CLOCK_MONOTONIC, &mono), 0);
	assert_int_equal(now_ns(CLOCK_MONOTONIC), mono);
	assert_true(now_ns(CLOCK_REALTIME) - REAL0_NS >= (int64_t)MS(10));
	assert_true(now_ns(CLOCK_REALTIME) - REAL0_NS < (int64_t)MS(11));
	assert_int_equal(now_ns(CLOCK_TAI) - now_ns(CLOCK_REALTIME), 37 * 1000000000LL);
	/* No wakeup RTC: the ALARM clocks are absent, as on Linux without one. */
	for (clockid_t id = CLOCK_REALTIME_ALARM; id <= CLOCK_BOOTTIME_ALARM; id++) {
		assert_clock_id_unusable(id, ENOTSUP, EOPNOTSUPP);
	}
	/* Removed (10), unassigned (12..15) and AUX ids (16..23, not enabled): EINVAL everywhere.
	 */
	for (clockid_t id = 10; id < 32; id++) {
		if (id != CLOCK_TAI) {
			assert_clock_id_unusable(id, EINVAL, EINVAL);
		}
	}
	assert_int_equal(cw_clock_getres(CLOCK_MONOTONIC, &res), 0);
	assert_int_equal(ns_of(&res), 1);
	assert_int_equal(cw_clock_getres(CLOCK_MONOTONIC_COARSE, &res), 0);
	assert_int_equal(ns_of(&res), (int64_t)MS(1));
	/* CPU-time clocks come from the host. */
	assert_int_equal(cw_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &res), 0);
	assert_int_equal(cw_clock_gettime(CLOCK_THREAD_CPUTIME_ID, &res), 0);
	pa_fini(&p);
}

static void test_posix_api_settime_moves_only_clockwork_realtime(void **state)
{
	struct pa p;
	struct timespec ts = { 2000000000, 5 };
	struct timeval tv;
	struct timespec host;
	int64_t mono0 = 0;

	(void)state;
	pa_init(&p);
	mono0 = now_ns(CLOCK_MONOTONIC);
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	assert_int_equal(now_ns(CLOCK_REALTIME), 2000000000LL * 1000000000LL + 5);
	assert_int_equal(now_ns(CLOCK_MONOTONIC), mono0);
	assert_int_equal(cw_time(NULL), 2000000000);
	assert_int_equal(cw_gettimeofday(&tv, NULL), 0);
	assert_int_equal(tv.tv_sec, 2000000000);
	assert_int_equal(tv.tv_usec, 0);
	tv.tv_sec = 1900000000;
	tv.tv_usec = 250000;
	assert_int_equal(cw_settimeofday(&tv, NULL), 0);
	assert_int_equal(now_ns(CLOCK_REALTIME), 1900000000LL * 1000000000LL + 250000000);
	/* The host clock did not move. */
	clock_gettime(CLOCK_REALTIME, &host);
	assert_true(host.tv_sec < 1900000000 || host.tv_sec > 2000000001);
	pa_fini(&p);
}

/*
 * Linux refuses (EINVAL, nothing changes) a REALTIME it cannot keep:
 * 2^63 ns and more, anything from KTIME_SEC_MAX less 30 years of uptime
 * (timespec64_valid_settod), a time before boot (below MONOTONIC), and
 * out-of-range fields. Before the fix 2^63 ns returned 0 and REALTIME read 0.
 */
static void test_posix_api_settime_refuses_times_linux_refuses(void **state)
{
	static const int64_t bad_sec[] = {
		INT64_MAX / 1000000000LL + 1, /* 2^63 ns */
		INT64_MAX / 1000000000LL, INT64_MAX,
		8277292036LL, /* KTIME_SEC_MAX - 30 years: the first refused second */
	};
	struct pa p;
	struct timespec ts;
	struct timeval tv;
	int64_t real0;

	(void)state;
	pa_init(&p);
	real0 = now_ns(CLOCK_REALTIME);
	for (size_t i = 0; i < sizeof(bad_sec) / sizeof(bad_sec[0]); i++) {
		ts.tv_sec = (time_t)bad_sec[i];
		ts.tv_nsec = 0;
		errno = 0;
		assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), -1);
		assert_int_equal(errno, EINVAL);
		tv.tv_sec = (time_t)bad_sec[i];
		tv.tv_usec = 0;
		errno = 0;
		assert_int_equal(cw_settimeofday(&tv, NULL), -1);
		assert_int_equal(errno, EINVAL);
		print_message("settime %lld s: EINVAL, REALTIME still %lld s\n",
			      (long long)bad_sec[i],
			      (long long)(now_ns(CLOCK_REALTIME) / 1000000000LL));
		assert_true(now_ns(CLOCK_REALTIME) - real0 < (int64_t)MS(1));
		assert_true(now_ns(CLOCK_REALTIME) >= real0);
	}
	/* Negative times and out-of-range fields. */
	ts.tv_sec = -5;
	ts.tv_nsec = 0;
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), -1);
	assert_int_equal(errno, EINVAL);
	tv.tv_sec = 100;
	tv.tv_usec = -1;
	assert_int_equal(cw_settimeofday(&tv, NULL), -1);
	assert_int_equal(errno, EINVAL);
	/* Before boot: REALTIME below MONOTONIC (10 ms after boot here). */
	ts.tv_sec = 0;
	ts.tv_nsec = 1000;
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(now_ns(CLOCK_REALTIME) - real0 < (int64_t)MS(1));
	/* The last second that is accepted, and it reads back. */
	ts.tv_sec = (time_t)(8277292036LL - 1);
	ts.tv_nsec = 999999999;
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	assert_true(now_ns(CLOCK_REALTIME) >= (8277292036LL - 1) * 1000000000LL + 999999999);
	pa_fini(&p);
}

/* ---- adjtimex ------------------------------------------------------------------ */

/*
 * adjtimex/ntp_adjtime/clock_adjtime against adjtimex(2): the initial
 * state Linux reports, EINVAL cases, clamping, units, the TAI quirk, the
 * adjtime-style slew, and that a frequency change steers clockwork's clocks.
 */
static void test_posix_api_adjtimex_steers_clockwork_as_linux(void **state)
{
	struct pa p;
	struct timex tx;
	int64_t m0, m1, real0;
	uint64_t v0;

	(void)state;
	pa_init(&p);
	/* Read: Linux's boot state (unsynchronised: TIME_ERROR). */
	memset(&tx, 0, sizeof(tx));
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_ERROR);
	print_message("initial: status %#x maxerror %ld esterror %ld constant %ld tick %ld "
		      "tolerance %ld precision %ld\n",
		      (unsigned)tx.status, tx.maxerror, tx.esterror, tx.constant, tx.tick,
		      tx.tolerance, tx.precision);
	assert_true(tx.status & STA_UNSYNC);
	assert_false(tx.status & STA_NANO);
	assert_int_equal(tx.maxerror, 16000000);
	assert_int_equal(tx.tick, 10000);
	assert_int_equal(tx.tolerance, 500L << 16);
	assert_int_equal(tx.precision, 1);
	assert_int_equal(tx.time.tv_sec, now_ns(CLOCK_REALTIME) / 1000000000LL);
	/* EINVAL, nothing changed. */
	tx.modes = ADJ_TICK;
	tx.tick = 8999;
	assert_int_equal(cw_posix_adjtimex(&tx), -1);
	assert_int_equal(errno, EINVAL);
	tx.tick = 11001;
	assert_int_equal(cw_ntp_adjtime(&tx), -1);
	assert_int_equal(errno, EINVAL);
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = 1;
	tx.time.tv_usec = 1000000;
	assert_int_equal(cw_posix_adjtimex(&tx), -1);
	assert_int_equal(errno, EINVAL);
	tx.modes = ADJ_FREQUENCY;
	tx.freq = LONG_MAX;
	assert_int_equal(cw_posix_adjtimex(&tx), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cw_posix_adjtimex(NULL), -1);
	assert_int_equal(errno, EFAULT);
	/* The adjtime bit without the offset bit (Linux: EINVAL). */
	tx.modes = 0x8000;
	assert_int_equal(cw_posix_adjtimex(&tx), -1);
	assert_int_equal(errno, EINVAL);
	tx.modes = 0xa000;
	assert_int_equal(cw_posix_adjtimex(&tx), -1);
	assert_int_equal(errno, EINVAL);
	/* clock_adjtime: REALTIME only; other clocks EOPNOTSUPP, unknown ids EINVAL. */
	memset(&tx, 0, sizeof(tx));
	assert_int_equal(cw_clock_adjtime(CLOCK_REALTIME, &tx), TIME_ERROR);
	assert_int_equal(cw_clock_adjtime(CLOCK_MONOTONIC, &tx), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(cw_clock_adjtime(CLOCK_TAI, &tx), -1);
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(cw_clock_adjtime(10, &tx), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cw_clock_adjtime(16, &tx), -1);
	assert_int_equal(errno, EINVAL);
	/* Synchronised: TIME_OK. Clamps. */
	tx.modes = ADJ_STATUS | ADJ_MAXERROR | ADJ_ESTERROR | ADJ_FREQUENCY;
	tx.status = 0;
	tx.maxerror = 99999999;
	tx.esterror = -5;
	tx.freq = 1000L << 16;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.maxerror, 16000000);
	assert_int_equal(tx.esterror, 0);
	assert_int_equal(tx.freq, 500L << 16);
	/* Time constant: +4 in microsecond mode, as given in nanosecond mode. */
	tx.modes = ADJ_TIMECONST;
	tx.constant = 3;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.constant, 7);
	tx.modes = ADJ_TIMECONST | ADJ_NANO;
	tx.constant = 3;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.constant, 3);
	assert_true(tx.status & STA_NANO);
	assert_true(tx.time.tv_usec >= 1000000);
	tx.modes = ADJ_MICRO;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_false(tx.status & STA_NANO);
	assert_true(tx.time.tv_usec < 1000000);
	/* ADJ_TAI takes the offset from constant (Linux). */
	tx.modes = ADJ_TAI;
	tx.constant = 37;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.tai, 37);
	assert_int_equal(now_ns(CLOCK_TAI) - now_ns(CLOCK_REALTIME) - 37000000000LL < 1000, 1);
	/* adjtime-style slew: returns the previous one; SS_READ returns the current. */
	tx.modes = ADJ_OFFSET_SINGLESHOT;
	tx.offset = 2000;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.offset, 0);
	tx.modes = ADJ_OFFSET_SS_READ;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.offset, 2000);
	/* Stop the slew (it returns what was left: nothing ran yet). */
	tx.modes = ADJ_OFFSET_SINGLESHOT;
	tx.offset = 0;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_int_equal(tx.offset, 2000);
	/* ADJ_SETOFFSET steps REALTIME (us; ns with ADJ_NANO). */
	real0 = now_ns(CLOCK_REALTIME);
	tx.modes = ADJ_SETOFFSET | ADJ_NANO;
	tx.time.tv_sec = 5;
	tx.time.tv_usec = 500;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	assert_true(now_ns(CLOCK_REALTIME) - real0 - 5000000500LL < 1000);
	/* Steering: +100 ppm makes MONOTONIC gain 1 ms in 10 virtual seconds. */
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 100L << 16;
	assert_int_equal(cw_posix_adjtimex(&tx), TIME_OK);
	v0 = cw_sim_now_ns(p.sim);
	m0 = now_ns(CLOCK_MONOTONIC);
	cw_sim_run_until(p.sim, v0 + 10000000000ULL);
	m1 = now_ns(CLOCK_MONOTONIC);
	print_message("freq +100 ppm: MONOTONIC advanced %lld ns in 10 s of counter time\n",
		      (long long)(m1 - m0));
	assert_true(m1 - m0 > 10000000000LL + 900000);
	assert_true(m1 - m0 < 10000000000LL + 1100000);
	pa_fini(&p);
}

/* ---- sleeps ------------------------------------------------------------------- */

static void test_posix_api_relative_nanosleep_runs_virtual_time(void **state)
{
	struct pa p;
	struct timespec req = { 0, 250000000 };
	uint64_t v0;
	int64_t m0, slept;

	(void)state;
	pa_init(&p);
	v0 = cw_sim_now_ns(p.sim);
	m0 = now_ns(CLOCK_MONOTONIC);
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
	slept = now_ns(CLOCK_MONOTONIC) - m0;
	print_message("relative 250 ms sleep took %lld ns of virtual time\n", (long long)slept);
	assert_true(slept >= (int64_t)MS(250));
	assert_true(slept <= (int64_t)MS(250) + (int64_t)US(10));
	assert_true(cw_sim_now_ns(p.sim) - v0 >= MS(250));
	/* nanosleep() and the legacy calls too. */
	m0 = now_ns(CLOCK_MONOTONIC);
	assert_int_equal(cw_nanosleep(&req, NULL), 0);
	assert_int_equal(cw_usleep(100000), 0);
	assert_int_equal(cw_sleep(2), 0);
	slept = now_ns(CLOCK_MONOTONIC) - m0;
	assert_true(slept >= (int64_t)MS(2350));
	assert_true(slept <= (int64_t)MS(2350) + (int64_t)US(30));
	pa_fini(&p);
}

static void test_posix_api_absolute_nanosleep_ends_at_the_time(void **state)
{
	struct pa p;
	int64_t until;
	struct timespec ts;

	(void)state;
	pa_init(&p);
	until = now_ns(CLOCK_MONOTONIC) + (int64_t)MS(1500);
	ts = ts_of(until);
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), 0);
	assert_true(now_ns(CLOCK_MONOTONIC) >= until);
	assert_true(now_ns(CLOCK_MONOTONIC) <= until + (int64_t)US(10));
	/* A past absolute time returns at once. */
	ts = ts_of(until - (int64_t)MS(1));
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL), 0);
	assert_true(now_ns(CLOCK_MONOTONIC) <= until + (int64_t)US(10));
	pa_fini(&p);
}

struct settime_ev {
	struct cw_sim_event ev;
	int64_t real_ns;
};

static void settime_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct settime_ev *s = (struct settime_ev *)ev;
	struct timespec ts = ts_of(s->real_ns);

	(void)sim;
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
}

static void test_posix_api_absolute_realtime_sleep_follows_settime(void **state)
{
	struct pa p;
	struct settime_ev st;
	struct timespec ts;
	int64_t m0, real0, slept;

	(void)state;
	pa_init(&p);
	m0 = now_ns(CLOCK_MONOTONIC);
	real0 = now_ns(CLOCK_REALTIME);
	/* Sleep until REALTIME + 10 s; at 2 s the clock is set 5 s forward. */
	cw_sim_event_init(&st.ev, settime_fn, NULL);
	st.real_ns = real0 + (int64_t)SEC(7);
	cw_sim_event_schedule(p.sim, &st.ev, cw_sim_now_ns(p.sim) + SEC(2));
	ts = ts_of(real0 + (int64_t)SEC(10));
	assert_int_equal(cw_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL), 0);
	slept = now_ns(CLOCK_MONOTONIC) - m0;
	print_message("absolute REALTIME sleep of 10 s with a +5 s settime took %lld ns\n",
		      (long long)slept);
	assert_true(slept >= (int64_t)SEC(5));
	assert_true(slept <= (int64_t)SEC(5) + (int64_t)US(10));
	assert_true(now_ns(CLOCK_REALTIME) >= real0 + (int64_t)SEC(10));
	/* A relative REALTIME sleep measures an interval: a settime does not end it. */
	m0 = now_ns(CLOCK_MONOTONIC);
	st.real_ns = now_ns(CLOCK_REALTIME) + (int64_t)SEC(100);
	cw_sim_event_schedule(p.sim, &st.ev, cw_sim_now_ns(p.sim) + SEC(1));
	ts = ts_of((int64_t)SEC(3));
	assert_int_equal(cw_clock_nanosleep(CLOCK_REALTIME, 0, &ts, NULL), 0);
	slept = now_ns(CLOCK_MONOTONIC) - m0;
	assert_true(slept >= (int64_t)SEC(3));
	assert_true(slept <= (int64_t)SEC(3) + (int64_t)US(10));
	pa_fini(&p);
}

static void test_posix_api_absolute_realtime_sleep_follows_leap_second(void **state)
{
	struct cw_timex tx = { .modes = CW_ADJ_STATUS, .status = CW_STA_INS };
	struct pa p;
	struct timespec ts;
	int64_t m0, slept;

	(void)state;
	/* 23:59:50 UTC on the day a second is inserted. */
	pa_init_at(&p, (MIDNIGHT_S - 10) * 1000000000LL, 36);
	assert_int_equal(cw_adjtimex(p.sys, &tx), CW_TIME_INS);
	m0 = now_ns(CLOCK_MONOTONIC);
	/* Until 00:00:05: 15 s of REALTIME, but 23:59:60 makes it 16 s. */
	ts.tv_sec = MIDNIGHT_S + 5;
	ts.tv_nsec = 0;
	assert_int_equal(cw_clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL), 0);
	slept = now_ns(CLOCK_MONOTONIC) - m0;
	print_message("sleep to 00:00:05 across an inserted leap second took %lld ns\n",
		      (long long)slept);
	assert_true(slept >= (int64_t)SEC(16) - (int64_t)MS(10) - (int64_t)US(10));
	assert_true(slept <= (int64_t)SEC(16) - (int64_t)MS(10) + (int64_t)MS(2));
	assert_true(now_ns(CLOCK_REALTIME) >= (MIDNIGHT_S + 5) * 1000000000LL);
	pa_fini(&p);
}

/* ---- timers --------------------------------------------------------------------- */

static void test_posix_api_interval_timer_counts_overruns_exactly(void **state)
{
	struct pa p;
	siginfo_t info;
	timer_t id;
	struct itimerspec cur;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	arm(id, 0, (int64_t)MS(10), (int64_t)MS(10));
	/* 100 expiries while the signal stays blocked: one signal, 99 overruns. */
	cw_sim_run_for(p.sim, MS(1005));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(info.si_code, SI_TIMER);
	assert_int_equal(info.si_timerid, (int)(intptr_t)id);
	assert_int_equal(info.si_value.sival_int, 4242);
	assert_int_equal(info.si_overrun, 0);
	assert_false(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_getoverrun(id), 99);
	/* 50 more: a new signal, 49 overruns. */
	cw_sim_run_for(p.sim, MS(500));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_getoverrun(id), 49);
	/* Taken at once each time: no overruns. */
	for (int i = 0; i < 5; i++) {
		cw_sim_run_for(p.sim, MS(10));
		assert_true(take(SIGRTMIN, &info));
		assert_int_equal(cw_timer_getoverrun(id), 0);
	}
	/* The next expiry is 5 ms away. */
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), (int64_t)MS(5));
	assert_int_equal(ns_of(&cur.it_interval), (int64_t)MS(10));
	assert_int_equal(cw_timer_delete(id), 0);
	expect_quiet(&p, SIGRTMIN, MS(100));
	pa_fini(&p);
}

static void test_posix_api_absolute_realtime_timer_follows_settime(void **state)
{
	struct pa p;
	struct itimerspec cur;
	struct timespec ts;
	int64_t real0;
	timer_t id;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_REALTIME, SIGRTMIN);
	real0 = now_ns(CLOCK_REALTIME);
	arm(id, TIMER_ABSTIME, real0 + (int64_t)SEC(10), 0);
	cw_sim_run_for(p.sim, SEC(1));
	/* Jump 8 s ahead: the timer is due in 1 s now. */
	ts = ts_of(real0 + (int64_t)SEC(9));
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), (int64_t)SEC(1));
	expect_sig_after(&p, SIGRTMIN, MS(990), MS(20));
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), 0);
	/* Backwards: armed for +2 s, the clock steps back 3 s: 5 s to go. */
	real0 = now_ns(CLOCK_REALTIME);
	arm(id, TIMER_ABSTIME, real0 + (int64_t)SEC(2), 0);
	ts = ts_of(real0 - (int64_t)SEC(3));
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	expect_sig_after(&p, SIGRTMIN, MS(4990), MS(20));
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_absolute_realtime_timer_follows_leap_second(void **state)
{
	struct cw_timex tx = { .modes = CW_ADJ_STATUS, .status = CW_STA_INS };
	struct pa p;
	timer_t id;

	(void)state;
	pa_init_at(&p, (MIDNIGHT_S - 10) * 1000000000LL, 36);
	assert_int_equal(cw_adjtimex(p.sys, &tx), CW_TIME_INS);
	id = make_timer(CLOCK_REALTIME, SIGRTMIN);
	/* 00:00:02: 12 s of REALTIME from 23:59:50, 13 s with 23:59:60. */
	arm(id, TIMER_ABSTIME, (MIDNIGHT_S + 2) * 1000000000LL, 0);
	expect_sig_after(&p, SIGRTMIN, SEC(13) - MS(10) - MS(5), MS(10));
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_timer_settime_returns_old_and_zero_disarms(void **state)
{
	struct pa p;
	struct itimerspec its = { { 0, 0 }, { 0, 0 } }, old;
	siginfo_t info;
	timer_t id;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	arm(id, 0, (int64_t)SEC(3), (int64_t)MS(500));
	cw_sim_run_for(p.sim, SEC(1));
	assert_int_equal(cw_timer_settime(id, 0, &its, &old), 0);
	assert_int_equal(ns_of(&old.it_value), (int64_t)SEC(2));
	assert_int_equal(ns_of(&old.it_interval), (int64_t)MS(500));
	assert_int_equal(cw_timer_gettime(id, &old), 0);
	assert_int_equal(ns_of(&old.it_value), 0);
	assert_int_equal(ns_of(&old.it_interval), 0);
	expect_quiet(&p, SIGRTMIN, SEC(5));
	/* A past absolute time expires at once. */
	arm(id, TIMER_ABSTIME, now_ns(CLOCK_MONOTONIC) - (int64_t)SEC(1), 0);
	cw_sim_run_for(p.sim, US(100));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_sigev_none_timer_reports_remaining(void **state)
{
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	struct itimerspec cur;
	struct pa p;
	timer_t id;

	(void)state;
	pa_init(&p);
	assert_int_equal(cw_timer_create(CLOCK_BOOTTIME, &ev, &id), 0);
	arm(id, 0, (int64_t)MS(10), (int64_t)MS(10));
	cw_sim_run_for(p.sim, MS(25));
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), (int64_t)MS(5));
	/* A one-shot SIGEV_NONE timer reads zero once expired. */
	arm(id, 0, (int64_t)MS(10), 0);
	cw_sim_run_for(p.sim, MS(4));
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), (int64_t)MS(6));
	cw_sim_run_for(p.sim, MS(10));
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), 0);
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_timer_ids_are_small_and_reused(void **state)
{
	timer_t a, b, c, d;
	struct pa p;
	siginfo_t info;

	(void)state;
	pa_init(&p);
	a = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	b = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	c = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	assert_int_equal((intptr_t)a, 0);
	assert_int_equal((intptr_t)b, 1);
	assert_int_equal((intptr_t)c, 2);
	assert_int_equal(cw_timer_delete(b), 0);
	assert_int_equal(cw_posix_api_set_system(NULL), CW_EBUSY);
	d = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	assert_int_equal((intptr_t)d, 1);
	/* A NULL sigevent: SIGALRM, si_value 0 (glibc passes its own sigevent). */
	assert_int_equal(cw_timer_delete(d), 0);
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, NULL, &d), 0);
	assert_int_equal((intptr_t)d, 1);
	arm(d, 0, (int64_t)MS(1), 0);
	cw_sim_run_for(p.sim, MS(2));
	assert_true(take(SIGALRM, &info));
	assert_int_equal(info.si_code, SI_TIMER);
	assert_int_equal(info.si_timerid, 1);
	assert_int_equal(info.si_value.sival_int, 0);
	assert_int_equal(cw_timer_delete(a), 0);
	assert_int_equal(cw_timer_delete(c), 0);
	assert_int_equal(cw_timer_delete(d), 0);
	pa_fini(&p);
}

static void test_posix_api_alarm_and_itimer_deliver_sigalrm(void **state)
{
	struct itimerval it = { { 0, 100000 }, { 0, 250000 } }, cur;
	struct pa p;
	siginfo_t info;

	(void)state;
	pa_init(&p);
	assert_int_equal(cw_alarm(5), 0);
	cw_sim_run_for(p.sim, MS(1500));
	/* 3.5 s left: rounded to nearest. */
	assert_int_equal(cw_alarm(2), 4);
	expect_sig_after(&p, SIGALRM, MS(1990), MS(20));
	assert_int_equal(cw_alarm(0), 0);
	/* ITIMER_REAL: 250 ms, then every 100 ms. */
	assert_int_equal(cw_setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(cw_getitimer(ITIMER_REAL, &cur), 0);
	assert_int_equal(cur.it_value.tv_usec, 250000);
	assert_int_equal(cur.it_interval.tv_usec, 100000);
	cw_sim_run_for(p.sim, MS(260));
	assert_true(take(SIGALRM, &info));
	cw_sim_run_for(p.sim, MS(100));
	assert_true(take(SIGALRM, &info));
	/* Disarm returns the old value. */
	memset(&it, 0, sizeof(it));
	assert_int_equal(cw_setitimer(ITIMER_REAL, &it, &cur), 0);
	assert_int_equal(cur.it_value.tv_usec, 90000);
	expect_quiet(&p, SIGALRM, MS(500));
	/* A NULL new value disarms, returning the old one (Linux, "misfeature support"). */
	it.it_value.tv_sec = 10;
	assert_int_equal(cw_setitimer(ITIMER_REAL, &it, NULL), 0);
	assert_int_equal(cw_setitimer(ITIMER_REAL, NULL, &cur), 0);
	assert_int_equal(cur.it_value.tv_sec, 10);
	assert_int_equal(cw_getitimer(ITIMER_REAL, &cur), 0);
	assert_int_equal(cur.it_value.tv_sec, 0);
	assert_int_equal(cur.it_value.tv_usec, 0);
	expect_quiet(&p, SIGALRM, SEC(11));
	pa_fini(&p);
}

static void test_posix_api_tiny_interval_counts_overruns_up_to_delivery(void **state)
{
	struct pa p;
	siginfo_t info;
	int64_t e0, sent1;
	timer_t id;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	e0 = now_ns(CLOCK_MONOTONIC) + (int64_t)US(1);
	arm(id, 0, (int64_t)US(1), (int64_t)US(1));
	/* Blocked for 10.5 ms: every 1 us period up to the take is an overrun. */
	cw_sim_run_for(p.sim, US(10500));
	assert_true(take(SIGRTMIN, &info));
	print_message("1 us timer, taken after 10.5 ms: overrun %d (expected %lld)\n",
		      cw_timer_getoverrun(id), (long long)((now_ns(CLOCK_MONOTONIC) - e0) / 1000));
	assert_int_equal(cw_timer_getoverrun(id), (now_ns(CLOCK_MONOTONIC) - e0) / 1000);
	/* The count stays fixed until the next delivery. */
	cw_sim_run_for(p.sim, US(300));
	assert_int_equal(cw_timer_getoverrun(id), 10499);
	/* Re-armed at the first period after the delivery: the next signal counts from there. */
	sent1 = e0 + (int64_t)US(10500);
	cw_sim_run_for(p.sim, MS(2));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_getoverrun(id), (now_ns(CLOCK_MONOTONIC) - sent1) / 1000);
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_overrun_count_saturates_at_delaytimer_max(void **state)
{
	struct pa p;
	siginfo_t info;
	timer_t id;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	arm(id, 0, 1, 1);
	/* 3e9 periods of 1 ns: more than DELAYTIMER_MAX (INT_MAX). */
	cw_sim_run_for(p.sim, SEC(3));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_getoverrun(id), INT_MAX);
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_past_absolute_expiry_is_delivered_by_settime(void **state)
{
	struct itimerspec cur;
	struct pa p;
	siginfo_t info;
	int64_t now;
	timer_t id;

	(void)state;
	pa_init(&p);
	cw_sim_run_for(p.sim, SEC(2));
	id = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	now = now_ns(CLOCK_MONOTONIC);
	/* One-shot in the past: settime itself queues the signal, no interrupt needed. */
	arm(id, TIMER_ABSTIME, now - (int64_t)SEC(1), 0);
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(info.si_code, SI_TIMER);
	assert_int_equal(cw_timer_getoverrun(id), 0);
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), 0);
	/* Periodic, started 10.5 periods ago: 11 expiries are due, 10 are overruns. */
	arm(id, TIMER_ABSTIME, now - (int64_t)US(10500), (int64_t)MS(1));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(info.si_overrun, 10);
	assert_int_equal(cw_timer_getoverrun(id), 10);
	/* The next expiry is the 12th: half a period from now. */
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), (int64_t)US(500));
	assert_int_equal(ns_of(&cur.it_interval), (int64_t)MS(1));
	expect_sig_after(&p, SIGRTMIN, US(400), US(200));
	assert_int_equal(cw_timer_getoverrun(id), 0);
	/* An absolute time equal to now is past too (Linux: expires <= now). */
	arm(id, TIMER_ABSTIME, now_ns(CLOCK_MONOTONIC), 0);
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_rearm_replaces_the_setting(void **state)
{
	struct itimerspec its, old;
	struct pa p;
	siginfo_t info;
	timer_t id;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	/* Armed for 10 s, re-armed after 1 s for 2 s: fires at 3 s. */
	arm(id, 0, (int64_t)SEC(10), 0);
	cw_sim_run_for(p.sim, SEC(1));
	its.it_value = ts_of((int64_t)SEC(2));
	its.it_interval = ts_of(0);
	assert_int_equal(cw_timer_settime(id, 0, &its, &old), 0);
	assert_int_equal(ns_of(&old.it_value), (int64_t)SEC(9));
	expect_sig_after(&p, SIGRTMIN, SEC(2) - MS(1), MS(2));
	/* Re-armed while its signal is pending: the count starts again. */
	arm(id, 0, (int64_t)MS(10), (int64_t)MS(10));
	cw_sim_run_for(p.sim, MS(105));
	assert_int_equal(cw_timer_gettime(id, &old), 0);
	assert_int_equal(ns_of(&old.it_value), (int64_t)MS(5));
	its.it_value = ts_of((int64_t)SEC(1));
	assert_int_equal(cw_timer_settime(id, 0, &its, &old), 0);
	assert_int_equal(ns_of(&old.it_value), (int64_t)MS(5));
	assert_int_equal(ns_of(&old.it_interval), (int64_t)MS(10));
	assert_int_equal(cw_timer_getoverrun(id), 0);
	drain(SIGRTMIN);
	cw_sim_run_for(p.sim, MS(500));
	assert_int_equal(cw_timer_getoverrun(id), 0);
	assert_false(take(SIGRTMIN, &info));
	/* Disarm: it_value 0 clears the interval too. */
	its.it_value = ts_of(0);
	its.it_interval = ts_of((int64_t)MS(7));
	assert_int_equal(cw_timer_settime(id, 0, &its, &old), 0);
	assert_int_equal(cw_timer_gettime(id, &old), 0);
	assert_int_equal(ns_of(&old.it_value), 0);
	assert_int_equal(ns_of(&old.it_interval), 0);
	expect_quiet(&p, SIGRTMIN, SEC(1));
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_periodic_absolute_realtime_timer_counts_a_clock_step(void **state)
{
	struct itimerspec cur;
	struct timespec ts;
	struct pa p;
	siginfo_t info;
	int64_t real0;
	timer_t id;

	(void)state;
	pa_init(&p);
	id = make_timer(CLOCK_REALTIME, SIGRTMIN);
	real0 = now_ns(CLOCK_REALTIME);
	/* Every second from real0 + 1 s, absolute. */
	arm(id, TIMER_ABSTIME, real0 + (int64_t)SEC(1), (int64_t)SEC(1));
	cw_sim_run_for(p.sim, MS(500));
	/* The clock steps to real0 + 12.5 s: 12 expiries are due at once, 11 overruns. */
	ts = ts_of(real0 + (int64_t)SEC(12) + (int64_t)MS(500));
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	cw_sim_run_for(p.sim, MS(1));
	assert_true(take(SIGRTMIN, &info));
	assert_int_equal(cw_timer_getoverrun(id), 11);
	/* Next: real0 + 13 s, half a second away (less the 1 ms run). */
	assert_int_equal(cw_timer_gettime(id, &cur), 0);
	assert_int_equal(ns_of(&cur.it_value), (int64_t)MS(499));
	/* A step back by 10 s: the next expiry is 10.5 s away now. */
	ts = ts_of(now_ns(CLOCK_REALTIME) - (int64_t)SEC(10));
	assert_int_equal(cw_clock_settime(CLOCK_REALTIME, &ts), 0);
	expect_sig_after(&p, SIGRTMIN, SEC(10), MS(600));
	assert_int_equal(cw_timer_getoverrun(id), 0);
	assert_int_equal(cw_timer_delete(id), 0);
	pa_fini(&p);
}

static void test_posix_api_timer_create_is_eagain_at_rlimit_sigpending(void **state)
{
	struct rlimit saved, rl;
	struct sigevent ev;
	timer_t a, b, c;
	struct pa p;

	(void)state;
	pa_init(&p);
	/* Linux charges every timer to RLIMIT_SIGPENDING. */
	assert_int_equal(getrlimit(RLIMIT_SIGPENDING, &saved), 0);
	rl = saved;
	rl.rlim_cur = 2;
	assert_int_equal(setrlimit(RLIMIT_SIGPENDING, &rl), 0);
	a = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	b = make_timer(CLOCK_MONOTONIC, SIGRTMIN);
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = SIGRTMIN;
	errno = 0;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &c), -1);
	assert_int_equal(errno, EAGAIN);
	/* The limit is checked before the sigevent, as Linux does. */
	ev.sigev_signo = 0;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &c), -1);
	assert_int_equal(errno, EAGAIN);
	/* A bad clock is still EINVAL. */
	assert_int_equal(cw_timer_create(10, &ev, &c), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(cw_timer_delete(a), 0);
	ev.sigev_signo = SIGRTMIN;
	assert_int_equal(cw_timer_create(CLOCK_MONOTONIC, &ev, &c), 0);
	assert_int_equal(setrlimit(RLIMIT_SIGPENDING, &saved), 0);
	assert_int_equal(cw_timer_delete(b), 0);
	assert_int_equal(cw_timer_delete(c), 0);
	pa_fini(&p);
}

static void test_posix_api_sleep_without_tick_device_is_edeadlk(void **state)
{
	struct cw_sim *sim;
	struct cw_system *sys;
	struct timespec ts = { 1, 0 };

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(cw_sim_system_create(sim, NULL, false, &sys), 0);
	assert_int_equal(cw_posix_api_set_system(sys), 0);
	/* Nothing in the engine can ever fire the sleeper's hrtimer. */
	assert_int_equal(cw_clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL), EDEADLK);
	assert_int_equal(cw_posix_api_set_system(NULL), 0);
	cw_system_destroy(sys);
	cw_sim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_posix_api_error_cases_match_posix),
		cmocka_unit_test(test_posix_api_clocks_read_the_system),
		cmocka_unit_test(test_posix_api_settime_moves_only_clockwork_realtime),
		cmocka_unit_test(test_posix_api_settime_refuses_times_linux_refuses),
		cmocka_unit_test(test_posix_api_adjtimex_steers_clockwork_as_linux),
		cmocka_unit_test(test_posix_api_relative_nanosleep_runs_virtual_time),
		cmocka_unit_test(test_posix_api_absolute_nanosleep_ends_at_the_time),
		cmocka_unit_test(test_posix_api_absolute_realtime_sleep_follows_settime),
		cmocka_unit_test(test_posix_api_absolute_realtime_sleep_follows_leap_second),
		cmocka_unit_test(test_posix_api_interval_timer_counts_overruns_exactly),
		cmocka_unit_test(test_posix_api_absolute_realtime_timer_follows_settime),
		cmocka_unit_test(test_posix_api_absolute_realtime_timer_follows_leap_second),
		cmocka_unit_test(test_posix_api_timer_settime_returns_old_and_zero_disarms),
		cmocka_unit_test(test_posix_api_sigev_none_timer_reports_remaining),
		cmocka_unit_test(test_posix_api_timer_ids_are_small_and_reused),
		cmocka_unit_test(test_posix_api_alarm_and_itimer_deliver_sigalrm),
		cmocka_unit_test(test_posix_api_sleep_without_tick_device_is_edeadlk),
		cmocka_unit_test(test_posix_api_tiny_interval_counts_overruns_up_to_delivery),
		cmocka_unit_test(test_posix_api_overrun_count_saturates_at_delaytimer_max),
		cmocka_unit_test(test_posix_api_past_absolute_expiry_is_delivered_by_settime),
		cmocka_unit_test(test_posix_api_rearm_replaces_the_setting),
		cmocka_unit_test(test_posix_api_timer_create_is_eagain_at_rlimit_sigpending),
		cmocka_unit_test(
			test_posix_api_periodic_absolute_realtime_timer_counts_a_clock_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
