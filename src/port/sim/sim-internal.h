/* SPDX-License-Identifier: MIT */
/*
 * Private header of the simulator port: the engine's state, shared by the
 * engine, the hardware models and the system glue, and the port-internal
 * calls between those files. Never installed.
 *
 * Ownership: the engine (struct cw_sim) keeps a singly linked list of the
 * counter models attached to it, so machine-wide state changes (suspend,
 * later deep idle) reach every counter. Counters unlink themselves when they
 * are destroyed; they must be destroyed before their engine.
 */
#ifndef CLOCKWORK_SRC_PORT_SIM_SIM_INTERNAL_H
#define CLOCKWORK_SRC_PORT_SIM_SIM_INTERNAL_H

#ifndef CW_BUILDING_LIBRARY
#error "sim-internal.h is private to the clockwork library"
#endif

#include <clockwork/sim.h>

/**
 * The engine: virtual clock, event queue and random generator. Single
 * threaded; every field is written only by the thread driving the engine.
 */
struct cw_sim {
	/** Virtual time in ns. Written by cw_sim_run_until(). */
	uint64_t now_ns;
	/** CPU of the event being run (0 outside events). */
	unsigned current_cpu;
	/** True while cw_sim_run_until() dispatches (guards against nesting). */
	bool running;
	/** Binary min-heap of queued events, ordered by (when_ns, seq). */
	struct cw_sim_event **heap;
	/** Number of queued events. */
	size_t nr_queued;
	/** Capacity of @heap in entries; doubles when full. */
	size_t capacity;
	/** Sequence number given to the next scheduled event. */
	uint64_t next_seq;
	/** Total number of events run so far. */
	uint64_t events_run;
	/** Seed the generator was started from. */
	uint64_t seed;
	/** xoshiro256** state. */
	uint64_t rng[4];
	/** Counter models attached to this engine (cw_sim_counter_create()). */
	struct cw_sim_counter *counters;
};

/** Reasons a counter is not counting (a bitmask; counting iff 0). */
enum cw__sim_stop_reason {
	/** cw_sim_counter_set_stopped(). */
	CW__SIM_STOP_USER = 0x1u,
	/** The machine is suspended and the counter stops in suspend. */
	CW__SIM_STOP_SUSPEND = 0x2u,
};

/**
 * Report a caller bug in the simulator (nested run, corrupt queue) and
 * abort. Never returns.
 */
_Noreturn void cw__sim_bug(const char *what);

/**
 * Enter (true) or leave (false) machine suspend: every counter of @sim that
 * stops in suspend stops (or restarts) at the current virtual time.
 */
void cw__sim_counters_set_suspended(struct cw_sim *sim, bool suspended);

/** Whether @year (Gregorian) has 366 days. */
static inline bool cw__sim_leap_year(unsigned year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/**
 * Time a counter of @width_bits at @freq_hz (>= 1) takes to count through
 * its whole range once (2^width cycles), ns, rounded down; UINT64_MAX when
 * that does not fit in 64 bits.
 */
uint64_t cw__sim_wrap_period_ns(unsigned width_bits, uint64_t freq_hz);

/**
 * Write @ns since the epoch (>= 0) as "YYYY-MM-DDTHH:MM:SS[.fraction]Z",
 * snprintf style. @return Length of the full text, excluding the NUL.
 */
size_t cw__sim_format_iso_utc(int64_t ns, char *buf, size_t len);

/**
 * Write the CPUs of @n as a CPU list ("0-3,8"), snprintf style.
 * @return Length of the full text, excluding the NUL.
 */
size_t cw__sim_format_cpulist(const struct cw_sim_node_desc *n, char *buf, size_t len);

struct cw_sim_hw;
struct cw_driver;

/**
 * Attach a machine's hardware to its sim system: from now on the port's
 * send_ipi hook goes to @hw's interrupt controller, cpu_call runs through
 * @hw's CPU model, and hw_match resolves compatible strings against @m's
 * devices (cw__sim_machine_hw_match()). Context: setup, before boot.
 */
void cw__sim_port_attach(struct cw_system *sys, struct cw_sim_machine *m, struct cw_sim_hw *hw);

/**
 * The @index-th device of @m whose compatible string is @compatible:
 * counters match "sim,counter" (handle: struct cw__sim_counter_hw), timer
 * sections their compatible (handle: struct cw_sim_hw_timer).
 * @return 0, or CW_ENODEV when there are no more.
 */
int cw__sim_machine_hw_match(struct cw_sim_machine *m, const char *compatible, unsigned index,
			     void **hw);

/** Compatible string of the modelled counters. */
#define CW__SIM_COUNTER_COMPATIBLE "sim,counter"

/** Handle of a modelled counter for the "sim,counter" driver. */
struct cw__sim_counter_hw {
	/** The model. */
	struct cw_sim_counter *counter;
	/** Clocksource rating and CW_CLOCKSOURCE_* flags from the machine file. */
	int rating;
	unsigned flags;
};

/** The port's driver table (init levels; drivers.c). */
extern const struct cw_driver *const cw__sim_port_drivers[];
/** Number of entries in cw__sim_port_drivers. */
extern const unsigned cw__sim_nr_port_drivers;

/**
 * The machine's init_time hook (time_init -> timer_probe): probe the system
 * timer drivers (clocksources and clock event devices; drivers.c) for
 * every device of @m they match, logging each probe.
 */
void cw__sim_probe_time_drivers(struct cw_system *sys, struct cw_sim_machine *m);

/** Record the workload run of @m (NULL: none), which the machine then owns. */
void cw__sim_machine_set_workload(struct cw_sim_machine *m, struct cw_sim_workload_run *w);

/** A draw from distribution @p d with the engine's generator (workload.c), ns. */
uint64_t cw__sim_dist_draw(struct cw_sim *sim, const struct cw_sim_dist *d);

struct cw__sim_proxy_demo;

/**
 * Start the [proxy] part of a workload run on @p m (proxy-demo.c): masked
 * sections, the control loop and the probe, the phase events.
 * @return 0; CW_EINVAL (message in @p err: CPUs the machine lacks); CW_ENOMEM.
 */
int cw__sim_proxy_demo_start(struct cw_sim_machine *m, const struct cw_sim_proxy_desc *p,
			     struct cw__sim_proxy_demo **out, char *err, size_t err_len);

/** Cancel everything of @p d, uninstall its proxy and free it (NULL is fine). */
void cw__sim_proxy_demo_stop(struct cw__sim_proxy_demo *d);

/** The [proxy] run of @p m's workload, or NULL. */
struct cw__sim_proxy_demo *cw__sim_workload_proxy_demo(const struct cw_sim_machine *m);

/** Whether idle state @state of @m is deep (false for a bad index). */
bool cw__sim_machine_idle_state_deep(const struct cw_sim_machine *m, unsigned state);

/** The workload run of @m, or NULL. */
struct cw_sim_workload_run *cw__sim_machine_workload(const struct cw_sim_machine *m);

/** The hardware of a sim system, or NULL (a system without a machine). */
struct cw_sim_hw *cw__sim_port_hw(const struct cw_system *sys);

/* ---- the machine-file schema (machine-parse.c) ------------------------- */

/*
 * One table, cw__sim_machine_keys[], lists every key of a machine file:
 * its section, name, value type, allowed range, default, help and where
 * the value lives in the description. The parser takes from it what keys
 * a section has (unknown, duplicate, missing), parses and range-checks
 * each typed value and words the error ("expected a width in bits,
 * 16..64"); machine-format.c writes each key back from it
 * (cw_sim_machine_desc_format(), cwsim --dump-machine); and
 * cw_sim_machine_key() hands it out for the docs' key reference (cwsim
 * --machine-keys, checked against docs/simulator.md by docs.machine_keys).
 * The table's order is the canonical order: sections as the dump writes
 * them, keys as the dump writes them and as an unknown-key message lists
 * them.
 */

/** Sections of a machine file, in canonical order. */
enum cw__sim_msect {
	CW__SIM_MSECT_MACHINE,
	CW__SIM_MSECT_SYSTEM,
	CW__SIM_MSECT_NODE,
	CW__SIM_MSECT_COUNTER,
	/** Every timer kind ([global_timer NAME], [hpet NAME], ...): one key list. */
	CW__SIM_MSECT_TIMER,
	CW__SIM_MSECT_IRQ,
	CW__SIM_MSECT_IDLE,
	CW__SIM_MSECT_NR,
};

/**
 * Value types. The first group the parser and the formatter handle from
 * the table alone (field offset and size, range); the rest are compound
 * values with a parse function of their own (struct cw__sim_key::parse)
 * and a case of their own in the formatter.
 */
enum cw__sim_key_type {
	/** Unsigned integer, decimal or 0x-hex, in lo..hi (field of 4 or 8 bytes). */
	CW__SIM_KEY_INT,
	/** Frequency with a unit, Hz, in lo..hi (uint64_t). */
	CW__SIM_KEY_FREQ,
	/** Time with a unit, ns, at most hi (uint64_t). */
	CW__SIM_KEY_TIME,
	/** Signed drift with a unit, ppb, magnitude at most hi (int64_t). */
	CW__SIM_KEY_DRIFT,
	/** yes/no (bool). */
	CW__SIM_KEY_BOOL,
	/** Name of letters, digits, '_', '-', '.' (char array of size bytes). */
	CW__SIM_KEY_NAME,
	/** Free text (char array of size bytes). */
	CW__SIM_KEY_TEXT,
	/** One of the words in choices, stored as its index (an enum). */
	CW__SIM_KEY_CHOICE,
	/** Power with a unit, uW (uint64_t). */
	CW__SIM_KEY_POWER,
	/** Energy with a unit, nJ (uint64_t). */
	CW__SIM_KEY_ENERGY,
	/* Compound values: parse function of their own. */
	/** CPU list "0-3,8": the unsigned array at offset, its count at count_offset. */
	CW__SIM_KEY_CPULIST,
	/** "CLASS LIST" ([node] capacity_class). */
	CW__SIM_KEY_CLASS_CPUS,
	/** Clocksource flags ([counter] flags). */
	CW__SIM_KEY_FLAGS,
	/** "TIME DRIFT" ([counter] drift_at). */
	CW__SIM_KEY_DRIFT_AT,
	/** UTC date-time or time since the epoch ([system] realtime). */
	CW__SIM_KEY_REALTIME,
	/** "IRQ CPU" ([irq] affinity). */
	CW__SIM_KEY_AFFINITY,
	/** "NAME shallow|deep EXIT_LATENCY [POWER]" ([idle] state). */
	CW__SIM_KEY_IDLE_STATE,
	CW__SIM_KEY_NR_TYPES,
};

/** struct cw__sim_key::flags */
#define CW__SIM_KEY_REQUIRED   0x01u /* the section is incomplete without it */
#define CW__SIM_KEY_REPEATABLE 0x02u /* may appear several times */
#define CW__SIM_KEY_HEX        0x04u /* the dump writes it in 0x-hex */
#define CW__SIM_KEY_IF_SET     0x08u /* the dump leaves it out while it is 0 / empty */
#define CW__SIM_KEY_NO_DUMP    0x10u /* never dumped (folded into another key) */
#define CW__SIM_KEY_LINE       0x20u /* its line goes to the unsigned at line_offset */

struct cw__sim_text;

/** Handles one key's value (the parser is tx's container); 0 or an error already written. */
typedef int (*cw__sim_key_parse_fn)(struct cw__sim_text *tx, const char *val);

/** One key of the machine-file schema. */
struct cw__sim_key {
	/** Section it belongs to. */
	enum cw__sim_msect section;
	/** Key name. */
	const char *name;
	/** Value type. */
	enum cw__sim_key_type type;
	/** CW__SIM_KEY_* flags. */
	unsigned flags;
	/** Timer kinds the key applies to (bit per enum cw_sim_timer_kind; 0: all). */
	unsigned kinds;
	/** Allowed range of INT, FREQ, TIME and DRIFT values (DRIFT: magnitude). */
	uint64_t lo, hi;
	/** What the value is, for messages ("a width in bits"). */
	const char *what;
	/**
	 * The range in words when lo..hi is not the whole story, for messages
	 * ("expected WHAT RANGE") and the docs ("above 0 Hz and at most 100GHz");
	 * NULL: "lo..hi" for INT, nothing for the others.
	 */
	const char *range;
	/** CHOICE: the words, index = stored value, NULL-terminated. */
	const char *const *choices;
	/** Default as the docs show it ("" when the key has none or is required). */
	const char *def;
	/** One-paragraph help (Markdown), for the docs' key reference. */
	const char *help;
	/**
	 * Where the value lives, from the section's object: the description
	 * for [machine], [system], [irq] and [idle], else the node, counter or
	 * timer; and its size in bytes.
	 */
	size_t offset, size;
	/** CPULIST: offset of the unsigned count of the array at @p offset. */
	size_t count_offset;
	/** CW__SIM_KEY_LINE: offset of the unsigned that records the key's line. */
	size_t line_offset;
	/** Compound types, and typed keys with checks of their own; NULL: from the table. */
	cw__sim_key_parse_fn parse;
};

/** The schema, in canonical order (sections grouped, as enum cw__sim_msect). */
extern const struct cw__sim_key cw__sim_machine_keys[];
/** Number of entries of cw__sim_machine_keys[]. */
extern const size_t cw__sim_nr_machine_keys;

/** Section name as a header shows it ("machine", "node N", "counter NAME", "timer"). */
const char *cw__sim_msect_name(enum cw__sim_msect section);

/** Whether key @p k applies to a timer section of @p kind (always for other sections). */
bool cw__sim_key_applies(const struct cw__sim_key *k, enum cw_sim_timer_kind kind);

/* ---- line-based text files (machine-parse.c; machine and workload files) - */

/** Longest line a text file may allow, including the NUL. */
#define CW__SIM_TEXT_LINE_MAX 1024u

/**
 * The state every text file parser shares, first member of its own parser
 * struct: where messages go ("FILE:LINE: text") and the file's limits.
 */
struct cw__sim_text {
	/** File name for messages. */
	const char *file;
	/** Error buffer and its size (may be NULL / 0). */
	char *err;
	size_t err_len;
	/** Current line number, from 1. */
	unsigned line;
	/** Longest line accepted, including the NUL (at most CW__SIM_TEXT_LINE_MAX). */
	unsigned line_bytes;
	/** Longest excerpt of the input quoted in a message. */
	unsigned quote_chars;
};

/**
 * What a parser does with the lines cw__sim_text_parse() splits; each
 * returns 0 or an error already written.
 */
struct cw__sim_text_ops {
	/**
	 * A section header: @p name is the text between '[' and ']' (to be
	 * split by the parser), @p header the whole trimmed line, for messages.
	 */
	int (*header)(struct cw__sim_text *tx, char *name, const char *header);
	/** A "key = value" line, @p key and @p val trimmed (either may be empty). */
	int (*assign)(struct cw__sim_text *tx, char *key, char *val);
};

/** Start a parse of @p file: clear @p err (when it has room) and set @p tx up. */
void cw__sim_text_init(struct cw__sim_text *tx, const char *file, char *err, size_t err_len,
		       unsigned line_bytes, unsigned quote_chars);

/**
 * Write "FILE:LINE: message" (line 0 reads as 1) when @p tx has an error
 * buffer. @return CW_EINVAL.
 */
int cw__sim_text_err(struct cw__sim_text *tx, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * "expected WHAT (got 'GOT')" at the current line, GOT a sanitised excerpt
 * of at most quote_chars characters. @return CW_EINVAL.
 */
int cw__sim_text_expected(struct cw__sim_text *tx, const char *what, const char *got);

/** Cut the blanks (space, tab) at both ends of @p s in place; returns the start. */
char *cw__sim_text_trim(char *s);

/**
 * Parse @p len bytes of @p text line by line ('\n' or "\r\n"): each line
 * is checked (length, NUL bytes), its comment cut ('#' or ';' at the start
 * or after a blank), blank lines skipped, and the rest handed to @p ops as
 * a header or an assignment ("expected 'key = value' ..." otherwise).
 * @return 0, or the first error (written).
 */
int cw__sim_text_parse(struct cw__sim_text *tx, const char *text, size_t len,
		       const struct cw__sim_text_ops *ops);

/**
 * Read the whole file at @p path, of at most @p max_bytes (a whole number
 * of MiB), into a malloc'd buffer @p *text of @p *len bytes. @p kind names
 * the file in messages ("machine": "cannot open machine file").
 * @return 0, CW_EIO or CW_EINVAL (message written to @p err), or CW_ENOMEM.
 */
int cw__sim_text_read_file(const char *path, const char *kind, size_t max_bytes, char **text,
			   size_t *len, char *err, size_t err_len);

#endif /* CLOCKWORK_SRC_PORT_SIM_SIM_INTERNAL_H */
