/* SPDX-License-Identifier: MIT */
/*
 * A formatted dump of what is queued now, in the manner of Linux's
 * /proc/timer_list (issue 14, section 3): per CPU its tick device and tick
 * mode, then each armed hrtimer (base clock, soft-hard expiry, callback)
 * and each armed wheel timer (expiry in jiffies, callback, deferrable,
 * pinned); then every registered clock event device (state, binding,
 * rating, irq, next event, limits, mult/shift) with the
 * broadcast device marked.
 *
 * The armed timers are the invariant checker's record
 * (cw_check_armed_timers()): the dump walks no timer base, so it adds
 * nothing to the arm and cancel paths and needs the checker on
 * (cw_system_config.check); with it off the dump says so and lists the
 * CPUs and devices only. It takes the checker's and the clockevents lock
 * in turn, never a base lock, and reads no clock unless asked to stamp
 * the dump with MONOTONIC now (a simulator passes its virtual time
 * instead, so a dump does not change the run).
 *
 * Callback names: the caller's symboliser (the posix port offers one that
 * reads the executable's symbol table: cw_posix_symbols_load()), else the
 * address. Users: cwsim's --dump-timers-at and any program on the posix
 * port (tests/posix/test_timer_list_posix.c).
 */
#ifndef CLOCKWORK_INCLUDE_TIMER_LIST_H
#define CLOCKWORK_INCLUDE_TIMER_LIST_H

#include <clockwork/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_system;

/**
 * Name a callback for the dump.
 * @param arg  The options' @c symbolize_arg.
 * @param fn   The callback's address.
 * @param buf  Scratch the name may be written to.
 * @param len  Its size.
 * @return the name (in @p buf or elsewhere, valid until the dump is
 *         written), or NULL: the dump prints the address.
 */
typedef const char *(*cw_timer_list_symbolize_fn)(void *arg, uintptr_t fn, char *buf, size_t len);

/**
 * Number a timer for the dump (a tool whose traces number timers, so the
 * dump and the trace agree). @return the number; 0: the dump uses the
 * checker's arming sequence number.
 */
typedef uint64_t (*cw_timer_list_id_fn)(void *arg, const void *timer, bool hrtimer);

/** How cw_timer_list_format() writes a dump. Zero-initialise; NULL options: all defaults. */
struct cw_timer_list_options {
	/** Names callbacks; NULL: addresses ("<0x...>"). */
	cw_timer_list_symbolize_fn symbolize;
	/** Argument of @c symbolize. */
	void *symbolize_arg;
	/** Numbers timers; NULL: the checker's arming sequence numbers. */
	cw_timer_list_id_fn timer_id;
	/** Argument of @c timer_id. */
	void *timer_id_arg;
	/** @c now_ns is the dump's instant (no clock read); false: read MONOTONIC now. */
	bool now_given;
	/** The dump's instant, ns (with @c now_given). */
	int64_t now_ns;
	/** What the instant is, printed after it ("virtual time"); NULL: "MONOTONIC". */
	const char *now_label;
};

/**
 * Write the dump of now into @p buf, as snprintf() does: at most @p len
 * bytes including the terminating NUL; the return value is the length the
 * whole dump needs (excluding the NUL), so a caller can size a buffer with
 * a first call (@p buf NULL, @p len 0). The text, one line each:
 *
 *     timer list at S.NNNNNNNNN s (LABEL): N timers armed
 *     cpu: C (online|offline), tick device NAME|-, tick mode MODE
 *       hrtimer ID, CALLBACK, clock CLOCK: expires at SOFT-HARD ns (armed at MONOTONIC T ns)
 *       timer ID, CALLBACK: expires at jiffies J (armed at J0[, deferrable][, pinned])
 *     (a blank line)
 *     clock event devices
 *       NAME: STATE[ (broadcast)], bound C, rating R, irq I, next_event T ns, min_delta D ns,
 *             max_delta D ns, mult M, shift S                   (one line)
 *
 * Timers are sorted by CPU, hrtimers first, then by base clock, expiry
 * and number. Without the checker the count reads "timers not tracked
 * (the checker is off)" and no timer lines follow.
 *
 * @param sys   The system.
 * @param opt   Options, or NULL.
 * @param buf   Output (may be NULL when @p len is 0).
 * @param len   Its size.
 * Context: any thread that holds no core lock (not a timer callback or an
 * interrupt handler on the sim port: it allocates); the timers may change
 * while it runs, the dump shows one instant of the checker's record.
 * @return the dump's length; 0 if @p sys is NULL or memory ran out.
 */
CW_API size_t cw_timer_list_format(struct cw_system *sys, const struct cw_timer_list_options *opt,
				   char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_TIMER_LIST_H */
