/* SPDX-License-Identifier: MIT */
/*
 * Parser of machine description files (docs/simulator.md, "Machine files").
 *
 * The format is line based: "[kind ARG]" section headers, "key = value"
 * lines, comments from '#' or ';' (at the start of a line or after a blank)
 * to the end of the line, and blank lines.
 *
 * The schema. One table, cw__sim_machine_keys[] (at the end of the key
 * handlers below; struct cw__sim_key in sim-internal.h), lists every key of
 * every section: name, type, range, default, help, where the value goes.
 * The parser checks what the table says (unknown, duplicate and missing
 * keys), parses and range-checks typed values from it (parse_typed(): "a
 * width in bits, 16..64"), and calls a key's own handler only for compound
 * values ("TIME DRIFT", CPU lists) and checks of its own. Each value type
 * has a row in value_types[] (syntax, examples, units, the phrase of its
 * messages), which the docs' "Values" table is written from. The formatter
 * (machine-format.c) writes the keys back from the same table, and
 * cw_sim_machine_key() hands it out for the docs (cwsim --machine-keys).
 * Checks that involve several keys or sections (a start value wider than
 * the counter, CPUs in two nodes) run when the section or the file ends
 * and point at the line that carries the conflict (the line each key was
 * seen at, key_line()).
 *
 * Timer sections ([global_timer NAME], [arch_timer NAME], [tmu NAME],
 * [hpet NAME], [lapic NAME], [pit NAME]) share one key list; each key says
 * which kinds it applies to (struct cw__sim_key::kinds), so a key of
 * another kind is reported like an unknown key, with the list of the keys
 * this kind has. Values the file leaves out take the kind's defaults
 * (timer_kinds[]), so a parsed description is always complete.
 *
 * [system] places the start state (HZ, initial jiffies, REALTIME as a UTC
 * date or a time since the epoch); a counter's wraps_after derives its start
 * value from the model's own count. What depends on the run (HZ, length)
 * is checked later by cw_sim_machine_desc_check() (machine-check.c).
 *
 * Robustness: the input is arbitrary bytes. Lines are copied into a fixed
 * buffer after a length check, NUL bytes are rejected, every number is
 * parsed by hand with overflow checks, every count has a limit, and every
 * allocation is owned by the description being built, which is freed as a
 * whole on any error. Messages quote at most a bounded, sanitised excerpt
 * of the input.
 */
#include <clockwork/sim.h>
#include <clockwork/clocksource.h>
#include <clockwork/driver/clocksource.h>
#include <clockwork/system.h>

#include "port/sim/hw-internal.h"
#include "port/sim/sim-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** Longest line accepted, including the NUL. */
#define LINE_BYTES         1024u
/** Largest machine file accepted. */
#define FILE_MAX_BYTES     (4u << 20)
/** Most keys a section has (its run of cw__sim_machine_keys[]; enter_section() checks). */
#define MAX_KEYS           24u
/** Longest excerpt of the input quoted in a message. */
#define QUOTE_CHARS        48u
/** The largest jitter is 1/16 of the counter range (see check_counter()). */
#define JITTER_RANGE_SHIFT 4u
/** What a section header may be, for messages. */
#define SECTION_LIST                                                                               \
	"a section [machine], [system], [node N], [counter NAME], [irq], [idle] or a timer "       \
	"[global_timer|arch_timer|tmu|hpet|lapic|pit NAME]"

/* Sections (sim-internal.h); SECT_NONE before the first header. */
#define SECT_NONE    CW__SIM_MSECT_NR
#define SECT_MACHINE CW__SIM_MSECT_MACHINE
#define SECT_SYSTEM  CW__SIM_MSECT_SYSTEM
#define SECT_NODE    CW__SIM_MSECT_NODE
#define SECT_COUNTER CW__SIM_MSECT_COUNTER
#define SECT_TIMER   CW__SIM_MSECT_TIMER
#define SECT_IRQ     CW__SIM_MSECT_IRQ
#define SECT_IDLE    CW__SIM_MSECT_IDLE

/** Parser state while one text is parsed. */
struct parser {
	/** Messages, current line, limits (first: the text callbacks get it). */
	struct cw__sim_text tx;
	/** The description being built. */
	struct cw_sim_machine_desc *m;
	/** Current section, its header line and its title for messages. */
	enum cw__sim_msect kind;
	unsigned sect_line;
	char title[CW_SIM_COUNTER_NAME_MAX + 16];
	/** Keys of the current section: its run of cw__sim_machine_keys[]. */
	const struct cw__sim_key *keys;
	size_t nr_keys;
	/** Line where each key of the current section was set (0: not yet). */
	unsigned seen[MAX_KEYS];
	/** Line of the [machine] header (0: none yet). */
	unsigned machine_line;
	/** Current counter: wraps_after, ns (valid when its key was seen). */
	uint64_t wraps_after_ns;
	/** Current timer section: its kind. */
	enum cw_sim_timer_kind timer_kind;
};

static void enter_section(struct parser *ps, enum cw__sim_msect kind);

/* Line of key @name in the current section (0: not given). */
static unsigned key_line(const struct parser *ps, const char *name)
{
	for (size_t i = 0; i < ps->nr_keys; i++) {
		if (strcmp(ps->keys[i].name, name) == 0) {
			return ps->seen[i];
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Messages */

/* The parser a text callback runs for. */
static struct parser *to_parser(struct cw__sim_text *tx)
{
	return (struct parser *)tx;
}

/* "FILE:LINE: message"; returns CW_EINVAL. */
#define perr(ps, ...) cw__sim_text_err(&(ps)->tx, __VA_ARGS__)

/* "expected WHAT (got 'VALUE')" at the current line. */
static int expected(struct parser *ps, const char *what, const char *val)
{
	return cw__sim_text_expected(&ps->tx, what, val);
}

/* ---------------------------------------------------------------------- */
/* Numbers */

enum num_status {
	NUM_OK,
	NUM_BAD,
	NUM_BAD_UNIT,
	NUM_RANGE,
	NUM_INEXACT,
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int hex_digit(char c)
{
	if (is_digit(c)) {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* An unsigned integer, decimal or 0x-hex, filling the whole string. */
static enum num_status parse_uint(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (*s == '\0') {
		return NUM_BAD;
	}
	for (; *s; s++) {
		int d = hex_digit(*s);

		if (d < 0 || (unsigned)d >= base) {
			return NUM_BAD;
		}
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, (unsigned)d, &v)) {
			return NUM_RANGE;
		}
	}
	*out = v;
	return NUM_OK;
}

/** A unit: its name and the power of ten it scales the number by. */
struct unit {
	const char *name;
	unsigned exp10;
};

static const struct unit duration_units[] = {
	{ "ns", 0 }, { "us", 3 }, { "ms", 6 }, { "s", 9 }, { NULL, 0 },
};
static const struct unit freq_units[] = {
	{ "Hz", 0 }, { "kHz", 3 }, { "MHz", 6 }, { "GHz", 9 }, { NULL, 0 },
};
static const struct unit power_units[] = {
	{ "uW", 0 },
	{ "mW", 3 },
	{ "W", 6 },
	{ NULL, 0 },
};
static const struct unit energy_units[] = {
	{ "nJ", 0 }, { "uJ", 3 }, { "mJ", 6 }, { "J", 9 }, { NULL, 0 },
};
static const struct unit drift_units[] = {
	{ "ppm", 3 },
	{ "ppb", 0 },
	{ NULL, 0 },
};

/**
 * A value type of the schema: what the docs' "Values" table says about it
 * (cw_sim_machine_value_type()) and, for a quantity, its units and the
 * phrase a message uses ("expected a time such as 3s or 2.5ms with a unit
 * (ns, us, ms, s)").
 */
struct value_type {
	/** Name, as the key reference's type column shows it. */
	const char *name;
	/** Syntax (Markdown). */
	const char *syntax;
	/** Examples (Markdown). */
	const char *examples;
	/** Quantities: units, the phrase for messages, whether a sign is allowed. */
	const struct unit *units;
	const char *such_as;
	bool sign_ok;
};

static const struct value_type value_types[CW__SIM_KEY_NR_TYPES] = {
	[CW__SIM_KEY_INT] = { "integer", "decimal, or hex with `0x`", "`64`, `0xe0000000`" },
	[CW__SIM_KEY_FREQ] = { "frequency",
			       "number, optional decimals, optional blanks, unit `Hz` `kHz` `MHz` "
			       "`GHz` (case as shown); a whole number of Hz",
			       "`24MHz`, `3.579545 MHz`, `32.768kHz`", freq_units,
			       "a frequency such as 24MHz or 3.579545 MHz" },
	[CW__SIM_KEY_TIME] = { "time",
			       "number, optional decimals, unit `ns` `us` `ms` `s`; a whole number "
			       "of ns",
			       "`2.3s`, `250ms`, `100ns`", duration_units,
			       "a time such as 3s or 2.5ms" },
	[CW__SIM_KEY_DRIFT] = { "drift",
				"optional sign, number, optional decimals, unit `ppm` or `ppb`; a "
				"whole number of ppb, below 10⁹ ppb in magnitude",
				"`12.5ppm`, `-300ppb`, `30000ppm`", drift_units,
				"a drift such as 12.5ppm or -300ppb", true },
	[CW__SIM_KEY_BOOL] = { "boolean", "`yes`/`no`, `true`/`false`, `on`/`off`, `1`/`0`",
			       "`yes`" },
	[CW__SIM_KEY_NAME] = { "name", "letters, digits, `_`, `-`, `.`", "`arm_global_timer`" },
	[CW__SIM_KEY_TEXT] = { "text", "anything to the end of the line (or a comment)",
			       "`Cortex-A9 quad, as on a Zynq`" },
	[CW__SIM_KEY_CHOICE] = { "word", "one of the words the key lists", "`flag_first`" },
	[CW__SIM_KEY_POWER] = { "power",
				"number, optional decimals, unit `uW` `mW` `W`; a whole number of "
				"uW",
				"`1.2W`, `350mW`", power_units, "a power such as 1.2W or 350mW" },
	[CW__SIM_KEY_ENERGY] = { "energy",
				 "number, optional decimals, unit `nJ` `uJ` `mJ` `J`; a whole "
				 "number of nJ",
				 "`20uJ`, `1.5mJ`", energy_units,
				 "an energy such as 20uJ or 1.5mJ" },
	[CW__SIM_KEY_CPULIST] = { "CPU list", "comma-separated CPUs and `low-high` ranges",
				  "`0-3,8,10-11`" },
	[CW__SIM_KEY_CLASS_CPUS] = { "CLASS LIST", "a class number, blanks, a CPU list",
				     "`1 4-7`" },
	[CW__SIM_KEY_FLAGS] = { "flags", "flag names separated by commas or blanks, or `none`",
				"`continuous, must_verify`" },
	[CW__SIM_KEY_DRIFT_AT] = { "TIME DRIFT", "a time, blanks, a drift", "`3s 20000ppm`" },
	[CW__SIM_KEY_REALTIME] = { "date or time",
				   "`YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC), or a time since the "
				   "epoch",
				   "`2038-01-19T03:14:07Z`, `2147483647.5s`" },
	[CW__SIM_KEY_AFFINITY] = { "IRQ CPU", "two integers separated by blanks", "`40 1`" },
	[CW__SIM_KEY_IDLE_STATE] = { "NAME DEPTH TIME [POWER]",
				     "a name, `shallow` or `deep`, an exit latency, optionally "
				     "a power",
				     "`c3 deep 50us`, `c3 deep 50us 20mW`" },
};

static const struct unit *find_unit(const struct unit *units, const char *name)
{
	for (; units->name; units++) {
		if (strcmp(units->name, name) == 0) {
			return units;
		}
	}
	return NULL;
}

/* Scale the fraction digits @frac (@n of them) by 10^exp10 into *v, exactly. */
static enum num_status add_fraction(const char *frac, size_t n, unsigned exp10, uint64_t *v)
{
	uint64_t scale = 1;

	for (unsigned i = 0; i < exp10; i++) {
		scale *= 10;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(frac[i] - '0');

		if (i >= exp10) {
			if (d != 0) {
				return NUM_INEXACT;
			}
			continue;
		}
		scale /= 10;
		if (__builtin_add_overflow(*v, (uint64_t)d * scale, v)) {
			return NUM_RANGE;
		}
	}
	return NUM_OK;
}

/*
 * "[+-]DIGITS[.DIGITS][blanks]UNIT": the magnitude in the smallest unit in
 * *mag (exact, or NUM_INEXACT), the sign in *neg (when @sign_ok).
 */
static enum num_status parse_quantity(const char *s, const struct unit *units, bool sign_ok,
				      bool *neg, uint64_t *mag)
{
	const char *frac = NULL;
	const struct unit *u;
	size_t nfrac = 0, nint = 0;
	uint64_t v = 0;

	*neg = false;
	if (sign_ok && (*s == '+' || *s == '-')) {
		*neg = *s++ == '-';
	}
	for (; is_digit(*s); s++, nint++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v)) {
			return NUM_RANGE;
		}
	}
	if (*s == '.') {
		frac = ++s;
		for (; is_digit(*s); s++) {
			nfrac++;
		}
	}
	if (nint + nfrac == 0) {
		return NUM_BAD;
	}
	while (is_blank(*s)) {
		s++;
	}
	u = find_unit(units, s);
	if (!u) {
		return NUM_BAD_UNIT;
	}
	for (unsigned i = 0; i < u->exp10; i++) {
		if (__builtin_mul_overflow(v, 10, &v)) {
			return NUM_RANGE;
		}
	}
	if (frac) {
		enum num_status st = add_fraction(frac, nfrac, u->exp10, &v);

		if (st != NUM_OK) {
			return st;
		}
	}
	*mag = v;
	return NUM_OK;
}

CW_API int cw_sim_parse_duration_ns(const char *text, uint64_t *out_ns)
{
	enum num_status st;
	bool neg;

	if (!text || !out_ns) {
		return CW_EINVAL;
	}
	st = parse_quantity(text, duration_units, false, &neg, out_ns);
	if (st == NUM_RANGE) {
		return CW_ERANGE;
	}
	return st == NUM_OK ? 0 : CW_EINVAL;
}

/* Report a failed parse of a quantity of type @vt ("a frequency such as 24MHz ..."). */
static int quantity_error(struct parser *ps, enum num_status st, const struct value_type *vt,
			  const char *val)
{
	const char *what = vt->such_as, *smallest = "";
	char buf[160], unit_hint[48];
	size_t pos = 0;

	unit_hint[0] = '\0';
	for (const struct unit *u = vt->units; u->name; u++) {
		int n = snprintf(unit_hint + pos, sizeof(unit_hint) - pos, "%s%s", pos ? ", " : "",
				 u->name);

		pos = n < 0 ? pos : pos + (size_t)n;
		if (pos >= sizeof(unit_hint)) {
			pos = sizeof(unit_hint) - 1;
		}
		if (u->exp10 == 0) {
			smallest = u->name;
		}
	}

	switch (st) {
	case NUM_BAD_UNIT:
		snprintf(buf, sizeof(buf), "%s with a unit (%s)", what, unit_hint);
		break;
	case NUM_RANGE:
		snprintf(buf, sizeof(buf), "%s that fits in 64 bits", what);
		break;
	case NUM_INEXACT:
		snprintf(buf, sizeof(buf), "%s in whole %s", what, smallest);
		break;
	default:
		snprintf(buf, sizeof(buf), "%s", what);
		break;
	}
	return expected(ps, buf, val);
}

/* A quantity of type @type (a unit required): magnitude and sign, or an error written. */
static int value_quantity(struct parser *ps, enum cw__sim_key_type type, const char *val, bool *neg,
			  uint64_t *mag)
{
	const struct value_type *vt = &value_types[type];
	enum num_status st = parse_quantity(val, vt->units, vt->sign_ok, neg, mag);

	return st == NUM_OK ? 0 : quantity_error(ps, st, vt, val);
}

/* ---------------------------------------------------------------------- */
/* Section and value helpers */

static struct cw_sim_counter_desc *cur_counter(struct parser *ps)
{
	return &ps->m->counters[ps->m->nr_counters - 1];
}

static struct cw_sim_node_desc *cur_node(struct parser *ps)
{
	return &ps->m->nodes[ps->m->nr_nodes - 1];
}

static bool name_char_ok(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '-' || c == '.';
}

/* A name of letters, digits, '_', '-', '.' shorter than @size. */
static int check_name(struct parser *ps, const char *name, size_t size, const char *what)
{
	char buf[128];

	for (const char *c = name; *c; c++) {
		if (!name_char_ok(*c)) {
			snprintf(buf, sizeof(buf), "%s of letters, digits, '_', '-' and '.'", what);
			return expected(ps, buf, name);
		}
	}
	if (name[0] == '\0' || strlen(name) >= size) {
		snprintf(buf, sizeof(buf), "%s of 1..%zu characters", what, size - 1);
		return expected(ps, buf, name);
	}
	return 0;
}

/* An integer in [lo, hi]; @what names it for the message. */
static int value_uint_range(struct parser *ps, const char *val, uint64_t lo, uint64_t hi,
			    const char *what, uint64_t *out)
{
	enum num_status st = parse_uint(val, out);
	char buf[128];

	if (st == NUM_RANGE) {
		snprintf(buf, sizeof(buf), "%s that fits in 64 bits", what);
		return expected(ps, buf, val);
	}
	if (st != NUM_OK || *out < lo || *out > hi) {
		snprintf(buf, sizeof(buf), "%s, %llu..%llu", what, (unsigned long long)lo,
			 (unsigned long long)hi);
		return expected(ps, buf, val);
	}
	return 0;
}

static int value_bool(struct parser *ps, const char *val, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(val, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(val, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return expected(ps, "yes or no", val);
}

static int value_drift(struct parser *ps, const char *val, int64_t *out)
{
	uint64_t mag;
	bool neg;

	if (value_quantity(ps, CW__SIM_KEY_DRIFT, val, &neg, &mag) != 0) {
		return CW_EINVAL;
	}
	if (mag > (uint64_t)CW_SIM_DRIFT_MAX_PPB) {
		return expected(ps, "a drift within +-999999.999ppm", val);
	}
	*out = neg ? -(int64_t)mag : (int64_t)mag;
	return 0;
}

static int value_duration(struct parser *ps, const char *val, uint64_t *out)
{
	bool neg;

	return value_quantity(ps, CW__SIM_KEY_TIME, val, &neg, out);
}

/* ---------------------------------------------------------------------- */
/* [node N] keys */

/* Append CPUs lo..hi to the current node. */
static int node_add_range(struct parser *ps, uint64_t lo, uint64_t hi, const char *val)
{
	struct cw_sim_node_desc *n = cur_node(ps);
	unsigned *cpus;

	if (n->nr_cpus + (hi - lo + 1) > CW_MAX_CPUS) {
		return expected(ps, "at most 4096 CPUs in a node", val);
	}
	cpus = realloc(n->cpus, (n->nr_cpus + (size_t)(hi - lo + 1)) * sizeof(*cpus));
	if (!cpus) {
		return CW_ENOMEM;
	}
	n->cpus = cpus;
	for (uint64_t c = lo; c <= hi; c++) {
		n->cpus[n->nr_cpus++] = (unsigned)c;
	}
	return 0;
}

/* One item of a CPU list: "N" or "N-M", blanks allowed around. @item is modified. */
static int node_cpu_item(struct parser *ps, char *item, const char *val)
{
	static const char what[] = "a CPU list such as 0-3,8 (CPUs 0..4095)";
	char *dash = strchr(item, '-');
	uint64_t lo, hi;

	if (dash) {
		*dash = '\0';
	}
	if (parse_uint(cw__sim_text_trim(item), &lo) != NUM_OK || lo >= CW_MAX_CPUS) {
		return expected(ps, what, val);
	}
	hi = lo;
	if (dash && (parse_uint(cw__sim_text_trim(dash + 1), &hi) != NUM_OK || hi >= CW_MAX_CPUS)) {
		return expected(ps, what, val);
	}
	if (hi < lo) {
		return expected(ps, "a CPU range written low-high", val);
	}
	return node_add_range(ps, lo, hi, val);
}

static int key_node_cpus(struct parser *ps, const char *val)
{
	char buf[LINE_BYTES];
	char *save = NULL;
	int ret = 0;

	memcpy(buf, val, strlen(val) + 1);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,")) {
		return expected(ps, "a CPU list such as 0-3,8 (CPUs 0..4095)", val);
	}
	for (char *item = strtok_r(buf, ",", &save); item && !ret;
	     item = strtok_r(NULL, ",", &save)) {
		ret = node_cpu_item(ps, item, val);
	}
	return ret;
}

/*
 * isolated = LIST: CPUs of this node left out of timer migration. Parsed
 * with the cpus list's rules (onto the node's list, then moved aside);
 * map_cpus() checks that each one is a CPU of this node.
 */
static int key_node_isolated(struct parser *ps, const char *val)
{
	struct cw_sim_node_desc *n = cur_node(ps);
	unsigned before = n->nr_cpus;
	unsigned *iso;
	int ret = key_node_cpus(ps, val);

	if (ret) {
		n->nr_cpus = before;
		return ret;
	}
	iso = realloc(n->isolated, (n->nr_isolated + (n->nr_cpus - before)) * sizeof(*iso));
	if (!iso) {
		n->nr_cpus = before;
		return CW_ENOMEM;
	}
	n->isolated = iso;
	for (unsigned i = before; i < n->nr_cpus; i++) {
		n->isolated[n->nr_isolated++] = n->cpus[i];
	}
	n->nr_cpus = before;
	return 0;
}

/*
 * capacity_class = CLASS LIST: these CPUs of the node are of capacity class
 * CLASS (1..15; the others are class 0). Repeatable; the list follows the
 * cpus list's rules; map_isolated() checks the CPUs against the node.
 */
static int key_node_capacity_class(struct parser *ps, const char *val)
{
	static const char what[] = "'capacity_class = CLASS LIST' such as '1 4-7' (CLASS 1..15)";
	struct cw_sim_node_desc *n = cur_node(ps);
	unsigned before = n->nr_cpus;
	char buf[LINE_BYTES];
	char *sp;
	uint64_t klass;
	unsigned *cpus, *of;
	int ret;

	memcpy(buf, val, strlen(val) + 1);
	sp = strpbrk(buf, " \t");
	if (!sp) {
		return expected(ps, what, val);
	}
	*sp = '\0';
	if (parse_uint(buf, &klass) != NUM_OK || klass < 1 || klass > 15) {
		return expected(ps, what, val);
	}
	ret = key_node_cpus(ps, cw__sim_text_trim(sp + 1));
	if (ret) {
		n->nr_cpus = before;
		return ret;
	}
	cpus = realloc(n->class_cpus, (n->nr_class_cpus + (n->nr_cpus - before)) * sizeof(*cpus));
	if (cpus) {
		n->class_cpus = cpus;
	}
	of = realloc(n->class_of, (n->nr_class_cpus + (n->nr_cpus - before)) * sizeof(*of));
	if (of) {
		n->class_of = of;
	}
	if (!cpus || !of) {
		n->nr_cpus = before;
		return CW_ENOMEM;
	}
	for (unsigned i = before; i < n->nr_cpus; i++) {
		n->class_cpus[n->nr_class_cpus] = n->cpus[i];
		n->class_of[n->nr_class_cpus++] = (unsigned)klass;
	}
	n->nr_cpus = before;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* [counter NAME] keys */

static int counter_flag(struct parser *ps, const char *tok, const char *val, unsigned *flags)
{
	static const struct {
		const char *name;
		unsigned flag;
	} table[] = {
		{ "continuous", CW_CLOCKSOURCE_IS_CONTINUOUS },
		{ "must_verify", CW_CLOCKSOURCE_MUST_VERIFY },
		{ "suspend_nonstop", CW_CLOCKSOURCE_SUSPEND_NONSTOP },
		{ "none", 0 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(tok, table[i].name) != 0) {
			continue;
		}
		if (table[i].flag && (*flags & table[i].flag)) {
			return expected(ps, "each flag once", val);
		}
		*flags |= table[i].flag;
		return 0;
	}
	return expected(ps, "flags from continuous, must_verify, suspend_nonstop or none", val);
}

static int key_counter_flags(struct parser *ps, const char *val)
{
	char buf[LINE_BYTES];
	unsigned flags = 0;
	char *save = NULL;
	int ret = 0;

	memcpy(buf, val, strlen(val) + 1);
	for (char *tok = strtok_r(buf, ", \t", &save); tok && !ret;
	     tok = strtok_r(NULL, ", \t", &save)) {
		ret = counter_flag(ps, tok, val, &flags);
	}
	if (!ret) {
		cur_counter(ps)->flags = flags;
	}
	return ret;
}

static int key_counter_drift_at(struct parser *ps, const char *val)
{
	static const char what[] = "'drift_at = TIME DRIFT' such as '3s 20000ppm'";
	struct cw_sim_counter_desc *c = cur_counter(ps);
	struct cw_sim_drift_change dc, *arr;
	char buf[LINE_BYTES];
	char *rest;
	int ret;

	memcpy(buf, val, strlen(val) + 1);
	rest = strpbrk(buf, " \t");
	if (!rest) {
		return expected(ps, what, val);
	}
	*rest++ = '\0';
	while (is_blank(*rest)) {
		rest++;
	}
	ret = value_duration(ps, buf, &dc.at_ns);
	ret = ret ? ret : value_drift(ps, rest, &dc.drift_ppb);
	if (ret) {
		return ret;
	}
	if (c->nr_drift_changes && dc.at_ns <= c->drift_changes[c->nr_drift_changes - 1].at_ns) {
		return expected(ps, "drift_at times in increasing order", val);
	}
	if (c->nr_drift_changes >= CW_SIM_MAX_DRIFT_CHANGES) {
		return expected(ps, "at most 1024 drift_at lines per counter", val);
	}
	arr = realloc(c->drift_changes, (c->nr_drift_changes + 1) * sizeof(*arr));
	if (!arr) {
		return CW_ENOMEM;
	}
	c->drift_changes = arr;
	arr[c->nr_drift_changes++] = dc;
	return 0;
}

/* wraps_after = TIME: the start value is derived when the section ends (width, freq, drift). */
static int key_counter_wraps_after(struct parser *ps, const char *val)
{
	return value_duration(ps, val, &ps->wraps_after_ns);
}

/* ---------------------------------------------------------------------- */
/* Timer sections ([global_timer NAME], [arch_timer NAME], ...) */

/**
 * What a timer kind is called in a machine file and which model it is. The
 * defaults of what a file may leave out (compatible, width, rating, min and
 * max delta, channels) are the model's own (its ops table in hw-*.c, read
 * through cw__sim_hw_type_defaults()), the same the API applies, so a model
 * does not depend on whether a file or the API created it.
 */
struct timer_kind_info {
	/** Section name. */
	const char *section;
	/** The model. */
	enum cw_sim_hw_timer_type hw_type;
};

/* One row per kind of src/port/sim/hw-kinds.def (the list of timer kinds). */
static const struct timer_kind_info timer_kinds[CW_SIM_TIMER_NR_KINDS] = {
#define SIM_HW_KIND(type, model, section, drvname, compat, when)                                   \
	[CW_SIM_TIMER_##type] = { section, CW_SIM_HW_##type },
#include "port/sim/hw-kinds.def"
#undef SIM_HW_KIND
};

#define KIND_BIT(k)      (1u << (k))
#define KINDS_CHANNELS   (KIND_BIT(CW_SIM_TIMER_TMU) | KIND_BIT(CW_SIM_TIMER_HPET))
#define KINDS_GLOBAL_TMR KIND_BIT(CW_SIM_TIMER_GLOBAL_TIMER)

CW_API const char *cw_sim_timer_kind_name(enum cw_sim_timer_kind kind)
{
	return (unsigned)kind < CW_SIM_TIMER_NR_KINDS ? timer_kinds[kind].section : "?";
}

CW_API const char *cw_sim_timer_kind_compatible(enum cw_sim_timer_kind kind)
{
	return (unsigned)kind < CW_SIM_TIMER_NR_KINDS
		       ? cw_sim_hw_timer_type_compatible(timer_kinds[kind].hw_type)
		       : "?";
}

static struct cw_sim_timer_desc *cur_timer(struct parser *ps)
{
	return &ps->m->timers[ps->m->nr_timers - 1];
}

static int key_timer_compatible(struct parser *ps, const char *val)
{
	for (const char *c = val; *c; c++) {
		if (!name_char_ok(*c) && *c != ',') {
			return expected(
				ps, "a compatible string of letters, digits, ',', '_', '-', '.'",
				val);
		}
	}
	if (strlen(val) >= CW_SIM_COMPATIBLE_MAX) {
		return expected(ps, "a compatible string of at most 47 characters", val);
	}
	memcpy(cur_timer(ps)->compatible, val, strlen(val) + 1);
	return 0;
}

/* Checks across the keys of a timer, run when its section ends. */
static int check_timer(struct parser *ps)
{
	struct cw_sim_timer_desc *t = cur_timer(ps);
	uint64_t mask = CW_CLOCKSOURCE_MASK(t->width_bits);
	unsigned max_delta_line = key_line(ps, "max_delta");
	unsigned min_delta_line = key_line(ps, "min_delta");
	unsigned irq_line = key_line(ps, "irq");

	if (t->max_delta_ticks == 0 || t->max_delta_ticks > mask) {
		if (max_delta_line) {
			return perr(ps, max_delta_line,
				    "expected a max_delta within the timer's %u bits (at most "
				    "0x%llx; got 0x%llx)",
				    t->width_bits, (unsigned long long)mask,
				    (unsigned long long)t->max_delta_ticks);
		}
		t->max_delta_ticks = mask;
	}
	/* Line 0 is the PIT's (the ISA timer interrupt); the models treat 0 as "default". */
	if (t->irq == 0 && t->kind != CW_SIM_TIMER_PIT) {
		return perr(ps, irq_line ? irq_line : ps->sect_line,
			    "expected an interrupt number of 1..%u in %s (got 0: line 0 is the "
			    "PIT's)",
			    CW_SIM_MAX_IRQ, ps->title);
	}
	if (t->min_delta_ticks > t->max_delta_ticks) {
		return perr(ps, min_delta_line ? min_delta_line : ps->sect_line,
			    "expected min_delta <= max_delta in %s (got 0x%llx > 0x%llx)",
			    ps->title, (unsigned long long)t->min_delta_ticks,
			    (unsigned long long)t->max_delta_ticks);
	}
	return 0;
}

static int begin_timer(struct parser *ps, enum cw_sim_timer_kind kind, const char *arg,
		       const char *header)
{
	const struct timer_kind_info *ki = &timer_kinds[kind];
	struct cw_sim_hw_timer_params def = { 0 };
	struct cw_sim_machine_desc *m = ps->m;
	struct cw_sim_timer_desc *ts, *t;
	char what[64];
	int ret;

	if (!arg) {
		snprintf(what, sizeof(what), "a timer name: [%s NAME]", ki->section);
		return expected(ps, what, header);
	}
	ret = check_name(ps, arg, CW_SIM_TIMER_NAME_MAX, "a timer name");
	if (ret) {
		return ret;
	}
	for (size_t i = 0; i < m->nr_timers; i++) {
		if (strcmp(m->timers[i].name, arg) == 0) {
			return perr(ps, ps->tx.line,
				    "expected each timer name once (got '%s' again; the first is "
				    "at line %u)",
				    arg, m->timers[i].line);
		}
	}
	if (m->nr_timers >= CW_SIM_MAX_TIMERS) {
		return expected(ps, "at most 64 timer sections", header);
	}
	ts = realloc(m->timers, (m->nr_timers + 1) * sizeof(*ts));
	if (!ts) {
		return CW_ENOMEM;
	}
	m->timers = ts;
	t = &ts[m->nr_timers++];
	memset(t, 0, sizeof(*t));
	memcpy(t->name, arg, strlen(arg) + 1);
	t->kind = kind;
	snprintf(t->compatible, sizeof(t->compatible), "%s",
		 cw_sim_hw_timer_type_compatible(ki->hw_type));
	def.type = ki->hw_type;
	cw__sim_hw_type_defaults(&def);
	t->width_bits = def.width_bits;
	t->rating = def.rating;
	t->min_delta_ticks = def.min_delta_ticks;
	t->max_delta_ticks = def.max_delta_ticks;
	t->c3stop = def.c3stop;
	t->channels = def.nr_channels;
	t->line = ps->tx.line;
	enter_section(ps, SECT_TIMER);
	ps->timer_kind = kind;
	snprintf(ps->title, sizeof(ps->title), "[%s %s]", ki->section, arg);
	return 0;
}

/* The timer kind whose section is called @kind, or CW_SIM_TIMER_NR_KINDS. */
static enum cw_sim_timer_kind timer_kind_of(const char *kind)
{
	for (unsigned k = 0; k < CW_SIM_TIMER_NR_KINDS; k++) {
		if (strcmp(kind, timer_kinds[k].section) == 0) {
			return (enum cw_sim_timer_kind)k;
		}
	}
	return CW_SIM_TIMER_NR_KINDS;
}

/* ---------------------------------------------------------------------- */
/* [irq] keys */

/*
 * A latency: a time of at most CW_SIM_MAX_LATENCY_NS (a day of interrupt
 * latency is a unit mistake, not hardware).
 */
static int value_latency(struct parser *ps, const char *val, const char *what, uint64_t *out)
{
	char buf[96];
	int ret = value_duration(ps, val, out);

	if (ret || *out <= CW_SIM_MAX_LATENCY_NS) {
		return ret;
	}
	snprintf(buf, sizeof(buf), "%s of at most 1s (real hardware takes ns to ms)", what);
	return expected(ps, buf, val);
}

/* affinity = IRQ CPU; the CPU is checked against [machine] cpus at the end of the file. */
static int key_irq_affinity(struct parser *ps, const char *val)
{
	static const char what[] = "'affinity = IRQ CPU' such as '40 1' (IRQ 0..1023)";
	struct cw_sim_machine_desc *m = ps->m;
	struct cw_sim_irq_affinity_desc a, *arr;
	char buf[LINE_BYTES];
	uint64_t irq, cpu;
	char *rest;

	memcpy(buf, val, strlen(val) + 1);
	rest = strpbrk(buf, " \t");
	if (!rest) {
		return expected(ps, what, val);
	}
	*rest++ = '\0';
	rest = cw__sim_text_trim(rest);
	if (parse_uint(buf, &irq) != NUM_OK || irq > CW_SIM_MAX_IRQ ||
	    parse_uint(rest, &cpu) != NUM_OK || cpu >= CW_MAX_CPUS) {
		return expected(ps, what, val);
	}
	for (size_t i = 0; i < m->nr_irq_affinity; i++) {
		if (m->irq_affinity[i].irq == irq) {
			return expected(ps, "one affinity line per interrupt", val);
		}
	}
	if (m->nr_irq_affinity >= CW_SIM_MAX_IRQ_AFFINITY) {
		return expected(ps, "at most 256 affinity lines", val);
	}
	arr = realloc(m->irq_affinity, (m->nr_irq_affinity + 1) * sizeof(*arr));
	if (!arr) {
		return CW_ENOMEM;
	}
	a.irq = (unsigned)irq;
	a.cpu = (unsigned)cpu;
	m->irq_affinity = arr;
	arr[m->nr_irq_affinity++] = a;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* [system] keys */

static int key_system_hz(struct parser *ps, const char *val)
{
	uint64_t v;

	if (parse_uint(val, &v) != NUM_OK || (v != 100 && v != 250 && v != 300 && v != 1000)) {
		return expected(ps, "a tick rate of 100, 250, 300 or 1000", val);
	}
	ps->m->hz = (unsigned)v;
	return 0;
}

/* Days from 1970-01-01 to the first of @month (1..12) of @year (1970..). */
static uint64_t days_before(unsigned year, unsigned month)
{
	static const unsigned cumulative[12] = { 0,   31,  59,  90,  120, 151,
						 181, 212, 243, 273, 304, 334 };
	uint64_t days = 0;

	for (unsigned y = 1970; y < year; y++) {
		days += cw__sim_leap_year(y) ? 366 : 365;
	}
	return days + cumulative[month - 1] + (month > 2 && cw__sim_leap_year(year) ? 1 : 0);
}

/* @n decimal digits at *s into *out; advances *s. */
static bool fixed_digits(const char **s, unsigned n, unsigned *out)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++, (*s)++) {
		if (!is_digit(**s)) {
			return false;
		}
		v = v * 10 + (unsigned)(**s - '0');
	}
	*out = v;
	return true;
}

/*
 * "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC, no leap second 60) into ns since
 * the epoch; NUM_RANGE past KTIME_MAX, NUM_INEXACT below 1 ns.
 */
static enum num_status parse_iso_utc(const char *s, int64_t *out_ns)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, sec;
	unsigned __int128 ns;
	uint64_t frac = 0;

	if (!fixed_digits(&s, 4, &y) || *s++ != '-' || !fixed_digits(&s, 2, &mo) || *s++ != '-' ||
	    !fixed_digits(&s, 2, &d) || *s++ != 'T' || !fixed_digits(&s, 2, &h) || *s++ != ':' ||
	    !fixed_digits(&s, 2, &mi) || *s++ != ':' || !fixed_digits(&s, 2, &sec)) {
		return NUM_BAD;
	}
	if (*s == '.') {
		const char *digits = ++s;
		size_t n = 0;

		while (is_digit(s[n])) {
			n++;
		}
		if (n == 0 || add_fraction(digits, n, 9, &frac) != NUM_OK) {
			return n == 0 ? NUM_BAD : NUM_INEXACT;
		}
		s += n;
	}
	if (strcmp(s, "Z") != 0 || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !cw__sim_leap_year(y)) || h > 23 || mi > 59 || sec > 59) {
		return NUM_BAD;
	}
	ns = ((unsigned __int128)(days_before(y, mo) + d - 1) * 86400 + h * 3600u + mi * 60u +
	      sec) * CW_NSEC_PER_SEC +
	     frac;
	if (ns > INT64_MAX) {
		return NUM_RANGE;
	}
	*out_ns = (int64_t)ns;
	return NUM_OK;
}

/* A UTC date-time or a time since the epoch with a unit, at most KTIME_MAX. */
static enum num_status parse_realtime(const char *text, int64_t *out_ns)
{
	enum num_status st;
	uint64_t ns;
	bool neg;

	if (strchr(text, 'T')) {
		return parse_iso_utc(text, out_ns);
	}
	st = parse_quantity(text, duration_units, false, &neg, &ns);
	if (st == NUM_OK && ns > INT64_MAX) {
		return NUM_RANGE;
	}
	if (st == NUM_OK) {
		*out_ns = (int64_t)ns;
	}
	return st;
}

CW_API int cw_sim_parse_realtime_ns(const char *text, int64_t *out_ns)
{
	enum num_status st;

	if (!text || !out_ns) {
		return CW_EINVAL;
	}
	st = parse_realtime(text, out_ns);
	if (st == NUM_RANGE) {
		return CW_ERANGE;
	}
	return st == NUM_OK ? 0 : CW_EINVAL;
}

/* realtime = 2038-01-19T03:14:07Z, or a time since the epoch with a unit (2147483648s). */
static int key_system_realtime(struct parser *ps, const char *val)
{
	static const char what[] =
		"a REALTIME at boot such as 2038-01-19T03:14:07Z or 2147483647.5s";
	enum num_status st = parse_realtime(val, &ps->m->realtime_init_ns);

	if (st == NUM_RANGE) {
		return expected(
			ps,
			"a REALTIME at boot up to KTIME_MAX, 2262-04-11T23:47:16.854775807Z "
			"(9223372036.854775807s)",
			val);
	}
	if (st != NUM_OK) {
		return expected(ps, what, val);
	}
	ps->m->realtime_set = true;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* [idle] keys */

/* A power (uW, mW, W) in microwatts ([idle] state's POWER). */
static int value_power(struct parser *ps, const char *val, uint64_t *out_uw)
{
	bool neg;

	return value_quantity(ps, CW__SIM_KEY_POWER, val, &neg, out_uw);
}

/* state = NAME shallow|deep EXIT_LATENCY [POWER] */
static int key_idle_state(struct parser *ps, const char *val)
{
	static const char what[] = "'state = NAME shallow|deep EXIT_LATENCY [POWER]' such as "
				   "'c3 deep 50us' or 'c3 deep 50us 20mW'";
	struct cw_sim_machine_desc *m = ps->m;
	struct cw_sim_idle_state_desc st = { 0 };
	char buf[LINE_BYTES];
	char *name, *depth, *lat, *power, *extra, *save = NULL;
	int ret;

	memcpy(buf, val, strlen(val) + 1);
	name = strtok_r(buf, " \t", &save);
	depth = name ? strtok_r(NULL, " \t", &save) : NULL;
	lat = depth ? strtok_r(NULL, " \t", &save) : NULL;
	power = lat ? strtok_r(NULL, " \t", &save) : NULL;
	extra = power ? strtok_r(NULL, "", &save) : NULL;
	if (!lat || extra) {
		return expected(ps, what, val);
	}
	if (power && value_power(ps, power, &st.power_uw) != 0) {
		return CW_EINVAL;
	}
	ret = check_name(ps, name, CW_SIM_IDLE_NAME_MAX, "an idle state name");
	if (ret) {
		return ret;
	}
	if (strcmp(depth, "deep") != 0 && strcmp(depth, "shallow") != 0) {
		return expected(ps, "an idle state depth: shallow or deep", depth);
	}
	ret = value_latency(ps, lat, "an idle exit latency", &st.exit_latency_ns);
	if (ret) {
		return ret;
	}
	st.line = ps->tx.line;
	for (unsigned i = 0; i < m->nr_idle_states; i++) {
		if (strcmp(m->idle_states[i].name, name) == 0) {
			return expected(ps, "each idle state name once", val);
		}
	}
	if (m->nr_idle_states >= CW_SIM_MAX_IDLE_STATES) {
		return expected(ps, "at most 8 idle states", val);
	}
	memcpy(st.name, name, strlen(name) + 1);
	st.deep = strcmp(depth, "deep") == 0;
	m->idle_states[m->nr_idle_states++] = st;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The schema */

/* The table calls handlers with the text state, the parser's first member. */
#define TX_HANDLER(fn)                                                                             \
	static int fn##_tx(struct cw__sim_text *tx, const char *val)                               \
	{                                                                                          \
		return fn(to_parser(tx), val);                                                     \
	}
TX_HANDLER(key_node_cpus)
TX_HANDLER(key_node_isolated)
TX_HANDLER(key_node_capacity_class)
TX_HANDLER(key_counter_flags)
TX_HANDLER(key_counter_drift_at)
TX_HANDLER(key_counter_wraps_after)
TX_HANDLER(key_timer_compatible)
TX_HANDLER(key_irq_affinity)
TX_HANDLER(key_system_hz)
TX_HANDLER(key_system_realtime)
TX_HANDLER(key_idle_state)

/* Field of the section's object: offset and size. */
#define F(type, member) .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define FM(member)      F(struct cw_sim_machine_desc, member)
#define FN(member)      F(struct cw_sim_node_desc, member)
#define FC(member)      F(struct cw_sim_counter_desc, member)
#define FT(member)      F(struct cw_sim_timer_desc, member)
#define REQ             CW__SIM_KEY_REQUIRED
#define REP             CW__SIM_KEY_REPEATABLE
#define HEX             CW__SIM_KEY_HEX
#define IF_SET          CW__SIM_KEY_IF_SET
#define KT(t)           CW__SIM_KEY_##t
#define FREQ_RANGE      .lo = 1, .hi = CW_SIM_MAX_FREQ_HZ, .range = "above 0 Hz and at most 100GHz"
#define LATENCY_RANGE                                                                              \
	.hi = CW_SIM_MAX_LATENCY_NS, .range = "at most 1s (real hardware takes ns to ms)"

static const char *const clear_orders[] = {
	[CW_SIM_CLEAR_COMPARE_FIRST] = "compare_first",
	[CW_SIM_CLEAR_FLAG_FIRST] = "flag_first",
	[CW_SIM_CLEAR_ONESHOT_ONLY] = "oneshot_only",
	NULL,
};

const struct cw__sim_key cw__sim_machine_keys[] = {
	/* [machine] */
	{ CW__SIM_MSECT_MACHINE, "name", KT(NAME), REQ, 0, FM(name), .what = "a machine name",
	  .help = "machine name, logged at boot and printed by cwsim" },
	{ CW__SIM_MSECT_MACHINE, "description", KT(TEXT), IF_SET, 0, FM(description),
	  .what = "a description", .def = "none", .help = "free text, logged at boot" },
	{ CW__SIM_MSECT_MACHINE, "cpus", KT(INT), REQ, 0, FM(nr_cpus), .lo = 1, .hi = CW_MAX_CPUS,
	  .what = "a number of CPUs", .help = "number of CPUs" },

	/* [system] */
	{ CW__SIM_MSECT_SYSTEM, "hz", KT(INT), IF_SET, 0, FM(hz), .range = "100, 250, 300 or 1000",
	  .parse = key_system_hz_tx, .def = "the caller's, else the build's 1000",
	  .help = "tick rate" },
	{ CW__SIM_MSECT_SYSTEM, "initial_jiffies", KT(INT), IF_SET | HEX, 0, FM(initial_jiffies),
	  .lo = 1, .hi = UINT64_MAX,
	  .what = "initial jiffies (0 is not allowed: leave the key out for Linux's "
		  "INITIAL_JIFFIES)",
	  .def = "Linux's INITIAL_JIFFIES",
	  .help = "jiffies at boot; Linux's INITIAL_JIFFIES has low 32 bits that wrap 300 s after "
		  "boot; `0xfffffffd` crosses the 32-bit wrap at the third tick" },
	{ CW__SIM_MSECT_SYSTEM, "realtime", KT(REALTIME), 0, 0, FM(realtime_init_ns),
	  .range = "1970-01-01T00:00:00Z..2262-04-11T23:47:16.854775807Z (KTIME_MAX)",
	  .parse = key_system_realtime_tx, .def = "the caller's; cwsim's is 2025-01-01T00:00:00Z",
	  .help = "REALTIME at boot: a UTC date-time `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (no leap "
		  "second `60`) or a time since the epoch with a unit (`2147483647.5s`)" },

	/* [node N] */
	{ CW__SIM_MSECT_NODE, "cpus", KT(CPULIST), REQ, 0, FN(cpus),
	  .count_offset = offsetof(struct cw_sim_node_desc, nr_cpus), .range = "CPUs 0..4095",
	  .parse = key_node_cpus_tx, .help = "CPUs of the node" },
	{ CW__SIM_MSECT_NODE, "isolated", KT(CPULIST), IF_SET, 0, FN(isolated),
	  .count_offset = offsetof(struct cw_sim_node_desc, nr_isolated),
	  .range = "CPUs of this node", .parse = key_node_isolated_tx, .def = "none",
	  .help = "CPUs left out of timer migration (Linux's `isolcpus`): their global timers run "
		  "where queued, they pull nobody's ([timer-migration.md](timer-migration.md))" },
	{ CW__SIM_MSECT_NODE, "capacity_class", KT(CLASS_CPUS), REP, 0, FN(class_cpus),
	  .range = "CLASS 1..15, CPUs of this node", .parse = key_node_capacity_class_tx,
	  .def = "class 0",
	  .help = "`CLASS LIST`: these CPUs of the node are of that CPU capacity class; used by "
		  "timer migration with `cwsim --tmigr-per-class`" },

	/* [counter NAME] */
	{ CW__SIM_MSECT_COUNTER, "width", KT(INT), REQ, 0, FC(params.width_bits),
	  .lo = CW_SIM_COUNTER_MIN_BITS, .hi = CW_SIM_COUNTER_MAX_BITS, .what = "a width in bits",
	  .help = "counter bits" },
	{ CW__SIM_MSECT_COUNTER, "freq", KT(FREQ), REQ, 0, FC(params.freq_hz), FREQ_RANGE,
	  .what = "a frequency", .help = "nominal frequency" },
	{ CW__SIM_MSECT_COUNTER, "rating", KT(INT), REQ, 0, FC(rating), .lo = 1, .hi = 499,
	  .what = "a rating",
	  .help = "clocksource rating (bands: 1-99 unfit, 100-199 basic, 200-299 good, 300-399 "
		  "desired, 400-499 perfect)" },
	{ CW__SIM_MSECT_COUNTER, "flags", KT(FLAGS), 0, 0, FC(flags),
	  .range = "continuous, must_verify, suspend_nonstop, each once; or none",
	  .parse = key_counter_flags_tx, .def = "none",
	  .help = "clocksource flags, separated by commas or blanks: `CW_CLOCKSOURCE_IS_CONTINUOUS`, "
		  "`_MUST_VERIFY`, `_SUSPEND_NONSTOP`" },
	{ CW__SIM_MSECT_COUNTER, "drift", KT(DRIFT), 0, 0, FC(params.drift_ppb),
	  .hi = CW_SIM_DRIFT_MAX_PPB, .range = "within +-999999.999ppm", .what = "a drift",
	  .def = "0ppm", .help = "frequency error from boot" },
	{ CW__SIM_MSECT_COUNTER, "drift_at", KT(DRIFT_AT), REP, 0, FC(drift_changes),
	  .range = "times strictly increasing, up to 1024 lines", .parse = key_counter_drift_at_tx,
	  .def = "none", .help = "`TIME DRIFT`: from TIME on the drift is DRIFT" },
	{ CW__SIM_MSECT_COUNTER, "jitter", KT(INT), 0, 0, FC(params.jitter_cycles), .lo = 0,
	  .hi = UINT32_MAX, .what = "a jitter in cycles", .def = "0",
	  .help = "read jitter in cycles, at most 1/16 of the counter range" },
	{ CW__SIM_MSECT_COUNTER, "start", KT(INT), HEX, 0, FC(params.start_value), .lo = 0,
	  .hi = UINT64_MAX, .what = "a start value", .def = "0x0",
	  .help = "value at boot; must fit in `width` bits" },
	{ CW__SIM_MSECT_COUNTER, "wraps_after", KT(TIME), CW__SIM_KEY_NO_DUMP, 0, .offset = 0,
	  .size = 0, .hi = UINT64_MAX, .range = "one cycle to one wrap period",
	  .parse = key_counter_wraps_after_tx, .def = "none (`start` applies)",
	  .help = "instead of `start`: the start value is chosen so that the counter wraps that "
		  "long after boot, at its `drift` (`cw_sim_counter_start_for_wrap()`); "
		  "`wraps_after = 5ms` on a 16-bit 1 MHz counter gives `start = 0xec78`" },
	{ CW__SIM_MSECT_COUNTER, "stops_in_suspend", KT(BOOL), 0, 0, FC(params.stops_in_suspend),
	  .def = "no",
	  .help = "the counter stops while the machine is suspended (not with the "
		  "`suspend_nonstop` flag)" },
	{ CW__SIM_MSECT_COUNTER, "stops_in_deep_idle", KT(BOOL), 0, 0,
	  FC(params.stops_in_deep_idle), .def = "no",
	  .help = "the counter stops while its CPU is in a deep idle state (recorded, not "
		  "modelled yet)" },

	/* Timer sections */
	{ CW__SIM_MSECT_TIMER, "compatible", KT(TEXT), 0, 0, FT(compatible),
	  .range = "letters, digits, `,`, `_`, `-`, `.`; at most 47 characters",
	  .parse = key_timer_compatible_tx, .def = "by kind",
	  .help = "what drivers match (change it to model hardware no driver knows)" },
	{ CW__SIM_MSECT_TIMER, "freq", KT(FREQ), REQ, 0, FT(freq_hz), FREQ_RANGE,
	  .what = "a frequency", .help = "counting frequency" },
	{ CW__SIM_MSECT_TIMER, "width", KT(INT), 0, 0, FT(width_bits),
	  .lo = CW_SIM_COUNTER_MIN_BITS, .hi = CW_SIM_COUNTER_MAX_BITS, .what = "a width in bits",
	  .def = "by kind", .help = "counter/comparator bits (a narrower width caps `max_delta`)" },
	{ CW__SIM_MSECT_TIMER, "rating", KT(INT), 0, 0, FT(rating), .lo = 1, .hi = 499,
	  .what = "a rating", .def = "by kind", .help = "clock event rating" },
	{ CW__SIM_MSECT_TIMER, "irq", KT(INT), REQ, 0, FT(irq), .lo = 0, .hi = CW_SIM_MAX_IRQ,
	  .what = "an interrupt number",
	  .help = "interrupt line; channel *i* of a block uses `irq + i`; 0 only for the PIT" },
	{ CW__SIM_MSECT_TIMER, "min_delta", KT(INT), 0, 0, FT(min_delta_ticks), .lo = 1,
	  .hi = UINT64_MAX, .what = "a minimum delta in cycles", .def = "by kind",
	  .help = "shortest programmable delta, cycles (at most `max_delta`)" },
	{ CW__SIM_MSECT_TIMER, "max_delta", KT(INT), HEX, 0, FT(max_delta_ticks), .lo = 1,
	  .hi = UINT64_MAX, .what = "a maximum delta in cycles", .def = "by kind",
	  .help = "longest programmable delta, cycles (at most the width's mask)" },
	{ CW__SIM_MSECT_TIMER, "c3stop", KT(BOOL), 0, 0, FT(c3stop),
	  .def = "`yes` for `lapic`, else `no`", .help = "the device stops in deep idle states" },
	{ CW__SIM_MSECT_TIMER, "channels", KT(INT), 0, KINDS_CHANNELS, FT(channels), .lo = 1,
	  .hi = CW_SIM_MAX_CHANNELS, .what = "a number of channels", .def = "by kind",
	  .help = "channels, each a global device" },
	{ CW__SIM_MSECT_TIMER, "erratum", KT(BOOL), 0, KINDS_GLOBAL_TMR, FT(erratum), .def = "no",
	  .help = "erratum 740657: a flag cleared while the counter is past the comparator "
		  "re-asserts" },
	{ CW__SIM_MSECT_TIMER, "clear_order", KT(CHOICE), 0, KINDS_GLOBAL_TMR, FT(clear_order),
	  .choices = clear_orders, .def = "compare_first",
	  .help = "what the driver does on an interrupt: `compare_first` (documented; the driver "
		  "moves the comparator when the device is oob or oneshot), `flag_first` (storms "
		  "on erratum hardware) or `oneshot_only` (tests the oneshot state without \"or "
		  "oob\": storms once a proxy owns the device, [proxy-tick.md](proxy-tick.md))" },

	/* [irq] */
	{ CW__SIM_MSECT_IRQ, "latency", KT(TIME), CW__SIM_KEY_LINE, 0, FM(irq_latency_ns),
	  LATENCY_RANGE, .line_offset = offsetof(struct cw_sim_machine_desc, irq_latency_line),
	  .what = "an interrupt latency", .def = "0ns",
	  .help = "delay from a device raising its line to the handler running" },
	{ CW__SIM_MSECT_IRQ, "ipi_latency", KT(TIME), CW__SIM_KEY_LINE, 0, FM(ipi_latency_ns),
	  LATENCY_RANGE, .line_offset = offsetof(struct cw_sim_machine_desc, ipi_latency_line),
	  .what = "an IPI latency", .def = "0ns", .help = "delay of an IPI" },
	{ CW__SIM_MSECT_IRQ, "affinity", KT(AFFINITY), REP, 0, FM(irq_affinity),
	  .range = "IRQ 0..1023, a CPU of the machine; one line per IRQ, up to 256",
	  .parse = key_irq_affinity_tx, .def = "CPU 0",
	  .help = "`IRQ CPU`: route global line IRQ to CPU at boot" },

	/* [idle] */
	{ CW__SIM_MSECT_IDLE, "state", KT(IDLE_STATE), REP, 0, FM(idle_states),
	  .range = "up to 8, each name once; exit latency at most 1s", .parse = key_idle_state_tx,
	  .def = "one shallow state `wfi`",
	  .help = "`NAME shallow|deep EXIT_LATENCY [POWER]`: an idle state, shallowest first; in a "
		  "deep state C3STOP timers stop; POWER is what a CPU draws in it" },
	{ CW__SIM_MSECT_IDLE, "ignore_broadcast_busy", KT(BOOL), 0, 0, FM(ignore_broadcast_busy),
	  .def = "no",
	  .help = "`yes`: CPUs enter a deep state even when the core refuses "
		  "(`cw_tick_idle_enter()` returns `CW_EBUSY`), modelling a broken platform that "
		  "loses wakeups" },
	{ CW__SIM_MSECT_IDLE, "active_power", KT(POWER), IF_SET, 0, FM(active_power_uw),
	  .def = "none", .help = "power a running CPU draws" },
	{ CW__SIM_MSECT_IDLE, "wakeup_energy", KT(ENERGY), IF_SET, 0, FM(wakeup_energy_nj),
	  .def = "none", .help = "energy of one wakeup from idle" },
};

const size_t cw__sim_nr_machine_keys =
	sizeof(cw__sim_machine_keys) / sizeof(cw__sim_machine_keys[0]);

const char *cw__sim_msect_name(enum cw__sim_msect section)
{
	static const char *const names[CW__SIM_MSECT_NR] = {
		[CW__SIM_MSECT_MACHINE] = "machine", [CW__SIM_MSECT_SYSTEM] = "system",
		[CW__SIM_MSECT_NODE] = "node N",     [CW__SIM_MSECT_COUNTER] = "counter NAME",
		[CW__SIM_MSECT_TIMER] = "timer",     [CW__SIM_MSECT_IRQ] = "irq",
		[CW__SIM_MSECT_IDLE] = "idle",
	};

	return (unsigned)section < CW__SIM_MSECT_NR ? names[section] : "?";
}

bool cw__sim_key_applies(const struct cw__sim_key *k, enum cw_sim_timer_kind kind)
{
	return k->section != CW__SIM_MSECT_TIMER || !k->kinds || (k->kinds & KIND_BIT(kind));
}

/* The run of cw__sim_machine_keys[] that belongs to @section. */
static const struct cw__sim_key *section_keys(enum cw__sim_msect section, size_t *nr)
{
	size_t i = 0, n = 0;

	while (i < cw__sim_nr_machine_keys && cw__sim_machine_keys[i].section != section) {
		i++;
	}
	while (i + n < cw__sim_nr_machine_keys && cw__sim_machine_keys[i + n].section == section) {
		n++;
	}
	*nr = n;
	return &cw__sim_machine_keys[i];
}

/* Where the current section's values live (struct cw__sim_key::offset is from here). */
static void *section_object(struct parser *ps)
{
	switch (ps->kind) {
	case SECT_NODE:
		return cur_node(ps);
	case SECT_COUNTER:
		return cur_counter(ps);
	case SECT_TIMER:
		return cur_timer(ps);
	default:
		return ps->m;
	}
}

static void store_uint(void *field, size_t size, uint64_t v)
{
	if (size == sizeof(uint64_t)) {
		memcpy(field, &v, sizeof(v));
	} else {
		uint32_t v32 = (uint32_t)v;

		memcpy(field, &v32, sizeof(v32));
	}
}

/* "WHAT RANGE" of a key with a range in words ("a frequency above 0 Hz ..."). */
static int out_of_range(struct parser *ps, const struct cw__sim_key *k, const char *val)
{
	char buf[160];

	snprintf(buf, sizeof(buf), k->type == CW__SIM_KEY_TIME ? "%s of %s" : "%s %s", k->what,
		 k->range);
	return expected(ps, buf, val);
}

/* "a, b or c" from a CHOICE key's words. */
static void choice_list(const struct cw__sim_key *k, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; k->choices[i] && pos < len; i++) {
		const char *sep = i == 0 ? "" : k->choices[i + 1] ? ", " : " or ";
		int n = snprintf(buf + pos, len - pos, "%s%s", sep, k->choices[i]);

		pos = n < 0 ? len : pos + (size_t)n;
	}
}

/* A typed value: parse, range-check and store it as the table says. */
static int parse_typed(struct parser *ps, const struct cw__sim_key *k, const char *val)
{
	char *field = (char *)section_object(ps) + k->offset;
	uint64_t v = 0;
	int64_t sv = 0;
	bool b = false;
	char buf[128];
	int ret;

	switch (k->type) {
	case CW__SIM_KEY_INT:
		ret = value_uint_range(ps, val, k->lo, k->hi, k->what, &v);
		if (!ret) {
			store_uint(field, k->size, v);
		}
		return ret;
	case CW__SIM_KEY_FREQ:
	case CW__SIM_KEY_TIME:
	case CW__SIM_KEY_DRIFT:
	case CW__SIM_KEY_POWER:
	case CW__SIM_KEY_ENERGY: {
		bool neg;

		ret = value_quantity(ps, k->type, val, &neg, &v);
		if (ret) {
			return ret;
		}
		/* A quantity with a range in words is checked against lo..hi (DRIFT: |v|). */
		if (k->range && (v < k->lo || v > k->hi)) {
			return out_of_range(ps, k, val);
		}
		if (k->type == CW__SIM_KEY_DRIFT) {
			sv = neg ? -(int64_t)v : (int64_t)v;
			memcpy(field, &sv, sizeof(sv));
		} else {
			store_uint(field, k->size, v);
		}
		return 0;
	}
	case CW__SIM_KEY_BOOL:
		ret = value_bool(ps, val, &b);
		if (!ret) {
			memcpy(field, &b, sizeof(b));
		}
		return ret;
	case CW__SIM_KEY_NAME:
		ret = check_name(ps, val, k->size, k->what);
		if (!ret) {
			memcpy(field, val, strlen(val) + 1);
		}
		return ret;
	case CW__SIM_KEY_TEXT:
		if (strlen(val) >= k->size) {
			snprintf(buf, sizeof(buf), "%s of at most %zu characters", k->what,
				 k->size - 1);
			return expected(ps, buf, val);
		}
		memcpy(field, val, strlen(val) + 1);
		return 0;
	case CW__SIM_KEY_CHOICE:
		for (unsigned i = 0; k->choices[i]; i++) {
			if (strcmp(val, k->choices[i]) == 0) {
				store_uint(field, k->size, i);
				return 0;
			}
		}
		choice_list(k, buf, sizeof(buf));
		return expected(ps, buf, val);
	default:
		/* A compound type without a handler is a bug of the table. */
		return perr(ps, ps->tx.line, "internal error: key '%s' has no parser", k->name);
	}
}

static void format_range(const struct cw__sim_key *k, char *buf, size_t len)
{
	if (k->range) {
		snprintf(buf, len, "%s", k->range);
	} else if (k->type == CW__SIM_KEY_INT) {
		if (k->hi == UINT64_MAX) {
			snprintf(buf, len, "%llu..2^64-1", (unsigned long long)k->lo);
		} else if (k->hi == UINT32_MAX) {
			snprintf(buf, len, "%llu..2^32-1", (unsigned long long)k->lo);
		} else {
			snprintf(buf, len, "%llu..%llu", (unsigned long long)k->lo,
				 (unsigned long long)k->hi);
		}
	} else if (k->type == CW__SIM_KEY_NAME) {
		snprintf(buf, len, "1..%zu characters", k->size - 1);
	} else if (k->type == CW__SIM_KEY_TEXT) {
		snprintf(buf, len, "at most %zu characters", k->size - 1);
	} else if (k->type == CW__SIM_KEY_CHOICE) {
		choice_list(k, buf, len);
	} else if (k->type == CW__SIM_KEY_BOOL) {
		snprintf(buf, len, "yes or no (also true/false, on/off, 1/0)");
	} else if (k->type == CW__SIM_KEY_POWER) {
		snprintf(buf, len, "uW, mW or W; a whole number of uW");
	} else if (k->type == CW__SIM_KEY_ENERGY) {
		snprintf(buf, len, "nJ, uJ, mJ or J; a whole number of nJ");
	} else {
		buf[0] = '\0';
	}
}

CW_API int cw_sim_machine_value_type(size_t index, struct cw_sim_machine_value_type_info *out)
{
	if (!out || index >= CW__SIM_KEY_NR_TYPES) {
		return out ? CW_ENOENT : CW_EINVAL;
	}
	out->name = value_types[index].name;
	out->syntax = value_types[index].syntax;
	out->examples = value_types[index].examples;
	return 0;
}

CW_API int cw_sim_machine_key(size_t index, struct cw_sim_machine_key_info *out)
{
	const struct cw__sim_key *k;

	if (!out || index >= cw__sim_nr_machine_keys) {
		return out ? CW_ENOENT : CW_EINVAL;
	}
	k = &cw__sim_machine_keys[index];
	memset(out, 0, sizeof(*out));
	out->section = cw__sim_msect_name(k->section);
	out->name = k->name;
	out->type = value_types[k->type].name;
	format_range(k, out->range, sizeof(out->range));
	out->default_text = k->def ? k->def : "";
	out->help = k->help ? k->help : "";
	out->required = (k->flags & CW__SIM_KEY_REQUIRED) != 0;
	out->repeatable = (k->flags & CW__SIM_KEY_REPEATABLE) != 0;
	out->timer_kinds = k->kinds;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Sections */

/* [irq], [idle] or [system]: once, no argument. */
static int begin_singleton(struct parser *ps, enum cw__sim_msect kind, const char *name,
			   const char *arg, const char *header, unsigned *line)
{
	char what[64];

	if (arg) {
		snprintf(what, sizeof(what), "[%s] without an argument", name);
		return expected(ps, what, header);
	}
	if (*line) {
		return perr(ps, ps->tx.line,
			    "expected one [%s] section (got a second; the first is at line %u)",
			    name, *line);
	}
	*line = ps->tx.line;
	enter_section(ps, kind);
	snprintf(ps->title, sizeof(ps->title), "[%s]", name);
	return 0;
}

/*
 * wraps_after = TIME: the start value that makes the counter wrap TIME after
 * boot at its drift from boot (cw_sim_counter_start_for_wrap()).
 */
static int counter_wraps_after(struct parser *ps, struct cw_sim_counter_desc *c)
{
	unsigned wraps_after_line = key_line(ps, "wraps_after");
	unsigned start_line = key_line(ps, "start");
	uint64_t period_ns;
	int ret;

	if (!wraps_after_line) {
		return 0;
	}
	if (start_line) {
		return perr(ps, start_line > wraps_after_line ? start_line : wraps_after_line,
			    "expected either start or wraps_after in %s (got both)", ps->title);
	}
	ret = cw_sim_counter_start_for_wrap(&c->params, ps->wraps_after_ns, &c->params.start_value);
	if (ret == 0) {
		return 0;
	}
	period_ns = cw__sim_wrap_period_ns(c->params.width_bits, c->params.freq_hz);
	return perr(ps, wraps_after_line,
		    "expected a wraps_after of at least one cycle and at most one wrap period of "
		    "%s (%u bits at %llu Hz wrap every %llu ns; got %llu ns)",
		    ps->title, c->params.width_bits, (unsigned long long)c->params.freq_hz,
		    (unsigned long long)period_ns, (unsigned long long)ps->wraps_after_ns);
}

/* Checks across the keys of a counter, run when its section ends. */
static int check_counter(struct parser *ps)
{
	struct cw_sim_counter_desc *c = cur_counter(ps);
	uint64_t mask = CW_CLOCKSOURCE_MASK(c->params.width_bits);
	unsigned nonstop_line =
		c->flags & CW_CLOCKSOURCE_SUSPEND_NONSTOP ? key_line(ps, "flags") : 0;
	unsigned stops_line = c->params.stops_in_suspend ? key_line(ps, "stops_in_suspend") : 0;
	char buf[96];
	int ret;

	ret = counter_wraps_after(ps, c);
	if (ret) {
		return ret;
	}
	if (c->params.start_value > mask) {
		snprintf(buf, sizeof(buf),
			 "a start value within the counter's %u bits (at most 0x%llx)",
			 c->params.width_bits, (unsigned long long)mask);
		return perr(ps, key_line(ps, "start"), "expected %s (got 0x%llx)", buf,
			    (unsigned long long)c->params.start_value);
	}
	/*
	 * A read error of j cycles can make a counter appear to step back by j;
	 * the core treats deltas above 7/8 of the range as backward motion, so a
	 * jitter below 1/16 of the range is always seen as the small step it is.
	 */
	if (c->params.jitter_cycles > mask >> JITTER_RANGE_SHIFT) {
		return perr(ps, key_line(ps, "jitter"),
			    "expected a jitter of at most 1/16 of the counter range, %llu cycles "
			    "(got %llu)",
			    (unsigned long long)(mask >> JITTER_RANGE_SHIFT),
			    (unsigned long long)c->params.jitter_cycles);
	}
	if (nonstop_line && stops_line) {
		return perr(ps, nonstop_line > stops_line ? nonstop_line : stops_line,
			    "expected either flag suspend_nonstop or stops_in_suspend = yes in %s "
			    "(got both: a counter that stops in suspend cannot measure it)",
			    ps->title);
	}
	return 0;
}

static int finish_section(struct parser *ps)
{
	for (size_t i = 0; i < ps->nr_keys; i++) {
		if ((ps->keys[i].flags & CW__SIM_KEY_REQUIRED) && !ps->seen[i]) {
			return perr(ps, ps->sect_line, "expected key '%s' in %s (got none)",
				    ps->keys[i].name, ps->title);
		}
	}
	if (ps->kind == SECT_COUNTER) {
		return check_counter(ps);
	}
	if (ps->kind == SECT_TIMER) {
		return check_timer(ps);
	}
	return 0;
}

static void enter_section(struct parser *ps, enum cw__sim_msect kind)
{
	ps->kind = kind;
	ps->sect_line = ps->tx.line;
	ps->keys = section_keys(kind, &ps->nr_keys);
	/* More keys than seen[] has room for (a table edit): grow MAX_KEYS. */
	if (ps->nr_keys > MAX_KEYS) {
		ps->nr_keys = MAX_KEYS;
	}
	memset(ps->seen, 0, sizeof(ps->seen));
}

static int begin_machine(struct parser *ps, const char *arg, const char *header)
{
	if (arg) {
		return expected(ps, "[machine] without an argument", header);
	}
	if (ps->machine_line) {
		return perr(ps, ps->tx.line,
			    "expected one [machine] section (got a second; the first "
			    "is at line %u)",
			    ps->machine_line);
	}
	ps->machine_line = ps->tx.line;
	enter_section(ps, SECT_MACHINE);
	snprintf(ps->title, sizeof(ps->title), "[machine]");
	return 0;
}

static int begin_node(struct parser *ps, const char *arg, const char *header)
{
	struct cw_sim_machine_desc *m = ps->m;
	struct cw_sim_node_desc *nodes;
	uint64_t id;

	if (!arg || parse_uint(arg, &id) != NUM_OK || id >= CW_MAX_CPUS) {
		return expected(ps, "a node number: [node N] with N in 0..4095", header);
	}
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		if (m->nodes[i].id == id) {
			return perr(ps, ps->tx.line,
				    "expected each node once (got [node %u] again; the "
				    "first is at line %u)",
				    (unsigned)id, m->nodes[i].line);
		}
	}
	nodes = realloc(m->nodes, (m->nr_nodes + 1) * sizeof(*nodes));
	if (!nodes) {
		return CW_ENOMEM;
	}
	m->nodes = nodes;
	memset(&nodes[m->nr_nodes], 0, sizeof(nodes[0]));
	nodes[m->nr_nodes].id = (unsigned)id;
	nodes[m->nr_nodes].line = ps->tx.line;
	m->nr_nodes++;
	enter_section(ps, SECT_NODE);
	snprintf(ps->title, sizeof(ps->title), "[node %u]", (unsigned)id);
	return 0;
}

static int begin_counter(struct parser *ps, const char *arg, const char *header)
{
	struct cw_sim_machine_desc *m = ps->m;
	struct cw_sim_counter_desc *cs;
	int ret;

	if (!arg) {
		return expected(ps, "a counter name: [counter NAME]", header);
	}
	ret = check_name(ps, arg, CW_SIM_COUNTER_NAME_MAX, "a counter name");
	if (ret) {
		return ret;
	}
	if (strcmp(arg, "jiffies") == 0) {
		return expected(ps, "a counter name other than 'jiffies' (the core's own)", header);
	}
	for (size_t i = 0; i < m->nr_counters; i++) {
		if (strcmp(m->counters[i].name, arg) == 0) {
			return perr(ps, ps->tx.line,
				    "expected each counter name once (got '%s' again; "
				    "the first is at line %u)",
				    arg, m->counters[i].line);
		}
	}
	if (m->nr_counters >= CW_SIM_MAX_COUNTERS) {
		return expected(ps, "at most 256 counters", header);
	}
	cs = realloc(m->counters, (m->nr_counters + 1) * sizeof(*cs));
	if (!cs) {
		return CW_ENOMEM;
	}
	m->counters = cs;
	memset(&cs[m->nr_counters], 0, sizeof(cs[0]));
	memcpy(cs[m->nr_counters].name, arg, strlen(arg) + 1);
	cs[m->nr_counters].line = ps->tx.line;
	m->nr_counters++;
	enter_section(ps, SECT_COUNTER);
	snprintf(ps->title, sizeof(ps->title), "[counter %s]", arg);
	return 0;
}

/* A "[...]" line: @name is what stands between the brackets. */
static int parse_header(struct cw__sim_text *tx, char *name, const char *header)
{
	struct parser *ps = to_parser(tx);
	char *kind, *arg, *extra, *save = NULL;
	int ret;

	kind = strtok_r(name, " \t", &save);
	arg = kind ? strtok_r(NULL, " \t", &save) : NULL;
	extra = arg ? strtok_r(NULL, " \t", &save) : NULL;
	if (!kind || extra) {
		return expected(ps, SECTION_LIST, header);
	}
	ret = finish_section(ps);
	if (ret) {
		return ret;
	}
	if (strcmp(kind, "machine") == 0) {
		return begin_machine(ps, arg, header);
	}
	if (strcmp(kind, "node") == 0) {
		return begin_node(ps, arg, header);
	}
	if (strcmp(kind, "counter") == 0) {
		return begin_counter(ps, arg, header);
	}
	if (strcmp(kind, "irq") == 0) {
		return begin_singleton(ps, SECT_IRQ, "irq", arg, header, &ps->m->irq_line);
	}
	if (strcmp(kind, "idle") == 0) {
		return begin_singleton(ps, SECT_IDLE, "idle", arg, header, &ps->m->idle_line);
	}
	if (strcmp(kind, "system") == 0) {
		return begin_singleton(ps, SECT_SYSTEM, "system", arg, header, &ps->m->system_line);
	}
	if (timer_kind_of(kind) != CW_SIM_TIMER_NR_KINDS) {
		return begin_timer(ps, timer_kind_of(kind), arg, header);
	}
	return expected(ps, SECTION_LIST, header);
}

/* Whether @k is a key of the current section (timer keys are per kind). */
static bool key_applies(const struct parser *ps, const struct cw__sim_key *k)
{
	return cw__sim_key_applies(k, ps->timer_kind);
}

static int unknown_key(struct parser *ps, const char *key)
{
	char list[256] = "";
	size_t pos = 0;
	char buf[320];

	for (size_t i = 0; i < ps->nr_keys; i++) {
		int n;

		if (!key_applies(ps, &ps->keys[i])) {
			continue;
		}
		n = snprintf(list + pos, sizeof(list) - pos, "%s%s", pos ? ", " : "",
			     ps->keys[i].name);

		if (n < 0 || (size_t)n >= sizeof(list) - pos) {
			break;
		}
		pos += (size_t)n;
	}
	snprintf(buf, sizeof(buf), "a key of %s: %s", ps->title, list);
	return expected(ps, buf, key);
}

static bool key_syntax_ok(const char *key)
{
	if (!*key) {
		return false;
	}
	for (; *key; key++) {
		if (!(is_digit(*key) || (*key >= 'a' && *key <= 'z') || *key == '_')) {
			return false;
		}
	}
	return true;
}

/* A "key = value" line. */
static int parse_assignment(struct cw__sim_text *tx, char *key, char *val)
{
	struct parser *ps = to_parser(tx);

	if (!key_syntax_ok(key)) {
		return expected(ps, "a key of lower-case letters, digits and '_' before '='", key);
	}
	if (ps->kind == SECT_NONE) {
		return expected(ps, "a section header such as [machine] before the first key", key);
	}
	for (size_t i = 0; i < ps->nr_keys; i++) {
		if (strcmp(ps->keys[i].name, key) != 0 || !key_applies(ps, &ps->keys[i])) {
			continue;
		}
		if (ps->seen[i] && !(ps->keys[i].flags & CW__SIM_KEY_REPEATABLE)) {
			return perr(ps, ps->tx.line,
				    "expected key '%s' once in %s (got it again; the "
				    "first is at line %u)",
				    key, ps->title, ps->seen[i]);
		}
		if (*val == '\0') {
			return perr(ps, ps->tx.line, "expected a value for '%s' (got nothing)",
				    key);
		}
		ps->seen[i] = ps->tx.line;
		if (ps->keys[i].flags & CW__SIM_KEY_LINE) {
			unsigned line = ps->tx.line;

			memcpy((char *)section_object(ps) + ps->keys[i].line_offset, &line,
			       sizeof(line));
		}
		return ps->keys[i].parse ? ps->keys[i].parse(&ps->tx, val)
					 : parse_typed(ps, &ps->keys[i], val);
	}
	return unknown_key(ps, key);
}

/* ---------------------------------------------------------------------- */
/* Whole file */

static int default_node(struct cw_sim_machine_desc *m)
{
	m->nodes = calloc(1, sizeof(*m->nodes));
	if (!m->nodes) {
		return CW_ENOMEM;
	}
	m->nodes[0].cpus = calloc(m->nr_cpus, sizeof(unsigned));
	if (!m->nodes[0].cpus) {
		return CW_ENOMEM;
	}
	m->nr_nodes = 1;
	m->nodes[0].nr_cpus = m->nr_cpus;
	for (unsigned c = 0; c < m->nr_cpus; c++) {
		m->nodes[0].cpus[c] = c;
	}
	return 0;
}

/* Isolated CPUs (timer migration): each one a CPU of the node that names it. */
static int map_isolated(struct parser *ps)
{
	struct cw_sim_machine_desc *m = ps->m;

	for (unsigned n = 0; n < m->nr_nodes; n++) {
		const struct cw_sim_node_desc *nd = &m->nodes[n];

		for (unsigned i = 0; i < nd->nr_isolated; i++) {
			unsigned cpu = nd->isolated[i];

			if (cpu >= m->nr_cpus || m->cpu_node[cpu] != n) {
				return perr(
					ps, nd->line,
					"expected isolated CPUs of [node %u] among its cpus (got "
					"CPU %u)",
					nd->id, cpu);
			}
			if (!m->cpu_isolated) {
				m->cpu_isolated = calloc(m->nr_cpus, sizeof(bool));
				if (!m->cpu_isolated) {
					return CW_ENOMEM;
				}
			}
			m->cpu_isolated[cpu] = true;
		}
		for (unsigned i = 0; i < nd->nr_class_cpus; i++) {
			unsigned cpu = nd->class_cpus[i];

			if (cpu >= m->nr_cpus || m->cpu_node[cpu] != n) {
				return perr(
					ps, nd->line,
					"expected capacity_class CPUs of [node %u] among its cpus "
					"(got CPU %u)",
					nd->id, cpu);
			}
			if (!m->cpu_capacity_class) {
				m->cpu_capacity_class = calloc(m->nr_cpus, sizeof(unsigned));
				if (!m->cpu_capacity_class) {
					return CW_ENOMEM;
				}
			}
			m->cpu_capacity_class[cpu] = nd->class_of[i];
		}
	}
	return 0;
}

/* Map each CPU to its node: every CPU exactly once, none beyond nr_cpus. */
static int map_cpus(struct parser *ps)
{
	struct cw_sim_machine_desc *m = ps->m;

	m->cpu_node = malloc(m->nr_cpus * sizeof(unsigned));
	if (!m->cpu_node) {
		return CW_ENOMEM;
	}
	memset(m->cpu_node, 0xff, m->nr_cpus * sizeof(unsigned));
	for (unsigned n = 0; n < m->nr_nodes; n++) {
		const struct cw_sim_node_desc *nd = &m->nodes[n];

		for (unsigned i = 0; i < nd->nr_cpus; i++) {
			unsigned cpu = nd->cpus[i];

			if (cpu >= m->nr_cpus) {
				return perr(ps, nd->line,
					    "expected CPUs 0..%u in [node %u] (got CPU "
					    "%u; the machine has %u)",
					    m->nr_cpus - 1, nd->id, cpu, m->nr_cpus);
			}
			if (m->cpu_node[cpu] != UINT32_MAX) {
				return perr(ps, nd->line,
					    "expected each CPU in one node (got CPU %u "
					    "in [node %u] and [node %u])",
					    cpu, m->nodes[m->cpu_node[cpu]].id, nd->id);
			}
			m->cpu_node[cpu] = n;
		}
	}
	for (unsigned cpu = 0; cpu < m->nr_cpus; cpu++) {
		if (m->cpu_node[cpu] == UINT32_MAX) {
			return perr(ps, ps->machine_line,
				    "expected every CPU in a [node] section "
				    "(got CPU %u in none)",
				    cpu);
		}
	}
	return map_isolated(ps);
}

/* Interrupt numbers a timer section uses: irq .. irq + channels - 1. */
static bool irqs_overlap(const struct cw_sim_timer_desc *a, const struct cw_sim_timer_desc *b)
{
	return a->irq < b->irq + b->channels && b->irq < a->irq + a->channels;
}

/* Timers use distinct interrupts; affinity lines name a CPU of the machine. */
static int check_irqs(struct parser *ps)
{
	struct cw_sim_machine_desc *m = ps->m;

	for (size_t i = 0; i < m->nr_timers; i++) {
		const struct cw_sim_timer_desc *t = &m->timers[i];

		if (t->irq + t->channels - 1 > CW_SIM_MAX_IRQ) {
			return perr(ps, t->line,
				    "expected interrupts 0..%u for the %u channels of '%s' (got "
				    "%u..%u)",
				    CW_SIM_MAX_IRQ, t->channels, t->name, t->irq,
				    t->irq + t->channels - 1);
		}
		for (size_t j = 0; j < i; j++) {
			if (irqs_overlap(t, &m->timers[j])) {
				return perr(ps, t->line,
					    "expected a distinct interrupt for timer '%s' (got irq "
					    "%u, used by '%s' at line %u)",
					    t->name, t->irq, m->timers[j].name, m->timers[j].line);
			}
		}
	}
	for (size_t i = 0; i < m->nr_irq_affinity; i++) {
		if (m->irq_affinity[i].cpu >= m->nr_cpus) {
			return perr(ps, m->irq_line,
				    "expected affinity CPUs 0..%u in [irq] (got CPU %u for irq %u)",
				    m->nr_cpus - 1, m->irq_affinity[i].cpu, m->irq_affinity[i].irq);
		}
	}
	return 0;
}

static int finish_file(struct parser *ps)
{
	struct cw_sim_machine_desc *m = ps->m;
	int ret = finish_section(ps);

	if (ret) {
		return ret;
	}
	if (!ps->machine_line) {
		return perr(ps, ps->tx.line, "expected a [machine] section (got none)");
	}
	if (m->nr_nodes == 0) {
		ret = default_node(m);
		if (ret) {
			return ret;
		}
	}
	ret = map_cpus(ps);
	ret = ret ? ret : check_irqs(ps);
	if (ret) {
		return ret;
	}
	for (size_t i = 0; i < m->nr_counters; i++) {
		m->counters[i].params.name = m->counters[i].name;
	}
	return 0;
}

static int parse_text(struct parser *ps, const char *text, size_t len)
{
	static const struct cw__sim_text_ops ops = {
		.header = parse_header,
		.assign = parse_assignment,
	};
	int ret = cw__sim_text_parse(&ps->tx, text, len, &ops);

	return ret ? ret : finish_file(ps);
}

/* ---------------------------------------------------------------------- */
/* Text files (sim-internal.h; the workload parser uses them too) */

void cw__sim_text_init(struct cw__sim_text *tx, const char *file, char *err, size_t err_len,
		       unsigned line_bytes, unsigned quote_chars)
{
	if (err && err_len) {
		err[0] = '\0';
	}
	*tx = (struct cw__sim_text){
		.file = file,
		.err = err,
		.err_len = err_len,
		.line_bytes = line_bytes,
		.quote_chars = quote_chars,
	};
}

int cw__sim_text_err(struct cw__sim_text *tx, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!tx->err || tx->err_len == 0) {
		return CW_EINVAL;
	}
	n = snprintf(tx->err, tx->err_len, "%s:%u: ", tx->file, line ? line : 1);
	if (n < 0 || (size_t)n >= tx->err_len) {
		return CW_EINVAL;
	}
	va_start(ap, fmt);
	vsnprintf(tx->err + n, tx->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return CW_EINVAL;
}

/* Copy a printable excerpt of @s, at most @max characters and "...", into @dst. */
static void quote(char *dst, size_t size, size_t max, const char *s)
{
	size_t i = 0;

	for (; s[i] && i < max && i + 4 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		dst[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	if (s[i] && i + 4 <= size) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

int cw__sim_text_expected(struct cw__sim_text *tx, const char *what, const char *got)
{
	char q[QUOTE_CHARS + 8];

	quote(q, sizeof(q), tx->quote_chars < QUOTE_CHARS ? tx->quote_chars : QUOTE_CHARS, got);
	return cw__sim_text_err(tx, tx->line, "expected %s (got '%s')", what, q);
}

char *cw__sim_text_trim(char *s)
{
	char *end;

	while (is_blank(*s)) {
		s++;
	}
	end = s + strlen(s);
	while (end > s && is_blank(end[-1])) {
		*--end = '\0';
	}
	return s;
}

/* Cut a comment: '#' or ';' at the start or after a blank. */
static void strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if ((*p == '#' || *p == ';') && (p == s || is_blank(p[-1]))) {
			*p = '\0';
			return;
		}
	}
}

/* One line, NUL-terminated in @line (a buffer of line_bytes). */
static int text_line(struct cw__sim_text *tx, char *line, const struct cw__sim_text_ops *ops)
{
	char header[CW__SIM_TEXT_LINE_MAX];
	char *s, *eq;
	size_t len;

	strip_comment(line);
	s = cw__sim_text_trim(line);
	if (*s == '\0') {
		return 0;
	}
	if (*s == '[') {
		len = strlen(s);
		memcpy(header, s, len + 1);
		if (s[len - 1] != ']') {
			return cw__sim_text_expected(tx, "a section header ending in ']'", header);
		}
		s[len - 1] = '\0';
		return ops->header(tx, s + 1, header);
	}
	eq = strchr(s, '=');
	if (!eq) {
		return cw__sim_text_expected(tx, "'key = value', '[section]' or a comment", s);
	}
	*eq = '\0';
	return ops->assign(tx, cw__sim_text_trim(s), cw__sim_text_trim(eq + 1));
}

int cw__sim_text_parse(struct cw__sim_text *tx, const char *text, size_t len,
		       const struct cw__sim_text_ops *ops)
{
	char buf[CW__SIM_TEXT_LINE_MAX];
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		size_t m = n && line[n - 1] == '\r' ? n - 1 : n;
		int ret;

		tx->line++;
		if (m >= tx->line_bytes) {
			return cw__sim_text_err(
				tx, tx->line, "expected a line of at most %u characters (got %zu)",
				tx->line_bytes - 1, m);
		}
		if (memchr(line, '\0', m)) {
			return cw__sim_text_err(tx, tx->line, "expected text (got a NUL byte)");
		}
		memcpy(buf, line, m);
		buf[m] = '\0';
		ret = text_line(tx, buf, ops);
		if (ret) {
			return ret;
		}
		pos += n + 1;
	}
	return 0;
}

int cw__sim_text_read_file(const char *path, const char *kind, size_t max_bytes, char **text,
			   size_t *len, char *err, size_t err_len)
{
	FILE *f = fopen(path, "rb");
	int ret;

	if (!f) {
		if (err && err_len) {
			snprintf(err, err_len, "%s: cannot open %s file: %s", path, kind,
				 strerror(errno));
		}
		return CW_EIO;
	}
	*text = malloc(max_bytes + 1);
	if (!*text) {
		fclose(f);
		return CW_ENOMEM;
	}
	*len = fread(*text, 1, max_bytes + 1, f);
	ret = ferror(f) ? CW_EIO : 0;
	fclose(f);
	if (ret || *len > max_bytes) {
		if (err && err_len) {
			if (ret) {
				snprintf(err, err_len, "%s: cannot read %s file", path, kind);
			} else {
				snprintf(err, err_len, "%s: expected a %s file of at most %zu MiB",
					 path, kind, max_bytes >> 20);
			}
		}
		free(*text);
		*text = NULL;
		return ret ? ret : CW_EINVAL;
	}
	return 0;
}

CW_API void cw_sim_machine_desc_free(struct cw_sim_machine_desc *m)
{
	if (!m) {
		return;
	}
	for (unsigned i = 0; i < m->nr_nodes; i++) {
		free(m->nodes[i].cpus);
		free(m->nodes[i].isolated);
		free(m->nodes[i].class_cpus);
		free(m->nodes[i].class_of);
	}
	free(m->cpu_isolated);
	free(m->cpu_capacity_class);
	for (size_t i = 0; i < m->nr_counters; i++) {
		free(m->counters[i].drift_changes);
	}
	free(m->nodes);
	free(m->cpu_node);
	free(m->counters);
	free(m->timers);
	free(m->irq_affinity);
	free(m);
}

CW_API int cw_sim_machine_desc_parse_mem(const char *text, size_t len, const char *filename,
					 struct cw_sim_machine_desc **out, char *err,
					 size_t err_len)
{
	struct parser ps = { .kind = SECT_NONE };
	int ret;

	if (out) {
		*out = NULL;
	}
	cw__sim_text_init(&ps.tx, filename ? filename : "<default>", err, err_len, LINE_BYTES,
			  QUOTE_CHARS);
	if (!out || (!text && len)) {
		return CW_EINVAL;
	}
	ps.m = calloc(1, sizeof(*ps.m));
	if (!ps.m) {
		return CW_ENOMEM;
	}
	snprintf(ps.m->file, sizeof(ps.m->file), "%s", ps.tx.file);
	ret = parse_text(&ps, text, len);
	if (ret == CW_ENOMEM && err && err_len) {
		snprintf(err, err_len, "%s:%u: out of memory", ps.tx.file,
			 ps.tx.line ? ps.tx.line : 1);
	}
	if (ret) {
		cw_sim_machine_desc_free(ps.m);
		return ret;
	}
	*out = ps.m;
	return 0;
}

CW_API int cw_sim_machine_desc_parse_file(const char *path, struct cw_sim_machine_desc **out,
					  char *err, size_t err_len)
{
	char *text;
	size_t len;
	int ret;

	if (out) {
		*out = NULL;
	}
	if (!path || !out) {
		return CW_EINVAL;
	}
	ret = cw__sim_text_read_file(path, "machine", FILE_MAX_BYTES, &text, &len, err, err_len);
	if (ret) {
		return ret;
	}
	ret = cw_sim_machine_desc_parse_mem(text, len, path, out, err, err_len);
	free(text);
	return ret;
}
