/* SPDX-License-Identifier: MIT */
/*
 * timer_create, timer_settime, timer_gettime, timer_getoverrun and
 * timer_delete with SIGEV_SIGNAL and SIGEV_NONE: errors and errno, every
 * clock id, relative and absolute arming, past absolute times, re-arming
 * an armed timer, disarming, interval reload, overrun counts with the
 * signal blocked (exact, and capped at DELAYTIMER_MAX), an ignored signal,
 * and the siginfo of each expiry (POSIX.1-2017 timer_create(),
 * timer_settime(), timer_getoverrun(); Linux timer_create(2),
 * timer_settime(2), timer_getoverrun(2)). Expiries are collected with
 * sigtimedwait on a blocked signal, so nothing waits without a bound.
 */
#include "diffprog.h"

#include <limits.h>

#define SIG (SIGRTMIN + 1)

static void say_info(const char *what, const siginfo_t *info, timer_t t)
{
	say("%s: si_signo %s, si_code %s, si_value %d, si_timerid is the timer's: %s", what,
	    signame(info->si_signo), codename(info->si_code), info->si_value.sival_int,
	    info->si_timerid == (int)(intptr_t)t ? "yes" : "no");
}

static void create_errors(void)
{
	struct sigevent sev = sev_signal(SIG, 1);
	timer_t t;
	size_t i;

	for (i = next_clock_id(IDS_TIMERS, 0); i < NR_CLOCK_IDS;
	     i = next_clock_id(IDS_TIMERS, i + 1)) {
		char what[96];
		int rc;

		snprintf(what, sizeof(what), "timer_create %s SIGEV_SIGNAL", clock_ids[i].name);
		errno = 0;
		rc = timer_create(clock_ids[i].id, &sev, &t);
		say_rc(what, rc, errno);
		if (rc == 0) {
			snprintf(what, sizeof(what), "  timer_delete %s", clock_ids[i].name);
			SAY_RC(what, timer_delete(t));
		}
	}
	sev.sigev_notify = 99;
	SAY_RC("timer_create sigev_notify=99", timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev.sigev_notify = SIGEV_THREAD_ID | SIGEV_THREAD;
	SAY_RC("timer_create sigev_notify=SIGEV_THREAD_ID|SIGEV_THREAD",
	       timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev = sev_signal(0, 1);
	SAY_RC("timer_create SIGEV_SIGNAL signo 0", timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev = sev_signal(SIGRTMAX + 1, 1);
	SAY_RC("timer_create SIGEV_SIGNAL signo SIGRTMAX+1",
	       timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev = sev_signal(-1, 1);
	SAY_RC("timer_create SIGEV_SIGNAL signo -1", timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev = sev_signal(SIGKILL, 1);
	errno = 0;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) == 0) {
		say("timer_create SIGEV_SIGNAL SIGKILL: 0");
		timer_delete(t);
	} else {
		say("timer_create SIGEV_SIGNAL SIGKILL: -1 %s", errname(errno));
	}
	sev = sev_signal(0, 1);
	sev.sigev_notify = SIGEV_NONE;
	errno = 0;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) == 0) {
		say("timer_create SIGEV_NONE signo 0: 0");
		timer_delete(t);
	} else {
		say("timer_create SIGEV_NONE signo 0: -1 %s", errname(errno));
	}
	sev = sev_signal(SIG, 1);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev._sigev_un._tid = 1;
	SAY_RC("timer_create SIGEV_THREAD_ID tid 1 (another process)",
	       timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev._sigev_un._tid = 0;
	SAY_RC("timer_create SIGEV_THREAD_ID tid 0", timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev._sigev_un._tid = -5;
	SAY_RC("timer_create SIGEV_THREAD_ID tid -5", timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev._sigev_un._tid = my_tid();
	sev.sigev_signo = 0;
	SAY_RC("timer_create SIGEV_THREAD_ID own tid, signo 0",
	       timer_create(CLOCK_MONOTONIC, &sev, &t));
	sev.sigev_signo = SIG;
	errno = 0;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) == 0) {
		say("timer_create SIGEV_THREAD_ID own tid: 0");
		timer_delete(t);
	} else {
		say("timer_create SIGEV_THREAD_ID own tid: -1 %s", errname(errno));
	}
}

static void id_errors(void)
{
	struct sigevent sev = sev_signal(SIG, 1);
	struct itimerspec its = its_ns(NSEC_PER_SEC, 0), cur;
	timer_t bogus = (timer_t)(intptr_t)4242, t, live;

	SAY_RC("timer_settime unknown id", timer_settime(bogus, 0, &its, NULL));
	SAY_RC("timer_gettime unknown id", timer_gettime(bogus, &cur));
	SAY_RC("timer_getoverrun unknown id", timer_getoverrun(bogus));
	SAY_RC("timer_delete unknown id", timer_delete(bogus));

	timer_create(CLOCK_MONOTONIC, &sev, &live);
	timer_create(CLOCK_MONOTONIC, &sev, &t);
	SAY_RC("timer_delete", timer_delete(t));
	SAY_RC("timer_settime deleted id", timer_settime(t, 0, &its, NULL));
	SAY_RC("timer_gettime deleted id", timer_gettime(t, &cur));
	SAY_RC("timer_getoverrun deleted id", timer_getoverrun(t));
	SAY_RC("timer_delete deleted id", timer_delete(t));

	SAY_RC("timer_settime flags=2", timer_settime(live, 2, &its, NULL));
	SAY_RC("timer_settime flags=-1", timer_settime(live, -1, &its, NULL));
	its.it_value.tv_nsec = 1000000000L;
	SAY_RC("timer_settime it_value.tv_nsec=1e9", timer_settime(live, 0, &its, NULL));
	its.it_value.tv_nsec = -1;
	SAY_RC("timer_settime it_value.tv_nsec=-1", timer_settime(live, 0, &its, NULL));
	its = its_ns(0, 0);
	its.it_value.tv_sec = -1;
	SAY_RC("timer_settime it_value.tv_sec=-1", timer_settime(live, 0, &its, NULL));
	its = its_ns(0, 0);
	its.it_interval.tv_nsec = 1000000000L;
	SAY_RC("timer_settime it_value 0, it_interval.tv_nsec=1e9",
	       timer_settime(live, 0, &its, NULL));
	its = its_ns(NSEC_PER_SEC, 0);
	its.it_interval.tv_sec = -1;
	SAY_RC("timer_settime it_interval.tv_sec=-1", timer_settime(live, 0, &its, NULL));
	its = its_ns(NSEC_PER_SEC, 0);
	its.it_value.tv_sec = -1;
	SAY_RC("timer_settime absolute it_value.tv_sec=-1",
	       timer_settime(live, TIMER_ABSTIME, &its, NULL));
	SAY_RC("timer_gettime", timer_gettime(live, &cur));
	/* flags=-1 has the TIMER_ABSTIME bit: 1 s after the clock's zero, long past. */
	check("  disarmed (flags=-1 armed 1 s absolute, past; the rest failed)",
	      ts_ns(&cur.it_value) == 0);
	SAY_RC("timer_delete", timer_delete(live));
	/* flags=-1 expired at once and queued a signal: Linux >= 6.13 drops it
	 * with the timer. */
	say("  its queued signal still pending after timer_delete: %s",
	    sig_is_pending(SIG) ? "yes" : "no");
	drain_sig(SIG);
}

/*
 * Expect exactly one expiry of @t (signal SIG blocked), @not_before_ms or
 * more after @h0 (host time), and when @at_once within 100 ms of @h0.
 */
static void one_expiry_at(const char *what, timer_t t, int value, int64_t h0, int64_t not_before_ms,
			  bool at_once)
{
	siginfo_t info;
	struct itimerspec cur;
	char line[160];
	int got;

	memset(&info, 0, sizeof(info));
	got = wait_sig_ms(SIG, &info, 2000);
	snprintf(line, sizeof(line), "%s: signal within 2 s", what);
	check(line, got == SIG);
	if (got != SIG) {
		return;
	}
	snprintf(line, sizeof(line), "%s: not before %lld ms", what, (long long)not_before_ms);
	check(line, host_mono_ns() - h0 >= not_before_ms * NSEC_PER_MSEC);
	if (at_once) {
		snprintf(line, sizeof(line), "%s: at once (< 100 ms)", what);
		check(line, host_mono_ns() - h0 < 100 * NSEC_PER_MSEC);
	}
	snprintf(line, sizeof(line), "%s: siginfo", what);
	say_info(line, &info, t);
	snprintf(line, sizeof(line), "%s: si_value is the one given", what);
	check(line, info.si_value.sival_int == value);
	snprintf(line, sizeof(line), "%s: si_overrun", what);
	say("%s %d", line, info.si_overrun);
	snprintf(line, sizeof(line), "%s: timer_getoverrun", what);
	SAY_RC(line, timer_getoverrun(t));
	timer_gettime(t, &cur);
	snprintf(line, sizeof(line), "%s: disarmed afterwards", what);
	check(line, ts_ns(&cur.it_value) == 0 && ts_ns(&cur.it_interval) == 0);
	snprintf(line, sizeof(line), "%s: no second signal in 100 ms", what);
	check(line, wait_sig_ms(SIG, &info, 100) == 0);
}

static void one_expiry(const char *what, timer_t t, int value, int64_t h0, int64_t not_before_ms)
{
	one_expiry_at(what, t, value, h0, not_before_ms, false);
}

static void arming(void)
{
	struct sigevent sev = sev_signal(SIG, 42);
	struct itimerspec its, old, cur;
	timer_t t;
	int64_t h0;
	size_t i;
	static const clockid_t abs_ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME,
					     CLOCK_TAI };
	static const char *abs_names[] = { "REALTIME", "MONOTONIC", "BOOTTIME", "TAI" };

	SAY_RC("timer_create MONOTONIC SIGEV_SIGNAL", timer_create(CLOCK_MONOTONIC, &sev, &t));
	SAY_RC("timer_gettime new timer", timer_gettime(t, &cur));
	check("  new timer disarmed", ts_ns(&cur.it_value) == 0 && ts_ns(&cur.it_interval) == 0);
	SAY_RC("timer_getoverrun new timer", timer_getoverrun(t));

	/* Relative one-shot. */
	its = its_ns(50 * NSEC_PER_MSEC, 0);
	h0 = host_mono_ns();
	SAY_RC("timer_settime relative 50 ms", timer_settime(t, 0, &its, &old));
	check("  old value of a disarmed timer is zero",
	      ts_ns(&old.it_value) == 0 && ts_ns(&old.it_interval) == 0);
	timer_gettime(t, &cur);
	check("  gettime: 0 < it_value <= 50 ms, it_interval 0",
	      ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 50 * NSEC_PER_MSEC &&
		      ts_ns(&cur.it_interval) == 0);
	one_expiry("relative 50 ms", t, 42, h0, 50);

	/* Absolute on each clock, then in the past. */
	for (i = 0; i < sizeof(abs_ids) / sizeof(abs_ids[0]); i++) {
		timer_t ta;
		char what[96];

		timer_create(abs_ids[i], &sev, &ta);
		its = its_ns(clock_ns(abs_ids[i]) + 50 * NSEC_PER_MSEC, 0);
		h0 = host_mono_ns();
		snprintf(what, sizeof(what), "timer_settime %s absolute now+50 ms", abs_names[i]);
		SAY_RC(what, timer_settime(ta, TIMER_ABSTIME, &its, NULL));
		timer_gettime(ta, &cur);
		snprintf(what, sizeof(what),
			 "  %s absolute: gettime is relative, 0 < it_value <= 50 ms", abs_names[i]);
		check(what, ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 50 * NSEC_PER_MSEC);
		snprintf(what, sizeof(what), "%s absolute now+50 ms", abs_names[i]);
		one_expiry(what, ta, 42, h0, 50);
		snprintf(what, sizeof(what), "  %s absolute: clock past the target at delivery",
			 abs_names[i]);
		check(what, clock_ns(abs_ids[i]) >= ts_ns(&its.it_value));

		its = its_ns(clock_ns(abs_ids[i]) - NSEC_PER_SEC, 0);
		h0 = host_mono_ns();
		snprintf(what, sizeof(what), "timer_settime %s absolute 1 s ago", abs_names[i]);
		SAY_RC(what, timer_settime(ta, TIMER_ABSTIME, &its, NULL));
		snprintf(what, sizeof(what), "%s absolute 1 s ago", abs_names[i]);
		one_expiry_at(what, ta, 42, h0, 0, true);

		its = its_ns(1, 0);
		snprintf(what, sizeof(what), "timer_settime %s absolute 1 ns", abs_names[i]);
		h0 = host_mono_ns();
		SAY_RC(what, timer_settime(ta, TIMER_ABSTIME, &its, NULL));
		snprintf(what, sizeof(what), "%s absolute 1 ns", abs_names[i]);
		one_expiry_at(what, ta, 42, h0, 0, true);
		timer_delete(ta);
	}

	/* A relative value of 1 ns: due at once. */
	its = its_ns(1, 0);
	h0 = host_mono_ns();
	SAY_RC("timer_settime relative 1 ns", timer_settime(t, 0, &its, NULL));
	one_expiry_at("relative 1 ns", t, 42, h0, 0, true);

	/* Re-arm an armed timer sooner: one expiry, at the new time. */
	its = its_ns(NSEC_PER_SEC, 0);
	timer_settime(t, 0, &its, NULL);
	its = its_ns(50 * NSEC_PER_MSEC, 0);
	h0 = host_mono_ns();
	SAY_RC("re-arm a 1 s timer to 50 ms", timer_settime(t, 0, &its, &old));
	check("  old it_value in (500 ms, 1 s]",
	      ts_ns(&old.it_value) > 500 * NSEC_PER_MSEC && ts_ns(&old.it_value) <= NSEC_PER_SEC);
	one_expiry("re-armed to 50 ms", t, 42, h0, 50);

	/* Re-arm later: nothing at the old time. */
	its = its_ns(50 * NSEC_PER_MSEC, 0);
	timer_settime(t, 0, &its, NULL);
	its = its_ns(400 * NSEC_PER_MSEC, 0);
	h0 = host_mono_ns();
	SAY_RC("re-arm a 50 ms timer to 400 ms", timer_settime(t, 0, &its, &old));
	{
		siginfo_t info;

		check("  nothing within 200 ms", wait_sig_ms(SIG, &info, 200) == 0);
	}
	one_expiry("re-armed to 400 ms", t, 42, h0, 400);

	/* Re-arm an absolute timer with a relative time. */
	its = its_ns(mono_ns() + NSEC_PER_SEC, 0);
	timer_settime(t, TIMER_ABSTIME, &its, NULL);
	its = its_ns(30 * NSEC_PER_MSEC, 0);
	h0 = host_mono_ns();
	SAY_RC("re-arm an absolute +1 s timer relative 30 ms", timer_settime(t, 0, &its, &old));
	check("  old it_value (relative) in (500 ms, 1 s]",
	      ts_ns(&old.it_value) > 500 * NSEC_PER_MSEC && ts_ns(&old.it_value) <= NSEC_PER_SEC);
	one_expiry("re-armed relative 30 ms", t, 42, h0, 30);

	/* Disarm. */
	its = its_ns(100 * NSEC_PER_MSEC, 0);
	timer_settime(t, 0, &its, NULL);
	its = its_ns(0, 0);
	SAY_RC("disarm an armed 100 ms timer", timer_settime(t, 0, &its, &old));
	check("  old it_value in (0, 100 ms]",
	      ts_ns(&old.it_value) > 0 && ts_ns(&old.it_value) <= 100 * NSEC_PER_MSEC);
	timer_gettime(t, &cur);
	check("  gettime zero", ts_ns(&cur.it_value) == 0 && ts_ns(&cur.it_interval) == 0);
	{
		siginfo_t info;

		check("  no signal in 250 ms", wait_sig_ms(SIG, &info, 250) == 0);
	}
	SAY_RC("disarm a disarmed timer", timer_settime(t, 0, &its, &old));
	check("  old value zero", ts_ns(&old.it_value) == 0 && ts_ns(&old.it_interval) == 0);

	/* An interval with a zero value leaves the timer disarmed. */
	its = its_ns(0, 10 * NSEC_PER_MSEC);
	SAY_RC("settime it_value 0, it_interval 10 ms", timer_settime(t, 0, &its, NULL));
	timer_gettime(t, &cur);
	check("  gettime it_value 0", ts_ns(&cur.it_value) == 0);
	say("  gettime it_interval after (ms): %lld",
	    (long long)(ts_ns(&cur.it_interval) / NSEC_PER_MSEC));
	{
		siginfo_t info;

		check("  no signal in 100 ms", wait_sig_ms(SIG, &info, 100) == 0);
	}
	timer_settime(t, 0, &(struct itimerspec){ { 0, 0 }, { 0, 0 } }, NULL);

	/* Interval reload. */
	its = its_ns(20 * NSEC_PER_MSEC, 20 * NSEC_PER_MSEC);
	h0 = host_mono_ns();
	SAY_RC("timer_settime 20 ms, interval 20 ms", timer_settime(t, 0, &its, NULL));
	{
		siginfo_t info;
		int n = 0, codes_ok = 1, k;

		for (k = 0; k < 5; k++) {
			if (wait_sig_ms(SIG, &info, 2000) == SIG) {
				n++;
				codes_ok &=
					info.si_code == SI_TIMER && info.si_value.sival_int == 42;
			}
		}
		check("  5 signals within 10 s", n == 5);
		check("  each SI_TIMER with the value", codes_ok);
		check("  not before 100 ms", host_mono_ns() - h0 >= 100 * NSEC_PER_MSEC);
		timer_gettime(t, &cur);
		check("  gettime it_interval 20 ms", ts_ns(&cur.it_interval) == 20 * NSEC_PER_MSEC);
		check("  gettime it_value in (0, 20 ms]",
		      ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 20 * NSEC_PER_MSEC);
		its = its_ns(0, 0);
		SAY_RC("  disarm the periodic timer", timer_settime(t, 0, &its, &old));
		check("  old it_interval 20 ms", ts_ns(&old.it_interval) == 20 * NSEC_PER_MSEC);
		drain_sig(SIG);
		check("  no signal in 100 ms after disarm", wait_sig_ms(SIG, &info, 100) == 0);
	}
	/* Absolute periodic whose start is 1 s past: overruns at the first delivery. */
	its = its_ns(mono_ns() - NSEC_PER_SEC, 100 * NSEC_PER_MSEC);
	SAY_RC("timer_settime absolute 1 s ago, interval 100 ms",
	       timer_settime(t, TIMER_ABSTIME, &its, NULL));
	{
		siginfo_t info;
		int got = wait_sig_ms(SIG, &info, 2000), ov;

		check("  signal at once", got == SIG);
		ov = timer_getoverrun(t);
		check("  timer_getoverrun in [9, 11]", ov >= 9 && ov <= 11);
		check("  si_overrun in [9, 11]", info.si_overrun >= 9 && info.si_overrun <= 11);
		timer_settime(t, 0, &(struct itimerspec){ { 0, 0 }, { 0, 0 } }, NULL);
		drain_sig(SIG);
	}
	SAY_RC("timer_delete", timer_delete(t));
}

/* Overruns while the signal stays blocked: counted to the delivery. */
static void overruns(const char *what, int64_t interval_ns, int64_t blocked_ms)
{
	struct sigevent sev = sev_signal(SIG, 7);
	struct itimerspec its = its_ns(interval_ns, interval_ns);
	siginfo_t info;
	timer_t t;
	int64_t a0, a1, w0, w1, lo, hi;
	/* lo: periods ended before the take began; hi: by when the count was read. */
	int ov, got;
	char line[160];

	timer_create(CLOCK_MONOTONIC, &sev, &t);
	a0 = mono_ns();
	timer_settime(t, 0, &its, NULL);
	a1 = mono_ns();
	host_sleep_ms(blocked_ms);
	w0 = mono_ns();
	got = wait_sig_ms(SIG, &info, 2000);
	ov = timer_getoverrun(t);
	w1 = mono_ns();
	timer_delete(t);
	drain_sig(SIG);

	/* Periods that ended between the first expiry and the delivery. */
	lo = (w0 - (a1 + interval_ns)) / interval_ns - 1;
	hi = (w1 - a0) / interval_ns;
	snprintf(line, sizeof(line), "%s: one signal", what);
	check(line, got == SIG);
	if (hi > INT_MAX) {
		hi = INT_MAX;
	}
	if (lo > INT_MAX) {
		lo = INT_MAX;
	}
	snprintf(line, sizeof(line), "%s: timer_getoverrun counts every period to the delivery",
		 what);
	check(line, ov >= lo && ov <= hi);
	if (ov < lo || ov > hi) {
		say("  (got %d, expected %lld..%lld)", ov, (long long)lo, (long long)hi);
	}
	snprintf(line, sizeof(line), "%s: si_overrun equals timer_getoverrun", what);
	check(line, info.si_overrun == ov);
	if (lo == INT_MAX) {
		snprintf(line, sizeof(line), "%s: capped at DELAYTIMER_MAX (INT_MAX)", what);
		check(line, ov == INT_MAX);
	}
}

/* The count is fixed at the delivery: asking later gives the same (Linux). */
static void overrun_fixed_at_delivery(void)
{
	struct sigevent sev = sev_signal(SIG, 7);
	struct itimerspec its = its_ns(NSEC_PER_MSEC, NSEC_PER_MSEC);
	siginfo_t info;
	timer_t t;
	int ov_now, ov_later;

	timer_create(CLOCK_MONOTONIC, &sev, &t);
	timer_settime(t, 0, &its, NULL);
	host_sleep_ms(100);
	wait_sig_ms(SIG, &info, 2000);
	ov_now = timer_getoverrun(t);
	host_sleep_ms(100);
	ov_later = timer_getoverrun(t);
	check("1 ms interval, blocked 100 ms: count at the take >= 90", ov_now >= 90);
	check("1 ms interval: timer_getoverrun 100 ms after the take is the count at the take (+-2)",
	      ov_later >= ov_now - 2 && ov_later <= ov_now + 2);
	if (ov_later < ov_now - 2 || ov_later > ov_now + 2) {
		say("  (at the take %d, 100 ms later %d)", ov_now, ov_later);
	}
	timer_delete(t);
	drain_sig(SIG);
}

/* A periodic timer whose signal is ignored keeps running (Linux 6.13+ too). */
static void ignored(void)
{
	struct sigevent sev = sev_signal(SIG, 9);
	struct itimerspec its = its_ns(10 * NSEC_PER_MSEC, 10 * NSEC_PER_MSEC);
	siginfo_t info;
	timer_t t;

	signal(SIG, SIG_IGN);
	timer_create(CLOCK_MONOTONIC, &sev, &t);
	timer_settime(t, 0, &its, NULL);
	host_sleep_ms(100);
	signal(SIG, SIG_DFL);
	sig_block(SIG, true);
	check("periodic timer with its signal ignored: signals again once not ignored",
	      wait_sig_ms(SIG, &info, 1000) == SIG);
	timer_delete(t);
	drain_sig(SIG);
}

static void sigev_none(void)
{
	struct sigevent sev;
	struct itimerspec its, cur;
	timer_t t;
	siginfo_t info;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	SAY_RC("timer_create SIGEV_NONE", timer_create(CLOCK_MONOTONIC, &sev, &t));
	its = its_ns(50 * NSEC_PER_MSEC, 0);
	SAY_RC("  settime 50 ms", timer_settime(t, 0, &its, NULL));
	timer_gettime(t, &cur);
	check("  gettime in (0, 50 ms]",
	      ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 50 * NSEC_PER_MSEC);
	host_sleep_ms(100);
	timer_gettime(t, &cur);
	check("  expired: gettime zero", ts_ns(&cur.it_value) == 0);
	its = its_ns(30 * NSEC_PER_MSEC, 30 * NSEC_PER_MSEC);
	SAY_RC("  settime 30 ms, interval 30 ms", timer_settime(t, 0, &its, NULL));
	host_sleep_ms(100);
	timer_gettime(t, &cur);
	check("  periodic: gettime it_value in (0, 30 ms]",
	      ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 30 * NSEC_PER_MSEC);
	check("  periodic: gettime it_interval 30 ms",
	      ts_ns(&cur.it_interval) == 30 * NSEC_PER_MSEC);
	SAY_RC("  timer_getoverrun", timer_getoverrun(t));
	its = its_ns(mono_ns() - NSEC_PER_SEC, 0);
	SAY_RC("  settime absolute 1 s ago", timer_settime(t, TIMER_ABSTIME, &its, NULL));
	timer_gettime(t, &cur);
	check("  gettime zero", ts_ns(&cur.it_value) == 0);
	check("  no signal",
	      wait_sig_ms(SIG, &info, 50) == 0 && wait_sig_ms(SIGALRM, &info, 0) == 0);
	SAY_RC("  timer_delete", timer_delete(t));
}

/* A CPU-time timer fires as the process uses CPU (another thread burns). */
static void cpu_timer(void)
{
	struct sigevent sev = sev_signal(SIG, 31);
	struct itimerspec its = its_ns(20 * NSEC_PER_MSEC, 0), cur;
	pthread_t burner;
	siginfo_t info;
	timer_t t;
	int got;

	SAY_RC("timer_create PROCESS_CPUTIME_ID SIGEV_SIGNAL",
	       timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t));
	SAY_RC("  timer_settime 20 ms of CPU", timer_settime(t, 0, &its, NULL));
	timer_gettime(t, &cur);
	check("  gettime in (0, 20 ms]",
	      ts_ns(&cur.it_value) > 0 && ts_ns(&cur.it_value) <= 20 * NSEC_PER_MSEC);
	pthread_create(&burner, NULL, burn_fn, NULL);
	memset(&info, 0, sizeof(info));
	got = wait_sig_ms(SIG, &info, 3000);
	__atomic_store_n(&burn_stop, 1, __ATOMIC_RELAXED);
	pthread_join(burner, NULL);
	say("  signal %s", signame(got));
	if (got) {
		say_info("  CPU-time timer", &info, t);
	}
	SAY_RC("  timer_delete", timer_delete(t));
}

/* evp NULL: SIGALRM with the timer id as sival_int. */
static void null_evp(void)
{
	struct itimerspec its = its_ns(10 * NSEC_PER_MSEC, 0);
	siginfo_t info;
	timer_t t;
	int got;

	timer_t other;

	/* Another timer first, so this one's id is not 0. */
	timer_create(CLOCK_MONOTONIC, NULL, &other);
	sig_block(SIGALRM, true);
	SAY_RC("timer_create MONOTONIC evp NULL", timer_create(CLOCK_MONOTONIC, NULL, &t));
	timer_settime(t, 0, &its, NULL);
	got = wait_sig_ms(SIGALRM, &info, 2000);
	say("  signal: %s", signame(got));
	if (got) {
		say_info("  evp NULL", &info, t);
		check("  sival_int is the timer id", info.si_value.sival_int == (int)(intptr_t)t);
	}
	SAY_RC("  timer_delete", timer_delete(t));
	timer_delete(other);
	sig_block(SIGALRM, false);
}

int main(void)
{
	transcript_start("timers");
	sig_block(SIG, true);
	create_errors();
	id_errors();
	arming();
	overruns("10 ms interval, blocked 200 ms", 10 * NSEC_PER_MSEC, 200);
	overruns("1 ms interval, blocked 300 ms", NSEC_PER_MSEC, 300);
	overruns("2 ns interval, blocked 1 s", 2, 1000);
	overruns("1 ns interval, blocked 2.5 s", 1, 2500);
	overrun_fixed_at_delivery();
	ignored();
	sigev_none();
	null_evp();
	cpu_timer();
	return 0;
}
