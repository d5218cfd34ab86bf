/* SPDX-License-Identifier: MIT */
/*
 * Core-internal helpers every core file uses: branch hints, once-accesses
 * for lockless data, container_of, assertions (CW_ASSERT in debug builds,
 * CW_WARN_ON_ONCE always), the CPU relax hint; 128-bit arithmetic is in
 * math128.h, included here. Private: never installed.
 */
#ifndef CLOCKWORK_SRC_CORE_COMPILER_H
#define CLOCKWORK_SRC_CORE_COMPILER_H

#ifndef CW_BUILDING_LIBRARY
#error "src/core headers are private to the clockwork library"
#endif

#include <clockwork/config.h>
#include <clockwork/types.h>

#include <stddef.h>

/* 128-bit products and quotients, with or without __int128. */
#include "math128.h"

#define cw_likely(x)   __builtin_expect(!!(x), 1)
#define cw_unlikely(x) __builtin_expect(!!(x), 0)

/*
 * Data read by lockless readers under a sequence counter is accessed with
 * relaxed atomics: plain loads and stores on x86 and ARM, but defined
 * behaviour in C11 and invisible to ThreadSanitizer's race detector. The
 * ordering comes from the sequence counter's acquire/release pairs.
 */
#define CW_READ_ONCE(x)     __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define CW_WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/*
 * Make @v opaque to the optimiser (its value is unchanged): in a retry
 * loop, keeps GCC from hoisting the addresses of every field reached
 * through @v out of the loop and holding them across calls (Linux's
 * OPTIMIZER_HIDE_VAR).
 */
#define CW_OPTIMIZER_HIDE_VAR(v) __asm__("" : "+r"(v))

#define cw_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define CW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CW_CACHELINE_BYTES 64

/* Debug checks: the CW_DEBUG_CHECKS knob, by default on unless NDEBUG. */
#if !CW_CONFIG_DEBUG_CHECKS
#define CW_ASSERT(cond) ((void)0)
#define CW_DEBUG_ONLY(x)
#else
#define CW_ASSERT(cond) ((cond) ? (void)0 : cw__assert_fail(#cond, __FILE__, __LINE__))
#define CW_DEBUG_ONLY(x) x
#endif

struct cw_system;

/**
 * One call site of CW_WARN_ON_ONCE: a static const object per site, so the
 * site's address is its key and the process holds no mutable warning state.
 */
struct cw_warn_site {
	/** The condition, as written. */
	const char *expr;
	/** Source file and line of the site. */
	const char *file;
	int line;
};

/*
 * Always-on check (kernel WARN_ON_ONCE): evaluates to @cond; the first time
 * @cond is true at this call site on @sys, a warning with the site's
 * file:line goes to that system's log ring at CW_LOG_WARNING. Once per
 * system, not per process: each system keeps a fixed-size set of the sites
 * that warned (cw__warn_once(); no allocation, lock-free). The caller then
 * takes its safe path.
 */
#define CW_WARN_ON_ONCE(sys, cond)                                                                 \
	({                                                                                         \
		static const struct cw_warn_site cw__site = { #cond, __FILE__, __LINE__ };         \
		int cw__c = !!(cond);                                                              \
		if (cw_unlikely(cw__c)) {                                                          \
			cw__warn_once((sys), &cw__site);                                           \
		}                                                                                  \
		cw__c;                                                                             \
	})

_Noreturn void cw__assert_fail(const char *expr, const char *file, int line);
/**
 * Log @p site's warning on @p sys unless it already did (the slow path of
 * CW_WARN_ON_ONCE). Context: any, also with core locks held (log_lock is
 * innermost).
 */
void cw__warn_once(struct cw_system *sys, const struct cw_warn_site *site);
/** Fatal: corrupt state. Never returns. */
_Noreturn void cw_bug(const char *what);

static inline void cw_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Make every earlier store globally visible and every earlier instruction
 * complete before a following counter read. Counter reads such as rdtsc are
 * not memory accesses, so C11 fences do not order them: a writer that
 * publishes "update in progress" and then reads the counter could otherwise
 * read it while the store still sits in its store buffer, and a reader on
 * another CPU, still seeing the old sequence count, could read a later
 * counter value with the old data (Intel SDM: MFENCE;LFENCE before RDTSC).
 */
static inline void cw_counter_read_barrier(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("mfence; lfence" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("dsb sy; isb" ::: "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* Index of the highest set bit; v must be non-zero. */
static inline unsigned cw_ilog2_u64(uint64_t v)
{
	return 63u - (unsigned)__builtin_clzll(v);
}

static inline uint64_t cw_abs_diff_u64(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Floor division for a signed numerator and a positive divisor. */
static inline int64_t cw_div_floor_s64(int64_t n, int64_t d)
{
	int64_t q = n / d;

	return (n % d != 0 && n < 0) ? q - 1 : q;
}

#endif /* CLOCKWORK_SRC_CORE_COMPILER_H */
