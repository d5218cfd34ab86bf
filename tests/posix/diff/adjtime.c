/* SPDX-License-Identifier: MIT */
/*
 * adjtimex, ntp_adjtime and clock_adjtime (Linux adjtimex(2); glibc
 * ntp_adjtime): reading the clock state, the fixed fields Linux reports,
 * the errors an unprivileged caller gets, and clock ids. The program drops
 * CAP_SYS_TIME after asking for invalid changes (refused before anything
 * changes): natively every change is then EPERM, while clockwork's NTP state
 * belongs to the process; lines whose answer depends on that start with
 * "adjtime-valid".
 */
#include "diffprog.h"

#include <sys/timex.h>

static const char *state_name(int s)
{
	switch (s) {
	case TIME_OK:
		return "TIME_OK";
	case TIME_INS:
		return "TIME_INS";
	case TIME_DEL:
		return "TIME_DEL";
	case TIME_OOP:
		return "TIME_OOP";
	case TIME_WAIT:
		return "TIME_WAIT";
	case TIME_ERROR:
		return "TIME_ERROR";
	default:
		return "other";
	}
}

static void say_state(const char *what, int rc, int err)
{
	if (rc == -1) {
		say("%s: -1 %s", what, errname(err));
	} else {
		say("%s: %s", what, state_name(rc));
	}
}

#define SAY_STATE(what, call)                                                                      \
	do {                                                                                       \
		int st_;                                                                           \
		errno = 0;                                                                         \
		st_ = (call);                                                                      \
		say_state((what), st_, errno);                                                     \
	} while (0)

int main(void)
{
	struct timex tx;

	transcript_start("adjtime");
	/*
	 * Invalid values are refused before anything changes, but natively only
	 * a caller with CAP_SYS_TIME gets that far (EPERM otherwise): ask them
	 * only while the process has it, so the host clock is never touched.
	 */
	if (has_cap_sys_time()) {
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_TICK;
		tx.tick = 1;
		SAY_STATE("adjtimex(ADJ_TICK 1, out of range)", adjtimex(&tx));
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_SETOFFSET | ADJ_NANO;
		tx.time.tv_sec = 0;
		tx.time.tv_usec = -1;
		SAY_STATE("adjtimex(ADJ_SETOFFSET, tv_usec -1)", adjtimex(&tx));
		memset(&tx, 0, sizeof(tx));
		tx.modes = ADJ_SETOFFSET | ADJ_NANO;
		tx.time.tv_sec = 0;
		tx.time.tv_usec = 1000000000;
		SAY_STATE("adjtimex(ADJ_SETOFFSET, 1e9 ns)", adjtimex(&tx));
	} else {
		say("invalid adjtimex values: not asked (no CAP_SYS_TIME to reach the checks natively)");
	}
	SAY_RC("drop CAP_SYS_TIME", drop_time_caps());

	memset(&tx, 0, sizeof(tx));
	SAY_STATE("adjtimex(modes 0)", adjtimex(&tx));
	/* What the kernel's NTP state looks like to a reader (host-specific
	 * values such as the frequency are left out). */
	say("  tick %ld (10000 at USER_HZ 100)", (long)tx.tick);
	say("  tolerance %ld (500 ppm << 16)", (long)tx.tolerance);
	say("  precision %ld, STA_NANO %s", (long)tx.precision,
	    tx.status & STA_NANO ? "set" : "clear");
	say("  STA_UNSYNC %s", tx.status & STA_UNSYNC ? "set" : "clear");
	say("  time within 1 s of REALTIME: %s",
	    llabs((int64_t)tx.time.tv_sec * NSEC_PER_SEC +
		  (int64_t)tx.time.tv_usec * (tx.status & STA_NANO ? 1 : 1000) -
		  clock_ns(CLOCK_REALTIME)) < NSEC_PER_SEC
		    ? "yes"
		    : "no");
	memset(&tx, 0, sizeof(tx));
	SAY_STATE("ntp_adjtime(modes 0)", ntp_adjtime(&tx));
	memset(&tx, 0, sizeof(tx));
	SAY_STATE("clock_adjtime(REALTIME, modes 0)", clock_adjtime(CLOCK_REALTIME, &tx));
	memset(&tx, 0, sizeof(tx));
	SAY_STATE("clock_adjtime(MONOTONIC, modes 0)", clock_adjtime(CLOCK_MONOTONIC, &tx));
	memset(&tx, 0, sizeof(tx));
	SAY_STATE("clock_adjtime(BOOTTIME, modes 0)", clock_adjtime(CLOCK_BOOTTIME, &tx));
	memset(&tx, 0, sizeof(tx));
	SAY_STATE("clock_adjtime(PROCESS_CPUTIME_ID, modes 0)",
		  clock_adjtime(CLOCK_PROCESS_CPUTIME_ID, &tx));
	memset(&tx, 0, sizeof(tx));
	SAY_STATE("clock_adjtime(id 100, modes 0)", clock_adjtime(100, &tx));

	/* Errors an unprivileged caller sees before any permission check. */
	memset(&tx, 0, sizeof(tx));
	tx.modes = 0x8000; /* the kernel's ADJ_ADJTIME, the adjtime() bit */
	SAY_STATE("adjtimex(ADJ_ADJTIME without SINGLESHOT)", adjtimex(&tx));
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_OFFSET_SS_READ;
	SAY_STATE("adjtimex(ADJ_OFFSET_SS_READ)", adjtimex(&tx));
	say("  offset left %ld", (long)tx.offset);

	/* Changes: EPERM natively without CAP_SYS_TIME. */
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	tx.freq = 0;
	SAY_STATE("adjtime-valid adjtimex(ADJ_FREQUENCY 0)", adjtimex(&tx));
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_STATUS;
	tx.status = STA_UNSYNC;
	SAY_STATE("adjtime-valid clock_adjtime(REALTIME, ADJ_STATUS)",
		  clock_adjtime(CLOCK_REALTIME, &tx));
	memset(&tx, 0, sizeof(tx));
	tx.modes = ADJ_FREQUENCY;
	SAY_STATE("clock_adjtime(MONOTONIC, ADJ_FREQUENCY)", clock_adjtime(CLOCK_MONOTONIC, &tx));
	return 0;
}
