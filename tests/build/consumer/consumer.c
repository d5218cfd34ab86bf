/* SPDX-License-Identifier: MIT */
/*
 * A program that uses an installed clockwork the way a user's would: only
 * the umbrella header, only the public API. build.install compiles it against
 * the installed tree (through pkg-config and through find_package) and runs
 * it, so a header, library or link flag that did not get installed shows up
 * as a compile, link or load failure.
 */
#include <clockwork/clockwork.h>

#include <stdio.h>

int main(void)
{
	struct cw_system *sys = NULL;
	cw_ktime_t t0, t1;
	int err;

	err = cw_system_create(NULL, &sys);
	if (err) {
		fprintf(stderr, "consumer: cw_system_create: %s\n", cw_strerror(err));
		return 1;
	}

	/* MONOTONIC never goes backwards, even on the jiffies clocksource. */
	t0 = cw_ktime_get(sys);
	t1 = cw_ktime_get(sys);
	if (t1 < t0) {
		fprintf(stderr, "consumer: monotonic went back: %lld then %lld ns\n", (long long)t0,
			(long long)t1);
		cw_system_destroy(sys);
		return 1;
	}

	printf("consumer: clockwork works, monotonic %lld ns\n", (long long)t1);
	cw_system_destroy(sys);
	return 0;
}
