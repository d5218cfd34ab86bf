// SPDX-License-Identifier: MIT
/*
 * NTP state: the adjtimex-like control surface and the once-per-second
 * work (second_overflow) that drives leap seconds and offset slewing.
 *
 * The rate the timekeeper applies is nominal * (1 + adj / 1e9 / 2^32) with
 * adj = frequency offset + this second's slew, both in ns per second scaled
 * by 2^32. Two slews exist:
 *  - PLL phase offset (ADJ_OFFSET with STA_PLL): each second a fraction
 *    1 / 2^(2 + constant) of the remaining offset is slewed (the last
 *    fraction below one unit is slewed whole), capped at 0.5 s of offset.
 *    Unlike the kernel's PLL it does not learn a frequency from successive
 *    offsets: set the frequency with ADJ_FREQUENCY.
 *  - adjtime() single-shot (ADJ_OFFSET_SINGLESHOT): 500 us per second until
 *    the requested offset is used up.
 *
 * Leap seconds follow the kernel's state machine: OK -> INS/DEL (armed by
 * STA_INS/STA_DEL; here as soon as the status is set, so a leap armed in
 * the day's last second still happens at midnight) -> OOP (inside an
 * inserted second) -> WAIT -> OK once the status bit is cleared.
 *
 * Locking: called with the system's tk_lock held.
 */
#include <clockwork/timekeeping.h>

#include "ntp-internal.h"

#include <string.h>

#define SECS_PER_DAY          86400LL
#define CW_ADJ_SINGLESHOT_BIT 0x8000u
#define CW_ADJ_KNOWN                                                                               \
	(CW_ADJ_OFFSET | CW_ADJ_FREQUENCY | CW_ADJ_MAXERROR | CW_ADJ_ESTERROR | CW_ADJ_STATUS |    \
	 CW_ADJ_TIMECONST | CW_ADJ_TAI | CW_ADJ_SETOFFSET | CW_ADJ_NANO | CW_ADJ_SINGLESHOT_BIT)
/* Status bits a caller may set. */
#define CW_STA_SETTABLE (CW_STA_PLL | CW_STA_INS | CW_STA_DEL | CW_STA_UNSYNC | CW_STA_NANO)

static int64_t floor_mod(int64_t a, int64_t m)
{
	int64_t r = a % m;

	return r < 0 ? r + m : r;
}

void cw__ntp_init(struct cw_ntp *ntp, int32_t tai_offset_s)
{
	memset(ntp, 0, sizeof(*ntp));
	ntp->status = CW_STA_UNSYNC;
	ntp->state = CW_TIME_OK;
	ntp->time_constant = 2;
	ntp->tai = tai_offset_s;
	ntp->maxerror_us = CW_NTP_MAXERROR_LIMIT_US;
	ntp->esterror_us = CW_NTP_MAXERROR_LIMIT_US;
}

int64_t cw__ntp_adjust_scaled(const struct cw_ntp *ntp)
{
	/* freq: ppm << 16; 1 ppm = 1000 ns/s; result in 2^-32 ns: * 1000 << 16. */
	return ntp->freq_scaled * 1000 * 65536 + ntp->slew_ns * ((int64_t)1 << 32);
}

static void leap_state_step(struct cw_ntp *ntp, int64_t sec, int *leap)
{
	switch (ntp->state) {
	case CW_TIME_OK:
		if (ntp->status & CW_STA_INS) {
			ntp->state = CW_TIME_INS;
		} else if (ntp->status & CW_STA_DEL) {
			ntp->state = CW_TIME_DEL;
		}
		break;
	case CW_TIME_INS:
		if (!(ntp->status & CW_STA_INS)) {
			ntp->state = CW_TIME_OK;
		} else if (floor_mod(sec, SECS_PER_DAY) == 0) {
			*leap = -1;
			ntp->state = CW_TIME_OOP;
		}
		break;
	case CW_TIME_DEL:
		if (!(ntp->status & CW_STA_DEL)) {
			ntp->state = CW_TIME_OK;
		} else if (floor_mod(sec + 1, SECS_PER_DAY) == 0) {
			*leap = 1;
			ntp->state = CW_TIME_WAIT;
		}
		break;
	case CW_TIME_OOP:
		ntp->state = CW_TIME_WAIT;
		break;
	case CW_TIME_WAIT:
	default:
		if (!(ntp->status & (CW_STA_INS | CW_STA_DEL))) {
			ntp->state = CW_TIME_OK;
		}
		break;
	}
}

static void pick_slew(struct cw_ntp *ntp)
{
	int64_t pll = ntp->pll_offset_ns / ((int64_t)1 << (CW_NTP_SHIFT_PLL + ntp->time_constant));
	int64_t one = ntp->adjtime_ns;

	if (pll == 0) {
		pll = ntp->pll_offset_ns;
	}
	ntp->pll_offset_ns -= pll;
	if (one > CW_NTP_MAX_SLEW_NS_PER_SEC) {
		one = CW_NTP_MAX_SLEW_NS_PER_SEC;
	} else if (one < -CW_NTP_MAX_SLEW_NS_PER_SEC) {
		one = -CW_NTP_MAX_SLEW_NS_PER_SEC;
	}
	ntp->adjtime_ns -= one;
	/*
	 * The slew runs for one second of the steered clock, which is only
	 * 1 / (1 + r) nominal seconds long at rate r: ask for s / (1 - s) so
	 * the second gains exactly s (1.4 % of a 0.1 s PLL offset otherwise).
	 */
	ntp->slew_ns = (int64_t)cw_s128_lo(cw_s128_div_s64(
		cw_mul_s64_s64(pll + one, CW_NSEC_PER_SEC), CW_NSEC_PER_SEC - (pll + one)));
}

int cw__ntp_second_overflow(struct cw_ntp *ntp, int64_t sec)
{
	int leap = 0;

	leap_state_step(ntp, sec, &leap);
	ntp->maxerror_us += CW_NTP_MAXERROR_GROWTH_US;
	if (ntp->maxerror_us > CW_NTP_MAXERROR_LIMIT_US) {
		ntp->maxerror_us = CW_NTP_MAXERROR_LIMIT_US;
		ntp->status |= CW_STA_UNSYNC;
	}
	pick_slew(ntp);
	return leap;
}

bool cw__ntp_next_leap(const struct cw_ntp *ntp, int64_t sec, int64_t *at_sec, int64_t *step_ns)
{
	int64_t midnight = sec - floor_mod(sec, SECS_PER_DAY) + SECS_PER_DAY;
	bool ok_or = ntp->state == CW_TIME_OK;

	if ((ntp->status & CW_STA_INS) && (ok_or || ntp->state == CW_TIME_INS)) {
		*at_sec = midnight;
		*step_ns = -CW_NSEC_PER_SEC;
		return true;
	}
	if ((ntp->status & CW_STA_DEL) && (ok_or || ntp->state == CW_TIME_DEL)) {
		*at_sec = midnight - 1;
		*step_ns = CW_NSEC_PER_SEC;
		return true;
	}
	return false;
}

int cw__ntp_validate(const struct cw_timex *tx)
{
	int64_t frac_max = (tx->modes & CW_ADJ_NANO) ? CW_NSEC_PER_SEC : CW_USEC_PER_SEC;

	if (tx->modes & ~CW_ADJ_KNOWN) {
		return CW_EINVAL;
	}
	if ((tx->modes & CW_ADJ_SINGLESHOT_BIT) &&
	    (tx->modes & CW_ADJ_OFFSET_SINGLESHOT) != CW_ADJ_OFFSET_SINGLESHOT) {
		return CW_EINVAL;
	}
	if ((tx->modes & CW_ADJ_SETOFFSET) && (tx->time_frac < 0 || tx->time_frac >= frac_max)) {
		return CW_EINVAL;
	}
	if ((tx->modes & CW_ADJ_TIMECONST) && (tx->constant < 0 || tx->constant > 10)) {
		return CW_EINVAL;
	}
	if ((tx->modes & CW_ADJ_TAI) && tx->tai < 0) {
		return CW_EINVAL;
	}
	return 0;
}

/* @a * @b saturated to the int64 range: an offset of any size never overflows. */
static int64_t mul_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r)) {
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	}
	return r;
}

static void apply_status(struct cw_ntp *ntp, unsigned status)
{
	ntp->status = (ntp->status & ~CW_STA_SETTABLE) | (status & CW_STA_SETTABLE);
	if ((ntp->status & CW_STA_INS) && (ntp->status & CW_STA_DEL)) {
		/* Both make no sense; the kernel lets INS win the state machine. */
		ntp->status &= ~CW_STA_DEL;
	}
	if (ntp->state == CW_TIME_OK) {
		int unused = 0;

		/* Arm at once (see the file comment). */
		leap_state_step(ntp, 1, &unused);
	}
}

static void apply_modes(struct cw_ntp *ntp, const struct cw_timex *tx)
{
	if (tx->modes & CW_ADJ_STATUS) {
		apply_status(ntp, tx->status);
	}
	if (tx->modes & CW_ADJ_NANO) {
		ntp->status |= CW_STA_NANO;
	}
	if (tx->modes & CW_ADJ_MAXERROR) {
		ntp->maxerror_us = tx->maxerror;
	}
	if (tx->modes & CW_ADJ_ESTERROR) {
		ntp->esterror_us = tx->esterror;
	}
	if (tx->modes & CW_ADJ_TIMECONST) {
		ntp->time_constant = tx->constant;
	}
	if (tx->modes & CW_ADJ_TAI) {
		ntp->tai = tx->tai;
	}
	if (tx->modes & CW_ADJ_FREQUENCY) {
		int64_t f = tx->freq;

		ntp->freq_scaled = f > CW_NTP_MAXFREQ_SCALED    ? CW_NTP_MAXFREQ_SCALED
				   : f < -CW_NTP_MAXFREQ_SCALED ? -CW_NTP_MAXFREQ_SCALED
								: f;
	}
	if ((tx->modes & CW_ADJ_OFFSET) && !(tx->modes & CW_ADJ_SINGLESHOT_BIT) &&
	    (ntp->status & CW_STA_PLL)) {
		int64_t ns =
			mul_sat(tx->offset, (ntp->status & CW_STA_NANO) ? 1 : CW_NSEC_PER_USEC);

		ntp->pll_offset_ns = ns > CW_NTP_MAXPHASE_NS    ? CW_NTP_MAXPHASE_NS
				     : ns < -CW_NTP_MAXPHASE_NS ? -CW_NTP_MAXPHASE_NS
								: ns;
	}
}

void cw__ntp_adjtimex(struct cw_ntp *ntp, struct cw_timex *tx)
{
	int64_t old_adjtime_us = ntp->adjtime_ns / CW_NSEC_PER_USEC;
	bool singleshot = (tx->modes & CW_ADJ_OFFSET_SINGLESHOT) == CW_ADJ_OFFSET_SINGLESHOT;

	if (singleshot) {
		ntp->adjtime_ns = mul_sat(tx->offset, CW_NSEC_PER_USEC);
	} else {
		apply_modes(ntp, tx);
	}
	tx->offset = singleshot ? old_adjtime_us
				: ntp->pll_offset_ns /
					  ((ntp->status & CW_STA_NANO) ? 1 : CW_NSEC_PER_USEC);
	tx->freq = ntp->freq_scaled;
	tx->maxerror = ntp->maxerror_us;
	tx->esterror = ntp->esterror_us;
	tx->status = ntp->status;
	tx->constant = ntp->time_constant;
	tx->tai = ntp->tai;
	tx->precision = 1;
	tx->adjtime_remaining_us = ntp->adjtime_ns / CW_NSEC_PER_USEC;
}
