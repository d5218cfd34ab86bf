/* SPDX-License-Identifier: MIT */
/*
 * Claiming a timer channel: a driver (a NIC's interrupt mitigation, a
 * profiler) asks for a timer interrupt of its own by capability and gets
 * an exclusive handle, or an error saying why not.
 *
 * The core looks at every registered clock event device the tick layer is
 * not using (a spare SH-TMU channel, an unused HPET comparator) and takes
 * the one that fits the request best; the device becomes RESERVED
 * (include/clockwork/driver/clockevent.h): the tick and broadcast layers
 * never use it until the handle is released, when it goes back to them
 * (it may become, say, the broadcast device). When no hardware fits and the
 * request allows it, the handle is a virtual channel on a hard hrtimer,
 * with the same calls and its achieved resolution and latency reported, so
 * a driver is written once. docs/claim.md has the details and numbers.
 *
 * The handle is caller-owned (struct cw_claim), like timers: claiming
 * never allocates. Callbacks run in interrupt context on the CPU the
 * request named (the channel's interrupt is routed there), or wherever a
 * global channel's interrupt goes when it named none.
 */
#ifndef CLOCKWORK_INCLUDE_CLAIM_H
#define CLOCKWORK_INCLUDE_CLAIM_H

#include <clockwork/hrtimer.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;
struct cw_clock_event_device;
struct cw_claim;

/** @name Modes (struct cw_claim_request::modes, struct cw_claim_info::modes) @{ */
/** Interrupts at a steady rate (cw_claim_start_periodic()). */
#define CW_CLAIM_PERIODIC 0x1u
/** Single interrupts after a delay (cw_claim_start_oneshot()). */
#define CW_CLAIM_ONESHOT  0x2u
/** @} */

/** No particular CPU (struct cw_claim_request::target_cpu). */
#define CW_CLAIM_ANY_CPU (-1)

/** Name the fallback reports as its device (struct cw_claim_info::device). */
#define CW_CLAIM_FALLBACK_NAME "hrtimer"

/**
 * Callback of a claimed channel.
 *
 * @param claim  The handle.
 * @param arg    The pointer given to the start call.
 * Context: interrupt context of the channel's CPU; no core lock held. It may
 * call cw_claim_start_*(), cw_claim_set_rate(), cw_claim_stop() and
 * cw_claim_get_remaining() on its own handle, not cw_claim_release().
 */
typedef void (*cw_claim_fn)(struct cw_claim *claim, void *arg);

/**
 * What a caller asks for. Zero means "any" for every limit, so a request
 * names only what matters to it. Read by cw_claim_timer() only.
 */
struct cw_claim_request {
	/** Who claims (logs, listings; "nic0-rx"). Required; must outlive the handle. */
	const char *owner;
	/** CW_CLAIM_PERIODIC and/or CW_CLAIM_ONESHOT: the modes it will use (at least one). */
	unsigned modes;
	/**
	 * Rates it will run at, Hz: the channel must reach every rate in
	 * [min_rate_hz, max_rate_hz] (a oneshot delay of 1/rate counts the
	 * same). 0: no bound on that side.
	 */
	uint64_t min_rate_hz;
	/** Highest rate, Hz (0: no bound). */
	uint64_t max_rate_hz;
	/** Coarsest acceptable resolution (one device cycle), ns (0: any). */
	uint64_t max_resolution_ns;
	/** Worst acceptable frequency error of the device's clock, ppb (0: any). */
	uint32_t max_error_ppb;
	/**
	 * true: a per-CPU device of target_cpu (a spare local timer); false: a
	 * global channel, its interrupt routed to target_cpu.
	 */
	bool percpu;
	/**
	 * CPU the callbacks must run on (0 is CPU 0), or CW_CLAIM_ANY_CPU
	 * (global channels only: wherever its interrupt goes; the fallback
	 * uses the first online CPU).
	 */
	int target_cpu;
	/** Lowest acceptable device rating (0: any). */
	int min_rating;
	/** Accept the hrtimer virtual channel when no hardware is free and fits. */
	bool allow_fallback;
};

/**
 * What a handle got, as cw_claim_get_info() and cw_claim_list() report it.
 * A snapshot; the strings live as long as the device and the request.
 */
struct cw_claim_info {
	/** The request's owner. */
	const char *owner;
	/** The device's name, or CW_CLAIM_FALLBACK_NAME. */
	const char *device;
	/** It is the hrtimer virtual channel. */
	bool fallback;
	/** CPU the callbacks run on (-1: wherever the interrupt goes). */
	int cpu;
	/** CW_CLAIM_* modes the channel can do. */
	unsigned modes;
	/** One step of the channel, ns (a device cycle; the hrtimer resolution). */
	uint64_t resolution_ns;
	/**
	 * Expected lateness of a callback after its due time, ns, not counting
	 * interrupt delivery: two device cycles for hardware (programming
	 * rounds up and the counter's phase), the CPU's tick device resolution
	 * plus its minimum delta for the fallback in high resolution, a tick
	 * in low resolution.
	 */
	uint64_t latency_ns;
	/** Lowest and highest rate the channel can run at, Hz. */
	uint64_t min_rate_hz;
	/** Highest rate, Hz. */
	uint64_t max_rate_hz;
	/** Achieved rate while periodic (rounded to Hz), else 0. */
	uint64_t rate_hz;
	/** Period while periodic, ns, else 0. */
	uint64_t period_ns;
	/** CW_CLAIM_PERIODIC or CW_CLAIM_ONESHOT while started, else 0. */
	unsigned running;
	/** Callbacks run so far. */
	uint64_t fires;
	/** Periods skipped because a callback came more than a period late. */
	uint64_t overruns;
};

/**
 * A claim handle. Caller-owned: zero it before its first claim
 * (cw_claim_release() leaves it zeroed, ready for the next); it must stay
 * valid until cw_claim_release() returned. All fields are the core's,
 * under the system's claim lock. One thread at a time drives a handle
 * (plus its own callback).
 */
struct cw_claim {
	/* private: owned by the core */
	/** The system (NULL when not claimed). */
	struct cw_system *sys;
	/** The reserved device, or NULL for the fallback. */
	struct cw_clock_event_device *dev;
	/** The fallback's timer (hard, pinned to cpu). */
	struct cw_hrtimer timer;
	/** The request's owner. */
	const char *owner;
	/** Callback and its argument while started. */
	cw_claim_fn fn;
	/** Callback argument. */
	void *arg;
	/** CPU of the callbacks, or -1. */
	int cpu;
	/** CW_CLAIM_* modes the channel can do. */
	unsigned modes;
	/** CW_CLAIM_PERIODIC / CW_CLAIM_ONESHOT while started, else 0. */
	unsigned running;
	/** Resolution and expected latency, ns. */
	uint64_t resolution_ns;
	/** Expected latency, ns. */
	uint64_t latency_ns;
	/** Rate range the channel can do, Hz. */
	uint64_t min_rate_hz;
	/** Highest rate, Hz. */
	uint64_t max_rate_hz;
	/** Current period, ns (periodic). */
	uint64_t period_ns;
	/** Due time of the next callback, MONOTONIC ns (CW_KTIME_MAX: none). */
	cw_ktime_t next_ns;
	/** Bumped by every start/stop: a callback of an older start is dropped. */
	uint64_t gen;
	/** Statistics. */
	uint64_t fires;
	/** Overruns (periods skipped). */
	uint64_t overruns;
	/** Link in the system's list of claims. */
	struct cw_claim *next;
};

/**
 * Claim a timer channel that fits @p req.
 *
 * A hardware device fits when it is registered, neither DUMMY nor an
 * hrtimer-emulated device, and: has ONESHOT for a oneshot request and
 * ONESHOT or PERIODIC for a periodic one (a device with PERIODIC only runs
 * at the system's HZ, the rate its driver programs); reaches every rate of
 * the range (ONESHOT: 1/rate within its [min_delta_ns, max_delta_ns]);
 * has a cycle no longer than max_resolution_ns, a frequency error
 * (accuracy_ppb) no worse than max_error_ppb and a rating of at least
 * min_rating; and is per-CPU of target_cpu (@p req->percpu) or global with
 * an interrupt that can be routed to target_cpu. Among the fitting devices
 * the tick layer does not use, the best fit wins: fewest modes beyond the
 * request, then the lowest rating, then the earliest registered (so
 * better channels stay free for requests that need them, and the choice
 * is the same on every run).
 *
 * @param sys    The system (booted).
 * @param req    The request.
 * @param claim  The handle to set up.
 * Context: any thread, not interrupt context; takes the clockevents lock,
 * then the claim lock; does not wait for other CPUs.
 * @return 0; CW_EINVAL for a bad request (no owner, no or unknown modes,
 *         min_rate_hz > max_rate_hz, a bad target_cpu, percpu without a
 *         target, or @p claim already claimed); CW_ENODEV when no device
 *         fits (and no fallback was allowed or it cannot fit either);
 *         CW_EBUSY when devices fit but all are in use (by the tick layer
 *         or other claims) and no fallback was allowed.
 */
CW_API int cw_claim_timer(struct cw_system *sys, const struct cw_claim_request *req,
			  struct cw_claim *claim);

/**
 * Start periodic callbacks at @p rate_hz (replacing whatever ran). The
 * first comes one period from now; periods are kept on a fixed grid (no
 * drift), and a callback more than a period late skips the missed ones
 * (counted in overruns).
 *
 * @param claim    A claimed handle with CW_CLAIM_PERIODIC.
 * @param rate_hz  Rate, Hz.
 * @param fn       Callback.
 * @param arg      Its argument.
 * Context: any thread, or the handle's own callback.
 * @return 0; CW_EINVAL (not claimed, no @p fn, or @p rate_hz 0); CW_ENOSYS (the channel
 *         cannot do periodic); CW_ERANGE (the channel cannot run at @p rate_hz).
 */
CW_API int cw_claim_start_periodic(struct cw_claim *claim, uint64_t rate_hz, cw_claim_fn fn,
				   void *arg);

/**
 * Start a single callback @p delay_ns from now (replacing whatever ran).
 *
 * @param claim     A claimed handle with CW_CLAIM_ONESHOT.
 * @param delay_ns  Delay, ns (clamped up to the channel's shortest).
 * @param fn        Callback.
 * @param arg       Its argument.
 * Context: any thread, or the handle's own callback.
 * @return 0; CW_EINVAL (not claimed or no @p fn); CW_ENOSYS (no oneshot); CW_ERANGE
 *         (@p delay_ns beyond the channel's longest delay).
 */
CW_API int cw_claim_start_oneshot(struct cw_claim *claim, uint64_t delay_ns, cw_claim_fn fn,
				  void *arg);

/**
 * Change the rate of a periodic channel. A running channel continues from
 * its last callback's due time at the new period; a stopped one only
 * checks and records it (cw_claim_start_periodic() names its own rate).
 *
 * @param claim        A claimed handle with CW_CLAIM_PERIODIC.
 * @param rate_hz      Wanted rate, Hz.
 * @param achieved_hz  Out (may be NULL): the rate the channel runs at, rounded to Hz (the
 *                     period is whole ns; a PERIODIC-only device runs at HZ exactly).
 * Context: any thread, or the handle's own callback.
 * @return 0; CW_EINVAL (not claimed, rate 0); CW_ENOSYS (no periodic); CW_ERANGE (the
 *         hardware cannot run at @p rate_hz; nothing changed).
 */
CW_API int cw_claim_set_rate(struct cw_claim *claim, uint64_t rate_hz, uint64_t *achieved_hz);

/**
 * Stop the callbacks. A callback already running on another CPU finishes.
 *
 * @param claim  A claimed handle.
 * Context: any thread, or the handle's own callback.
 * @return 0, or CW_EINVAL if not claimed.
 */
CW_API int cw_claim_stop(struct cw_claim *claim);

/**
 * Time until the next callback.
 *
 * @param claim         A claimed handle.
 * @param remaining_ns  Out: ns until it is due (0 if due or late).
 * Context: any.
 * @return 0; CW_EINVAL (not claimed, NULL out); CW_ENOENT (not started).
 */
CW_API int cw_claim_get_remaining(struct cw_claim *claim, uint64_t *remaining_ns);

/**
 * Describe a handle (the achieved properties).
 *
 * @return 0, or CW_EINVAL if not claimed or @p info is NULL. Context: any.
 */
CW_API int cw_claim_get_info(struct cw_claim *claim, struct cw_claim_info *info);

/**
 * Give the channel back: stop it, wait for a callback running elsewhere to
 * finish, and return the device to the framework (which may use it at
 * once, e.g. as its broadcast device). The handle may then be reused or
 * freed.
 *
 * @param claim  A claimed handle.
 * Context: any thread, not the handle's callback; may run code on other CPUs.
 * @return 0, or CW_EINVAL if not claimed.
 */
CW_API int cw_claim_release(struct cw_claim *claim);

/**
 * List the system's claims in the order they were made.
 *
 * @param sys  The system.
 * @param out  Array of @p max entries (may be NULL when @p max is 0).
 * @param max  Its size.
 * Context: any.
 * @return The number of claims (may exceed @p max: only @p max are written).
 */
CW_API size_t cw_claim_list(struct cw_system *sys, struct cw_claim_info *out, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_CLAIM_H */
