/* SPDX-License-Identifier: MIT */
/*
 * The "tsc" clocksource: the x86-64 time stamp counter, registered only when
 * it is invariant (CPUID 0x80000007 EDX bit 8: constant rate in every P-, C-
 * and T-state). Rating 300 (desired), continuous, 64 bits, and MUST_VERIFY:
 * the watchdog checks it against the trusted clock_gettime clocksources
 * before it becomes valid for high resolution.
 *
 * Frequency. User space cannot read the kernel's tsc_khz, and CPUID leaf
 * 0x15 is empty on AMD parts and on most hypervisors, so the port calibrates:
 * each round brackets a TSC read between two CLOCK_MONOTONIC_RAW reads at
 * the start and at the end of a sleep of round_ms, keeping the narrowest of
 * a few brackets, and divides. The median of the rounds is used. With the
 * defaults (5 rounds of 50 ms) the rounds agree within about 0.1 ppm on the
 * development machine, and a bracket is about 50 ns wide, i.e. 1 ppm of a
 * 50 ms round at worst (cw_posix_tsc_info() reports both numbers). Since
 * CLOCK_MONOTONIC_RAW is itself the host kernel's TSC scaled by its own
 * calibration, this converges to the kernel's idea of the frequency.
 * CPUID's figure (leaf 0x15, or hypervisor leaf 0x40000010) is reported for
 * comparison, never trusted blindly: leaf 0x15 crystal values are known to
 * be off by hundreds of ppm on some parts.
 *
 * Reading. A plain rdtsc costs about 10 ns here, lfence;rdtsc about 17 ns
 * and rdtscp about 19 ns. A plain rdtsc is never seen going backwards within
 * one thread, but it may execute before an earlier load completes: in a
 * litmus test (one thread publishing rdtsc values, another loading one and
 * then reading rdtsc) 0.05 % to 33 % of the reads were smaller than the value
 * just loaded, mostly by less than 100 cycles, rarely by a few microseconds.
 * Inside timekeeping that is harmless: a counter value older than the
 * snapshot's cycle_last gives a negative delta, which the core's
 * negative-motion clamp turns into 0, so the reader returns the snapshot's
 * base and never goes backwards. It is only visible as cross-thread
 * causality (a time read after observing another thread's timestamp may be
 * a few ns smaller). The default is the plain rdtsc, which the 0.8x target
 * against clock_gettime needs; CW_POSIX_TSC_ORDERED selects lfence;rdtsc.
 */
#include <clockwork/port_posix.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/system.h>

#include "port/posix/posix-internal.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <x86intrin.h>
#define POSIX_HAVE_TSC 1
#else
#define POSIX_HAVE_TSC 0
#endif

/* CPUID leaves and bits used here. */
#define CPUID_EXT_BASE          0x80000000u
#define CPUID_POWER_MGMT        0x80000007u
#define CPUID_INVARIANT_TSC_BIT (1u << 8)
#define CPUID_TSC_CRYSTAL       0x15u
#define CPUID_HV_BIT            (1u << 31)
#define CPUID_HV_BASE           0x40000000u
#define CPUID_HV_TIMING         0x40000010u

/* Brackets tried per calibration sample; the narrowest wins. */
#define TSC_SAMPLE_TRIES 16
#define PPB_PER_UNIT     1000000000ull

#if POSIX_HAVE_TSC

static uint64_t tsc_read(struct cw_clocksource *cs)
{
	(void)cs;
	return __rdtsc();
}

static uint64_t tsc_read_ordered(struct cw_clocksource *cs)
{
	(void)cs;
	/* lfence waits for earlier loads, so the counter is read after them. */
	_mm_lfence();
	return __rdtsc();
}

bool cw__posix_tsc_invariant(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(CPUID_EXT_BASE, &a, &b, &c, &d) || a < CPUID_POWER_MGMT) {
		return false;
	}
	__cpuid(CPUID_POWER_MGMT, a, b, c, d);
	return (d & CPUID_INVARIANT_TSC_BIT) != 0;
}

uint64_t cw__posix_tsc_cpuid_hz(void)
{
	unsigned max, a, b, c, d;

	max = __get_cpuid_max(0, NULL);
	if (max >= CPUID_TSC_CRYSTAL) {
		/* EAX = denominator, EBX = numerator, ECX = crystal Hz (0 if unknown). */
		__cpuid(CPUID_TSC_CRYSTAL, a, b, c, d);
		if (a && b && c) {
			return (uint64_t)c * b / a;
		}
	}
	__cpuid(1, a, b, c, d);
	if (!(c & CPUID_HV_BIT)) {
		return 0;
	}
	__cpuid(CPUID_HV_BASE, max, b, c, d);
	if (max < CPUID_HV_TIMING) {
		return 0;
	}
	/* The VMware/KVM timing leaf: EAX = TSC frequency in kHz. */
	__cpuid(CPUID_HV_TIMING, a, b, c, d);
	return (uint64_t)a * 1000u;
}

/* One calibration point: a TSC value and the RAW time it was read at. */
struct tsc_point {
	uint64_t tsc;
	uint64_t raw_ns;
	uint64_t width_ns;
};

/* Bracket an ordered TSC read by two RAW reads; keep the narrowest try. */
static void tsc_point_take(struct tsc_point *pt)
{
	uint64_t r0, r1, t;

	pt->tsc = 0;
	pt->raw_ns = 0;
	pt->width_ns = UINT64_MAX;
	for (int i = 0; i < TSC_SAMPLE_TRIES; i++) {
		r0 = cw__posix_host_ns(CLOCK_MONOTONIC_RAW);
		t = tsc_read_ordered(NULL);
		_mm_lfence();
		r1 = cw__posix_host_ns(CLOCK_MONOTONIC_RAW);
		if (r1 - r0 < pt->width_ns) {
			pt->width_ns = r1 - r0;
			pt->raw_ns = r0 + (r1 - r0) / 2;
			pt->tsc = t;
		}
	}
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000u,
		.tv_nsec = (long)(ms % 1000u) * CW_NSEC_PER_MSEC,
	};

	while (nanosleep(&ts, &ts) != 0) {
		/* EINTR: sleep the remainder. */
	}
}

#else /* !POSIX_HAVE_TSC */

bool cw__posix_tsc_invariant(void)
{
	return false;
}

uint64_t cw__posix_tsc_cpuid_hz(void)
{
	return 0;
}

#endif /* POSIX_HAVE_TSC */

static void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned j = i;

		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

int cw__posix_tsc_calibrate(unsigned rounds, unsigned round_ms, struct cw_posix_tsc_cal *out)
{
#if POSIX_HAVE_TSC
	uint64_t hz[CW_POSIX_TSC_CALIBRATE_ROUNDS_MAX];
	struct tsc_point p0, p1;
	uint64_t worst_ppb = 0, dt_ns, ppb;

	memset(out, 0, sizeof(*out));
	if (rounds == 0 || rounds > CW_POSIX_TSC_CALIBRATE_ROUNDS_MAX || round_ms == 0) {
		return CW_EINVAL;
	}
	for (unsigned r = 0; r < rounds; r++) {
		tsc_point_take(&p0);
		sleep_ms(round_ms);
		tsc_point_take(&p1);
		dt_ns = p1.raw_ns - p0.raw_ns;
		hz[r] = (uint64_t)((unsigned __int128)(p1.tsc - p0.tsc) * PPB_PER_UNIT / dt_ns);
		/* Each midpoint is off by at most half its bracket. */
		ppb = (p0.width_ns + p1.width_ns) / 2 * PPB_PER_UNIT / dt_ns;
		worst_ppb = ppb > worst_ppb ? ppb : worst_ppb;
	}
	sort_u64(hz, rounds);
	out->hz = hz[rounds / 2];
	out->rounds = rounds;
	out->round_ns = (uint64_t)round_ms * CW_NSEC_PER_MSEC;
	out->spread_ppb =
		(uint64_t)((unsigned __int128)(hz[rounds - 1] - hz[0]) * PPB_PER_UNIT / out->hz);
	out->uncertainty_ppb = worst_ppb;
	return 0;
#else
	(void)rounds;
	(void)round_ms;
	memset(out, 0, sizeof(*out));
	return CW_ENOSYS;
#endif
}

bool cw_posix_tsc_usable(void)
{
	return POSIX_HAVE_TSC && cw__posix_tsc_invariant();
}

/* Resolve the TSC frequency: given by the caller, or calibrated. */
static int tsc_find_hz(struct cw_posix_ctx *ctx, const struct cw_posix_options *opt)
{
	unsigned rounds = CW_POSIX_TSC_CALIBRATE_ROUNDS_DEFAULT;
	unsigned round_ms = CW_POSIX_TSC_CALIBRATE_MS_DEFAULT;
	int err;

	if (opt && opt->tsc_hz) {
		ctx->tsc_hz = opt->tsc_hz;
		ctx->tsc_method = CW_POSIX_TSC_GIVEN;
		return 0;
	}
	if (opt && opt->tsc_calibrate_rounds) {
		rounds = opt->tsc_calibrate_rounds;
	}
	if (opt && opt->tsc_calibrate_ms) {
		round_ms = opt->tsc_calibrate_ms;
	}
	if (rounds > CW_POSIX_TSC_CALIBRATE_ROUNDS_MAX ||
	    round_ms > CW_POSIX_TSC_CALIBRATE_MS_MAX) {
		return CW_EINVAL;
	}
	err = cw__posix_tsc_calibrate(rounds, round_ms, &ctx->tsc_cal);
	if (err) {
		return err;
	}
	ctx->tsc_hz = ctx->tsc_cal.hz;
	ctx->tsc_method = CW_POSIX_TSC_CALIBRATED;
	return 0;
}

/* The kernel's "tsc: Detected ... MHz" line, with how the value was found. */
static void tsc_log_frequency(struct cw_posix_ctx *ctx)
{
	const struct cw_posix_tsc_cal *cal = &ctx->tsc_cal;

	if (ctx->tsc_method != CW_POSIX_TSC_CALIBRATED) {
		cw_log(ctx->sys, CW_LOG_INFO, "tsc: %llu.%06llu MHz given by the caller",
		       (unsigned long long)(ctx->tsc_hz / 1000000u),
		       (unsigned long long)(ctx->tsc_hz % 1000000u));
		return;
	}
	cw_log(ctx->sys, CW_LOG_INFO,
	       "tsc: calibrated %llu.%06llu MHz against CLOCK_MONOTONIC_RAW (%u x %llu ms, spread %llu ppb, bracket %llu ppb)",
	       (unsigned long long)(ctx->tsc_hz / 1000000u),
	       (unsigned long long)(ctx->tsc_hz % 1000000u), cal->rounds,
	       (unsigned long long)(cal->round_ns / CW_NSEC_PER_MSEC),
	       (unsigned long long)cal->spread_ppb, (unsigned long long)cal->uncertainty_ppb);
}

int cw__posix_tsc_prepare(struct cw_posix_ctx *ctx, const struct cw_posix_options *opt)
{
	if (!POSIX_HAVE_TSC || !cw__posix_tsc_invariant()) {
		return 0;
	}
	return tsc_find_hz(ctx, opt);
}

int cw__posix_tsc_register(struct cw_posix_ctx *ctx)
{
#if POSIX_HAVE_TSC
	struct cw_clocksource *cs = &ctx->cs_tsc;
	int err;

	if (ctx->tsc_method == CW_POSIX_TSC_NONE) {
		return 0;
	}
	memset(cs, 0, sizeof(*cs));
	cs->name = CW_POSIX_CS_TSC;
	cs->read = (ctx->flags & CW_POSIX_TSC_ORDERED) ? tsc_read_ordered : tsc_read;
	cs->mask = CW_CLOCKSOURCE_MASK(64);
	cs->rating = CW_POSIX_RATING_TSC;
	cs->flags = CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY;
	tsc_log_frequency(ctx);
	err = cw_clocksource_register_hz(ctx->sys, cs, ctx->tsc_hz);
	if (err) {
		ctx->tsc_method = CW_POSIX_TSC_NONE;
		return err;
	}
	ctx->tsc_registered = true;
	return 0;
#else
	(void)ctx;
	return 0;
#endif
}

int cw_posix_tsc_info(struct cw_system *sys, struct cw_posix_tsc_info *out)
{
	struct cw_posix_ctx *ctx = cw__posix_ctx(sys);

	if (!ctx || !out) {
		return CW_EINVAL;
	}
	memset(out, 0, sizeof(*out));
	out->present = POSIX_HAVE_TSC;
	out->invariant = cw__posix_tsc_invariant();
	out->registered = ctx->tsc_registered;
	out->method = ctx->tsc_registered ? ctx->tsc_method : CW_POSIX_TSC_NONE;
	out->hz = ctx->tsc_registered ? ctx->tsc_hz : 0;
	out->cpuid_hz = cw__posix_tsc_cpuid_hz();
	out->rounds = ctx->tsc_cal.rounds;
	out->round_ns = ctx->tsc_cal.round_ns;
	out->spread_ppb = ctx->tsc_cal.spread_ppb;
	out->uncertainty_ppb = ctx->tsc_cal.uncertainty_ppb;
	return 0;
}
