/* SPDX-License-Identifier: MIT */
/*
 * Private header of the simulated timer hardware (include/clockwork/sim_hw.h):
 * the machine's hardware state (interrupt controller, CPU model, timer
 * registry), the base of every timer model, the channel every model's
 * banks or channels share (struct sim_hw_chan), and the time base the
 * models count with. Never installed. The models (hw-*.c) include it;
 * their drivers (drv-*.c) never do: they see hw-driver.h only.
 *
 * Ownership: struct cw_sim_hw owns its IRQ lines, its CPU states and every
 * timer model created on it (a singly linked list in creation order); a
 * model owns its channels and its driver's devices. cw_sim_hw_destroy()
 * cancels every event and frees them all.
 */
#ifndef CLOCKWORK_SRC_PORT_SIM_HW_INTERNAL_H
#define CLOCKWORK_SRC_PORT_SIM_HW_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "hw-internal.h is private to the clockwork library"
#endif

#include <clockwork/clocksource.h>
#include <clockwork/port.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>
#include <clockwork/sim_trace.h>

#include "port/sim/hw-driver.h"

/** Longest timer model name, including the NUL. */
#define SIM_HW_NAME_MAX     24u
/** Most channels (TMU) or comparators (HPET) of one model. */
#define SIM_HW_MAX_CHANNELS 32u

/** One pending delivery of an IRQ line (or an IPI) to one CPU. */
struct sim_hw_delivery {
	/** Engine event; .cpu is the target, .data points back here. */
	struct cw_sim_event ev;
	/** The hardware. */
	struct cw_sim_hw *hw;
	/** Line number, or SIM_HW_IPI for an IPI. */
	unsigned irq;
	/** The idle exit latency was paid: the next run handles the interrupt. */
	bool woken;
	/** In its CPU's in-band log (stage stalled), waiting for the replay. */
	bool logged;
	/** Next entry of the in-band log. */
	struct sim_hw_delivery *log_next;
};

/** irq value of an IPI delivery. */
#define SIM_HW_IPI   UINT32_MAX
/** irq value of a synthetic-interrupt delivery (cw_sim_hw_synth_post()). */
#define SIM_HW_SYNTH (UINT32_MAX - 1u)
/** irq value of a cross call waiting in a stalled CPU's in-band log (struct sim_hw_call). */
#define SIM_HW_CALL  (UINT32_MAX - 2u)

/**
 * A cross call (cw_sim_hw_run_on()) to a CPU whose in-band stage is
 * stalled: logged like an IPI, run when the log is replayed. Lives on the
 * stack of the caller, which waits in virtual time until @c done.
 */
struct sim_hw_call {
	/** The log entry (first: the log holds deliveries). */
	struct sim_hw_delivery d;
	/** Function to run on the target, and its argument. */
	void (*fn)(void *arg);
	void *arg;
	/** Set once @c fn has returned. */
	bool done;
	/** Part of a struct sim_hw_async_call (cw_sim_hw_run_on_async()): its caller does not wait.
	 */
	bool async;
};

/**
 * An asynchronous cross call (cw_sim_hw_run_on_async()) to a stalled CPU:
 * allocated by the hardware, logged like a waiting call, then, once the
 * replay has run it, its completion runs in an engine event of its own on
 * the caller's CPU. Freed before the completion runs, or by
 * cw_sim_hw_destroy() (the completion then never runs).
 */
struct sim_hw_async_call {
	/** The log entry (first). */
	struct sim_hw_call call;
	/** Completion and its argument. */
	cw_sim_hw_call_done_fn done;
	void *done_arg;
	/** Runs @c done on the caller's CPU. */
	struct cw_sim_event done_ev;
	/** Links in cw_sim_hw.async_calls. */
	struct sim_hw_async_call *next;
	struct sim_hw_async_call **pprev;
};

/** An IRQ line of the controller. */
struct sim_hw_irq_line {
	/** Handler, or NULL when the line is free. */
	cw_sim_hw_irq_fn fn;
	/** Its argument. */
	void *arg;
	/** CW_SIM_HW_IRQ_PERCPU or 0. */
	unsigned flags;
	/** Target CPU of a global line. */
	unsigned affinity;
	/** On the out-of-band stage of the pipeline. */
	bool oob;
	/** @p latency_ns overrides the controller's. */
	bool has_latency;
	/** Per-line latency, ns. */
	uint64_t latency_ns;
	/** Deliveries: nr_cpus for a per-CPU line, 1 for a global line; NULL when free. */
	struct sim_hw_delivery *del;
	/** Counters. */
	struct cw_sim_hw_irq_stats stats;
};

/** A modelled CPU. */
struct sim_hw_cpu {
	/** Running, idle or offline. */
	enum cw_sim_hw_cpu_state state;
	/** Idle state index while idle, else -1. */
	int idle_state;
	/** The core was told (cw_tick_idle_enter() returned 0): exit must tell it too. */
	bool core_idle;
	/** The CPU's C3STOP timers are stopped (a deep state). */
	bool timers_stopped;
	/** Idle loop state, or -1 for none. */
	int loop_state;
	/** Virtual time the current idle stay began. */
	uint64_t idle_since_ns;
	/** Nesting of deliveries / run_on on this CPU (no idle re-entry inside). */
	unsigned busy;
	/** IPI delivery. */
	struct sim_hw_delivery ipi;
	/** Synthetic-interrupt delivery (in-band stage). */
	struct sim_hw_delivery synth;
	/** The in-band stage is stalled (virtually masked): in-band deliveries are logged. */
	bool stalled;
	/** An out-of-band handler runs on this CPU. */
	bool in_oob;
	/** Virtual time the current stall began. */
	uint64_t stalled_since_ns;
	/** In-band log, arrival order (head, and the link to append at). */
	struct sim_hw_delivery *log_head;
	struct sim_hw_delivery **log_tail;
	/** Counters. */
	struct cw_sim_hw_cpu_stats stats;
};

/* ---- time base: a counter running at freq * (1 + drift) ----------------- */

/**
 * A counting time base: cycles since @p start_ns at the drifted rate, exact
 * in integer arithmetic. Models keep one per counter and fold it when they
 * rewrite the counter (count = base + elapsed).
 */
struct sim_hw_clock {
	/** Virtual time the count @p base_cycles was valid. */
	uint64_t start_ns;
	/** Count at @p start_ns (unmasked). */
	uint64_t base_cycles;
	/** freq_hz * (1e9 + drift_ppb): cycles per 1e18 ns. */
	unsigned __int128 rate;
};

/** Start a time base at @p now_ns with count @p cycles. */
void cw__sim_hw_clock_init(struct sim_hw_clock *c, uint64_t now_ns, uint64_t cycles,
			   uint64_t freq_hz, int64_t drift_ppb);
/** Count at @p now_ns (unmasked, 64-bit wrap). */
uint64_t cw__sim_hw_clock_cycles(const struct sim_hw_clock *c, uint64_t now_ns);
/** Earliest virtual time at which the (unmasked) count reaches @p target_cycles (>= base). */
uint64_t cw__sim_hw_clock_time_of(const struct sim_hw_clock *c, uint64_t target_cycles);
/** Restart the base at @p now_ns with count @p cycles (same rate). */
void cw__sim_hw_clock_set(struct sim_hw_clock *c, uint64_t now_ns, uint64_t cycles);

struct sim_hw_timer_ops;
struct sim_hw_chan;

/**
 * Base of every timer model. Owned by the hardware.
 */
struct cw_sim_hw_timer {
	/** The hardware. */
	struct cw_sim_hw *hw;
	/** The model's operations. */
	const struct sim_hw_timer_ops *ops;
	/** Its driver (drv-*.c). */
	const struct sim_hw_driver *drv;
	/** Parameters with defaults filled in (name points at @p name). */
	struct cw_sim_hw_timer_params p;
	/** Model name. */
	char name[SIM_HW_NAME_MAX];
	/** Number of devices (banks or channels). */
	unsigned nr_devs;
	/** Registered with the system. */
	bool registered;
	/** IRQ lines p.irq .. p.irq + irqs_requested - 1 belong to the model (freed for it). */
	unsigned irqs_requested;
	/** Per-device counters, nr_devs entries. */
	struct cw_sim_hw_timer_stats *stats;
	/** Clocksource (when p.clocksource). */
	struct cw_clocksource cs;
	/**
	 * The model's up-counter, started at creation (global timer, arch
	 * timer, HPET; the down-counting models keep one per channel).
	 */
	struct sim_hw_clock clk;
	/** Channels: nr_devs entries of ops->chan_size bytes, each a struct sim_hw_chan first. */
	void *chans;
	/** The driver's devices, nr_devs entries. */
	struct sim_hw_drv_dev *devs;
	/** Next model of the hardware (creation order). */
	struct cw_sim_hw_timer *next;
};

/**
 * One channel of a timer model: what every model has per device (a CPU's
 * bank of a per-CPU timer, or one channel or comparator of a block). The
 * model's own channel struct begins with it (ops->chan_size). A channel
 * counts against a counter reference: the model's shared up-counter
 * (t->clk) or, for a down-counting model (ops->down_counter), its own time
 * base with the value loaded and the cycle it was loaded at.
 */
struct sim_hw_chan {
	/** The model. */
	struct cw_sim_hw_timer *t;
	/** Bank (CPU) or channel index. */
	unsigned index;
	/** Its interrupt line. */
	unsigned irq;
	/** Target of a raise: the CPU (per-CPU line) or CW_SIM_HW_IRQ_AFFINITY (global line). */
	int irq_cpu;
	/**
	 * CW_SIM_HW_CTRL_*: ENABLE (comparator enabled / counting), IRQ
	 * (interrupt enabled), PERIODIC (auto-increment / reload at 0).
	 */
	unsigned ctrl;
	/** Status: the event flag (match, underflow). */
	bool flag;
	/** Stopped by a deep idle state (counts nothing, fires nothing). */
	bool stopped;
	/** Comparator (up-counting) or reload value (down-counting: TCOR, initial count, latch). */
	uint64_t compare;
	/** Added to the comparator at each match in periodic mode (auto-increment, HPET period). */
	uint64_t autoinc;
	/** Counter reference: t->clk, or @p own for a down-counting channel. */
	struct sim_hw_clock *clk;
	/** A down-counting channel's continuous time base (never re-based while it counts). */
	struct sim_hw_clock own;
	/** Down-counting: count of @p own at which the current value was loaded. */
	uint64_t load_cycle;
	/** Down-counting: the value loaded then. */
	uint64_t load_val;
	/** The next match or underflow (.cpu is the bank's CPU for a per-CPU model). */
	struct cw_sim_event ev;
};

/**
 * What each model provides (one const table per model file). Its defaults
 * are the only ones for the kind: the API (cw_sim_hw_timer_create()) and
 * the machine-file parser both take them from here
 * (cw__sim_hw_type_defaults()); they follow the Linux driver of the
 * hardware (min and max delta as passed to clockevents_config_and_register()).
 */
struct sim_hw_timer_ops {
	/**
	 * Type defaults: name, frequency, width, min and max delta, rating,
	 * irq, channels (the compatible string is the kind's row in hw-kinds.def).
	 */
	const char *name;
	uint64_t freq_hz;
	unsigned width_bits;
	uint64_t min_delta_ticks;
	/** Longest programmable delta, cycles (capped at the counter's width; 0: the width's mask).
	 */
	uint64_t max_delta_ticks;
	int rating;
	int irq;
	unsigned nr_channels;
	int cs_rating;
	/** Per-CPU model (devices = CPUs) rather than channels. */
	bool percpu;
	/** Always stops in deep idle (C3STOP whatever p.c3stop says: the LAPIC timer). */
	bool c3stop;
	/** Channels count down with reload (TMU, LAPIC, PIT): hw-chan.c runs them. */
	bool down_counter;
	/** The line is edge-triggered: the model clears the flag when the interrupt is taken. */
	bool edge;
	/** Size of one channel: the model's struct, a struct sim_hw_chan first. */
	size_t chan_size;
	/**
	 * Model set-up after the channels exist and before the devices are
	 * built (NULL: none). @return 0 or CW_E* (bad parameters).
	 */
	int (*setup)(struct cw_sim_hw_timer *t);
	/**
	 * The channel's event: a match of an up-counting channel, or the
	 * underflow of a down-counting one (called after the reload).
	 */
	void (*fire)(struct sim_hw_chan *ch);
	/** End of interrupt, after the driver's isr (NULL: none): re-assert a level still high. */
	void (*eoi)(struct sim_hw_chan *ch);
	/** Register access. */
	int (*read)(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t *value);
	int (*write)(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t value);
	/** CPU @p cpu enters (stop) or leaves a deep state; per-CPU C3STOP models only. */
	void (*deep_idle)(struct cw_sim_hw_timer *t, unsigned cpu, bool stop);
};

/** The hardware of one machine. */
struct cw_sim_hw {
	/** The engine. */
	struct cw_sim *sim;
	/** The system, or NULL. */
	struct cw_system *sys;
	/** Number of CPUs. */
	unsigned nr_cpus;
	/** Parameters (idle_states points at @p idle). */
	struct cw_sim_hw_params p;
	/** Copy of the idle state table. */
	struct cw_sim_hw_idle_state idle[CW_SIM_HW_MAX_IDLE_STATES];
	/** Names of the idle states. */
	char idle_names[CW_SIM_HW_MAX_IDLE_STATES][CW_SIM_HW_IDLE_NAME_MAX];
	/** IRQ lines, p.nr_irqs entries. */
	struct sim_hw_irq_line *irqs;
	/** CPUs, nr_cpus entries. */
	struct sim_hw_cpu *cpus;
	/** Handler of the synthetic per-CPU interrupt, and its argument. */
	cw_sim_hw_synth_fn synth_fn;
	void *synth_arg;
	/** Timer models, creation order. */
	struct cw_sim_hw_timer *timers;
	/** Number of timer models. */
	unsigned nr_timers;
	/** The tracer (trace.c, include/clockwork/sim_trace.h), or NULL: off. */
	struct sim_trace *trace;
	/** Asynchronous cross calls not yet completed (logged, or their completion queued). */
	struct sim_hw_async_call *async_calls;
};

/* ---- calls between the hardware files ----------------------------------- */

/** Mask of a @p bits wide counter. */
static inline uint64_t cw__sim_hw_mask(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/** Set up the CPU model (cpu-model.c). @return 0 or CW_ENOMEM. */
int cw__sim_hw_cpus_init(struct cw_sim_hw *hw);
/** Cancel the CPU model's events and free it. */
void cw__sim_hw_cpus_fini(struct cw_sim_hw *hw);
/**
 * A delivery reaches @p cpu (cpu-model.c). An idle CPU whose state has an
 * exit latency not yet @p paid stays idle and the latency is returned (the
 * delivery waits that long); otherwise the CPU leaves idle and 0 is returned.
 */
uint64_t cw__sim_hw_cpu_wake_for_irq(struct cw_sim_hw *hw, unsigned cpu, bool paid);
/** Set up the IPI and synthetic deliveries and the in-band log of @p cpu (irqc.c). */
void cw__sim_hw_ipi_init(struct cw_sim_hw *hw, unsigned cpu);
/**
 * Replay the in-band log of @p cpu in arrival order while its stage is not
 * stalled (irqc.c); the caller made @p cpu busy.
 */
void cw__sim_hw_inband_sync(struct cw_sim_hw *hw, unsigned cpu);
/**
 * Run @p fn(@p arg) on @p cpu, whose in-band stage is stalled, through its
 * in-band log (irqc.c): from outside the engine the caller waits, running
 * the engine, until the replay has run it (0), or until nothing is left
 * that could end the stall (CW_EBUSY, not run). Inside an engine event,
 * which cannot wait, it runs at once and is counted (calls_unlogged).
 */
int cw__sim_hw_call_stalled(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg);
/**
 * Log @p fn(@p arg) on @p cpu, whose in-band stage is stalled, without
 * waiting (irqc.c, cw_sim_hw_run_on_async()). @return 1, or CW_ENOMEM.
 */
int cw__sim_hw_call_async(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg,
			  cw_sim_hw_call_done_fn done, void *done_arg);
/** Free the asynchronous calls still pending (cw_sim_hw_destroy()). */
void cw__sim_hw_async_calls_free(struct cw_sim_hw *hw);
/** Mark @p cpu busy around a handler (no idle re-entry), then re-enter its idle loop. */
void cw__sim_hw_cpu_busy(struct cw_sim_hw *hw, unsigned cpu, bool busy);
/**
 * Fill the zero fields of @p p with the defaults of its type (the model's
 * ops table), as cw_sim_hw_timer_create() does: the machine-file parser
 * starts every timer section from these. @return 0, or CW_EINVAL for a bad type.
 */
int cw__sim_hw_type_defaults(struct cw_sim_hw_timer_params *p);
/** Whether the model of @p type is per-CPU (devices = CPUs) rather than channels. */
bool cw__sim_hw_type_percpu(enum cw_sim_hw_timer_type type);
/** Whether the driver of @p type can run a device periodic (some device has FEAT_PERIODIC). */
bool cw__sim_hw_type_periodic(enum cw_sim_hw_timer_type type);
/** Tracing (trace.c): report @p type on @p cpu; @p what is the IRQ line, IPI target or idle state.
 */
void cw__sim_trace_cpu(struct cw_sim_hw *hw, enum cw_sim_trace_type type, unsigned cpu,
		       unsigned what);
/** Tracing: wrap @p dev's programming ops before it registers. */
void cw__sim_trace_wrap_dev(struct cw_sim_hw *hw, struct cw_clock_event_device *dev);
/** Tracing: free the tracer (hardware destruction). */
void cw__sim_trace_free(struct cw_sim_hw *hw);
/** The current virtual time. */
static inline uint64_t cw__sim_hw_now(const struct cw_sim_hw *hw)
{
	return cw_sim_now_ns(hw->sim);
}

/** The system's tick rate (100 without a system). */
unsigned cw__sim_hw_hz(const struct cw_sim_hw *hw);

/** Log a line through the system (nothing without one). */
void cw__sim_hw_log(struct cw_sim_hw *hw, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Name device @p index of @p t into @p buf ("name" for a single device, "name.N" otherwise). */
void cw__sim_hw_dev_name(const struct cw_sim_hw_timer *t, unsigned index, char *buf, size_t len);

/** Request the model's next IRQ line (p.irq + number already requested); freed with the model. */
int cw__sim_hw_timer_request_irq(struct cw_sim_hw_timer *t, unsigned flags, cw_sim_hw_irq_fn fn,
				 void *arg);

/** Register @p dev of @p t with the system at the model's frequency and limits. */
int cw__sim_hw_register_dev(struct cw_sim_hw_timer *t, struct cw_clock_event_device *dev);

/**
 * Set up clock event device @p dev, number @p index of @p t, from @p tmpl
 * (features and callbacks): its name into @p name (SIM_HW_DEV_NAME_MAX
 * bytes, see cw__sim_hw_dev_name(); NULL: the model's own name, for the
 * single device of the PIT), the model's rating, and for a per-CPU
 * model the model's IRQ line, CPU @p index and C3STOP when p.c3stop; for a
 * channel model line p.irq + @p index and any CPU.
 */
void cw__sim_hw_dev_init(struct cw_sim_hw_timer *t, unsigned index,
			 struct cw_clock_event_device *dev, char *name,
			 const struct cw_clock_event_device *tmpl, void *driver_data);

/** The up-counter of @p t (t->clk) now, unmasked. */
static inline uint64_t cw__sim_hw_count(const struct cw_sim_hw_timer *t)
{
	return cw__sim_hw_clock_cycles(&t->clk, cw__sim_hw_now(t->hw));
}

/** The up-counter of @p t as the driver reads it: masked to the model's width. */
static inline uint64_t cw__sim_hw_count_masked(const struct cw_sim_hw_timer *t)
{
	return cw__sim_hw_count(t) & cw__sim_hw_mask(t->p.width_bits);
}

/** Periodic reload at the system's HZ: DIV_ROUND_CLOSEST(freq, HZ) counts. */
static inline uint64_t cw__sim_hw_period_ticks(const struct cw_sim_hw_timer *t)
{
	uint64_t hz = cw__sim_hw_hz(t->hw);

	return (t->p.freq_hz + hz / 2) / hz;
}

/** A deep idle state lost the pending event of per-CPU device @p cpu: count it. */
static inline void cw__sim_hw_lost_deep_idle(struct cw_sim_hw_timer *t, unsigned cpu)
{
	t->stats[cpu].lost_deep_idle++;
	t->hw->cpus[cpu].stats.timer_events_lost++;
}

/* ---- channels ----------------------------------------------------------- */

/** Channel @p index of @p t. */
static inline struct sim_hw_chan *cw__sim_hw_chan(const struct cw_sim_hw_timer *t, unsigned index)
{
	return (struct sim_hw_chan *)((char *)t->chans + (size_t)index * t->ops->chan_size);
}

/** Raise @p ch's interrupt line (to its CPU, or where the line's affinity routes it). */
static inline void cw__sim_hw_chan_raise(struct sim_hw_chan *ch)
{
	cw_sim_hw_irq_raise(ch->t->hw, ch->irq, ch->irq_cpu);
}

/** Its counter reference now, unmasked. */
static inline uint64_t cw__sim_hw_chan_cycles(const struct sim_hw_chan *ch)
{
	return cw__sim_hw_clock_cycles(ch->clk, cw__sim_hw_now(ch->t->hw));
}

/*
 * Down-counting channels (TMU, LAPIC timer, PIT): loaded with a value, the
 * channel counts to 0 at its time base's rate, then sets its flag, reloads
 * from @c compare when PERIODIC (else stops: ENABLE clears) and calls the
 * model's fire (hw-chan.c). Reloads are exact in cycles, so a periodic
 * channel never drifts from its own time base.
 */
/** Load @p value and (re)arm: counting from now if ENABLE (@p value 0 arms nothing). */
void cw__sim_hw_dc_load(struct sim_hw_chan *ch, uint64_t value);
/** Stop counting (the count freezes, ENABLE clears). */
void cw__sim_hw_dc_stop(struct sim_hw_chan *ch);
/** Resume counting from the frozen count (ENABLE sets). */
void cw__sim_hw_dc_start(struct sim_hw_chan *ch);
/** Current count. */
uint64_t cw__sim_hw_dc_count(const struct sim_hw_chan *ch);
/** The channel event of every model (engine callback; ev->data is the channel). */
void cw__sim_hw_chan_event(struct cw_sim *sim, struct cw_sim_event *ev);

/** Model operations of each kind (hw-*.c; the rows of hw-kinds.def). */
#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	extern const struct sim_hw_timer_ops cw__sim_hw_##model##_ops;
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND

/** Probe shared by the driver descriptors (hw-kinds.def): hw is a struct cw_sim_hw_timer. */
int cw__sim_hw_driver_probe(struct cw_system *sys, void *hw);

#endif /* CLOCKWORK_SRC_PORT_SIM_HW_INTERNAL_H */
