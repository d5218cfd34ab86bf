/* SPDX-License-Identifier: MIT */
/*
 * clock_getres, clock_gettime and clock_settime for every clock id Linux
 * knows, unknown ones and the CPU-time clocks; settimeofday, gettimeofday
 * and time (POSIX.1-2017 clock_getres(), Linux clock_getres(2),
 * gettimeofday(2)). The program first drops CAP_SYS_TIME, so a valid
 * settime is the unprivileged caller's (EPERM natively).
 */
#include "diffprog.h"

#include <sys/time.h>
#include <sys/wait.h>

static bool is_coarse(clockid_t id)
{
	return id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE;
}

static void getres_all(void)
{
	size_t i;

	for (i = next_clock_id(IDS_CLOCKS, 0); i < NR_CLOCK_IDS;
	     i = next_clock_id(IDS_CLOCKS, i + 1)) {
		struct timespec res = { -7, -7 };
		char what[160];
		int rc, err, rc_null;

		errno = 0;
		rc = clock_getres(clock_ids[i].id, &res);
		err = errno;
		if (rc != 0) {
			snprintf(what, sizeof(what), "getres %s (res untouched: %s)",
				 clock_ids[i].name,
				 res.tv_sec == -7 && res.tv_nsec == -7 ? "yes" : "no");
			say_rc(what, rc, err);
			continue;
		}
		rc_null = clock_getres(clock_ids[i].id, NULL);
		if (is_coarse(clock_ids[i].id)) {
			/* One tick: 1 ms (HZ 1000) to 10 ms (HZ 100). */
			snprintf(what, sizeof(what),
				 "getres %s (res one tick, 1..10 ms: %s; NULL res: %d)",
				 clock_ids[i].name,
				 res.tv_sec == 0 && res.tv_nsec >= 1000000 &&
						 res.tv_nsec <= 10000000
					 ? "yes"
					 : "no",
				 rc_null);
		} else {
			snprintf(what, sizeof(what), "getres %s (res %lld.%09ld; NULL res: %d)",
				 clock_ids[i].name, (long long)res.tv_sec, res.tv_nsec, rc_null);
		}
		say_rc(what, rc, err);
	}
}

static void gettime_all(void)
{
	size_t i;

	for (i = next_clock_id(IDS_CLOCKS, 0); i < NR_CLOCK_IDS;
	     i = next_clock_id(IDS_CLOCKS, i + 1)) {
		struct timespec ts = { -7, -7 };
		char what[160];
		int rc, err;

		errno = 0;
		rc = clock_gettime(clock_ids[i].id, &ts);
		err = errno;
		if (rc != 0) {
			snprintf(what, sizeof(what), "gettime %s (ts untouched: %s)",
				 clock_ids[i].name,
				 ts.tv_sec == -7 && ts.tv_nsec == -7 ? "yes" : "no");
		} else {
			snprintf(what, sizeof(what), "gettime %s (valid timespec: %s)",
				 clock_ids[i].name,
				 ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < NSEC_PER_SEC
					 ? "yes"
					 : "no");
		}
		say_rc(what, rc, err);
	}
}

/* How each clock relates to the host's clocks (the same clock on Linux). */
static void relations(void)
{
	int64_t rt = clock_ns(CLOCK_REALTIME);
	int64_t host_rt = host_ns(CLOCK_REALTIME);
	int64_t tai = clock_ns(CLOCK_TAI);
	int64_t host_tai = host_ns(CLOCK_TAI);
	int64_t mono = clock_ns(CLOCK_MONOTONIC);
	int64_t host_mono = host_ns(CLOCK_MONOTONIC);
	int64_t boot = clock_ns(CLOCK_BOOTTIME);
	int64_t host_boot = host_ns(CLOCK_BOOTTIME);
	int64_t raw = clock_ns(CLOCK_MONOTONIC_RAW);
	int64_t host_raw = host_ns(CLOCK_MONOTONIC_RAW);
	struct timeval tv;
	struct timezone tz = { 99, 99 };
	time_t t1, t2;

	check("REALTIME within 1 s of the host's REALTIME", llabs(rt - host_rt) < NSEC_PER_SEC);
	say("TAI - REALTIME in whole seconds, as the host's: %s",
	    llabs((tai - rt) - (host_tai - host_rt)) < NSEC_PER_SEC / 2 ? "yes" : "no");
	check("MONOTONIC within 1 s of the host's MONOTONIC",
	      llabs(mono - host_mono) < NSEC_PER_SEC);
	check("BOOTTIME within 1 s of the host's BOOTTIME", llabs(boot - host_boot) < NSEC_PER_SEC);
	check("MONOTONIC_RAW within 1 s of the host's MONOTONIC_RAW",
	      llabs(raw - host_raw) < NSEC_PER_SEC);
	mono = clock_ns(CLOCK_MONOTONIC);
	boot = clock_ns(CLOCK_BOOTTIME);
	check("BOOTTIME read after MONOTONIC >= it", boot >= mono);

	SAY_RC("gettimeofday(tv, tz)", gettimeofday(&tv, &tz));
	check("  tv within 1 s of REALTIME",
	      llabs((int64_t)tv.tv_sec * NSEC_PER_SEC + tv.tv_usec * 1000 -
		    clock_ns(CLOCK_REALTIME)) < NSEC_PER_SEC);
	check("  tv_usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	say("  tz = {%d, %d}", tz.tz_minuteswest, tz.tz_dsttime);

	t1 = time(NULL);
	t2 = 0;
	check("time(&t) returns what it stores", time(&t2) == t2);
	check("time() within 2 s of REALTIME",
	      llabs((int64_t)t1 - clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC) <= 2);
}

static void settime_one(const char *what, clockid_t id, int64_t sec, long nsec)
{
	struct timespec ts = { (time_t)sec, nsec };

	SAY_RC(what, clock_settime(id, &ts));
}

static void settime_all(void)
{
	int64_t rt0 = clock_ns(CLOCK_REALTIME);
	int64_t mono0 = clock_ns(CLOCK_MONOTONIC);
	size_t i;

	for (i = next_clock_id(IDS_CLOCKS, 0); i < NR_CLOCK_IDS;
	     i = next_clock_id(IDS_CLOCKS, i + 1)) {
		struct timespec ts;
		char what[96];
		int rc, err;

		/* Set each clock to what it reads (its base clock's for unknown ids). */
		if (clock_gettime(clock_ids[i].id, &ts) != 0) {
			clock_gettime(CLOCK_REALTIME, &ts);
		}
		if (clock_ids[i].id == CLOCK_REALTIME) {
			/* Lines "settime-valid ...": a valid REALTIME set (see below). */
			continue;
		}
		errno = 0;
		rc = clock_settime(clock_ids[i].id, &ts);
		err = errno;
		snprintf(what, sizeof(what), "settime %s to its own value", clock_ids[i].name);
		say_rc(what, rc, err);
	}
	/* Invalid values are EINVAL before any permission check (Linux). */
	settime_one("settime REALTIME tv_nsec=1e9", CLOCK_REALTIME, 1700000000, 1000000000L);
	settime_one("settime REALTIME tv_nsec=-1", CLOCK_REALTIME, 1700000000, -1);
	settime_one("settime REALTIME tv_sec=-1", CLOCK_REALTIME, -1, 0);
	settime_one("settime REALTIME 2^63 ns", CLOCK_REALTIME, INT64_MAX / NSEC_PER_SEC + 1, 0);
	settime_one("settime REALTIME tv_sec=INT64_MAX", CLOCK_REALTIME, INT64_MAX, 0);
	/* Linux: tv_sec below KTIME_SEC_MAX minus 30 years of uptime is valid. */
	settime_one("settime REALTIME tv_sec=8277292036 (limit)", CLOCK_REALTIME, 8277292036LL, 0);
	settime_one("settime MONOTONIC tv_nsec=1e9", CLOCK_MONOTONIC, 1, 1000000000L);
	/* An invalid set that was taken anyway would spoil the rest. */
	if (llabs(clock_ns(CLOCK_REALTIME) - rt0 - (clock_ns(CLOCK_MONOTONIC) - mono0)) >
	    NSEC_PER_SEC) {
		struct timespec ts = ns_ts(rt0 + (clock_ns(CLOCK_MONOTONIC) - mono0));

		SAY_RC("settime-valid REALTIME repaired after an invalid set",
		       clock_settime(CLOCK_REALTIME, &ts));
	}
	settime_one("settime id100 valid", 100, 1700000000, 0);
}

/*
 * A valid REALTIME set: natively EPERM without CAP_SYS_TIME; clockwork sets
 * its own REALTIME (docs/posix-api.md). Every line whose result depends on
 * that starts with "settime-valid"; the rest must hold in both builds.
 */
static void settime_valid(void)
{
	int64_t rt0 = clock_ns(CLOCK_REALTIME);
	int64_t host0 = host_ns(CLOCK_REALTIME);
	int64_t mono0 = clock_ns(CLOCK_MONOTONIC);
	int64_t tai0 = clock_ns(CLOCK_TAI);
	int64_t target = rt0 + 1000 * NSEC_PER_SEC;
	struct timespec ts = ns_ts(target);
	struct timeval tv;
	int rc, err;

	errno = 0;
	rc = clock_settime(CLOCK_REALTIME, &ts);
	err = errno;
	say_rc("settime-valid REALTIME +1000 s", rc, err);
	if (rc == 0) {
		int64_t now = clock_ns(CLOCK_REALTIME);

		check("settime-valid REALTIME reads the new time",
		      now >= target && now < target + NSEC_PER_SEC);
		check("settime-valid TAI moved with REALTIME",
		      llabs((clock_ns(CLOCK_TAI) - now) - (tai0 - rt0)) < NSEC_PER_SEC);
		/* Put it back (+ the time that passed). */
		ts = ns_ts(clock_ns(CLOCK_REALTIME) - 1000 * NSEC_PER_SEC);
		SAY_RC("settime-valid REALTIME back", clock_settime(CLOCK_REALTIME, &ts));
	}
	settime_one("settime-valid REALTIME tv_sec=8277292035 (largest)", CLOCK_REALTIME,
		    8277292035LL, 0);
	if (clock_ns(CLOCK_REALTIME) > rt0 + 100 * NSEC_PER_SEC) {
		ts = ns_ts(rt0 + (clock_ns(CLOCK_MONOTONIC) - mono0));
		SAY_RC("settime-valid REALTIME back from the limit",
		       clock_settime(CLOCK_REALTIME, &ts));
	}
	check("REALTIME within 1 s of where it was (after any put back)",
	      llabs(clock_ns(CLOCK_REALTIME) - rt0 - (clock_ns(CLOCK_MONOTONIC) - mono0)) <
		      NSEC_PER_SEC);
	check("host REALTIME not stepped",
	      llabs(host_ns(CLOCK_REALTIME) - host0) < 60 * NSEC_PER_SEC);
	check("MONOTONIC did not step", clock_ns(CLOCK_MONOTONIC) - mono0 < 60 * NSEC_PER_SEC);

	tv.tv_sec = (time_t)(clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC);
	tv.tv_usec = 0;
	errno = 0;
	rc = settimeofday(&tv, NULL);
	err = errno;
	say_rc("settime-valid settimeofday(now, NULL)", rc, err);
	tv.tv_usec = 1000000;
	SAY_RC("settimeofday tv_usec=1e6", settimeofday(&tv, NULL));
	tv.tv_usec = -1;
	SAY_RC("settimeofday tv_usec=-1", settimeofday(&tv, NULL));
	tv.tv_sec = -1;
	tv.tv_usec = 0;
	SAY_RC("settimeofday tv_sec=-1", settimeofday(&tv, NULL));
	{
		struct timezone tz = { 0, 0 };

		tv.tv_sec = (time_t)(clock_ns(CLOCK_REALTIME) / NSEC_PER_SEC);
		SAY_RC("settimeofday(tv, tz)", settimeofday(&tv, &tz));
	}
}

static void cpu_clocks(void)
{
	clockid_t cid;
	struct timespec ts;
	int rc;
	pid_t child;

	rc = clock_getcpuclockid(getpid(), &cid);
	say_err("clock_getcpuclockid(self)", rc);
	SAY_RC("  gettime of it", clock_gettime(cid, &ts));
	SAY_RC("  getres of it", clock_getres(cid, &ts));
	say("  res %lld.%09ld", (long long)ts.tv_sec, ts.tv_nsec);
	SAY_RC("  settime of it", clock_settime(cid, &ts));
	rc = pthread_getcpuclockid(pthread_self(), &cid);
	say_err("pthread_getcpuclockid(self)", rc);
	SAY_RC("  gettime of it", clock_gettime(cid, &ts));

	/* A process that no longer exists. */
	child = fork();
	if (child == 0) {
		_exit(0);
	}
	waitpid(child, NULL, 0);
	rc = clock_getcpuclockid(child, &cid);
	say_err("clock_getcpuclockid(reaped child)", rc);
	{
		/* Its clock id made by hand (Linux's encoding, as glibc makes it). */
		clockid_t dead = (clockid_t)((~(unsigned)child << 3) | 2u);

		SAY_RC("gettime of a reaped child's CPU clock", clock_gettime(dead, &ts));
	}

	/* CPU time advances while this thread works, and not backwards. */
	{
		int64_t a = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		int64_t b = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		int64_t t0 = host_mono_ns();
		volatile uint64_t x = 0;

		while (host_mono_ns() - t0 < 30 * NSEC_PER_MSEC) {
			x++;
		}
		check("PROCESS_CPUTIME advanced over 30 ms of work",
		      clock_ns(CLOCK_PROCESS_CPUTIME_ID) - a > NSEC_PER_MSEC);
		check("THREAD_CPUTIME advanced over 30 ms of work",
		      clock_ns(CLOCK_THREAD_CPUTIME_ID) - b > NSEC_PER_MSEC);
	}
}

int main(void)
{
	transcript_start("clocks");
	SAY_RC("drop CAP_SYS_TIME and CAP_WAKE_ALARM", drop_time_caps());
	getres_all();
	gettime_all();
	relations();
	settime_all();
	settime_valid();
	cpu_clocks();
	return 0;
}
