/* SPDX-License-Identifier: MIT */
/*
 * ITIMER_REAL, alarm(), ITIMER_VIRTUAL and ITIMER_PROF as an ordinary
 * program uses them: handlers installed once with signal() (glibc: BSD
 * semantics, the handler stays), then one timer signal after another, the
 * way the kernel's timer selftests (posix_timers.c check_itimer) do. It
 * defines no feature macro and names no clockwork function. The build
 * compiles it twice: natively (glibc + Linux, which fixes what the checks
 * expect) and with -include clockwork/posix_compat.h. Each step prints what
 * it saw; the exit status is the number of the first failed step (0: all
 * held). A timer signal with the default action would end it early: that
 * was the failure under the drop-in.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alrm, vtalrm, prof;
static volatile sig_atomic_t alrm_code = -1;

static void on_alrm(int sig)
{
	(void)sig;
	alrm++;
}

static void on_vtalrm(int sig)
{
	(void)sig;
	vtalrm++;
}

static void on_prof(int sig)
{
	(void)sig;
	prof++;
}

static void on_alrm_info(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	alrm_code = info->si_code;
	alrm++;
}

static long long now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

static int set_real(long value_us, long interval_us)
{
	struct itimerval v;

	memset(&v, 0, sizeof(v));
	v.it_value.tv_sec = value_us / 1000000;
	v.it_value.tv_usec = value_us % 1000000;
	v.it_interval.tv_sec = interval_us / 1000000;
	v.it_interval.tv_usec = interval_us % 1000000;
	return setitimer(ITIMER_REAL, &v, NULL);
}

/* Wait for @n more SIGALRMs, at most @limit_ms (pause() would wait forever if none comes). */
static int wait_alrm(int n, int limit_ms)
{
	int want = alrm + n;

	for (int i = 0; i < limit_ms && alrm < want; i++) {
		usleep(1000);
	}
	return alrm >= want;
}

int main(void)
{
	struct sigaction sa;
	struct itimerval cur;
	long long t0, took;
	volatile unsigned long spin = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* 1: ITIMER_REAL one-shot, handler from signal(), pause() until it runs. */
	signal(SIGALRM, on_alrm);
	t0 = now_us();
	if (set_real(100000, 0)) {
		return 1;
	}
	pause();
	took = now_us() - t0;
	printf("1 ITIMER_REAL 100 ms: handler ran %d time(s), pause returned after %lld ms\n",
	       (int)alrm, took / 1000);
	if (alrm != 1 || took < 90000 || took > 2000000) {
		return 1;
	}
	/* 2: alarm() with the same handler (still installed: signal() is not one-shot). */
	if (alarm(1) != 0) {
		return 2;
	}
	pause();
	printf("2 alarm(1): handler ran, %d SIGALRM(s) so far\n", (int)alrm);
	if (alrm != 2) {
		return 2;
	}
	/* 3: alarm() returns the seconds left of the previous one. */
	alarm(5);
	printf("3 alarm(5) then alarm(0) returns %u\n", alarm(0));
	/* 4: periodic ITIMER_REAL: 5 signals, then disarm; getitimer reads zero. */
	if (set_real(10000, 10000) || !wait_alrm(5, 3000) || set_real(0, 0)) {
		return 4;
	}
	getitimer(ITIMER_REAL, &cur);
	printf("4 ITIMER_REAL every 10 ms: %d SIGALRMs, after disarm %ld.%06ld left\n", (int)alrm,
	       (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
	if (cur.it_value.tv_sec || cur.it_value.tv_usec || cur.it_interval.tv_usec) {
		return 4;
	}
	/* 5: the kernel's own SIGALRM says SI_KERNEL. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alrm_info;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (set_real(20000, 0) || !wait_alrm(1, 3000)) {
		return 5;
	}
	printf("5 ITIMER_REAL SIGALRM si_code %d (SI_KERNEL is %d)\n", (int)alrm_code, SI_KERNEL);
	if (alrm_code != SI_KERNEL) {
		return 5;
	}
	/* 6: ITIMER_VIRTUAL and ITIMER_PROF: CPU time, handlers from signal(). */
	signal(SIGVTALRM, on_vtalrm);
	signal(SIGPROF, on_prof);
	{
		struct itimerval v;

		memset(&v, 0, sizeof(v));
		v.it_value.tv_usec = 50000;
		if (setitimer(ITIMER_VIRTUAL, &v, NULL) || setitimer(ITIMER_PROF, &v, NULL)) {
			return 6;
		}
	}
	t0 = now_us();
	while ((!vtalrm || !prof) && now_us() - t0 < 5000000) {
		spin++;
	}
	printf("6 ITIMER_VIRTUAL/PROF 50 ms of CPU: SIGVTALRM %d, SIGPROF %d\n", (int)vtalrm,
	       (int)prof);
	if (vtalrm != 1 || prof != 1) {
		return 6;
	}
	printf("all held\n");
	return 0;
}
