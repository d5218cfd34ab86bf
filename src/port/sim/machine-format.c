/* SPDX-License-Identifier: MIT */
/*
 * Writes a machine description back as machine-file text, in canonical
 * form, from the machine-file schema (cw__sim_machine_keys[],
 * machine-parse.c): every section and every key in the table's order, each
 * value from where the table says it lives and in its type's notation
 * (timers with the defaults their kind filled in; [system], [irq] and
 * [idle] only when they say something; keys marked IF_SET only when not 0),
 * numbers in the largest unit that keeps them readable (3579545 Hz is
 * "3.579545MHz", 2300000000 ns is "2.3s", drifts in ppm), CPU lists as
 * ranges. The parser reads this text back to an equal description, which
 * tests use, and cwsim --dump-machine prints it.
 */
#include <clockwork/sim.h>
#include <clockwork/clocksource.h>

#include "port/sim/sim-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** snprintf-style output: writes what fits, counts everything. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->pos < o->len ? o->len - o->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0) {
		o->pos += (size_t)n;
	}
}

/* @v / 10^exp10 as a decimal without trailing zeros, followed by @unit. */
static void put_scaled(struct out *o, uint64_t v, unsigned exp10, const char *unit)
{
	uint64_t scale = 1;
	char frac[24];
	int digits = (int)exp10;

	for (unsigned i = 0; i < exp10; i++) {
		scale *= 10;
	}
	if (v % scale == 0) {
		put(o, "%llu%s", (unsigned long long)(v / scale), unit);
		return;
	}
	snprintf(frac, sizeof(frac), "%0*llu", digits, (unsigned long long)(v % scale));
	for (int i = digits - 1; i > 0 && frac[i] == '0'; i--) {
		frac[i] = '\0';
	}
	put(o, "%llu.%s%s", (unsigned long long)(v / scale), frac, unit);
}

static void put_freq(struct out *o, uint64_t hz)
{
	if (hz >= 1000000000u) {
		put_scaled(o, hz, 9, "GHz");
	} else if (hz >= 1000000u) {
		put_scaled(o, hz, 6, "MHz");
	} else if (hz >= 1000u) {
		put_scaled(o, hz, 3, "kHz");
	} else {
		put_scaled(o, hz, 0, "Hz");
	}
}

static void put_duration(struct out *o, uint64_t ns)
{
	if (ns >= 1000000000u) {
		put_scaled(o, ns, 9, "s");
	} else if (ns >= 1000000u) {
		put_scaled(o, ns, 6, "ms");
	} else if (ns >= 1000u) {
		put_scaled(o, ns, 3, "us");
	} else {
		put_scaled(o, ns, 0, "ns");
	}
}

static void put_drift(struct out *o, int64_t ppb)
{
	uint64_t mag = ppb < 0 ? (uint64_t)0 - (uint64_t)ppb : (uint64_t)ppb;

	put(o, "%s", ppb < 0 ? "-" : "");
	put_scaled(o, mag, 3, "ppm");
}

static void put_cpus(struct out *o, const struct cw_sim_node_desc *n)
{
	for (unsigned i = 0; i < n->nr_cpus;) {
		unsigned j = i;

		while (j + 1 < n->nr_cpus && n->cpus[j + 1] == n->cpus[j] + 1) {
			j++;
		}
		put(o, "%s%u", i ? "," : "", n->cpus[i]);
		if (j > i) {
			put(o, "-%u", n->cpus[j]);
		}
		i = j + 1;
	}
}

size_t cw__sim_format_cpulist(const struct cw_sim_node_desc *n, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = buf ? len : 0, .pos = 0 };

	if (buf && len) {
		buf[0] = '\0';
	}
	put_cpus(&o, n);
	return o.pos;
}

static void put_flags(struct out *o, unsigned flags)
{
	const char *sep = "";

	if (!(flags & (CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY |
		       CW_CLOCKSOURCE_SUSPEND_NONSTOP))) {
		put(o, "none");
		return;
	}
	if (flags & CW_CLOCKSOURCE_IS_CONTINUOUS) {
		put(o, "continuous");
		sep = ", ";
	}
	if (flags & CW_CLOCKSOURCE_MUST_VERIFY) {
		put(o, "%smust_verify", sep);
		sep = ", ";
	}
	if (flags & CW_CLOCKSOURCE_SUSPEND_NONSTOP) {
		put(o, "%ssuspend_nonstop", sep);
	}
}

/* @ns since the epoch as "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC). */
static void put_iso_utc(struct out *o, int64_t ns)
{
	static const unsigned mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t secs = (uint64_t)ns / CW_NSEC_PER_SEC, frac = (uint64_t)ns % CW_NSEC_PER_SEC;
	uint64_t days = secs / 86400, rest = secs % 86400;
	unsigned year = 1970, month = 0;

	while (days >= (cw__sim_leap_year(year) ? 366u : 365u)) {
		days -= cw__sim_leap_year(year) ? 366u : 365u;
		year++;
	}
	for (;; month++) {
		unsigned len = mdays[month] + (month == 1 && cw__sim_leap_year(year) ? 1u : 0u);

		if (days < len) {
			break;
		}
		days -= len;
	}
	put(o, "%04u-%02u-%02uT%02u:%02u:%02u", year, month + 1, (unsigned)days + 1,
	    (unsigned)(rest / 3600), (unsigned)(rest / 60 % 60), (unsigned)(rest % 60));
	if (frac) {
		char digits[16];
		int n = snprintf(digits, sizeof(digits), "%09llu", (unsigned long long)frac);

		while (n > 1 && digits[n - 1] == '0') {
			digits[--n] = '\0';
		}
		put(o, ".%s", digits);
	}
	put(o, "Z");
}

size_t cw__sim_format_iso_utc(int64_t ns, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = buf ? len : 0, .pos = 0 };

	if (buf && len) {
		buf[0] = '\0';
	}
	put_iso_utc(&o, ns < 0 ? 0 : ns);
	return o.pos;
}

static uint64_t load_uint(const char *field, size_t size)
{
	if (size == sizeof(uint64_t)) {
		uint64_t v;

		memcpy(&v, field, sizeof(v));
		return v;
	}
	if (size == sizeof(uint32_t)) {
		uint32_t v;

		memcpy(&v, field, sizeof(v));
		return v;
	}
	return *(const unsigned char *)field;
}

/* The capacity_class lines of node @n, one per class, in class order. */
static void put_class_cpus(struct out *o, const struct cw_sim_node_desc *n)
{
	for (unsigned k = 1; k <= 15 && n->nr_class_cpus; k++) {
		struct cw_sim_node_desc cls = { 0 };

		cls.cpus = malloc(n->nr_class_cpus * sizeof(unsigned));
		if (!cls.cpus) {
			break;
		}
		for (unsigned j = 0; j < n->nr_class_cpus; j++) {
			if (n->class_of[j] == k) {
				cls.cpus[cls.nr_cpus++] = n->class_cpus[j];
			}
		}
		if (cls.nr_cpus) {
			put(o, "capacity_class = %u ", k);
			put_cpus(o, &cls);
			put(o, "\n");
		}
		free(cls.cpus);
	}
}

/*
 * Whether key @k of the object at @obj says anything (a value other than 0,
 * no, empty; a repeatable key given at least once).
 */
static bool key_is_set(const struct cw__sim_key *k, const void *obj)
{
	const char *field = (const char *)obj + k->offset;
	const struct cw_sim_machine_desc *m = obj;

	switch (k->type) {
	case CW__SIM_KEY_NAME:
	case CW__SIM_KEY_TEXT:
		return field[0] != '\0';
	case CW__SIM_KEY_CPULIST:
		return load_uint((const char *)obj + k->count_offset, sizeof(unsigned)) != 0;
	case CW__SIM_KEY_REALTIME:
		return m->realtime_set;
	case CW__SIM_KEY_AFFINITY:
		return m->nr_irq_affinity != 0;
	case CW__SIM_KEY_IDLE_STATE:
		return m->nr_idle_states != 0;
	case CW__SIM_KEY_CLASS_CPUS:
	case CW__SIM_KEY_DRIFT_AT:
		/* Node and counter keys: their sections are always written. */
		return true;
	default:
		return k->size && load_uint(field, k->size) != 0;
	}
}

/* "key = value" line(s) of key @k of the object at @obj, as the table says. */
static void put_key(struct out *o, const struct cw__sim_key *k, const void *obj)
{
	const char *field = (const char *)obj + k->offset;
	uint64_t v = 0;

	if ((k->flags & CW__SIM_KEY_NO_DUMP) ||
	    ((k->flags & CW__SIM_KEY_IF_SET) && !key_is_set(k, obj))) {
		return;
	}
	if (k->size && k->type <= CW__SIM_KEY_ENERGY && k->type != CW__SIM_KEY_NAME &&
	    k->type != CW__SIM_KEY_TEXT) {
		v = load_uint(field, k->size);
	}
	switch (k->type) {
	case CW__SIM_KEY_INT:
		put(o, (k->flags & CW__SIM_KEY_HEX) ? "%s = 0x%llx\n" : "%s = %llu\n", k->name,
		    (unsigned long long)v);
		return;
	case CW__SIM_KEY_FREQ:
		put(o, "%s = ", k->name);
		put_freq(o, v);
		break;
	case CW__SIM_KEY_TIME:
		put(o, "%s = ", k->name);
		put_duration(o, v);
		break;
	case CW__SIM_KEY_DRIFT:
		put(o, "%s = ", k->name);
		put_drift(o, (int64_t)v);
		break;
	case CW__SIM_KEY_BOOL:
		put(o, "%s = %s", k->name, v ? "yes" : "no");
		break;
	case CW__SIM_KEY_NAME:
	case CW__SIM_KEY_TEXT:
		put(o, "%s = %s", k->name, field);
		break;
	case CW__SIM_KEY_CHOICE:
		put(o, "%s = %s", k->name, k->choices[v]);
		break;
	case CW__SIM_KEY_POWER:
		put(o, "%s = %lluuW", k->name, (unsigned long long)v);
		break;
	case CW__SIM_KEY_ENERGY:
		put(o, "%s = %llunJ", k->name, (unsigned long long)v);
		break;
	case CW__SIM_KEY_CPULIST: {
		struct cw_sim_node_desc list = { 0 };

		memcpy(&list.cpus, field, sizeof(list.cpus));
		list.nr_cpus =
			(unsigned)load_uint((const char *)obj + k->count_offset, sizeof(unsigned));
		put(o, "%s = ", k->name);
		put_cpus(o, &list);
		break;
	}
	case CW__SIM_KEY_CLASS_CPUS:
		put_class_cpus(o, obj);
		return;
	case CW__SIM_KEY_FLAGS:
		put(o, "%s = ", k->name);
		put_flags(o, (unsigned)load_uint(field, k->size));
		break;
	case CW__SIM_KEY_DRIFT_AT: {
		const struct cw_sim_counter_desc *c = obj;

		for (size_t i = 0; i < c->nr_drift_changes; i++) {
			put(o, "%s = ", k->name);
			put_duration(o, c->drift_changes[i].at_ns);
			put(o, " ");
			put_drift(o, c->drift_changes[i].drift_ppb);
			put(o, "\n");
		}
		return;
	}
	case CW__SIM_KEY_REALTIME:
		if (!key_is_set(k, obj)) {
			return;
		}
		put(o, "%s = ", k->name);
		put_iso_utc(o, ((const struct cw_sim_machine_desc *)obj)->realtime_init_ns);
		break;
	case CW__SIM_KEY_AFFINITY: {
		const struct cw_sim_machine_desc *m = obj;

		for (size_t i = 0; i < m->nr_irq_affinity; i++) {
			put(o, "%s = %u %u\n", k->name, m->irq_affinity[i].irq,
			    m->irq_affinity[i].cpu);
		}
		return;
	}
	case CW__SIM_KEY_IDLE_STATE: {
		const struct cw_sim_machine_desc *m = obj;

		for (unsigned i = 0; i < m->nr_idle_states; i++) {
			const struct cw_sim_idle_state_desc *st = &m->idle_states[i];

			put(o, "%s = %s %s ", k->name, st->name, st->deep ? "deep" : "shallow");
			put_duration(o, st->exit_latency_ns);
			if (st->power_uw) {
				put(o, " %lluuW", (unsigned long long)st->power_uw);
			}
			put(o, "\n");
		}
		return;
	}
	default:
		return;
	}
	put(o, "\n");
}

/*
 * Section @sect of the object at @obj (a timer of @kind for timer keys):
 * its keys in the table's order. @header is written first; a singleton
 * section other than [machine] only when one of its keys says something.
 */
static void put_section(struct out *o, enum cw__sim_msect sect, enum cw_sim_timer_kind kind,
			const void *obj, bool optional)
{
	bool any = !optional;

	for (size_t i = 0; i < cw__sim_nr_machine_keys && !any; i++) {
		const struct cw__sim_key *k = &cw__sim_machine_keys[i];

		any = k->section == sect && !(k->flags & CW__SIM_KEY_NO_DUMP) && key_is_set(k, obj);
	}
	if (!any) {
		return;
	}
	if (optional) {
		put(o, "\n[%s]\n", cw__sim_msect_name(sect));
	}
	for (size_t i = 0; i < cw__sim_nr_machine_keys; i++) {
		const struct cw__sim_key *k = &cw__sim_machine_keys[i];

		if (k->section == sect && cw__sim_key_applies(k, kind)) {
			put_key(o, k, obj);
		}
	}
}

CW_API size_t cw_sim_machine_desc_format(const struct cw_sim_machine_desc *m, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = buf ? len : 0, .pos = 0 };

	if (buf && len) {
		buf[0] = '\0';
	}
	put(&o, "[machine]\n");
	put_section(&o, CW__SIM_MSECT_MACHINE, CW_SIM_TIMER_NR_KINDS, m, false);
	put_section(&o, CW__SIM_MSECT_SYSTEM, CW_SIM_TIMER_NR_KINDS, m, true);
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		put(&o, "\n[node %u]\n", m->nodes[i].id);
		put_section(&o, CW__SIM_MSECT_NODE, CW_SIM_TIMER_NR_KINDS, &m->nodes[i], false);
	}
	for (size_t i = 0; i < m->nr_counters; i++) {
		put(&o, "\n[counter %s]\n", m->counters[i].name);
		put_section(&o, CW__SIM_MSECT_COUNTER, CW_SIM_TIMER_NR_KINDS, &m->counters[i],
			    false);
	}
	for (size_t i = 0; i < m->nr_timers; i++) {
		const struct cw_sim_timer_desc *t = &m->timers[i];

		put(&o, "\n[%s %s]\n", cw_sim_timer_kind_name(t->kind), t->name);
		put_section(&o, CW__SIM_MSECT_TIMER, t->kind, t, false);
	}
	put_section(&o, CW__SIM_MSECT_IRQ, CW_SIM_TIMER_NR_KINDS, m, true);
	put_section(&o, CW__SIM_MSECT_IDLE, CW_SIM_TIMER_NR_KINDS, m, true);
	return o.pos;
}
