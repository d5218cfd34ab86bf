/* SPDX-License-Identifier: MIT */
/*
 * The simulator port: a deterministic discrete-event engine with virtual
 * time in ns, a seeded random generator, modelled timer hardware, and the
 * glue that runs a struct cw_system on it. Same seed, same run, bit for bit.
 *
 * Single-threaded: every function here must be called from the thread that
 * drives the engine. Nothing here reads a host clock.
 */
#ifndef CLOCKWORK_INCLUDE_SIM_H
#define CLOCKWORK_INCLUDE_SIM_H

#include <clockwork/sim_idle_server.h>
#include <clockwork/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct cw_sim;
struct cw_sim_event;
struct cw_system;
struct cw_system_config;

/** @name Engine
 * @{ */
/** Event callback; runs with cw_sim_now_ns() == the event's time. */
typedef void (*cw_sim_event_fn)(struct cw_sim *sim, struct cw_sim_event *ev);

/**
 * A caller-owned event. Set @p fn (and @p cpu if the event runs "on" a CPU),
 * then schedule it. Scheduling never allocates.
 */
struct cw_sim_event {
	/** Callback. Caller. */
	cw_sim_event_fn fn;
	/** CPU the callback runs on (cw_sim_current_cpu() during it). Caller. */
	unsigned cpu;
	/** Opaque pointer for the caller. */
	void *data;
	/* private: owned by the engine */
	/** Time it fires, ns of virtual time. */
	uint64_t when_ns;
	/** Tie-break: events at equal times run in scheduling order. */
	uint64_t seq;
	/** Position in the queue, or SIZE_MAX when not queued. */
	size_t heap_index;
};

/** Initialise an event (not queued). */
CW_API void cw_sim_event_init(struct cw_sim_event *ev, cw_sim_event_fn fn, void *data);

/**
 * Create an engine at virtual time 0.
 * @param seed  Seed of the random generator.
 * @param out   Receives the engine.
 * @return 0 or CW_ENOMEM.
 */
CW_API int cw_sim_create(uint64_t seed, struct cw_sim **out);
/** Destroy an engine (queued events are dropped, not called). */
CW_API void cw_sim_destroy(struct cw_sim *sim);
/** Current virtual time in ns. */
CW_API uint64_t cw_sim_now_ns(const struct cw_sim *sim);
/** CPU of the event being run, or 0 outside events. */
CW_API unsigned cw_sim_current_cpu(const struct cw_sim *sim);
/**
 * Queue (or move) @p ev to fire at @p when_ns; a time in the past fires at the
 * current time, after events already due.
 */
CW_API void cw_sim_event_schedule(struct cw_sim *sim, struct cw_sim_event *ev, uint64_t when_ns);
/** Remove @p ev from the queue. @return true if it was queued. */
CW_API bool cw_sim_event_cancel(struct cw_sim *sim, struct cw_sim_event *ev);
/** Whether @p ev is queued. */
CW_API bool cw_sim_event_pending(const struct cw_sim_event *ev);
/**
 * Run every event due at or before @p until_ns in time order, then set the
 * virtual time to @p until_ns.
 * @return Number of events run.
 */
CW_API uint64_t cw_sim_run_until(struct cw_sim *sim, uint64_t until_ns);
/** Advance by @p delta_ns (cw_sim_run_until(now + delta)). */
CW_API uint64_t cw_sim_run_for(struct cw_sim *sim, uint64_t delta_ns);
/** Next 64 random bits (xoshiro256**, seeded by splitmix64 from the seed). */
CW_API uint64_t cw_sim_random(struct cw_sim *sim);
/** Uniform random value in [0, bound) without modulo bias; 0 if bound is 0. */
CW_API uint64_t cw_sim_random_below(struct cw_sim *sim, uint64_t bound);
/** The seed @p sim was created with. */
CW_API uint64_t cw_sim_seed(const struct cw_sim *sim);
/**
 * Grow the event queue ahead of time so that scheduling up to @p nr_events
 * queued events never allocates (the queue otherwise doubles on demand, and
 * aborts if that allocation fails).
 * Context: setup.
 * @return 0 or CW_ENOMEM.
 */
CW_API int cw_sim_reserve(struct cw_sim *sim, size_t nr_events);
/** Virtual time of the earliest queued event, or UINT64_MAX if none. */
CW_API uint64_t cw_sim_next_event_ns(const struct cw_sim *sim);
/** Number of queued events. */
CW_API size_t cw_sim_nr_queued(const struct cw_sim *sim);
/** Number of events run since the engine was created. */
CW_API uint64_t cw_sim_events_run(const struct cw_sim *sim);
/** Time @p ev fires (or last fired), ns of virtual time. */
CW_API uint64_t cw_sim_event_when_ns(const struct cw_sim_event *ev);
/** @} */

/** @name Free-running counter model
 * @{ */
struct cw_sim_counter;

/** Narrowest counter the model accepts, bits. */
#define CW_SIM_COUNTER_MIN_BITS 16u
/** Widest counter the model accepts, bits. */
#define CW_SIM_COUNTER_MAX_BITS 64u
/** Largest frequency error magnitude, ppb (just under 100 %). */
#define CW_SIM_DRIFT_MAX_PPB    999999999LL

/** Parameters of a modelled counter. */
struct cw_sim_counter_params {
	/** Name (copied). Also the clocksource name when registered. */
	const char *name;
	/** Width in bits, 16..64. */
	unsigned width_bits;
	/** Nominal frequency in Hz, >= 1. */
	uint64_t freq_hz;
	/** Frequency error in parts per billion (10000 = 10 ppm); real rate = freq * (1 + ppb/1e9).
	 */
	int64_t drift_ppb;
	/**
	 * Each read adds a uniform random error in [0, jitter_cycles], but never
	 * returns less than the previous read (0: exact reads).
	 */
	uint64_t jitter_cycles;
	/** Counter value at virtual time 0. */
	uint64_t start_value;
	/** Stops counting while the machine is suspended. */
	bool stops_in_suspend;
	/** Stops counting while its CPU is in a deep idle state (recorded, not modelled yet). */
	bool stops_in_deep_idle;
};

/**
 * Create a counter model attached to @p sim. It starts counting at the
 * engine's current time from @p->start_value.
 * @return 0; CW_EINVAL (name empty or longer than 31 characters, width
 *         outside 16..64, frequency 0, |drift| above CW_SIM_DRIFT_MAX_PPB,
 *         start value wider than the counter); CW_ENOMEM.
 */
CW_API int cw_sim_counter_create(struct cw_sim *sim, const struct cw_sim_counter_params *p,
				 struct cw_sim_counter **out);
/**
 * The start value that makes a counter with parameters @p p (width, frequency
 * and drift from boot; the start value and name are ignored) wrap @p after_ns
 * after it is created: the value at which its count reaches the wrap
 * (mask + 1) at @p after_ns. The wrap happens at @p after_ns when that is a
 * whole number of cycles, otherwise less than one cycle earlier (the count is
 * floored). Drift changes scheduled before @p after_ns move the wrap. Tests
 * use it to cross a 16/24/32/56/64-bit wrap in milliseconds of virtual time.
 * @param p         Counter parameters (width_bits, freq_hz, drift_ppb used).
 * @param after_ns  Virtual time from creation to the wrap, ns.
 * @param start     Receives the start value (fits in width_bits).
 * Context: any (pure computation).
 * @return 0; CW_EINVAL (NULL argument, width outside 16..64, frequency 0,
 *         |drift| above CW_SIM_DRIFT_MAX_PPB); CW_ERANGE (@p after_ns is
 *         shorter than one cycle or longer than one full wrap period).
 */
CW_API int cw_sim_counter_start_for_wrap(const struct cw_sim_counter_params *p, uint64_t after_ns,
					 uint64_t *start);
/**
 * Destroy a counter: its scheduled drift changes are cancelled. Unregister
 * its clocksource first (or destroy the system it is registered with).
 * Counters must be destroyed before their engine.
 */
CW_API void cw_sim_counter_destroy(struct cw_sim_counter *c);
/**
 * The counter's value at the current virtual time as a driver reads it:
 * masked, with the read jitter added (one random draw when jitter is set).
 * Successive reads never go back (before masking): a read below the
 * previous one returns the previous value, as a real counter read after
 * another one ended would.
 */
CW_API uint64_t cw_sim_counter_read(struct cw_sim_counter *c);
/** The exact value at the current virtual time (masked, no jitter, no random draw). */
CW_API uint64_t cw_sim_counter_value(const struct cw_sim_counter *c);
/** How many times the counter wrapped past its mask so far. */
CW_API uint64_t cw_sim_counter_wraps(const struct cw_sim_counter *c);
/**
 * Change the drift from the current virtual time on; earlier counts are
 * kept, so the value is continuous. Values beyond +-CW_SIM_DRIFT_MAX_PPB are
 * clamped.
 */
CW_API void cw_sim_counter_set_drift(struct cw_sim_counter *c, int64_t drift_ppb);
/** The current drift, ppb. */
CW_API int64_t cw_sim_counter_drift_ppb(const struct cw_sim_counter *c);
/**
 * Schedule a drift change at virtual time @p at_ns (a time in the past takes
 * effect at the current time, when the engine next runs).
 * Context: setup (allocates one event).
 * @return 0; CW_EINVAL (|drift| above CW_SIM_DRIFT_MAX_PPB); CW_ENOMEM.
 */
CW_API int cw_sim_counter_schedule_drift(struct cw_sim_counter *c, uint64_t at_ns,
					 int64_t drift_ppb);
/**
 * Stop (true) or restart (false) counting from now. Independent of the
 * machine's suspend, which stops counters flagged stops_in_suspend on its
 * own: a counter counts only when no reason stops it.
 */
CW_API void cw_sim_counter_set_stopped(struct cw_sim_counter *c, bool stopped);
/** Whether the counter is counting now (not stopped for any reason). */
CW_API bool cw_sim_counter_is_counting(const struct cw_sim_counter *c);
/** The counter's name. */
CW_API const char *cw_sim_counter_name(const struct cw_sim_counter *c);
/** The counter's width in bits. */
CW_API unsigned cw_sim_counter_width_bits(const struct cw_sim_counter *c);
/** The counter's nominal frequency in Hz. */
CW_API uint64_t cw_sim_counter_freq_hz(const struct cw_sim_counter *c);
/**
 * Register the counter as a clocksource of @p sys. The clocksource struct is
 * embedded in the counter.
 * @param rating  Clocksource rating.
 * @param flags   CW_CLOCKSOURCE_* flags (IS_CONTINUOUS, MUST_VERIFY, SUSPEND_NONSTOP).
 * @return as cw_clocksource_register_hz(); CW_EBUSY if the counter's
 *         clocksource is already registered.
 */
CW_API int cw_sim_counter_register(struct cw_sim_counter *c, struct cw_system *sys, int rating,
				   unsigned flags);
/** The clocksource embedded in the counter (for unregister and tests). */
CW_API struct cw_clocksource *cw_sim_counter_clocksource(struct cw_sim_counter *c);
/** @} */

/** @name Running a system on the engine
 * @{ */
/**
 * Create a cw_system whose port is @p sim: this_cpu is the engine's current
 * CPU, log lines are stamped with virtual time.
 * @param sim     The engine.
 * @param cfg     System configuration (port fields are overwritten).
 * @param echo    Also print log lines to stdout.
 * @param out     Receives the system.
 * @return as cw_system_create().
 */
CW_API int cw_sim_system_create(struct cw_sim *sim, const struct cw_system_config *cfg, bool echo,
				struct cw_system **out);
/**
 * Start the periodic work the tick layer will later own: a do_timer event
 * every tick on CPU 0 and a watchdog event at the watchdog's interval.
 * Call after cw_system_boot().
 */
CW_API void cw_sim_system_start(struct cw_sim *sim, struct cw_system *sys);
/** Stop the events started by cw_sim_system_start(). */
CW_API void cw_sim_system_stop(struct cw_sim *sim, struct cw_system *sys);

/**
 * Receives each log line of a sim system (stamped, no newline) instead of
 * the stdout echo. @p level is a enum cw_log_level value.
 */
typedef void (*cw_sim_log_sink_fn)(void *arg, int level, const char *line);

/**
 * As cw_sim_system_create(), with log lines going to @p sink from the first
 * one on (the "system created" line is written during creation).
 * @param sim   The engine.
 * @param cfg   System configuration (port fields are overwritten); may be NULL.
 * @param sink  Receives every log line; NULL: lines only go to the ring.
 * @param arg   Passed to @p sink.
 * @param out   Receives the system.
 * @return as cw_system_create().
 */
CW_API int cw_sim_system_create_with_sink(struct cw_sim *sim, const struct cw_system_config *cfg,
					  cw_sim_log_sink_fn sink, void *arg,
					  struct cw_system **out);
/**
 * Send the log lines of @p sys to @p sink (NULL: back to the echo setting given
 * at creation). @p sys must come from cw_sim_system_create*().
 */
CW_API void cw_sim_system_set_log_sink(struct cw_system *sys, cw_sim_log_sink_fn sink, void *arg);
/** The engine a sim system runs on. */
CW_API struct cw_sim *cw_sim_system_engine(const struct cw_system *sys);
/**
 * Write a line to @p sys's log ring ("subsystem: message", printf format),
 * stamped with virtual time like the core's own lines.
 */
CW_API void cw_sim_system_log(struct cw_system *sys, int level, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
/**
 * Suspend the machine now: timekeeping is suspended (its last read of the
 * clocksource happens first), the tick and watchdog events stop, and every
 * counter created with stops_in_suspend stops counting.
 * @return 0; CW_EBUSY if already suspended; or cw_timekeeping_suspend()'s error.
 */
CW_API int cw_sim_system_suspend(struct cw_system *sys);
/**
 * Resume the machine now: counters restart, timekeeping resumes with
 * @p rtc_sleep_ns as the persistent clock's measure of the sleep (used only
 * when no SUSPEND_NONSTOP clocksource is registered), and the periodic
 * events restart if the system was started.
 * @return 0; CW_EPERM if not suspended; or cw_timekeeping_resume()'s error.
 */
CW_API int cw_sim_system_resume(struct cw_system *sys, uint64_t rtc_sleep_ns);
/** Whether the machine is suspended. */
CW_API bool cw_sim_system_is_suspended(const struct cw_system *sys);
/** Virtual time spent suspended so far (including a suspend in progress), ns. */
CW_API uint64_t cw_sim_system_suspended_ns(const struct cw_system *sys);
/** @} */

/** @name Machine descriptions
 * A machine file names a machine, its CPUs and NUMA nodes and its modelled
 * hardware (counters, timer blocks, interrupt routing, idle states). The
 * format is an INI dialect
 * documented key by key in docs/simulator.md:
 *
 *     [machine]            name, cpus, description
 *     [system]             hz, initial_jiffies, realtime (where the clocks start)
 *     [node N]             cpus (a CPU list such as 0-3,8)
 *     [counter NAME]       width, freq, rating, flags, drift, drift_at,
 *                          jitter, start or wraps_after, stops_in_suspend,
 *                          stops_in_deep_idle
 *     [global_timer NAME]  timer keys (below) + erratum, clear_order
 *     [arch_timer NAME], [lapic NAME], [pit NAME]   timer keys
 *     [tmu NAME], [hpet NAME]                       timer keys + channels
 *                          timer keys: compatible, freq, width, rating, irq,
 *                          min_delta, max_delta, c3stop
 *     [irq]                latency, ipi_latency, affinity (IRQ CPU, repeatable)
 *     [idle]               state (NAME shallow|deep LATENCY, repeatable),
 *                          ignore_broadcast_busy
 *
 * Parsing never crashes on any input; errors name the file and line and
 * say what was expected ("m.ini:7: expected a width of 16..64 bits (got '8')").
 * @{ */

/** Longest machine name, including the NUL. */
#define CW_SIM_MACHINE_NAME_MAX  64
/** Longest machine description, including the NUL. */
#define CW_SIM_DESCRIPTION_MAX   128
/** Longest counter name, including the NUL (a clocksource name). */
#define CW_SIM_COUNTER_NAME_MAX  32
/** Most counters one machine may have. */
#define CW_SIM_MAX_COUNTERS      256
/** Most drift_at changes one counter may have. */
#define CW_SIM_MAX_DRIFT_CHANGES 1024
/** Size of an error buffer that never truncates a parser message. */
#define CW_SIM_ERR_MAX           512
/** Longest file name a description remembers, including the NUL. */
#define CW_SIM_FILE_NAME_MAX     256

/** A drift change at a given time (drift_at = TIME DRIFT). */
struct cw_sim_drift_change {
	/** Virtual time of the change, ns. */
	uint64_t at_ns;
	/** Drift from then on, ppb. */
	int64_t drift_ppb;
};

/** A NUMA node: the CPUs it holds. Parser-owned storage. */
struct cw_sim_node_desc {
	/** Node id (the N of [node N]). */
	unsigned id;
	/** Number of CPUs in @p cpus. */
	unsigned nr_cpus;
	/** CPU numbers, in the order the CPU list gave them. */
	unsigned *cpus;
	/** Line of the [node N] header (0 for the implicit node). */
	unsigned line;
	/** Number of CPUs in @p isolated. */
	unsigned nr_isolated;
	/**
	 * CPUs of this node excluded from timer migration (key isolated =
	 * LIST; Linux's isolcpus domain isolation), in the order given; NULL
	 * when none.
	 */
	unsigned *isolated;
	/** Number of CPUs in @p class_cpus. */
	unsigned nr_class_cpus;
	/**
	 * CPUs of this node given a CPU capacity class (key capacity_class =
	 * CLASS LIST, repeatable), in the order given, with their class in
	 * @p class_of; NULL when none (every CPU in class 0).
	 */
	unsigned *class_cpus;
	/** Capacity class of each CPU of @p class_cpus, same index. */
	unsigned *class_of;
};

/** A counter: model parameters plus how it is offered as a clocksource. */
struct cw_sim_counter_desc {
	/** Name (the NAME of [counter NAME]). */
	char name[CW_SIM_COUNTER_NAME_MAX];
	/** Model parameters; params.name points at @p name. */
	struct cw_sim_counter_params params;
	/** Clocksource rating, 1..499. */
	int rating;
	/** CW_CLOCKSOURCE_IS_CONTINUOUS / _MUST_VERIFY / _SUSPEND_NONSTOP. */
	unsigned flags;
	/** Scheduled drift changes, in increasing time order. */
	struct cw_sim_drift_change *drift_changes;
	/** Number of entries in @p drift_changes. */
	size_t nr_drift_changes;
	/** Line of the [counter NAME] header. */
	unsigned line;
};

/** Longest timer section name, including the NUL (the clock event device name stem). */
#define CW_SIM_TIMER_NAME_MAX   24
/** Longest compatible string, including the NUL. */
#define CW_SIM_COMPATIBLE_MAX   48
/** Most timer sections one machine may have. */
#define CW_SIM_MAX_TIMERS       64
/** Most channels of one [tmu] or [hpet] block. */
#define CW_SIM_MAX_CHANNELS     32
/** Most idle states of a machine ([idle] state lines). */
#define CW_SIM_MAX_IDLE_STATES  8
/** Longest idle state name, including the NUL. */
#define CW_SIM_IDLE_NAME_MAX    16
/** Most [irq] affinity lines. */
#define CW_SIM_MAX_IRQ_AFFINITY 256
/** Highest interrupt number a machine file may use. */
#define CW_SIM_MAX_IRQ          1023
/**
 * Longest interrupt, IPI or idle-exit latency a machine file may give: 1 s.
 * Real ones are ns to ms (a long SMI is hundreds of us); beyond a second
 * the number is a typo or a unit mistake.
 */
#define CW_SIM_MAX_LATENCY_NS   1000000000ull
/** Highest counting frequency of a counter or timer a machine file may give: 100 GHz. */
#define CW_SIM_MAX_FREQ_HZ      100000000000ull

/** Kinds of modelled timer hardware, one machine-file section kind each. */
enum cw_sim_timer_kind {
	/** [global_timer NAME]: ARM Cortex-A9 global timer (shared 64-bit counter, banked
	 * comparators). */
	CW_SIM_TIMER_GLOBAL_TIMER = 0,
	/** [arch_timer NAME]: ARM architected timer, one per CPU, oneshot. */
	CW_SIM_TIMER_ARCH_TIMER,
	/** [tmu NAME]: SH-TMU block of global 32-bit down-counter channels. */
	CW_SIM_TIMER_TMU,
	/** [hpet NAME]: HPET-like block of global comparators (broadcast). */
	CW_SIM_TIMER_HPET,
	/** [lapic NAME]: local APIC timer, one per CPU. */
	CW_SIM_TIMER_LAPIC,
	/** [pit NAME]: i8253-like periodic-only timer. */
	CW_SIM_TIMER_PIT,
	/** Number of kinds (not a kind). */
	CW_SIM_TIMER_NR_KINDS,
};

/** How a global-timer driver acknowledges an interrupt ([global_timer] clear_order). */
enum cw_sim_clear_order {
	/** Move the comparator, then clear the flag (the documented, erratum-safe order). */
	CW_SIM_CLEAR_COMPARE_FIRST = 0,
	/** Clear the flag, then move the comparator (storms on erratum hardware). */
	CW_SIM_CLEAR_FLAG_FIRST,
	/**
	 * Move the comparator first, but only when the core's state says
	 * ONESHOT: a driver not adapted to the interrupt pipeline, which storms
	 * on erratum hardware once a proxy owns the device (RESERVED).
	 */
	CW_SIM_CLEAR_ONESHOT_ONLY,
};

/** A timer section: one modelled timer block and how its driver offers it. */
struct cw_sim_timer_desc {
	/** Name (the NAME of the section header); device names derive from it. */
	char name[CW_SIM_TIMER_NAME_MAX];
	/** Which model. */
	enum cw_sim_timer_kind kind;
	/** Compatible string drivers match ("arm,armv7-timer"); defaults by kind. */
	char compatible[CW_SIM_COMPATIBLE_MAX];
	/** Counting frequency, Hz (>= 1). */
	uint64_t freq_hz;
	/** Counter/comparator width, bits (16..64; default by kind). */
	unsigned width_bits;
	/** Clock event rating, 1..499 (default by kind). */
	int rating;
	/** Interrupt number (a PPI shared by all CPUs for per-CPU kinds), 0..CW_SIM_MAX_IRQ. */
	unsigned irq;
	/** Shortest programmable delta, cycles (>= 1). */
	uint64_t min_delta_ticks;
	/** Longest programmable delta, cycles (0 in a file means the width's mask). */
	uint64_t max_delta_ticks;
	/** The device stops in deep idle (CW_CLOCKEVENT_FEAT_C3STOP). */
	bool c3stop;
	/** Channels of a [tmu] or [hpet] block, 1..CW_SIM_MAX_CHANNELS (1 for other kinds). */
	unsigned channels;
	/** [global_timer]: the hardware has the flag-clearing erratum. */
	bool erratum;
	/** [global_timer]: the order the driver acknowledges an interrupt in. */
	enum cw_sim_clear_order clear_order;
	/** Line of the section header. */
	unsigned line;
};

/** An idle state of every CPU ([idle] state = NAME shallow|deep EXIT_LATENCY). */
struct cw_sim_idle_state_desc {
	/** Name ("wfi", "c1", "c3"). */
	char name[CW_SIM_IDLE_NAME_MAX];
	/** Deep: C3STOP local timers stop in it (the CPU needs broadcast). */
	bool deep;
	/** Time from the wakeup interrupt to the CPU running again, ns (at most
	 * CW_SIM_MAX_LATENCY_NS). */
	uint64_t exit_latency_ns;
	/** Power a CPU draws in this state, microwatts (0: not given). */
	uint64_t power_uw;
	/** Line of its state = ... line. */
	unsigned line;
};

/** An interrupt routed to a CPU at boot ([irq] affinity = IRQ CPU). */
struct cw_sim_irq_affinity_desc {
	/** Interrupt number. */
	unsigned irq;
	/** Target CPU. */
	unsigned cpu;
};

/**
 * A parsed machine file. Plain data, owned by the caller once returned;
 * free it with cw_sim_machine_desc_free().
 */
struct cw_sim_machine_desc {
	/** Machine name. */
	char name[CW_SIM_MACHINE_NAME_MAX];
	/** Free-text description ("" if none). */
	char description[CW_SIM_DESCRIPTION_MAX];
	/** Number of CPUs, 1..CW_MAX_CPUS. */
	unsigned nr_cpus;
	/** Number of NUMA nodes (>= 1: one implicit node if the file has none). */
	unsigned nr_nodes;
	/** The nodes, in file order. */
	struct cw_sim_node_desc *nodes;
	/** Node index (into @p nodes) of each CPU, @p nr_cpus entries. */
	unsigned *cpu_node;
	/** Whether each CPU is isolated from timer migration, @p nr_cpus entries (NULL: none). */
	bool *cpu_isolated;
	/** CPU capacity class of each CPU, @p nr_cpus entries (NULL: all class 0). */
	unsigned *cpu_capacity_class;
	/** Number of counters. */
	size_t nr_counters;
	/** The counters, in file order. */
	struct cw_sim_counter_desc *counters;
	/** Number of timer sections. */
	size_t nr_timers;
	/** The timer blocks, in file order. */
	struct cw_sim_timer_desc *timers;
	/** Interrupt delivery latency, ns ([irq] latency; default 0; at most
	 * CW_SIM_MAX_LATENCY_NS). */
	uint64_t irq_latency_ns;
	/** IPI delivery latency, ns ([irq] ipi_latency; default 0; at most CW_SIM_MAX_LATENCY_NS).
	 */
	uint64_t ipi_latency_ns;
	/** Line of the [irq] latency key (0: not given). */
	unsigned irq_latency_line;
	/** Line of the [irq] ipi_latency key (0: not given). */
	unsigned ipi_latency_line;
	/** Number of [irq] affinity lines. */
	size_t nr_irq_affinity;
	/** Boot-time interrupt routing, in file order. */
	struct cw_sim_irq_affinity_desc *irq_affinity;
	/** Number of idle states (0: one implicit shallow state "wfi", no exit latency). */
	unsigned nr_idle_states;
	/** The idle states, shallowest first as the file lists them. */
	struct cw_sim_idle_state_desc idle_states[CW_SIM_MAX_IDLE_STATES];
	/**
	 * Enter a deep state even when the core refuses it (cw_tick_idle_enter()
	 * returns CW_EBUSY): models a platform that ignores the broadcast-busy
	 * answer, so its CPUs lose wakeups ([idle] ignore_broadcast_busy).
	 */
	bool ignore_broadcast_busy;
	/** [idle] active_power: power a running CPU draws, microwatts (0: not given). */
	uint64_t active_power_uw;
	/** [idle] wakeup_energy: energy of one wakeup from idle, nanojoules (0: not given). */
	uint64_t wakeup_energy_nj;
	/** Line of the [irq] header (0: none). */
	unsigned irq_line;
	/** Line of the [idle] header (0: none). */
	unsigned idle_line;
	/**
	 * [system] hz: the tick rate the machine runs at (0: not given; the
	 * caller's cw_system_config.hz, else the build's default). A non-zero
	 * hz in the caller's configuration wins (cwsim --hz).
	 */
	unsigned hz;
	/**
	 * [system] initial_jiffies: jiffies at boot (0: not given, so
	 * CW_INITIAL_JIFFIES(hz)). A non-zero cw_system_config.initial_jiffies
	 * of the caller wins.
	 */
	uint64_t initial_jiffies;
	/** [system] realtime: REALTIME at boot, ns since the epoch (when @p realtime_set). */
	int64_t realtime_init_ns;
	/**
	 * Whether [system] realtime was given. It applies when the caller's
	 * cw_system_config.realtime_init_ns is 0.
	 */
	bool realtime_set;
	/** Line of the [system] header (0: none). */
	unsigned system_line;
	/**
	 * File name the description was parsed from ("<default>" for text
	 * without a name; truncated to CW_SIM_FILE_NAME_MAX - 1 characters):
	 * cw_sim_machine_desc_check() names it in its messages.
	 */
	char file[CW_SIM_FILE_NAME_MAX];
};

/** Section name of a timer kind ("global_timer", "arch_timer", "tmu", ...). */
CW_API const char *cw_sim_timer_kind_name(enum cw_sim_timer_kind kind);
/** Default compatible string of a timer kind ("arm,cortex-a9-global-timer", ...). */
CW_API const char *cw_sim_timer_kind_compatible(enum cw_sim_timer_kind kind);

/**
 * Parse a machine description held in memory (a fuzzing entry point: any
 * bytes are accepted and never crash; NUL bytes are reported as errors).
 * @param text      The text; need not be NUL-terminated.
 * @param len       Its length in bytes.
 * @param filename  Name used in error messages ("<default>" if NULL).
 * @param out       Receives the description on success (NULL on error).
 * @param err       Receives "file:line: message" on error; may be NULL.
 * @param err_len   Size of @p err (CW_SIM_ERR_MAX never truncates).
 * Context: setup; allocates.
 * @return 0; CW_EINVAL (syntax or value error, described in @p err); CW_ENOMEM.
 */
CW_API int cw_sim_machine_desc_parse_mem(const char *text, size_t len, const char *filename,
					 struct cw_sim_machine_desc **out, char *err,
					 size_t err_len);
/**
 * Parse a machine file.
 * @return as cw_sim_machine_desc_parse_mem(); CW_EIO if the file cannot be
 *         read (@p err says why).
 */
CW_API int cw_sim_machine_desc_parse_file(const char *path, struct cw_sim_machine_desc **out,
					  char *err, size_t err_len);
/** Free a description (NULL is fine). */
CW_API void cw_sim_machine_desc_free(struct cw_sim_machine_desc *m);

/**
 * Receives each finding of cw_sim_machine_desc_check() as a whole line:
 * "file:line: expected ..." for an error, "file:line: warning: ..." for a
 * warning.
 * @param arg    The caller's pointer.
 * @param error  Whether the finding is an error (else a warning).
 * @param msg    The message (no newline; valid during the call only).
 */
typedef void (*cw_sim_diag_fn)(void *arg, bool error, const char *msg);

/**
 * Check that a parsed machine makes physical sense for a run at @p hz of
 * @p run_ns (docs/simulator.md, "Physical checks"). Errors: a timer whose
 * shortest interrupt delay (min_delta) is longer than a tick (too slow for
 * HZ); a periodic-capable timer that cannot hold the tick period (round(freq
 * / HZ) is 0 or above max_delta); a counter that wraps within two ticks
 * (the timekeeper reads it once per tick and needs each read within half a
 * wrap). Warnings: a timer that can be programmed less than a tick ahead
 * (several interrupts per tick), a periodic tick more than 1 % off 1/HZ, an
 * interrupt, IPI or idle-exit latency longer than a tick or than the run, a
 * counter that wraps within the watchdog interval on a machine with
 * must_verify counters. Every finding names the file and the line of the
 * section (or key) and goes to @p fn.
 * cw_sim_machine_create() runs it with its HZ (logging the findings and
 * refusing errors); cwsim runs it with --hz and --duration.
 * @param m       The description.
 * @param hz      Tick rate of the run (0: the description's [system] hz, else
 *                the build's default).
 * @param run_ns  Length of the run, ns (0: unknown; the run-length checks are skipped).
 * @param fn      Receives each finding; may be NULL.
 * @param arg     Passed to @p fn.
 * Context: setup.
 * @return 0 (no error; warnings may have been reported); CW_EINVAL (at
 *         least one error, or @p m NULL, or @p hz not 100, 250, 300 or 1000).
 */
CW_API int cw_sim_machine_desc_check(const struct cw_sim_machine_desc *m, unsigned hz,
				     uint64_t run_ns, cw_sim_diag_fn fn, void *arg);
/**
 * Write @p m back as machine-file text (canonical form: every key, values in
 * their natural unit), snprintf style. Parsing the text gives @p m again.
 * @return Length of the full text, excluding the NUL (may exceed @p len).
 */
CW_API size_t cw_sim_machine_desc_format(const struct cw_sim_machine_desc *m, char *buf,
					 size_t len);
/** Text of the built-in default machine (examples/machines/default-soc.ini). */
CW_API const char *cw_sim_machine_default_text(void);

/**
 * One key of the machine-file schema, as cw_sim_machine_key() describes it:
 * what the docs' key reference (docs/simulator.md, generated by `cwsim
 * --machine-keys`) lists. The parser, its error messages and
 * cw_sim_machine_desc_format() work from the same table.
 */
struct cw_sim_machine_key_info {
	/**
	 * Section the key belongs to, as its header reads: "machine",
	 * "system", "node N", "counter NAME", "timer" (every timer kind:
	 * [global_timer NAME], [hpet NAME], ...), "irq", "idle".
	 */
	const char *section;
	/** Key name. */
	const char *name;
	/** Value type: "integer", "frequency", "time", "drift", "boolean", "CPU list", ... */
	const char *type;
	/** Allowed values in words ("16..64", "above 0 Hz and at most 100GHz"; "" if any). */
	char range[96];
	/** Default when the key is left out ("" for a required key or one without a default). */
	const char *default_text;
	/** What the key means (Markdown: `code`, links). */
	const char *help;
	/** The section is an error without it. */
	bool required;
	/** May appear several times in one section. */
	bool repeatable;
	/**
	 * Timer keys only: the kinds it applies to, bit (1 << kind) per enum
	 * cw_sim_timer_kind; 0: every kind (and every key of other sections).
	 */
	unsigned timer_kinds;
};

/**
 * Describe key @p index of the machine-file schema (0, 1, ... in canonical
 * order: sections as cw_sim_machine_desc_format() writes them, keys in
 * their order there).
 * @param index  Which key.
 * @param out    Receives the description (strings are static).
 * Context: any.
 * @return 0; CW_ENOENT past the last key; CW_EINVAL (@p out NULL).
 */
CW_API int cw_sim_machine_key(size_t index, struct cw_sim_machine_key_info *out);

/** A value type of machine files (cw_sim_machine_value_type()). */
struct cw_sim_machine_value_type_info {
	/** Name, as struct cw_sim_machine_key_info::type gives it ("frequency"). */
	const char *name;
	/** How a value is written (Markdown). */
	const char *syntax;
	/** Examples (Markdown). */
	const char *examples;
};

/**
 * Describe value type @p index of machine files (0, 1, ...: "integer",
 * "frequency", "time", ...): the docs' "Values" table.
 * @param index  Which type.
 * @param out    Receives the description (strings are static).
 * Context: any.
 * @return 0; CW_ENOENT past the last type; CW_EINVAL (@p out NULL).
 */
CW_API int cw_sim_machine_value_type(size_t index, struct cw_sim_machine_value_type_info *out);
/**
 * Parse a duration with a unit, as machine files and cwsim write them:
 * "10s", "2.5 ms", "750us", "100ns".
 * @return 0; CW_EINVAL (no unit, bad number, not a whole ns); CW_ERANGE (overflow).
 */
CW_API int cw_sim_parse_duration_ns(const char *text, uint64_t *out_ns);
/**
 * Parse a REALTIME instant as machine files ([system] realtime) and cwsim
 * --realtime write it: a UTC date-time "YYYY-MM-DDTHH:MM:SS[.fraction]Z"
 * (1970 to 2262, no leap second 60) or a time since the epoch with a unit
 * ("2147483648s", "1.5ms").
 * @param text    The text.
 * @param out_ns  Receives ns since the epoch, 0..KTIME_MAX (INT64_MAX).
 * Context: any.
 * @return 0; CW_EINVAL (not a date-time or a time with a unit, a date that
 *         does not exist, a fraction below 1 ns); CW_ERANGE (beyond
 *         KTIME_MAX, 2262-04-11T23:47:16.854775807Z).
 */
CW_API int cw_sim_parse_realtime_ns(const char *text, int64_t *out_ns);
/** @} */

/** @name Workloads
 * A workload file says what each CPU does over time: busy periods (the CPU
 * runs) alternating with idle periods (it enters an idle state through the
 * CPU model and wakes on interrupts, going back to idle after each until the
 * period ends), with lengths drawn from distributions seeded by the engine's
 * random generator, and CPU hotplug events at given times. Format (INI
 * dialect like machine files; docs/simulator.md, "Workload files"):
 *
 *     [workload]       name, busy, idle, idle_state, deep_after, start
 *     [cpu LIST]       busy, idle, idle_state, deep_after, start (overrides
 *                      for the CPUs in LIST, e.g. [cpu 0] or [cpu 1-3])
 *     [hotplug]        offline = CPU TIME, online = CPU TIME (repeatable)
 *
 * Distributions: "fixed T", "uniform LO HI", "exponential MEAN",
 * "normal MEAN SD" (clipped at 0); "idle = none" keeps a CPU busy.
 * @{ */

/** Longest workload name, including the NUL. */
#define CW_SIM_WORKLOAD_NAME_MAX  64
/** Most [cpu LIST] sections of a workload. */
#define CW_SIM_MAX_WORKLOAD_CPUS  64
/** Most hotplug events of a workload. */
#define CW_SIM_MAX_HOTPLUG_EVENTS 256

/** A distribution of period lengths. */
enum cw_sim_dist_kind {
	/** Always a_ns. */
	CW_SIM_DIST_FIXED = 0,
	/** Uniform in [a_ns, b_ns]. */
	CW_SIM_DIST_UNIFORM,
	/** Exponential with mean a_ns. */
	CW_SIM_DIST_EXPONENTIAL,
	/** Normal with mean a_ns and standard deviation b_ns, clipped at 0. */
	CW_SIM_DIST_NORMAL,
	/** No period at all ("idle = none": the CPU never idles). */
	CW_SIM_DIST_NONE,
};

/** A distribution and its parameters, ns. */
struct cw_sim_dist {
	/** Kind. */
	enum cw_sim_dist_kind kind;
	/** Fixed value, lower bound or mean, ns. */
	uint64_t a_ns;
	/** Upper bound or standard deviation, ns (0 for other kinds). */
	uint64_t b_ns;
};

/** Which idle state an idle period uses. */
enum cw_sim_idle_choice {
	/** The deepest shallow state. */
	CW_SIM_IDLE_SHALLOW = 0,
	/** The deepest deep state (the shallowest state if there is no deep one). */
	CW_SIM_IDLE_DEEP,
	/** Deep for periods of at least deep_after_ns, shallow for shorter ones. */
	CW_SIM_IDLE_BY_LENGTH,
	/** The state named in state_name. */
	CW_SIM_IDLE_NAMED,
};

/** Bits of struct cw_sim_workload_cpu::set: which keys a section gave. */
#define CW_SIM_WL_SET_BUSY       0x01u
#define CW_SIM_WL_SET_IDLE       0x02u
#define CW_SIM_WL_SET_STATE      0x04u
#define CW_SIM_WL_SET_DEEP_AFTER 0x08u
#define CW_SIM_WL_SET_START      0x10u

/** What a CPU does ([workload] defaults or a [cpu LIST] override). */
struct cw_sim_workload_cpu {
	/** Busy period lengths. */
	struct cw_sim_dist busy;
	/** Idle period lengths. */
	struct cw_sim_dist idle;
	/** Idle state choice. */
	enum cw_sim_idle_choice idle_choice;
	/** State name for CW_SIM_IDLE_NAMED (checked against the machine when the run starts). */
	char state_name[CW_SIM_IDLE_NAME_MAX];
	/** Threshold of CW_SIM_IDLE_BY_LENGTH, ns. */
	uint64_t deep_after_ns;
	/** The CPU starts with an idle period instead of a busy one. */
	bool start_idle;
	/** CW_SIM_WL_SET_* bits: keys this section set (overrides apply only those). */
	unsigned set;
	/** First CPU of a [cpu LIST] section (0 for the defaults). */
	unsigned first_cpu;
	/** Last CPU of a [cpu LIST] section (0 for the defaults). */
	unsigned last_cpu;
	/** Line of the section header. */
	unsigned line;
};

/** A hotplug event ([hotplug] offline/online = CPU TIME). */
struct cw_sim_hotplug_event {
	/** Virtual time, ns. */
	uint64_t at_ns;
	/** CPU. */
	unsigned cpu;
	/** Bring online (true) or take offline (false). */
	bool online;
	/** Line in the file. */
	unsigned line;
};

/** How the modelled NIC of a [nic] section takes its packets (docs/claim.md). */
enum cw_sim_nic_policy {
	/** No [nic] section. */
	CW_SIM_NIC_NONE = 0,
	/** An interrupt per packet. */
	CW_SIM_NIC_IRQ,
	/** Polling on a claimed hardware timer channel (cw_claim_timer()). */
	CW_SIM_NIC_CLAIM,
	/** Polling on the claim API's hrtimer fallback. */
	CW_SIM_NIC_HRTIMER,
	/** Polling from the tick (a pinned wheel timer every jiffy). */
	CW_SIM_NIC_TICK,
};

/** A [nic] section: a NIC receive queue with interrupt mitigation (docs/claim.md). */
struct cw_sim_nic_desc {
	/** Policy (CW_SIM_NIC_NONE: no section). */
	enum cw_sim_nic_policy policy;
	/** CPU that takes the NIC's interrupts and runs its poll (key cpu). */
	unsigned cpu;
	/** Time between two packets (key packets). */
	struct cw_sim_dist packets;
	/** Poll period of the claim and hrtimer policies, ns (key poll). */
	uint64_t poll_ns;
	/** Receive ring size, packets: a packet arriving to a full ring is dropped (key queue). */
	unsigned queue;
	/** CPU time of one interrupt (entry, acknowledge, exit), ns (key irq_cost). */
	uint64_t irq_cost_ns;
	/** CPU time to process one packet, ns (key packet_cost). */
	uint64_t packet_cost_ns;
	/**
	 * Policy claim: take the hrtimer fallback when the machine has no
	 * free channel that fits (key fallback = yes), instead of refusing to
	 * start.
	 */
	bool fallback;
	/** Line of the section header. */
	unsigned line;
};

/** What the modelled NIC measured (cw_sim_machine_nic_stats()). */
struct cw_sim_nic_stats {
	/** Policy. */
	enum cw_sim_nic_policy policy;
	/** Timer that polled: a device name, "hrtimer", "tick", or "-" (interrupts). */
	char channel[24];
	/** Virtual time since the NIC started, ns. */
	uint64_t elapsed_ns;
	/** Packets that arrived / were processed / were dropped at a full ring. */
	uint64_t arrived;
	/** Packets processed. */
	uint64_t processed;
	/** Packets dropped. */
	uint64_t dropped;
	/** Interrupts the NIC caused (per packet, or per poll; 0 for the tick: it runs anyway). */
	uint64_t interrupts;
	/** CPU time spent on the NIC, ns. */
	uint64_t busy_ns;
	/** Packet latency (arrival to processed), median / 99th percentile / maximum, ns. */
	uint64_t p50_ns;
	/** 99th percentile, ns. */
	uint64_t p99_ns;
	/** Maximum, ns. */
	uint64_t max_ns;
};

/** Name of a NIC policy ("irq", "claim", "hrtimer", "tick", "none"). */
CW_API const char *cw_sim_nic_policy_name(enum cw_sim_nic_policy policy);

/** A parsed workload file; free it with cw_sim_workload_desc_free(). */
/**
 * [proxy] section of a workload (issue 12, docs/proxy-tick.md): CPUs
 * whose in-band stage runs masked sections, a control loop at oob_hz (an
 * in-band hrtimer without the proxy, an out-of-band timer with it), an
 * in-band probe hrtimer at inband_hz, and when the proxy comes and goes.
 */
struct cw_sim_proxy_desc {
	/** Line of the [proxy] header (0: no section). */
	unsigned line;
	/** First CPU of the section (key cpus = CPU or FIRST-LAST). */
	unsigned first_cpu;
	/** Last CPU of the section (equal to @p first_cpu for a single CPU). */
	unsigned last_cpu;
	/** Length of an in-band masked section (key masked: fixed or uniform). */
	struct cw_sim_dist masked;
	/** From the end of one masked section to the start of the next (key masked_every). */
	struct cw_sim_dist gap;
	/** Control loop period, ns (key oob_hz; 0, from oob_hz = 0: no control loop, the proxy only
	 * carries the in-band timing). */
	uint64_t oob_period_ns;
	/** In-band probe period, ns (key inband_hz). */
	uint64_t inband_period_ns;
	/** The proxy is installed at this time, ns (key install_at; 0: never). */
	uint64_t install_at_ns;
	/** And uninstalled at this one (key uninstall_at; 0: never). */
	uint64_t uninstall_at_ns;
	/** While installed, uninstall and reinstall this often (key reinstall_every; 0: never). */
	uint64_t reinstall_every_ns;
};

struct cw_sim_workload_desc {
	/** Name. */
	char name[CW_SIM_WORKLOAD_NAME_MAX];
	/** Defaults for every CPU. */
	struct cw_sim_workload_cpu defaults;
	/** Number of [cpu LIST] overrides. */
	unsigned nr_overrides;
	/** Overrides, in file order (later ones win). */
	struct cw_sim_workload_cpu overrides[CW_SIM_MAX_WORKLOAD_CPUS];
	/** Number of hotplug events. */
	unsigned nr_hotplug;
	/** Hotplug events, in time order (file order for equal times). */
	struct cw_sim_hotplug_event hotplug[CW_SIM_MAX_HOTPLUG_EVENTS];
	/**
	 * [server] section (docs/simulator.md): connection timeouts, one
	 * hrtimer per connection, server_timers per CPU (0: no section).
	 */
	unsigned server_timers;
	/** Time between two requests on a CPU (key requests). */
	struct cw_sim_dist server_requests;
	/** A request re-arms its connection's timeout to now + this (key timeout). */
	uint64_t server_timeout_ns;
	/** One request in this many closes its connection instead: a cancel (key close_every). */
	unsigned server_close_every;
	/** [proxy] section (proxy.line 0: none). */
	struct cw_sim_proxy_desc proxy;
	/** [nic] section (policy CW_SIM_NIC_NONE: none). */
	struct cw_sim_nic_desc nic;
	/** [idle-server] section (line 0: none; include/clockwork/sim_idle_server.h). */
	struct cw_sim_idle_server_desc idle_server;
};

/**
 * Parse a workload held in memory (any bytes; never crashes).
 * @param text      The text; need not be NUL-terminated.
 * @param len       Its length.
 * @param filename  Name for messages ("<workload>" if NULL).
 * @param out       Receives the description (NULL on error).
 * @param err       Receives "file:line: expected ... (got ...)" on error; may be NULL.
 * @param err_len   Size of @p err.
 * Context: setup; allocates.
 * @return 0; CW_EINVAL (described in @p err); CW_ENOMEM.
 */
CW_API int cw_sim_workload_parse_mem(const char *text, size_t len, const char *filename,
				     struct cw_sim_workload_desc **out, char *err, size_t err_len);
/**
 * Parse a workload file.
 * @return as cw_sim_workload_parse_mem(); CW_EIO if it cannot be read.
 */
CW_API int cw_sim_workload_parse_file(const char *path, struct cw_sim_workload_desc **out,
				      char *err, size_t err_len);
/** Free a workload description (NULL is fine). */
CW_API void cw_sim_workload_desc_free(struct cw_sim_workload_desc *w);
/** Text of the built-in default workload (examples/workloads/default.ini). */
CW_API const char *cw_sim_workload_default_text(void);
/**
 * The configuration @p cpu gets: the defaults, then every [cpu LIST]
 * section containing it, in file order, each applying the keys it set.
 */
CW_API void cw_sim_workload_cpu_config(const struct cw_sim_workload_desc *w, unsigned cpu,
				       struct cw_sim_workload_cpu *out);
/** @} */

/** @name Machines running on the engine
 * @{ */
struct cw_sim_machine;
struct cw_sim_hw;
struct cw_sim_hw_timer;
struct cw_sim_workload_run;

/**
 * Build a machine from a description: create a sim system with the
 * machine's CPUs, log the machine ("sim: machine 'x': 4 CPUs, 1 NUMA node"),
 * create every counter, schedule its drift changes and register it as a
 * clocksource (logging its mask, max_cycles and max_idle_ns the way the
 * kernel does). The system is not booted: call cw_sim_machine_boot().
 * @param sim   The engine (virtual time is normally 0).
 * @param desc  The description (not referenced afterwards).
 * @param cfg   System configuration (nr_cpus and the port are overwritten; hz,
 *              initial_jiffies and realtime_init_ns left at 0 take the
 *              description's [system] values); may be NULL.
 * @param sink  Receives log lines (see cw_sim_system_create_with_sink()); may be NULL.
 * @param arg   Passed to @p sink.
 * @param out   Receives the machine.
 * Context: setup; allocates.
 * @return 0; CW_EINVAL (bad configuration, or hardware that
 *         cw_sim_machine_desc_check() finds an error in at the system's HZ:
 *         the boot log has the "sim: file:line: expected ..." line); CW_EBUSY (two counters with
 * one name); CW_ENOMEM.
 */
CW_API int cw_sim_machine_create(struct cw_sim *sim, const struct cw_sim_machine_desc *desc,
				 const struct cw_system_config *cfg, cw_sim_log_sink_fn sink,
				 void *arg, struct cw_sim_machine **out);
/**
 * Boot the machine's system (cw_system_boot()) and start its periodic
 * events (cw_sim_system_start()).
 * @return as cw_system_boot().
 */
CW_API int cw_sim_machine_boot(struct cw_sim_machine *m);
/** Stop the machine's events, destroy its system and its counters. */
CW_API void cw_sim_machine_destroy(struct cw_sim_machine *m);
/** The machine's system. */
CW_API struct cw_system *cw_sim_machine_system(const struct cw_sim_machine *m);
/** The machine's counter called @p name, or NULL. */
CW_API struct cw_sim_counter *cw_sim_machine_counter(const struct cw_sim_machine *m,
						     const char *name);
/** Number of counters of the machine. */
CW_API size_t cw_sim_machine_nr_counters(const struct cw_sim_machine *m);
/** The machine's counter number @p index (file order), or NULL. */
CW_API struct cw_sim_counter *cw_sim_machine_counter_at(const struct cw_sim_machine *m,
							size_t index);
/** The machine's hardware (include/clockwork/sim_hw.h). */
CW_API struct cw_sim_hw *cw_sim_machine_hw(const struct cw_sim_machine *m);
/** Number of timer models (one per timer section). */
CW_API size_t cw_sim_machine_nr_timers(const struct cw_sim_machine *m);
/** The machine's timer model number @p index (file order), or NULL. */
CW_API struct cw_sim_hw_timer *cw_sim_machine_timer_at(const struct cw_sim_machine *m,
						       size_t index);
/**
 * Start running @p w on the booted machine @p m from the current virtual
 * time: each online CPU begins its first busy (or idle) period now, and the
 * hotplug events are scheduled. The machine owns the run (destroying the
 * machine stops it).
 * @param m    A booted machine.
 * @param w    The workload (copied; not referenced afterwards).
 * @param err  Receives a message on error; may be NULL.
 * @param err_len  Size of @p err.
 * Context: engine thread, not from an event of @p m.
 * @return 0; CW_EINVAL (a CPU or idle state the machine does not have,
 *         described in @p err); CW_EBUSY (a workload already runs); CW_ENOMEM.
 */
CW_API int cw_sim_machine_start_workload(struct cw_sim_machine *m,
					 const struct cw_sim_workload_desc *w, char *err,
					 size_t err_len);

/** What a workload run did on one CPU. */
struct cw_sim_workload_cpu_stats {
	/** Busy periods started. */
	uint64_t busy_periods;
	/** Idle periods started. */
	uint64_t idle_periods;
	/** Of those, periods that asked for a deep state. */
	uint64_t deep_requests;
	/** Hotplug events applied to the CPU (offline + online). */
	uint64_t hotplug_events;
	/** Hotplug events the core or the model refused. */
	uint64_t hotplug_failures;
};

/**
 * Copy the workload statistics of @p cpu.
 * @return 0; CW_EINVAL (bad CPU); CW_ENODEV (no workload runs).
 */
CW_API int cw_sim_machine_workload_stats(const struct cw_sim_machine *m, unsigned cpu,
					 struct cw_sim_workload_cpu_stats *out);

/**
 * Copy what the workload's modelled NIC ([nic] section) measured so far.
 * @return 0; CW_ENODEV (no workload runs, or it has no [nic] section).
 */
CW_API int cw_sim_machine_nic_stats(const struct cw_sim_machine *m, struct cw_sim_nic_stats *out);
/**
 * Stop a workload run (its events are cancelled; CPUs stay as they are).
 * @param run  The run, or NULL.
 */
CW_API void cw_sim_workload_stop(struct cw_sim_workload_run *run);

/** Phases of a [proxy] workload. */
enum cw_sim_proxy_phase {
	/** Before the install: the control loop is an in-band hrtimer. */
	CW_SIM_PROXY_BEFORE = 0,
	/** Proxy installed: the control loop is an out-of-band timer. */
	CW_SIM_PROXY_WITH,
	/** After the uninstall: an in-band hrtimer again. */
	CW_SIM_PROXY_AFTER,
	/** Number of phases (not a phase). */
	CW_SIM_PROXY_NR_PHASES,
};

/** Latency of a timer's runs (run time minus expiry), ns; all 0 without samples. */
struct cw_sim_latency {
	/** Number of runs measured. */
	uint64_t n;
	/** Smallest latency, ns. */
	uint64_t min_ns;
	/** Median latency, ns. */
	uint64_t p50_ns;
	/** 99th percentile latency, ns. */
	uint64_t p99_ns;
	/** Largest latency, ns. */
	uint64_t max_ns;
};

/** What one CPU of a [proxy] workload measured in one phase. */
struct cw_sim_proxy_stats {
	/** Virtual time spent in the phase, ns. */
	uint64_t duration_ns;
	/** The control loop (oob_hz). */
	struct cw_sim_latency loop;
	/** The in-band probe hrtimer (inband_hz). */
	struct cw_sim_latency inband;
	/** Probe periods skipped (hrtimer forward overruns beyond one): lost in-band ticks. */
	uint64_t inband_missed;
	/** Interrupts of the real device (the CPU's tick device at the start). */
	uint64_t real_irqs;
	/** Masked in-band sections started in the phase. */
	uint64_t masked;
	/** Their total length, ns. */
	uint64_t masked_ns;
	/** The longest of them, ns. */
	uint64_t masked_max_ns;
	/** Uninstall/reinstall cycles done in the phase (reinstall_every). */
	uint64_t reinstalls;
	/**
	 * Cross calls that met the CPU masked in the phase, whoever made them
	 * (the demo, the rest of the workload, the core): waiting in its in-band
	 * log (cw_sim_hw_cpu_stats.calls_logged) ...
	 */
	uint64_t calls_logged;
	/** ... or run at once from an engine event (calls_unlogged: 0 expected). */
	uint64_t calls_unlogged;
};

/**
 * The measurements of CPU @p cpu in @p phase of the machine's [proxy]
 * workload. Percentiles are nearest-rank over every sample (at most 2^20
 * per timer and phase; later samples count in n, min and max only).
 * @return 0; CW_ENODEV (no workload with a [proxy] section); CW_EINVAL (bad
 *         CPU or phase, or a CPU outside the section's range).
 */
CW_API int cw_sim_machine_proxy_stats(const struct cw_sim_machine *m, unsigned cpu,
				      enum cw_sim_proxy_phase phase,
				      struct cw_sim_proxy_stats *out);
/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CLOCKWORK_INCLUDE_SIM_H */
