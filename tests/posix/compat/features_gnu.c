/* SPDX-License-Identifier: MIT */
/*
 * A program that defines no feature macro, built in GNU C mode (-std=gnu11)
 * twice: natively and with -include clockwork/posix_compat.h. Its headers
 * must declare the same things either way: glibc's default mode gives
 * signal() BSD semantics (the handler stays installed) and the BSD/GNU
 * declarations (timersub, usleep). The drop-in once defined
 * _POSIX_C_SOURCE here, which made signal() one-shot (the second raise
 * killed the process) and hid those declarations.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static int failures;

static void on_usr1(int sig)
{
	(void)sig;
	hits++;
}

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok) {
		failures++;
	}
}

int main(void)
{
	struct timespec a, b, req = { 0, 2000000L };

	/* BSD signal(): after the first delivery the handler is still there. */
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	raise(SIGUSR1);
	check(hits == 2, "signal() keeps its handler (BSD semantics of the default mode)");
#ifdef timersub
	{
		struct timeval x = { 2, 0 }, y = { 1, 500000 }, r;

		timersub(&x, &y, &r);
		check(r.tv_sec == 0 && r.tv_usec == 500000, "timersub (BSD) declared and works");
	}
#else
	check(0, "timersub (BSD) declared");
#endif
#ifdef __USE_MISC
	check(usleep(1000) == 0, "usleep declared and sleeps");
#else
	check(0, "usleep declared (default mode)");
#endif
	clock_gettime(CLOCK_MONOTONIC, &a);
	check(nanosleep(&req, NULL) == 0, "nanosleep 2 ms");
	clock_gettime(CLOCK_MONOTONIC, &b);
	check((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) >= 2000000L,
	      "MONOTONIC advanced by the sleep");
	printf(failures ? "FAILED\n" : "PASSED\n");
	return failures ? 1 : 0;
}
