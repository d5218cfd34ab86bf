/* SPDX-License-Identifier: MIT */
/*
 * A program built in strict ISO mode (-std=c11) that asks for GNU
 * declarations itself, in its first line, built twice: natively and with
 * -include clockwork/posix_compat.h (which then comes before that line).
 * The drop-in must not settle the feature set before the program does: it
 * once defined _POSIX_C_SOURCE and included <time.h>, so this program's
 * _GNU_SOURCE came too late and every GNU declaration was missing.
 */
#define _GNU_SOURCE

#include <pthread.h>
#include <stdio.h>
#include <sys/timex.h>
#include <time.h>

int main(void)
{
#ifdef __USE_GNU
	struct timex tx = { 0 };
	int state = clock_adjtime(CLOCK_REALTIME, &tx);

	printf("clock_adjtime(CLOCK_REALTIME, read): %d, tick %ld, status %#x\n", state,
	       (long)tx.tick, (unsigned)tx.status);
	if (state < 0 || tx.tick == 0) {
		printf("FAIL: clock_adjtime read\n");
		return 1;
	}
	if (pthread_setname_np(pthread_self(), "features") != 0) {
		printf("FAIL: pthread_setname_np\n");
		return 1;
	}
	printf("PASSED: the program's _GNU_SOURCE selected the GNU declarations\n");
	return 0;
#else
	printf("FAIL: _GNU_SOURCE had no effect (the feature set was settled before it)\n");
	return 1;
#endif
}
