/* SPDX-License-Identifier: MIT */
/*
 * Clocksource provider contract: what a driver fills in to offer a
 * free-running counter to a system, and the calls it makes.
 *
 * A clocksource is a caller-owned struct. The driver sets the fields above
 * the "private" marker, then registers it with a frequency; the core computes
 * the conversion (mult/shift), its limits and the watchdog margin and owns
 * everything below the marker. The struct must stay valid and must not be
 * modified until cw_clocksource_unregister() returned 0 (or the system was
 * destroyed).
 *
 * Conversion: ns = (delta_cycles * mult) >> shift. The core picks the most
 * precise 32-bit mult (relative error below 2^-31, i.e. 0.5 ns per second)
 * and keeps the product exact for any delta: deltas up to max_cycles take a
 * 64-bit multiply, larger ones a 128-bit one. See docs/clocksources.md.
 */
#ifndef CLOCKWORK_INCLUDE_DRIVER_CLOCKSOURCE_H
#define CLOCKWORK_INCLUDE_DRIVER_CLOCKSOURCE_H

#include <clockwork/clocksource.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_clocksource;

/**
 * Reads the counter. Must be callable from any context and any thread,
 * concurrently, without locks; returns the raw value (only the bits in
 * mask are used).
 */
typedef uint64_t (*cw_clocksource_read_fn)(struct cw_clocksource *cs);

/**
 * A counter offered as a clocksource. Driver-owned fields first; the core
 * owns the fields after "private". Protected by the system's clocksource
 * lock; the reader path reads only a published copy of mult/shift/mask.
 */
struct cw_clocksource {
	/** Unique name within the system ("tsc", "arm_global_timer"). Driver. */
	const char *name;
	/** Read the counter. Driver; required. */
	cw_clocksource_read_fn read;
	/** Counter width as a mask: CW_CLOCKSOURCE_MASK(bits). Driver; required. */
	uint64_t mask;
	/** Quality, see CW_CLOCKSOURCE_RATING_*; higher wins. Driver (core sets 0 when unstable). */
	int rating;
	/** CW_CLOCKSOURCE_* flags. Driver sets IS_CONTINUOUS, MUST_VERIFY, SUSPEND_NONSTOP, VALID_FOR_HRES; the core the rest. */
	unsigned flags;
	/** Watchdog tolerance in ns; 0 lets the core pick max(one period, 2 * max skew). Driver. */
	uint32_t uncertainty_margin_ns;
	/** Optional: called when the clocksource becomes current. Return 0 or a CW_E* code. */
	int (*enable)(struct cw_clocksource *cs);
	/** Optional: called when the clocksource stops being current. */
	void (*disable)(struct cw_clocksource *cs);
	/** Optional: called before the system suspends. */
	void (*suspend)(struct cw_clocksource *cs);
	/** Optional: called after the system resumed. */
	void (*resume)(struct cw_clocksource *cs);
	/** Optional: told when the watchdog declares this clocksource unstable. */
	void (*mark_unstable)(struct cw_clocksource *cs);
	/** Opaque pointer for the driver (or use container_of on the struct). */
	void *driver_data;

	/* private: owned by the core; read them with cw_clocksource_list(). */
	/** cycles -> ns multiplier (nominal, not NTP-adjusted). */
	uint32_t mult;
	/** cycles -> ns shift. */
	uint32_t shift;
	/** Largest NTP change of mult: 11 % of mult. */
	uint32_t maxadj;
	/** Frequency given at registration, Hz (0 if registered by mult/shift). */
	uint64_t freq_hz;
	/** Largest delta converted with a 64-bit product. */
	uint64_t max_cycles;
	/** Longest time without a timekeeping update: 50 % of the wrap span. */
	uint64_t max_idle_ns;
	/** Deltas above this (7/8 of mask) are counter motion backwards: read as 0. */
	uint64_t max_raw_delta;
	/** Owning system while registered, else NULL. */
	struct cw_system *sys;
	/** Next clocksource on the system's list (sorted by rating). */
	struct cw_clocksource *next;
	/** Watchdog baseline: this counter at the last check. */
	uint64_t cs_last;
	/** Watchdog baseline: the watchdog's counter at the last check. */
	uint64_t wd_last;
	/** Number of watchdog checks passed (statistics). */
	uint64_t wd_passes;
	/** The core chose uncertainty_margin_ns (recomputed when tunables change). */
	bool margin_auto;
};

/** Mask for a counter of @p bits bits (1..64). */
#define CW_CLOCKSOURCE_MASK(bits) \
	((bits) >= 64 ? UINT64_MAX : ((UINT64_C(1) << (bits)) - 1))

/**
 * Register a clocksource counting at @p hz.
 * @param sys  The system.
 * @param cs   Filled-in clocksource (name, read, mask, rating, flags).
 * @param hz   Counter frequency in Hz, >= 1.
 * Context: thread context, not from a reader or a timer callback.
 * @return 0; CW_EINVAL (missing name/read/mask, hz 0); CW_EBUSY (already
 *         registered, or a clocksource of that name exists).
 */
CW_API int cw_clocksource_register_hz(struct cw_system *sys, struct cw_clocksource *cs,
				      uint64_t hz);

/** As cw_clocksource_register_hz() with the frequency in kHz. */
CW_API int cw_clocksource_register_khz(struct cw_system *sys, struct cw_clocksource *cs,
				       uint32_t khz);

/**
 * Register a clocksource whose driver set mult and shift itself (the jiffies
 * style). max_cycles/max_idle_ns are derived from them.
 * @return as cw_clocksource_register_hz(); CW_EINVAL if mult is 0.
 */
CW_API int cw_clocksource_register_mult_shift(struct cw_system *sys, struct cw_clocksource *cs,
					      uint32_t mult, uint32_t shift);

/**
 * Unregister a clocksource. If it is current, the best remaining one takes
 * over first (clock ids stay continuous); if it is the watchdog, another
 * watchdog is chosen.
 * @return 0; CW_EINVAL (not registered here); CW_EBUSY (it is the jiffies
 *         clocksource, which is always there).
 */
CW_API int cw_clocksource_unregister(struct cw_system *sys, struct cw_clocksource *cs);

/**
 * Declare a clocksource unstable (a driver that knows better than the
 * watchdog). Its rating drops to 0 and a new clocksource is selected.
 * Context: thread context.
 */
CW_API void cw_clocksource_mark_unstable(struct cw_clocksource *cs);

/**
 * Compute a conversion factor pair: to = (from_units * mult) >> shift.
 * Picks the largest shift (most precise mult) such that (from * maxsec)
 * units still multiply without 64-bit overflow (the kernel's
 * clocks_calc_mult_shift).
 * @param mult    Receives the multiplier.
 * @param shift   Receives the shift.
 * @param from    Source frequency (Hz); must be non-zero.
 * @param to      Target frequency (1e9 for cycles -> ns).
 * @param maxsec  Span in seconds the conversion must cover.
 */
CW_API void cw_clocks_calc_mult_shift(uint32_t *mult, uint32_t *shift, uint64_t from,
				      uint64_t to, uint64_t maxsec);

/**
 * The most precise cycles -> ns pair with a 32-bit mult that leaves room for
 * the NTP adjustment (mult + 11 % < 2^32) and for the sub-ns accumulator.
 * Used by registration; exposed for drivers and tests.
 */
CW_API void cw_clocksource_calc_mult_shift(uint32_t *mult, uint32_t *shift, uint64_t hz);

/**
 * Convert a counter delta to ns exactly (128-bit product; never overflows).
 * @return (cycles * mult) >> shift, saturated at UINT64_MAX.
 */
CW_API uint64_t cw_cycles_to_ns(uint64_t cycles, uint32_t mult, uint32_t shift);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_DRIVER_CLOCKSOURCE_H */
