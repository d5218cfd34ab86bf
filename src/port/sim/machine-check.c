/* SPDX-License-Identifier: MIT */
/*
 * Physical sense of a parsed machine for the run it is used in
 * (cw_sim_machine_desc_check(); docs/simulator.md, "Physical checks").
 *
 * The parser checks what a file says on its own (syntax, ranges, keys
 * that contradict each other, latencies above a second). Whether hardware
 * can serve depends on the tick rate and on the run, which the file may
 * not fix: a 16-bit timer at 32 MHz ticks fine at HZ=1000 and cannot hold
 * the 10 ms period of HZ=100. So these checks run with the HZ and the
 * length of the run, and name the section's file and line.
 *
 * The rule: an ERROR is hardware the run cannot model faithfully, which
 * would make the core misbehave or go silent (a tick device whose shortest
 * interrupt delay is longer than a tick, a periodic device that cannot hold
 * the tick period, a counter that wraps before the timekeeper's next read);
 * a WARNING is hardware that works but is likely a mistake or makes the
 * results hard to read (a oneshot device that needs several interrupts per
 * tick, a periodic tick more than 1 % off 1/HZ, a latency longer than a tick
 * or than the whole run, a counter that wraps within the watchdog interval
 * on a machine whose watchdog verifies counters).
 */
#include <clockwork/sim.h>
#include <clockwork/clocksource.h>
#include <clockwork/config.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/system.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

#include <stdarg.h>
#include <stdio.h>

/** Watchdog interval of the core (clocksource.c), ns. */
#define CHECK_WATCHDOG_INTERVAL_NS (CW_NSEC_PER_SEC / 2)
/** Largest error of a periodic tick against 1/HZ before a warning, parts per 10^6. */
#define CHECK_PERIOD_ERROR_PPM     10000u

/** One check run: where messages go and what was found. */
struct check {
	const struct cw_sim_machine_desc *m;
	cw_sim_diag_fn fn;
	void *arg;
	unsigned hz;
	uint64_t tick_ns;
	uint64_t run_ns;
	unsigned errors;
	unsigned warnings;
};

__attribute__((format(printf, 4, 5))) static void report(struct check *c, bool error, unsigned line,
							 const char *fmt, ...)
{
	char msg[CW_SIM_ERR_MAX], text[CW_SIM_ERR_MAX + CW_SIM_FILE_NAME_MAX + 32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(text, sizeof(text), "%s:%u: %s%s", c->m->file[0] ? c->m->file : "<default>",
		 line ? line : 1, error ? "" : "warning: ", msg);
	if (error) {
		c->errors++;
	} else {
		c->warnings++;
	}
	if (c->fn) {
		c->fn(c->arg, error, text);
	}
}

/* ceil(cycles * 1e9 / freq): how long @cycles take, ns, saturated. */
static uint64_t cycles_to_ns(uint64_t cycles, uint64_t freq_hz)
{
	unsigned __int128 ns =
		((unsigned __int128)cycles * CW_NSEC_PER_SEC + freq_hz - 1) / freq_hz;

	return ns > UINT64_MAX ? UINT64_MAX : (uint64_t)ns;
}

static bool kind_has_periodic(enum cw_sim_timer_kind kind)
{
	/* From the kind's driver: the arch timer is oneshot only; an HPET's comparator 0 is
	 * periodic. */
	return cw__sim_hw_type_periodic((enum cw_sim_hw_timer_type)kind);
}

/* A timer: can it interrupt once per tick, and hold the tick period? */
static void check_timer(struct check *c, const struct cw_sim_timer_desc *t)
{
	const char *kind = cw_sim_timer_kind_name(t->kind);
	uint64_t min_ns = cycles_to_ns(t->min_delta_ticks, t->freq_hz);
	uint64_t max_ns = cycles_to_ns(t->max_delta_ticks, t->freq_hz);
	uint64_t period = (t->freq_hz + c->hz / 2) / c->hz;

	if (min_ns > c->tick_ns) {
		report(c, true, t->line,
		       "expected a timer that can interrupt once per tick at HZ=%u (a tick is %llu "
		       "ns) in [%s %s] (got min_delta %llu cycles at %llu Hz = %llu ns: too slow "
		       "for HZ)",
		       c->hz, (unsigned long long)c->tick_ns, kind, t->name,
		       (unsigned long long)t->min_delta_ticks, (unsigned long long)t->freq_hz,
		       (unsigned long long)min_ns);
		return;
	}
	if (kind_has_periodic(t->kind) && (period == 0 || period > t->max_delta_ticks)) {
		report(c, true, t->line,
		       "expected a periodic timer that holds the tick period at HZ=%u in [%s %s] "
		       "(got %llu Hz / %u = %llu cycles, max_delta %llu cycles)",
		       c->hz, kind, t->name, (unsigned long long)t->freq_hz, c->hz,
		       (unsigned long long)period, (unsigned long long)t->max_delta_ticks);
		return;
	}
	if (kind_has_periodic(t->kind)) {
		uint64_t exact = (uint64_t)c->hz * period;
		uint64_t off = exact > t->freq_hz ? exact - t->freq_hz : t->freq_hz - exact;

		if ((unsigned __int128)off * 1000000 >
		    (unsigned __int128)t->freq_hz * CHECK_PERIOD_ERROR_PPM) {
			report(c, false, t->line,
			       "[%s %s] ticks periodically every %llu cycles at %llu Hz, %llu ppm "
			       "off 1/HZ at HZ=%u: jiffies run that much fast or slow while it "
			       "ticks periodically",
			       kind, t->name, (unsigned long long)period,
			       (unsigned long long)t->freq_hz,
			       (unsigned long long)((unsigned __int128)off * 1000000 / t->freq_hz),
			       c->hz);
		}
	}
	if (max_ns < c->tick_ns) {
		report(c, false, t->line,
		       "[%s %s] can be programmed at most %llu ns ahead (max_delta %llu cycles), "
		       "less than a tick at HZ=%u (%llu ns): each tick takes %llu interrupts in "
		       "oneshot mode",
		       kind, t->name, (unsigned long long)max_ns,
		       (unsigned long long)t->max_delta_ticks, c->hz,
		       (unsigned long long)c->tick_ns,
		       (unsigned long long)((c->tick_ns + max_ns - 1) / (max_ns ? max_ns : 1)));
	}
}

/* Whether any counter of the machine is verified by the watchdog. */
static bool machine_verifies(const struct cw_sim_machine_desc *m)
{
	for (size_t i = 0; i < m->nr_counters; i++) {
		if (m->counters[i].flags & CW_CLOCKSOURCE_MUST_VERIFY) {
			return true;
		}
	}
	return false;
}

/*
 * A counter: the timekeeper reads it at least once per tick and the core
 * requires reads within half a wrap (max_idle_ns is 50 % of the wrap
 * period), so the counter must not wrap within two ticks.
 */
static void check_counter(struct check *c, const struct cw_sim_counter_desc *k, bool verifies)
{
	uint64_t wrap_ns = cw__sim_wrap_period_ns(k->params.width_bits, k->params.freq_hz);

	if (wrap_ns < 2 * c->tick_ns) {
		report(c, true, k->line,
		       "expected a counter that wraps more slowly than the timekeeper can "
		       "accumulate in [counter %s]: it reads the counter once per tick (%llu ns "
		       "at HZ=%u) and needs each read within half a wrap, so a wrap period of at "
		       "least %llu ns (got %u bits at %llu Hz: a wrap every %llu ns)",
		       k->name, (unsigned long long)c->tick_ns, c->hz,
		       (unsigned long long)(2 * c->tick_ns), k->params.width_bits,
		       (unsigned long long)k->params.freq_hz, (unsigned long long)wrap_ns);
		return;
	}
	if (verifies && wrap_ns < CHECK_WATCHDOG_INTERVAL_NS) {
		report(c, false, k->line,
		       "[counter %s] wraps every %llu ns, within the watchdog interval (%llu ns): "
		       "as the watchdog or a verified counter its checks would misread the wraps",
		       k->name, (unsigned long long)wrap_ns,
		       (unsigned long long)CHECK_WATCHDOG_INTERVAL_NS);
	}
}

/* A latency: longer than a tick or than the whole run is suspicious. */
static void check_latency(struct check *c, const char *what, uint64_t ns, unsigned line)
{
	if (c->run_ns && ns >= c->run_ns) {
		report(c, false, line,
		       "%s of %llu ns is as long as the whole run (%llu ns): nothing it delays "
		       "happens before the end",
		       what, (unsigned long long)ns, (unsigned long long)c->run_ns);
	} else if (ns > c->tick_ns) {
		report(c, false, line,
		       "%s of %llu ns is longer than a tick at HZ=%u (%llu ns): every tick is "
		       "handled after the next one is due",
		       what, (unsigned long long)ns, c->hz, (unsigned long long)c->tick_ns);
	}
}

CW_API int cw_sim_machine_desc_check(const struct cw_sim_machine_desc *m, unsigned hz,
				     uint64_t run_ns, cw_sim_diag_fn fn, void *arg)
{
	struct check c = { .m = m, .fn = fn, .arg = arg, .run_ns = run_ns };
	bool verifies;

	if (!m) {
		return CW_EINVAL;
	}
	c.hz = hz ? hz : m->hz ? m->hz : CW_CONFIG_DEFAULT_HZ;
	if (c.hz != 100 && c.hz != 250 && c.hz != 300 && c.hz != 1000) {
		return CW_EINVAL;
	}
	/* TICK_NSEC, as cw_system_tick_nsec(). */
	c.tick_ns = (CW_NSEC_PER_SEC + c.hz / 2) / c.hz;
	verifies = machine_verifies(m);
	for (size_t i = 0; i < m->nr_counters; i++) {
		check_counter(&c, &m->counters[i], verifies);
	}
	for (size_t i = 0; i < m->nr_timers; i++) {
		check_timer(&c, &m->timers[i]);
	}
	check_latency(&c, "[irq] latency", m->irq_latency_ns,
		      m->irq_latency_line ? m->irq_latency_line : m->irq_line);
	check_latency(&c, "[irq] ipi_latency", m->ipi_latency_ns,
		      m->ipi_latency_line ? m->ipi_latency_line : m->irq_line);
	for (unsigned i = 0; i < m->nr_idle_states; i++) {
		char what[48];

		snprintf(what, sizeof(what), "idle state %s: exit latency", m->idle_states[i].name);
		check_latency(&c, what, m->idle_states[i].exit_latency_ns,
			      m->idle_states[i].line ? m->idle_states[i].line : m->idle_line);
	}
	return c.errors ? CW_EINVAL : 0;
}
