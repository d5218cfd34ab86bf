/* SPDX-License-Identifier: MIT */
/*
 * adjtimex(2), ntp_adjtime(3) and clock_adjtime(2) on clockwork's own NTP
 * state (cw_adjtimex()), with Linux's argument checks, units and return
 * values (do_adjtimex() and its validation, paraphrased from the man page
 * and the kernel's behaviour):
 *
 * - modes 0 reads; the return value is the leap state (TIME_OK, TIME_INS,
 *   TIME_DEL, TIME_OOP, TIME_WAIT), or TIME_ERROR while STA_UNSYNC is set.
 * - ADJ_OFFSET_SINGLESHOT (adjtime(3) style) sets the slew and returns the
 *   previous one in offset; ADJ_OFFSET_SS_READ only returns it.
 * - Units: offset and time.tv_usec are microseconds unless STA_NANO is set
 *   (ADJ_NANO sets it, ADJ_MICRO clears it); ADJ_SETOFFSET's fraction is
 *   in nanoseconds when that call carries ADJ_NANO.
 * - EINVAL: ADJ_TICK outside [900000, 1100000] / USER_HZ, ADJ_SETOFFSET
 *   with a fraction out of range, ADJ_FREQUENCY so large that scaling it
 *   would overflow. Out-of-range freq, maxerror, esterror and constant are
 *   clamped, not refused; ADJ_TIMECONST adds 4 in microsecond mode; ADJ_TAI
 *   takes the value from constant (ignored when negative).
 *
 * clockwork keeps no tick length: ADJ_TICK is applied as a frequency
 * change of (tick - 10000) x 100 ppm on top of freq (clockwork's sum is
 * limited to +-500 ppm) and reported back in tick. No privilege is needed
 * (only this process's clocks change). See docs/posix-api.md.
 *
 * Locking rules: pa_ntp_lock serialises the callers of this file (the
 * unit mode and the tick length are this layer's, the rest is the core's).
 */
#include <clockwork/posix.h>
#include <clockwork/timekeeping.h>

#include "posixapi-internal.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/timex.h>

/* Linux's USER_HZ (the tick field's unit) and its default tick, us. */
#define PA_USER_HZ             100
#define PA_TICK_USEC_DEF       (1000000 / PA_USER_HZ)
/* NTP_PHASE_LIMIT, us: maxerror and esterror are clamped to it. */
#define PA_PHASE_LIMIT_US      16000000L
/* Linux's PPM_SCALE: ADJ_FREQUENCY values beyond LLONG_MAX / it are EINVAL. */
#define PA_PPM_SCALE           (1000LL << 16)
/* One us of tick is 100 ppm at USER_HZ = 100, in scaled ppm. */
#define PA_TICK_SCALED_PER_US  (100LL << 16)
/* The kernel's bits inside ADJ_OFFSET_SINGLESHOT / ADJ_OFFSET_SS_READ (not in glibc). */
#define PA_ADJ_ADJTIME         0x8000
#define PA_ADJ_OFFSET_READONLY 0x2000
/* Highest time constant (MAXTC). */
#define PA_MAXTC               10

static pthread_mutex_t pa_ntp_lock = PTHREAD_MUTEX_INITIALIZER;
/* STA_NANO as this API shows it (clockwork itself always runs in ns). */
static bool pa_ntp_nano;
/* The tick length set with ADJ_TICK, us. */
static long pa_tick_usec = PA_TICK_USEC_DEF;

void cw__pa_ntp_reset(void)
{
	pthread_mutex_lock(&pa_ntp_lock);
	pa_ntp_nano = false;
	pa_tick_usec = PA_TICK_USEC_DEF;
	pthread_mutex_unlock(&pa_ntp_lock);
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static long clamp_long(long v, long lo, long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int64_t tick_scaled(long tick_usec)
{
	return (int64_t)(tick_usec - PA_TICK_USEC_DEF) * PA_TICK_SCALED_PER_US;
}

/* Linux's timekeeping_validate_timex(), less the privilege checks. */
static int validate(const struct timex *tx)
{
	/* The adjtime modes need the offset bit (0x8000 or 0xa000 alone: EINVAL). */
	if ((tx->modes & PA_ADJ_ADJTIME) && !(tx->modes & ADJ_OFFSET)) {
		return EINVAL;
	}
	if (!(tx->modes & PA_ADJ_ADJTIME) && (tx->modes & ADJ_TICK) &&
	    (tx->tick < 900000 / PA_USER_HZ || tx->tick > 1100000 / PA_USER_HZ)) {
		return EINVAL;
	}
	if (tx->modes & ADJ_SETOFFSET) {
		long max = (tx->modes & ADJ_NANO) ? 1000000000L : 1000000L;

		if (tx->time.tv_usec < 0 || tx->time.tv_usec >= max) {
			return EINVAL;
		}
	}
	if ((tx->modes & ADJ_FREQUENCY) &&
	    (tx->freq < LLONG_MIN / PA_PPM_SCALE || tx->freq > LLONG_MAX / PA_PPM_SCALE)) {
		return EINVAL;
	}
	return 0;
}

/* Translate the request into clockwork's units (always ns, CW_ADJ_NANO). */
static void to_cw(const struct timex *tx, const struct cw_timex *cur, bool nano, long tick_usec,
		  struct cw_timex *cw)
{
	unsigned modes = tx->modes;

	memset(cw, 0, sizeof(*cw));
	cw->modes = CW_ADJ_NANO;
	if (modes & ADJ_SETOFFSET) {
		cw->modes |= CW_ADJ_SETOFFSET;
		cw->time_sec = tx->time.tv_sec;
		cw->time_frac = (int64_t)tx->time.tv_usec * ((modes & ADJ_NANO) ? 1 : 1000);
	}
	if (modes & PA_ADJ_ADJTIME) {
		if (!(modes & PA_ADJ_OFFSET_READONLY)) {
			cw->modes |= CW_ADJ_OFFSET_SINGLESHOT;
			cw->offset = tx->offset;
		}
		return;
	}
	if (modes & ADJ_STATUS) {
		cw->modes |= CW_ADJ_STATUS;
		/* STA_NANO is read-only here; clockwork keeps running in ns. */
		cw->status = ((unsigned)tx->status & ~(unsigned)STA_NANO) | CW_STA_NANO;
	}
	if (modes & (ADJ_FREQUENCY | ADJ_TICK)) {
		int64_t f = (modes & ADJ_FREQUENCY) ? clamp_long(tx->freq, -CW_NTP_MAXFREQ_SCALED,
								 CW_NTP_MAXFREQ_SCALED)
						    : cur->freq - tick_scaled(pa_tick_usec);

		cw->modes |= CW_ADJ_FREQUENCY;
		cw->freq = f + tick_scaled(tick_usec);
	}
	if (modes & ADJ_MAXERROR) {
		cw->modes |= CW_ADJ_MAXERROR;
		cw->maxerror = clamp_long(tx->maxerror, 0, PA_PHASE_LIMIT_US);
	}
	if (modes & ADJ_ESTERROR) {
		cw->modes |= CW_ADJ_ESTERROR;
		cw->esterror = clamp_long(tx->esterror, 0, PA_PHASE_LIMIT_US);
	}
	if (modes & ADJ_TIMECONST) {
		long c = clamp_long(tx->constant, 0, PA_MAXTC);

		cw->modes |= CW_ADJ_TIMECONST;
		cw->constant = clamp_long(nano ? c : c + 4, 0, PA_MAXTC);
	}
	if ((modes & ADJ_TAI) && tx->constant >= 0) {
		cw->modes |= CW_ADJ_TAI;
		cw->tai = (int32_t)clamp_long(tx->constant, 0, INT32_MAX);
	}
	if (modes & ADJ_OFFSET) {
		cw->modes |= CW_ADJ_OFFSET;
		cw->offset = (int64_t)tx->offset * (nano ? 1 : 1000);
	}
}

/* Fill in what adjtimex returns from clockwork's state. */
static void from_cw(struct cw_system *sys, const struct cw_timex *cw, unsigned modes, bool nano,
		    struct timex *tx)
{
	int64_t real = cw_ktime_get_real(sys);

	if (modes & PA_ADJ_ADJTIME) {
		/* The previous slew (SINGLESHOT), or the current one (SS_READ). */
		tx->offset = (modes & PA_ADJ_OFFSET_READONLY) ? (long)cw->adjtime_remaining_us
							      : (long)cw->offset;
	} else {
		tx->offset = (long)(nano ? cw->offset : cw->offset / 1000);
	}
	tx->freq = (long)(cw->freq - tick_scaled(pa_tick_usec));
	tx->maxerror = (long)cw->maxerror;
	tx->esterror = (long)cw->esterror;
	tx->status = (int)((cw->status & ~(unsigned)STA_NANO) | (nano ? STA_NANO : 0));
	tx->constant = (long)cw->constant;
	tx->precision = 1;
	tx->tolerance = CW_NTP_MAXFREQ_SCALED;
	tx->time.tv_sec = (time_t)(real / 1000000000LL);
	tx->time.tv_usec = (suseconds_t)(real % 1000000000LL / (nano ? 1 : 1000));
	tx->tick = pa_tick_usec;
	tx->ppsfreq = 0;
	tx->jitter = 0;
	tx->shift = 0;
	tx->stabil = 0;
	tx->jitcnt = 0;
	tx->calcnt = 0;
	tx->errcnt = 0;
	tx->stbcnt = 0;
	tx->tai = cw->tai;
}

static int pa_adjtimex(struct timex *tx)
{
	struct cw_timex cur, req;
	struct cw_system *sys;
	unsigned modes;
	bool nano;
	long tick;
	int err, ret;

	if (!tx) {
		return fail(EFAULT);
	}
	err = validate(tx);
	if (err) {
		return fail(err);
	}
	sys = cw__pa_system();
	if (!sys) {
		return fail(EAGAIN);
	}
	modes = (unsigned)tx->modes;
	pthread_mutex_lock(&pa_ntp_lock);
	nano = pa_ntp_nano;
	tick = pa_tick_usec;
	if (!(modes & PA_ADJ_ADJTIME)) {
		if (modes & ADJ_NANO) {
			nano = true;
		}
		if (modes & ADJ_MICRO) {
			nano = false;
		}
		if (modes & ADJ_TICK) {
			tick = tx->tick;
		}
	}
	/* The current state, for a tick change without a frequency. */
	memset(&cur, 0, sizeof(cur));
	cur.modes = 0;
	ret = cw_adjtimex(sys, &cur);
	if (ret >= 0) {
		to_cw(tx, &cur, nano, tick, &req);
		ret = cw_adjtimex(sys, &req);
	}
	if (ret < 0) {
		pthread_mutex_unlock(&pa_ntp_lock);
		return fail(cw__pa_errno(ret));
	}
	pa_ntp_nano = nano;
	pa_tick_usec = tick;
	from_cw(sys, &req, modes, nano, tx);
	pthread_mutex_unlock(&pa_ntp_lock);
	if (req.status & CW_STA_UNSYNC) {
		ret = TIME_ERROR;
	}
	return ret;
}

CW_API int cw_posix_adjtimex(struct timex *buf)
{
	return pa_adjtimex(buf);
}

CW_API int cw_ntp_adjtime(struct timex *buf)
{
	return pa_adjtimex(buf);
}

CW_API int cw_clock_adjtime(clockid_t clock_id, struct timex *buf)
{
	if (cw__pa_is_cpu_clock(clock_id)) {
		/* CPU-time clocks and dynamic clock descriptors: the host's. */
		return clock_adjtime(clock_id, buf);
	}
	if (!cw__pa_clock(clock_id)) {
		return fail(EINVAL);
	}
	if (clock_id != CLOCK_REALTIME) {
		/* Linux: only REALTIME (and AUX clocks) can be steered. */
		return fail(EOPNOTSUPP);
	}
	return pa_adjtimex(buf);
}
