/* SPDX-License-Identifier: MIT */
/*
 * NTP state of one system: frequency offset, offset slew (PLL phase and
 * adjtime single-shot), leap-second state machine, error estimates. The
 * timekeeper asks it once per REALTIME second for the leap decision and
 * for the rate adjustment to apply during the next second.
 *
 * Locking: every field is protected by the system's timekeeper lock.
 */
#ifndef CLOCKWORK_SRC_CORE_NTP_INTERNAL_H
#define CLOCKWORK_SRC_CORE_NTP_INTERNAL_H

#include "compiler.h"
#include "ntp-types.h"

#include <clockwork/timekeeping.h>

/** PLL phase time constant base: offset drains by 1 / 2^(SHIFT_PLL + constant) per second. */
#define CW_NTP_SHIFT_PLL 2
/** Largest PLL phase offset accepted, ns (Linux MAXPHASE, 0.5 s). */
#define CW_NTP_MAXPHASE_NS 500000000LL
/** maxerror grows by this per second without synchronisation (500 us/s). */
#define CW_NTP_MAXERROR_GROWTH_US 500LL
/** maxerror at which STA_UNSYNC is set (16 s). */
#define CW_NTP_MAXERROR_LIMIT_US 16000000LL


void cw__ntp_init(struct cw_ntp *ntp, int32_t tai_offset_s);

/**
 * Rate adjustment in effect: ns per second of the nominal rate, in units of
 * 2^-32 ns (frequency offset plus the current second's slew).
 */
int64_t cw__ntp_adjust_scaled(const struct cw_ntp *ntp);

/**
 * Called once each time REALTIME enters second @sec (seconds since the
 * epoch, before any leap correction). Runs the leap state machine, grows
 * maxerror and picks the slew for the coming second.
 * @return -1 to repeat a second (insert), +1 to skip one (delete), else 0.
 */
int cw__ntp_second_overflow(struct cw_ntp *ntp, int64_t sec);

/**
 * Pending leap as seen from REALTIME second @sec: the REALTIME instant (s)
 * at which REALTIME steps and the step in ns (-1e9 insert, +1e9 delete).
 * @return true when a leap is armed.
 */
bool cw__ntp_next_leap(const struct cw_ntp *ntp, int64_t sec, int64_t *at_sec,
		       int64_t *step_ns);

/**
 * Apply the NTP-only parts of an adjtimex request (everything but
 * ADJ_SETOFFSET and the TAI offset, which the timekeeper applies) and fill
 * @tx with the state. @tx was validated.
 */
void cw__ntp_adjtimex(struct cw_ntp *ntp, struct cw_timex *tx);

/** Validate an adjtimex request. @return 0 or CW_EINVAL. */
int cw__ntp_validate(const struct cw_timex *tx);

#endif /* CLOCKWORK_SRC_CORE_NTP_INTERNAL_H */
