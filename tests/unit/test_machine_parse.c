/* SPDX-License-Identifier: MIT */
/*
 * Tests of the machine description parser: good files parse to the right
 * structure (the built-in default, a file using every key, NUMA nodes,
 * units and decimals), every shipped example parses, the canonical
 * formatter round-trips, a table of malformed inputs each gives the exact
 * "file:line:" prefix and a message saying what was expected, and a seeded
 * mutation run feeds thousands of damaged files to the parser (ASan runs
 * this suite too: no crash, no leak).
 */
#include <clockwork/sim.h>
#include <clockwork/clocksource.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef CW_SOURCE_DIR
#error "CW_SOURCE_DIR must name the source tree"
#endif

static struct cw_sim_machine_desc *parse_ok(const char *text)
{
	struct cw_sim_machine_desc *m = NULL;
	char err[CW_SIM_ERR_MAX];
	int ret =
		cw_sim_machine_desc_parse_mem(text, strlen(text), "good.ini", &m, err, sizeof(err));

	if (ret) {
		fail_msg("unexpected parse error %d: %s", ret, err);
	}
	assert_non_null(m);
	return m;
}

static const struct cw_sim_counter_desc *find_counter(const struct cw_sim_machine_desc *m,
						      const char *name)
{
	for (size_t i = 0; i < m->nr_counters; i++) {
		if (strcmp(m->counters[i].name, name) == 0) {
			return &m->counters[i];
		}
	}
	fail_msg("no counter %s", name);
	return NULL;
}

static void test_machine_default_text_parses_to_default_soc(void **state)
{
	struct cw_sim_machine_desc *m = parse_ok(cw_sim_machine_default_text());
	const struct cw_sim_counter_desc *c;

	(void)state;
	assert_string_equal(m->name, "default-soc");
	assert_int_equal(m->nr_cpus, 4);
	assert_int_equal(m->nr_nodes, 1);
	assert_int_equal(m->nodes[0].nr_cpus, 4);
	assert_int_equal(m->nr_counters, 3);
	c = find_counter(m, "sys_counter");
	assert_int_equal(c->params.width_bits, 64);
	assert_int_equal(c->params.freq_hz, 50000000);
	assert_int_equal(c->rating, 350);
	assert_int_equal(c->flags, CW_CLOCKSOURCE_IS_CONTINUOUS);
	assert_int_equal(c->params.drift_ppb, 10000);
	c = find_counter(m, "timer32");
	assert_int_equal(c->params.width_bits, 32);
	assert_int_equal(c->params.start_value, 0xe0000000u);
	assert_int_equal(c->params.jitter_cycles, 2);
	assert_int_equal(c->params.drift_ppb, -30000);
	c = find_counter(m, "cpu_cycles");
	assert_int_equal(c->flags, CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_MUST_VERIFY);
	assert_true(c->rating > find_counter(m, "sys_counter")->rating);
	assert_int_equal(c->nr_drift_changes, 1);
	assert_int_equal(c->drift_changes[0].at_ns, 2300000000u);
	assert_int_equal(c->drift_changes[0].drift_ppb, 30000000);
	assert_true(c->params.stops_in_deep_idle);
	assert_string_equal(c->params.name, "cpu_cycles");
	cw_sim_machine_desc_free(m);
}

static const char every_key[] = "# a comment line\r\n"
				"; another comment\n"
				"\n"
				"[machine]   # trailing comment\n"
				"name = every.key-1\n"
				"description = uses every key; parsed #\n"
				"cpus = 8\n"
				"[node 1]\n"
				"cpus = 4-7\n"
				"[node 0]\n"
				"cpus = 0,1 ,2-3\n"
				"\t[counter acpi_pm]\t\n"
				"  width = 24\n"
				"freq = 3.579545 MHz\n"
				"rating = 200\n"
				"flags = continuous suspend_nonstop\n"
				"drift = -12.5ppm\n"
				"drift_at = 1.5s 250ppb\n"
				"drift_at = 2500ms -0.001ppm\n"
				"drift_at = 3000000us 0ppm\n"
				"jitter = 7\n"
				"start = 0xabcdef\n"
				"stops_in_suspend = no\n"
				"stops_in_deep_idle = true\n"
				"[counter khz]\n"
				"width=16\n"
				"freq=32.768kHz\n"
				"rating=1\n"
				"flags=none\n"
				"start=65535\n"
				"stops_in_suspend=on\n";

static void test_machine_every_key_parses(void **state)
{
	struct cw_sim_machine_desc *m = parse_ok(every_key);
	const struct cw_sim_counter_desc *c;

	(void)state;
	assert_string_equal(m->name, "every.key-1");
	/* ';' and '#' start comments only at the start or after a blank. */
	assert_string_equal(m->description, "uses every key; parsed");
	assert_int_equal(m->nr_cpus, 8);
	assert_int_equal(m->nr_nodes, 2);
	assert_int_equal(m->nodes[0].id, 1);
	assert_int_equal(m->nodes[1].id, 0);
	assert_int_equal(m->nodes[1].nr_cpus, 4);
	for (unsigned cpu = 0; cpu < 8; cpu++) {
		assert_int_equal(m->nodes[m->cpu_node[cpu]].id, cpu < 4 ? 0 : 1);
	}
	c = find_counter(m, "acpi_pm");
	assert_int_equal(c->line, 12);
	assert_int_equal(c->params.width_bits, 24);
	assert_int_equal(c->params.freq_hz, 3579545);
	assert_int_equal(c->flags, CW_CLOCKSOURCE_IS_CONTINUOUS | CW_CLOCKSOURCE_SUSPEND_NONSTOP);
	assert_int_equal(c->params.drift_ppb, -12500);
	assert_int_equal(c->nr_drift_changes, 3);
	assert_int_equal(c->drift_changes[0].at_ns, 1500000000u);
	assert_int_equal(c->drift_changes[0].drift_ppb, 250);
	assert_int_equal(c->drift_changes[1].at_ns, 2500000000u);
	assert_int_equal(c->drift_changes[1].drift_ppb, -1);
	assert_int_equal(c->drift_changes[2].at_ns, 3000000000u);
	assert_int_equal(c->params.jitter_cycles, 7);
	assert_int_equal(c->params.start_value, 0xabcdef);
	assert_false(c->params.stops_in_suspend);
	assert_true(c->params.stops_in_deep_idle);
	c = find_counter(m, "khz");
	assert_int_equal(c->params.freq_hz, 32768);
	assert_int_equal(c->rating, 1);
	assert_int_equal(c->flags, 0);
	assert_int_equal(c->params.start_value, 65535);
	assert_true(c->params.stops_in_suspend);
	assert_int_equal(c->params.drift_ppb, 0);
	assert_int_equal(c->nr_drift_changes, 0);
	cw_sim_machine_desc_free(m);
}

static const char timers_text[] = "[machine]\n"
				  "name = timers\n"
				  "cpus = 2\n"
				  "[global_timer gt]\n"
				  "freq = 396MHz\n"
				  "irq = 27\n"
				  "erratum = yes\n"
				  "clear_order = flag_first\n"
				  "[arch_timer local]\n"
				  "freq = 24MHz\n"
				  "irq = 29\n"
				  "c3stop = yes\n"
				  "[tmu tmu0]\n"
				  "compatible = renesas,tmu-r8a7740\n"
				  "freq = 3.25MHz\n"
				  "irq = 40\n"
				  "channels = 4\n"
				  "rating = 210\n"
				  "[hpet hpet]\n"
				  "freq = 14.31818MHz\n"
				  "irq = 2\n"
				  "[lapic lapic]\n"
				  "freq = 100MHz\n"
				  "irq = 236\n"
				  "min_delta = 20\n"
				  "max_delta = 0x7fffffff\n"
				  "[pit pit]\n"
				  "freq = 1.193182MHz\n"
				  "irq = 0\n"
				  "width = 16\n"
				  "[irq]\n"
				  "latency = 2us\n"
				  "ipi_latency = 500ns\n"
				  "affinity = 40 1\n"
				  "affinity = 41 0\n"
				  "[idle]\n"
				  "state = wfi shallow 1us\n"
				  "state = c3 deep 80us\n"
				  "ignore_broadcast_busy = yes\n";

static void test_machine_timer_irq_and_idle_sections_parse_with_kind_defaults(void **state)
{
	struct cw_sim_machine_desc *m = parse_ok(timers_text);
	const struct cw_sim_timer_desc *t;

	(void)state;
	assert_int_equal(m->nr_timers, 6);
	t = &m->timers[0];
	assert_string_equal(t->name, "gt");
	assert_int_equal(t->kind, CW_SIM_TIMER_GLOBAL_TIMER);
	assert_string_equal(t->compatible, "arm,cortex-a9-global-timer");
	assert_int_equal(t->freq_hz, 396000000);
	assert_int_equal(t->width_bits, 64);
	assert_int_equal(t->rating, 300);
	assert_int_equal(t->irq, 27);
	assert_true(t->erratum);
	assert_int_equal(t->clear_order, CW_SIM_CLEAR_FLAG_FIRST);
	assert_false(t->c3stop);
	t = &m->timers[1];
	assert_int_equal(t->kind, CW_SIM_TIMER_ARCH_TIMER);
	assert_string_equal(t->compatible, "arm,armv7-timer");
	assert_true(t->c3stop);
	assert_int_equal(t->rating, 450);
	assert_int_equal(t->max_delta_ticks, 0x7fffffff);
	t = &m->timers[2];
	assert_int_equal(t->kind, CW_SIM_TIMER_TMU);
	assert_string_equal(t->compatible, "renesas,tmu-r8a7740");
	assert_int_equal(t->freq_hz, 3250000);
	assert_int_equal(t->channels, 4);
	assert_int_equal(t->rating, 210);
	assert_int_equal(t->width_bits, 32);
	assert_int_equal(t->max_delta_ticks, 0xffffffffu);
	t = &m->timers[3];
	assert_int_equal(t->kind, CW_SIM_TIMER_HPET);
	assert_string_equal(t->compatible, "intel,hpet");
	assert_int_equal(t->channels, 3);
	t = &m->timers[4];
	assert_int_equal(t->kind, CW_SIM_TIMER_LAPIC);
	assert_string_equal(t->compatible, "intel,lapic-timer");
	assert_true(t->c3stop);
	assert_int_equal(t->min_delta_ticks, 20);
	t = &m->timers[5];
	assert_int_equal(t->kind, CW_SIM_TIMER_PIT);
	assert_string_equal(t->compatible, "intel,i8253");
	/* The model's default (as through the API): the 16-bit counter's range. */
	assert_int_equal(t->max_delta_ticks, 0xffff);
	assert_int_equal(m->irq_latency_ns, 2000);
	assert_int_equal(m->ipi_latency_ns, 500);
	assert_int_equal(m->nr_irq_affinity, 2);
	assert_int_equal(m->irq_affinity[0].irq, 40);
	assert_int_equal(m->irq_affinity[0].cpu, 1);
	assert_int_equal(m->nr_idle_states, 2);
	assert_string_equal(m->idle_states[1].name, "c3");
	assert_true(m->idle_states[1].deep);
	assert_int_equal(m->idle_states[1].exit_latency_ns, 80000);
	assert_false(m->idle_states[0].deep);
	assert_true(m->ignore_broadcast_busy);
	assert_string_equal(cw_sim_timer_kind_name(CW_SIM_TIMER_HPET), "hpet");
	assert_string_equal(cw_sim_timer_kind_compatible(CW_SIM_TIMER_PIT), "intel,i8253");
	cw_sim_machine_desc_free(m);
}

static void test_machine_without_nodes_has_one_node_with_every_cpu(void **state)
{
	struct cw_sim_machine_desc *m = parse_ok("[machine]\nname = one\ncpus = 3\n");

	(void)state;
	assert_int_equal(m->nr_nodes, 1);
	assert_int_equal(m->nodes[0].id, 0);
	assert_int_equal(m->nodes[0].nr_cpus, 3);
	assert_int_equal(m->nr_counters, 0);
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		assert_int_equal(m->cpu_node[cpu], 0);
		assert_int_equal(m->nodes[0].cpus[cpu], cpu);
	}
	cw_sim_machine_desc_free(m);
}

static const char start_state_text[] = "[machine]\n"
				       "name = start-state\n"
				       "cpus = 1\n"
				       "[system]\n"
				       "hz = 250\n"
				       "initial_jiffies = 0xfffffffe\n"
				       "realtime = 2038-01-19T03:14:07.9995Z\n"
				       "[counter c16]\n"
				       "width = 16\n"
				       "freq = 1MHz\n"
				       "rating = 300\n"
				       "wraps_after = 5ms\n"
				       "[counter c64]\n"
				       "wraps_after = 1s\n"
				       "width = 64\n"
				       "drift = 100ppm\n"
				       "freq = 1GHz\n"
				       "rating = 200\n"
				       "[counter c24]\n"
				       "width = 24\n"
				       "freq = 3.579545MHz\n"
				       "rating = 200\n"
				       "wraps_after = 4.68ms\n";

/*
 * [system] places jiffies and REALTIME; wraps_after derives the start value
 * from width, frequency and drift, whatever the key order.
 */
static void test_machine_system_section_and_wraps_after_place_start_states(void **state)
{
	struct cw_sim_machine_desc *m = parse_ok(start_state_text);

	(void)state;
	assert_int_equal(m->hz, 250);
	assert_int_equal(m->initial_jiffies, 0xfffffffeu);
	assert_true(m->realtime_set);
	/* 2^31 s is 2038-01-19T03:14:08Z. */
	assert_int_equal(m->realtime_init_ns, (INT64_C(1) << 31) * 1000000000 - 500000);
	assert_int_equal(m->system_line, 4);
	assert_string_equal(m->file, "good.ini");
	/* 1 MHz: 5000 cycles before the wrap. */
	assert_int_equal(find_counter(m, "c16")->params.start_value, 0x10000 - 5000);
	/* 1 GHz at +100 ppm counts 1000100000 cycles in 1 s. */
	assert_int_equal(find_counter(m, "c64")->params.start_value,
			 (uint64_t)0 - UINT64_C(1000100000));
	/* 3579545 Hz * 4.68 ms = 16752.27...: floored to 16752 cycles. */
	assert_int_equal(find_counter(m, "c24")->params.start_value, 0x1000000 - 16752);
	cw_sim_machine_desc_free(m);

	m = parse_ok(
		"[machine]\nname = e\ncpus = 1\n[system]\nrealtime = 1970-01-01T00:00:00Z\n"
		"[counter c]\nwidth = 32\nfreq = 1Hz\nrating = 1\nwraps_after = 4294967296s\n");
	assert_true(m->realtime_set);
	assert_int_equal(m->realtime_init_ns, 0);
	assert_int_equal(m->hz, 0);
	assert_int_equal(m->initial_jiffies, 0);
	/* A full wrap period from 0. */
	assert_int_equal(m->counters[0].params.start_value, 0);
	cw_sim_machine_desc_free(m);
	m = parse_ok("[machine]\nname = e\ncpus = 1\n[system]\n"
		     "realtime = 2262-04-11T23:47:16.854775807Z\n");
	assert_int_equal(m->realtime_init_ns, INT64_MAX);
	cw_sim_machine_desc_free(m);
	m = parse_ok("[machine]\nname = e\ncpus = 1\n[system]\nrealtime = 4294967296s\n");
	assert_int_equal(m->realtime_init_ns, INT64_C(4294967296) * 1000000000);
	cw_sim_machine_desc_free(m);
	m = parse_ok("[machine]\nname = e\ncpus = 1\n[system]\nrealtime = 2000-03-01T12:30:15Z\n");
	/* 951913815: 2000 is a leap year (divisible by 400). */
	assert_int_equal(m->realtime_init_ns, INT64_C(951913815) * 1000000000);
	cw_sim_machine_desc_free(m);
}

/* The counter helper behind wraps_after: exact, and refuses what cannot be placed. */
static void test_counter_start_for_wrap(void **state)
{
	struct cw_sim_counter_params p = { .width_bits = 16, .freq_hz = 1000000 };
	uint64_t start = 0;

	(void)state;
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 5000000, &start), 0);
	assert_int_equal(start, 65536 - 5000);
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 1000, &start), 0);
	assert_int_equal(start, 0xffff);
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 999, &start), CW_ERANGE);
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 65536000, &start), 0);
	assert_int_equal(start, 0);
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 65537000, &start), CW_ERANGE);
	p.width_bits = 64;
	p.freq_hz = UINT64_MAX;
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 1, &start), 0);
	assert_int_equal(start, (uint64_t)0 - (UINT64_MAX / 1000000000));
	p.width_bits = 8;
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 1, &start), CW_EINVAL);
	p.width_bits = 32;
	p.freq_hz = 0;
	assert_int_equal(cw_sim_counter_start_for_wrap(&p, 1, &start), CW_EINVAL);
	assert_int_equal(cw_sim_counter_start_for_wrap(NULL, 1, &start), CW_EINVAL);
}

static void test_machine_duration_parser(void **state)
{
	uint64_t ns = 0;

	(void)state;
	assert_int_equal(cw_sim_parse_duration_ns("10s", &ns), 0);
	assert_int_equal(ns, 10000000000u);
	assert_int_equal(cw_sim_parse_duration_ns("2.5 ms", &ns), 0);
	assert_int_equal(ns, 2500000);
	assert_int_equal(cw_sim_parse_duration_ns(".75us", &ns), 0);
	assert_int_equal(ns, 750);
	assert_int_equal(cw_sim_parse_duration_ns("100ns", &ns), 0);
	assert_int_equal(ns, 100);
	assert_int_equal(cw_sim_parse_duration_ns("18446744073.709551615s", &ns), 0);
	assert_int_equal(ns, UINT64_MAX);
	assert_int_equal(cw_sim_parse_duration_ns("18446744073.709551616s", &ns), CW_ERANGE);
	assert_int_equal(cw_sim_parse_duration_ns("10", &ns), CW_EINVAL);
	assert_int_equal(cw_sim_parse_duration_ns("1.5ns", &ns), CW_EINVAL);
	assert_int_equal(cw_sim_parse_duration_ns("-1s", &ns), CW_EINVAL);
	assert_int_equal(cw_sim_parse_duration_ns("s", &ns), CW_EINVAL);
	assert_int_equal(cw_sim_parse_duration_ns("1min", &ns), CW_EINVAL);
}

/* Parse @text, format it, parse that, and compare the two descriptions. */
/*
 * The schema cw_sim_machine_key() describes is the one the parser runs on:
 * for every section, a key it does not have is rejected with a message
 * that lists exactly the keys the schema gives for that section (timer
 * keys per kind), in the schema's order.
 */
static void test_machine_schema_lists_the_keys_the_parser_takes(void **state)
{
	static const struct {
		const char *schema_section;
		const char *header;
		enum cw_sim_timer_kind kind;
	} sections[] = {
		{ "machine", "[machine]", CW_SIM_TIMER_NR_KINDS },
		{ "system", "[system]", CW_SIM_TIMER_NR_KINDS },
		{ "node N", "[node 0]", CW_SIM_TIMER_NR_KINDS },
		{ "counter NAME", "[counter c]", CW_SIM_TIMER_NR_KINDS },
		{ "timer", "[global_timer t]", CW_SIM_TIMER_GLOBAL_TIMER },
		{ "timer", "[hpet t]", CW_SIM_TIMER_HPET },
		{ "timer", "[lapic t]", CW_SIM_TIMER_LAPIC },
		{ "irq", "[irq]", CW_SIM_TIMER_NR_KINDS },
		{ "idle", "[idle]", CW_SIM_TIMER_NR_KINDS },
	};
	struct cw_sim_machine_key_info k;
	size_t nr_keys = 0;

	(void)state;
	while (cw_sim_machine_key(nr_keys, &k) == 0) {
		assert_non_null(k.section);
		assert_non_null(k.name);
		assert_non_null(k.type);
		assert_true(k.help[0] != '\0');
		/* A range that fills the buffer may have been cut. */
		assert_true(strlen(k.range) < sizeof(k.range) - 1);
		/* Its type is one the "Values" table describes. */
		{
			struct cw_sim_machine_value_type_info vt;
			bool found = false;

			for (size_t t = 0; cw_sim_machine_value_type(t, &vt) == 0; t++) {
				found = found || strcmp(vt.name, k.type) == 0;
				assert_true(vt.syntax[0] && vt.examples[0]);
			}
			if (!found) {
				fail_msg("key '%s' has type '%s', which no value type describes",
					 k.name, k.type);
			}
		}
		nr_keys++;
	}
	assert_true(nr_keys >= 38);
	assert_int_equal(cw_sim_machine_key(nr_keys, &k), CW_ENOENT);
	assert_int_equal(cw_sim_machine_key(0, NULL), CW_EINVAL);
	assert_int_equal(cw_sim_machine_value_type(0, NULL), CW_EINVAL);

	for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
		char text[256], want[512], err[CW_SIM_ERR_MAX];
		struct cw_sim_machine_desc *m = NULL;
		size_t pos;
		int n;

		/* The unknown key is the line after its header: line 5, or 2 in [machine]. */
		n = snprintf(text, sizeof(text), "%s%s\nnot_a_key = 1\n",
			     strcmp(sections[s].header, "[machine]") == 0
				     ? ""
				     : "[machine]\nname = m\ncpus = 2\n",
			     sections[s].header);
		assert_true(n > 0 && (size_t)n < sizeof(text));
		pos = (size_t)snprintf(want, sizeof(want), "k.ini:%d: expected a key of %s: ",
				       strcmp(sections[s].header, "[machine]") == 0 ? 2 : 5,
				       sections[s].header);
		for (size_t i = 0; cw_sim_machine_key(i, &k) == 0; i++) {
			if (strcmp(k.section, sections[s].schema_section) != 0 ||
			    (k.timer_kinds && !(k.timer_kinds & (1u << sections[s].kind)))) {
				continue;
			}
			pos += (size_t)snprintf(want + pos, sizeof(want) - pos, "%s%s",
						want[pos - 2] == ':' ? "" : ", ", k.name);
		}
		snprintf(want + pos, sizeof(want) - pos, " (got 'not_a_key')");
		assert_int_equal(cw_sim_machine_desc_parse_mem(text, strlen(text), "k.ini", &m, err,
							       sizeof(err)),
				 CW_EINVAL);
		assert_null(m);
		assert_string_equal(err, want);
	}
}

/*
 * The defaults the schema states are what the parser fills in: a file that
 * leaves the keys out dumps "key = DEFAULT" for every literal default, and
 * leaves out the keys whose default is "none" and which the dump writes
 * only when set.
 */
static void test_machine_schema_defaults_are_the_parsers(void **state)
{
	static const char text[] = "[machine]\nname = m\ncpus = 2\n"
				   "[counter c]\nwidth = 32\nfreq = 1MHz\nrating = 100\n"
				   "[global_timer g]\nfreq = 1MHz\nirq = 27\n"
				   "[irq]\naffinity = 27 1\n"
				   "[idle]\nstate = c1 shallow 1us\n";
	struct cw_sim_machine_desc *m = parse_ok(text);
	struct cw_sim_machine_key_info k;
	size_t n = cw_sim_machine_desc_format(m, NULL, 0);
	char *out = malloc(n + 1);
	unsigned literal = 0, absent = 0;

	(void)state;
	assert_non_null(out);
	cw_sim_machine_desc_format(m, out, n + 1);
	for (size_t i = 0; cw_sim_machine_key(i, &k) == 0; i++) {
		char line[160];

		if (k.required || !k.default_text[0] || strcmp(k.section, "system") == 0 ||
		    strstr(k.default_text, "by kind") || strchr(k.default_text, '`') ||
		    strstr(k.default_text, "CPU 0") || strstr(k.default_text, "class 0")) {
			continue;
		}
		if (strncmp(k.default_text, "none", 4) == 0) {
			if (strcmp(k.name, "flags") == 0) {
				/* "none" is itself the value flags dumps. */
				assert_non_null(strstr(out, "\nflags = none\n"));
				literal++;
				continue;
			}
			snprintf(line, sizeof(line), "\n%s = ", k.name);
			if (strstr(out, line)) {
				fail_msg("'%s' defaults to none but the dump has it:\n%s", k.name,
					 out);
			}
			absent++;
			continue;
		}
		snprintf(line, sizeof(line), "\n%s = %s\n", k.name, k.default_text);
		if (!strstr(out, line)) {
			fail_msg("schema default of '%s' is '%s'; the dump says otherwise:\n%s",
				 k.name, k.default_text, out);
		}
		literal++;
	}
	/* drift jitter start stops*2 erratum clear_order latency*2 ignore_bb flags. */
	assert_int_equal(literal, 11);
	/* description isolated drift_at active_power wakeup_energy. */
	assert_int_equal(absent, 5);
	free(out);
	cw_sim_machine_desc_free(m);
}

static void check_round_trip(const char *text, size_t len, const char *name)
{
	struct cw_sim_machine_desc *a = NULL, *b = NULL;
	char err[CW_SIM_ERR_MAX];
	size_t n;
	char *out;

	assert_int_equal(cw_sim_machine_desc_parse_mem(text, len, name, &a, err, sizeof(err)), 0);
	n = cw_sim_machine_desc_format(a, NULL, 0);
	out = malloc(n + 1);
	assert_non_null(out);
	assert_int_equal(cw_sim_machine_desc_format(a, out, n + 1), n);
	if (cw_sim_machine_desc_parse_mem(out, n, "formatted", &b, err, sizeof(err)) != 0) {
		fail_msg("formatted text does not parse: %s\n%s", err, out);
	}
	assert_string_equal(a->name, b->name);
	assert_string_equal(a->description, b->description);
	assert_int_equal(a->nr_cpus, b->nr_cpus);
	assert_int_equal(a->nr_nodes, b->nr_nodes);
	assert_memory_equal(a->cpu_node, b->cpu_node, a->nr_cpus * sizeof(unsigned));
	assert_int_equal(a->cpu_capacity_class == NULL, b->cpu_capacity_class == NULL);
	if (a->cpu_capacity_class) {
		assert_memory_equal(a->cpu_capacity_class, b->cpu_capacity_class,
				    a->nr_cpus * sizeof(unsigned));
	}
	assert_int_equal(a->cpu_isolated == NULL, b->cpu_isolated == NULL);
	if (a->cpu_isolated) {
		assert_memory_equal(a->cpu_isolated, b->cpu_isolated, a->nr_cpus * sizeof(bool));
	}
	assert_int_equal(a->nr_counters, b->nr_counters);
	for (size_t i = 0; i < a->nr_counters; i++) {
		const struct cw_sim_counter_desc *x = &a->counters[i], *y = &b->counters[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->rating, y->rating);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->params.width_bits, y->params.width_bits);
		assert_int_equal(x->params.freq_hz, y->params.freq_hz);
		assert_int_equal(x->params.drift_ppb, y->params.drift_ppb);
		assert_int_equal(x->params.jitter_cycles, y->params.jitter_cycles);
		assert_int_equal(x->params.start_value, y->params.start_value);
		assert_int_equal(x->params.stops_in_suspend, y->params.stops_in_suspend);
		assert_int_equal(x->params.stops_in_deep_idle, y->params.stops_in_deep_idle);
		assert_int_equal(x->nr_drift_changes, y->nr_drift_changes);
		assert_memory_equal(x->drift_changes, y->drift_changes,
				    x->nr_drift_changes * sizeof(x->drift_changes[0]));
	}
	assert_int_equal(a->nr_timers, b->nr_timers);
	for (size_t i = 0; i < a->nr_timers; i++) {
		const struct cw_sim_timer_desc *x = &a->timers[i], *y = &b->timers[i];

		assert_string_equal(x->name, y->name);
		assert_string_equal(x->compatible, y->compatible);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->freq_hz, y->freq_hz);
		assert_int_equal(x->width_bits, y->width_bits);
		assert_int_equal(x->rating, y->rating);
		assert_int_equal(x->irq, y->irq);
		assert_int_equal(x->min_delta_ticks, y->min_delta_ticks);
		assert_int_equal(x->max_delta_ticks, y->max_delta_ticks);
		assert_int_equal(x->c3stop, y->c3stop);
		assert_int_equal(x->channels, y->channels);
		assert_int_equal(x->erratum, y->erratum);
		assert_int_equal(x->clear_order, y->clear_order);
	}
	assert_int_equal(a->irq_latency_ns, b->irq_latency_ns);
	assert_int_equal(a->ipi_latency_ns, b->ipi_latency_ns);
	assert_int_equal(a->nr_irq_affinity, b->nr_irq_affinity);
	assert_memory_equal(a->irq_affinity, b->irq_affinity,
			    a->nr_irq_affinity * sizeof(a->irq_affinity[0]));
	assert_int_equal(a->nr_idle_states, b->nr_idle_states);
	for (unsigned i = 0; i < a->nr_idle_states; i++) {
		assert_string_equal(a->idle_states[i].name, b->idle_states[i].name);
		assert_int_equal(a->idle_states[i].deep, b->idle_states[i].deep);
		assert_int_equal(a->idle_states[i].exit_latency_ns,
				 b->idle_states[i].exit_latency_ns);
	}
	assert_int_equal(a->ignore_broadcast_busy, b->ignore_broadcast_busy);
	assert_int_equal(a->hz, b->hz);
	assert_int_equal(a->initial_jiffies, b->initial_jiffies);
	assert_int_equal(a->realtime_set, b->realtime_set);
	assert_int_equal(a->realtime_init_ns, b->realtime_init_ns);
	/* Truncated output is NUL-terminated and reports the full length. */
	assert_int_equal(cw_sim_machine_desc_format(a, out, 8), n);
	assert_int_equal(strlen(out), 7);
	free(out);
	cw_sim_machine_desc_free(a);
	cw_sim_machine_desc_free(b);
}

static void test_machine_format_round_trips(void **state)
{
	(void)state;
	check_round_trip(cw_sim_machine_default_text(), strlen(cw_sim_machine_default_text()),
			 "default");
	check_round_trip(every_key, strlen(every_key), "every_key");
	check_round_trip(timers_text, strlen(timers_text), "timers");
	check_round_trip(start_state_text, strlen(start_state_text), "start_state");
}

static const char *const example_files[] = {
	"default-soc.ini",    "minimal.ini",    "x86-tsc-hpet.ini",
	"cortex-a9-quad.ini", "numa-2node.ini",
};

static void test_machine_every_example_parses_and_round_trips(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(example_files) / sizeof(example_files[0]); i++) {
		char path[512], err[CW_SIM_ERR_MAX];
		struct cw_sim_machine_desc *m = NULL;
		size_t n;
		char *text;

		snprintf(path, sizeof(path), "%s/examples/machines/%s", CW_SOURCE_DIR,
			 example_files[i]);
		if (cw_sim_machine_desc_parse_file(path, &m, err, sizeof(err)) != 0) {
			fail_msg("%s", err);
		}
		n = cw_sim_machine_desc_format(m, NULL, 0);
		text = malloc(n + 1);
		assert_non_null(text);
		cw_sim_machine_desc_format(m, text, n + 1);
		check_round_trip(text, n, example_files[i]);
		free(text);
		cw_sim_machine_desc_free(m);
	}
}

/*
 * The canonical dump (cw_sim_machine_desc_format(), cwsim --dump-machine)
 * of every shipped machine is byte for byte its golden in
 * tests/data/machine-dumps/, written before the formatter was driven by
 * the schema table: the table-driven dump must not change what existing
 * machine files print. A deliberate change of the canonical form updates
 * the goldens (cwsim --machine X --dump-machine > tests/data/machine-dumps/X).
 */
static void test_machine_examples_dump_as_their_goldens(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(example_files) / sizeof(example_files[0]); i++) {
		char path[512], err[CW_SIM_ERR_MAX];
		struct cw_sim_machine_desc *m = NULL;
		char *text, *golden;
		size_t n, len;
		FILE *f;

		snprintf(path, sizeof(path), "%s/examples/machines/%s", CW_SOURCE_DIR,
			 example_files[i]);
		if (cw_sim_machine_desc_parse_file(path, &m, err, sizeof(err)) != 0) {
			fail_msg("%s", err);
		}
		n = cw_sim_machine_desc_format(m, NULL, 0);
		text = malloc(n + 1);
		assert_non_null(text);
		cw_sim_machine_desc_format(m, text, n + 1);

		snprintf(path, sizeof(path), "%s/tests/data/machine-dumps/%s", CW_SOURCE_DIR,
			 example_files[i]);
		f = fopen(path, "rb");
		if (!f) {
			fail_msg("no golden %s", path);
		}
		golden = malloc(n + 2);
		assert_non_null(golden);
		/* One byte more than the dump: a longer golden is a mismatch too. */
		len = fread(golden, 1, n + 1, f);
		fclose(f);
		golden[len] = '\0';
		if (len != n || memcmp(golden, text, n) != 0) {
			fail_msg(
				"%s dumps differently from its golden %s:\n--- golden\n%s\n--- now\n%s",
				example_files[i], path, golden, text);
		}
		free(golden);
		free(text);
		cw_sim_machine_desc_free(m);
	}
}

static void test_machine_default_text_matches_shipped_example(void **state)
{
	char path[512];
	const char *builtin = cw_sim_machine_default_text();
	size_t len = strlen(builtin);
	char *buf = malloc(len + 2);
	FILE *f;

	(void)state;
	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/examples/machines/default-soc.ini", CW_SOURCE_DIR);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, len + 1, f), len);
	fclose(f);
	assert_memory_equal(buf, builtin, len);
	free(buf);
}

static void test_machine_parse_file_reports_unreadable_file(void **state)
{
	struct cw_sim_machine_desc *m = (void *)1;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	assert_int_equal(cw_sim_machine_desc_parse_file("/nonexistent/m.ini", &m, err, sizeof(err)),
			 CW_EIO);
	assert_null(m);
	assert_non_null(strstr(err, "/nonexistent/m.ini: cannot open machine file"));
}

/* ---------------------------------------------------------------------- */
/* Malformed inputs */

#define MACH "[machine]\nname = m\ncpus = 4\n"   /* lines 1-3 */
#define TMR  "[lapic t]\nfreq = 1MHz\nirq = 5\n" /* 4-6 after MACH */
#define SECTIONS                                                                                   \
	"expected a section [machine], [system], [node N], [counter NAME], [irq], [idle] or a "    \
	"timer "                                                                                   \
	"[global_timer|arch_timer|tmu|hpet|lapic|pit NAME]"
#define CTR "[counter c]\nwidth = 32\nfreq = 1MHz\nrating = 100\n" /* 4-7 after MACH */

/** One malformed input: its text, the line blamed and part of the message. */
struct bad_case {
	const char *text;
	size_t len;
	unsigned line;
	const char *msg;
};

#define BAD(t, l, m)                                                                               \
	{                                                                                          \
		t, sizeof(t) - 1, l, m                                                             \
	}

static const struct bad_case bad_cases[] = {
	/* unknown key */
	BAD(MACH "frq = 1\n", 4,
	    "expected a key of [machine]: name, description, cpus (got 'frq')"),
	BAD(MACH CTR "freqency = 1MHz\n", 8,
	    "expected a key of [counter c]: width, freq, rating, "
	    "flags, drift, drift_at, jitter, start, wraps_after, stops_in_suspend, "
	    "stops_in_deep_idle "
	    "(got 'freqency')"),
	/* unknown section, malformed headers */
	BAD(MACH "[cpu 0]\n", 4, SECTIONS " (got '[cpu 0]')"),
	/* [system] and wraps_after: start states next to a boundary */
	BAD(MACH "[system]\nhz = 500\n", 5,
	    "expected a tick rate of 100, 250, 300 or 1000 (got '500')"),
	BAD(MACH "[system]\ninitial_jiffies = 0\n", 5,
	    "expected initial jiffies (0 is not allowed: leave the key out for Linux's "
	    "INITIAL_JIFFIES), 1..18446744073709551615 (got '0')"),
	BAD(MACH "[system]\ninitial_jiffies = 0x10000000000000000\n", 5,
	    "that fits in 64 bits (got '0x10000000000000000')"),
	BAD(MACH "[system]\nrealtime = 2038-02-30T00:00:00Z\n", 5,
	    "expected a REALTIME at boot such as 2038-01-19T03:14:07Z or 2147483647.5s (got "
	    "'2038-02-30T00:00:00Z')"),
	BAD(MACH "[system]\nrealtime = 2100-02-29T00:00:00Z\n", 5, "(got '2100-02-29T00:00:00Z')"),
	BAD(MACH "[system]\nrealtime = 1969-12-31T23:59:59Z\n", 5, "(got '1969-12-31T23:59:59Z')"),
	BAD(MACH "[system]\nrealtime = 2038-01-19T03:14:07\n", 5, "(got '2038-01-19T03:14:07')"),
	BAD(MACH "[system]\nrealtime = 2038-01-19T03:14:60Z\n", 5, "(got '2038-01-19T03:14:60Z')"),
	BAD(MACH "[system]\nrealtime = 2262-04-11T23:47:16.854775808Z\n", 5,
	    "expected a REALTIME at boot up to KTIME_MAX, 2262-04-11T23:47:16.854775807Z "
	    "(9223372036.854775807s)"),
	BAD(MACH "[system]\nrealtime = 9223372036.854775808s\n", 5, "up to KTIME_MAX"),
	BAD(MACH "[system]\nrealtime = 2038-01-19T03:14:07.0000000001Z\n", 5,
	    "expected a REALTIME at boot"),
	BAD(MACH "[system]\nrealtime = 12\n", 5, "expected a REALTIME at boot"),
	BAD(MACH "[system]\n[system]\n", 5,
	    "expected one [system] section (got a second; the first is at line 4)"),
	BAD(MACH "[system x]\n", 4, "expected [system] without an argument (got '[system x]')"),
	BAD(MACH "[system]\ntick = 1\n", 5,
	    "expected a key of [system]: hz, initial_jiffies, realtime (got 'tick')"),
	BAD(MACH "[counter c]\nwidth = 16\nfreq = 1MHz\nrating = 100\nwraps_after = 66ms\n", 8,
	    "expected a wraps_after of at least one cycle and at most one wrap period of "
	    "[counter c] (16 bits at 1000000 Hz wrap every 65536000 ns; got 66000000 ns)"),
	BAD(MACH "[counter c]\nwidth = 16\nfreq = 1MHz\nrating = 100\nwraps_after = 999ns\n", 8,
	    "(16 bits at 1000000 Hz wrap every 65536000 ns; got 999 ns)"),
	BAD(MACH "[counter c]\nwidth = 16\nwraps_after = 1ms\nfreq = 1MHz\nrating = 100\n"
		 "start = 1\n",
	    9, "expected either start or wraps_after in [counter c] (got both)"),
	BAD(MACH "[counter a b]\n", 4, SECTIONS " (got '[counter a b]')"),
	BAD("[machine\n", 1, "expected a section header ending in ']' (got '[machine')"),
	BAD("[machine x]\n", 1, "expected [machine] without an argument (got '[machine x]')"),
	BAD(MACH "[node x]\n", 4,
	    "expected a node number: [node N] with N in 0..4095 (got '[node x]')"),
	/* counter without a name, bad names */
	BAD(MACH "[counter]\n", 4, "expected a counter name: [counter NAME] (got '[counter]')"),
	BAD(MACH "[counter jiffies]\n", 4, "expected a counter name other than 'jiffies'"),
	BAD(MACH "[counter a_name_that_is_far_too_long_to_be_one]\n", 4,
	    "expected a counter name of 1..31 characters"),
	BAD("[machine]\nname = a b\ncpus = 1\n", 2,
	    "expected a machine name of letters, digits, "
	    "'_', '-' and '.' (got 'a b')"),
	/* bad numbers */
	BAD(MACH CTR "jitter = 1x\n", 8, "expected a jitter in cycles, 0..4294967295 (got '1x')"),
	BAD(MACH "[counter c]\nwidth = 0x\n", 5, "expected a width in bits, 16..64 (got '0x')"),
	BAD(MACH CTR "start = 99999999999999999999\n", 8,
	    "expected a start value that fits in 64 bits (got '99999999999999999999')"),
	BAD(MACH CTR "drift_at = 99999999999s 1ppm\n", 8,
	    "expected a time such as 3s or 2.5ms that fits in 64 bits (got '99999999999s')"),
	BAD("[machine]\nname = m\ncpus = 0\n", 3, "expected a number of CPUs, 1..4096 (got '0')"),
	BAD("[machine]\nname = m\ncpus = 4097\n", 3,
	    "expected a number of CPUs, 1..4096 (got '4097')"),
	BAD(MACH "[counter c]\nrating = 500\n", 5, "expected a rating, 1..499 (got '500')"),
	BAD(MACH "[counter c]\nfreq = 0Hz\n", 5,
	    "expected a frequency above 0 Hz and at most 100GHz (got '0Hz')"),
	/* bad units and inexact values */
	BAD(MACH "[counter c]\nwidth = 32\nfreq = 24Mhz\n", 6,
	    "expected a frequency such as 24MHz "
	    "or 3.579545 MHz with a unit (Hz, kHz, MHz, GHz) (got '24Mhz')"),
	BAD(MACH "[counter c]\nfreq = 24\n", 5, "with a unit (Hz, kHz, MHz, GHz) (got '24')"),
	BAD(MACH "[counter c]\nfreq = 1.5Hz\n", 5, "in whole Hz (got '1.5Hz')"),
	BAD(MACH CTR "drift = 0.0001ppm\n", 8, "in whole ppb (got '0.0001ppm')"),
	BAD(MACH CTR "drift = 12%\n", 8, "with a unit (ppm, ppb) (got '12%')"),
	BAD(MACH CTR "drift = 1000000ppm\n", 8, "expected a drift within +-999999.999ppm"),
	/* width out of range */
	BAD(MACH "[counter c]\nwidth = 8\n", 5, "expected a width in bits, 16..64 (got '8')"),
	BAD(MACH "[counter c]\nwidth = 65\n", 5, "expected a width in bits, 16..64 (got '65')"),
	/* missing keys, blamed on the section's line */
	BAD(MACH "[counter c]\nwidth = 32\nrating = 100\n", 4,
	    "expected key 'freq' in [counter c] (got none)"),
	BAD(MACH CTR "[counter d]\nfreq = 1MHz\n", 8,
	    "expected key 'width' in [counter d] (got none)"),
	BAD("[machine]\nname = m\n", 1, "expected key 'cpus' in [machine] (got none)"),
	BAD(MACH "[node 0]\n", 4, "expected key 'cpus' in [node 0] (got none)"),
	BAD("[counter c]\nwidth = 32\nfreq = 1MHz\nrating = 100\n", 4,
	    "expected a [machine] section (got none)"),
	BAD("", 1, "expected a [machine] section (got none)"),
	/* duplicates */
	BAD(MACH CTR "width = 64\n", 8,
	    "expected key 'width' once in [counter c] (got it again; "
	    "the first is at line 5)"),
	BAD(MACH "[machine]\n", 4,
	    "expected one [machine] section (got a second; the first is at "
	    "line 1)"),
	BAD(MACH CTR "[counter c]\n", 8,
	    "expected each counter name once (got 'c' again; the first "
	    "is at line 4)"),
	BAD(MACH "[node 0]\ncpus = 0-3\n[node 0]\n", 6,
	    "expected each node once (got [node 0] "
	    "again; the first is at line 4)"),
	BAD(MACH CTR "flags = continuous, continuous\n", 8, "expected each flag once"),
	/* key outside a section, empty value, garbage */
	BAD("name = m\n" MACH, 1,
	    "expected a section header such as [machine] before the first key "
	    "(got 'name')"),
	BAD(MACH "[counter c]\nwidth =\n", 5, "expected a value for 'width' (got nothing)"),
	BAD(MACH "[counter c]\nwidth = # comment only\n", 5,
	    "expected a value for 'width' (got nothing)"),
	BAD(MACH "hello world\n", 4,
	    "expected 'key = value', '[section]' or a comment "
	    "(got 'hello world')"),
	BAD(MACH "= 5\n", 4,
	    "expected a key of lower-case letters, digits and '_' before '=' (got '')"),
	BAD(MACH "Width = 3\n", 4,
	    "expected a key of lower-case letters, digits and '_' before '=' "
	    "(got 'Width')"),
	BAD(MACH "name\0 = x\n", 4, "expected text (got a NUL byte)"),
	/* values that conflict with other keys or sections */
	BAD(MACH "[counter c]\nwidth = 16\nfreq = 1MHz\nrating = 100\nstart = 0x10000\n", 8,
	    "expected a start value within the counter's 16 bits (at most 0xffff) (got 0x10000)"),
	BAD(MACH "[counter c]\nwidth = 16\nfreq = 1MHz\nrating = 100\njitter = 5000\n", 8,
	    "expected a jitter of at most 1/16 of the counter range, 4095 cycles (got 5000)"),
	BAD(MACH CTR "flags = suspend_nonstop\nstops_in_suspend = yes\n", 9,
	    "expected either flag suspend_nonstop or stops_in_suspend = yes in [counter c]"),
	BAD(MACH CTR "drift_at = 3s 1ppm\ndrift_at = 2s 0ppm\n", 9,
	    "expected drift_at times in increasing order (got '2s 0ppm')"),
	BAD(MACH CTR "drift_at = 3s\n", 8,
	    "expected 'drift_at = TIME DRIFT' such as '3s 20000ppm' "
	    "(got '3s')"),
	BAD(MACH CTR "drift_at = 3s fast\n", 8,
	    "expected a drift such as 12.5ppm or -300ppb "
	    "(got 'fast')"),
	BAD(MACH CTR "stops_in_suspend = maybe\n", 8, "expected yes or no (got 'maybe')"),
	BAD(MACH CTR "flags = continuous, fast\n", 8,
	    "expected flags from continuous, must_verify, "
	    "suspend_nonstop or none (got 'continuous, fast')"),
	/* NUMA nodes */
	BAD(MACH "[node 0]\ncpus = 0-4\n", 4,
	    "expected CPUs 0..3 in [node 0] (got CPU 4; the "
	    "machine has 4)"),
	BAD(MACH "[node 0]\ncpus = 0-2\n[node 1]\ncpus = 2-3\n", 6,
	    "expected each CPU in one node "
	    "(got CPU 2 in [node 0] and [node 1])"),
	BAD(MACH "[node 0]\ncpus = 0-2\n", 1,
	    "expected every CPU in a [node] section (got CPU 3 in "
	    "none)"),
	BAD(MACH "[node 0]\ncpus = 3-1\n", 5, "expected a CPU range written low-high (got '3-1')"),
	BAD(MACH "[node 0]\ncpus = 0-\n", 5, "expected a CPU list such as 0-3,8"),
	BAD(MACH "[node 0]\ncpus = 0,,1\n", 5, "expected a CPU list such as 0-3,8"),
	BAD(MACH "[node 0]\ncpus = 0-3\nisolated = 2,5\n", 4,
	    "expected isolated CPUs of [node 0] among its cpus (got CPU 5)"),
	BAD(MACH "[node 0]\ncpus = 0-3\nisolated = 1-\n", 6, "expected a CPU list such as 0-3,8"),
	BAD(MACH "[node 0]\ncpus = 0-3\ncapacity_class = 1 2,9\n", 4,
	    "expected capacity_class CPUs of [node 0] among its cpus (got CPU 9)"),
	BAD(MACH "[node 0]\ncpus = 0-3\ncapacity_class = 16 2\n", 6,
	    "expected 'capacity_class = CLASS LIST' such as '1 4-7' (CLASS 1..15)"),
	BAD(MACH "[node 0]\ncpus = 0-3\ncapacity_class = 2-3\n", 6,
	    "expected 'capacity_class = CLASS LIST'"),
	/* timer sections */
	BAD(MACH "[lapic]\n", 4, "expected a timer name: [lapic NAME] (got '[lapic]')"),
	BAD(MACH "[tmu a:b]\n", 4, "expected a timer name of letters, digits, '_', '-' and '.'"),
	BAD(MACH "[lapic t]\nirq = 5\n", 4, "expected key 'freq' in [lapic t] (got none)"),
	BAD(MACH "[pit t]\nfreq = 1.193182MHz\n", 4, "expected key 'irq' in [pit t] (got none)"),
	BAD(MACH TMR "channels = 2\n", 7,
	    "expected a key of [lapic t]: compatible, freq, width, rating, irq, min_delta, "
	    "max_delta, c3stop (got 'channels')"),
	BAD(MACH "[hpet h]\nerratum = yes\n", 5,
	    "expected a key of [hpet h]: compatible, freq, width, rating, irq, min_delta, "
	    "max_delta, c3stop, channels (got 'erratum')"),
	BAD(MACH "[global_timer g]\nchannels = 2\n", 5,
	    "expected a key of [global_timer g]: compatible, freq, width, rating, irq, min_delta, "
	    "max_delta, c3stop, erratum, clear_order (got 'channels')"),
	BAD(MACH "[global_timer g]\nclear_order = later\n", 5,
	    "expected compare_first, flag_first or oneshot_only (got 'later')"),
	BAD(MACH "[tmu t]\nchannels = 33\n", 5, "expected a number of channels, 1..32 (got '33')"),
	BAD(MACH "[tmu t]\nchannels = 0\n", 5, "expected a number of channels, 1..32 (got '0')"),
	BAD(MACH TMR "irq = 6\n", 7,
	    "expected key 'irq' once in [lapic t] (got it again; the first is at line 6)"),
	BAD(MACH "[lapic t]\nirq = 1024\n", 5,
	    "expected an interrupt number, 0..1023 (got '1024')"),
	BAD(MACH TMR "rating = 0\n", 7, "expected a rating, 1..499 (got '0')"),
	BAD(MACH "[hpet h]\nfreq = 1MHz\nirq = 0\n", 6,
	    "expected an interrupt number of 1..1023 in [hpet h] (got 0: line 0 is the PIT's)"),
	BAD(MACH TMR "c3stop = sometimes\n", 7, "expected yes or no (got 'sometimes')"),
	BAD(MACH TMR "compatible = intel lapic\n", 7,
	    "expected a compatible string of letters, digits, ',', '_', '-', '.' "
	    "(got 'intel lapic')"),
	BAD(MACH TMR "width = 16\nmax_delta = 0x10000\n", 8,
	    "expected a max_delta within the timer's 16 bits (at most 0xffff; got 0x10000)"),
	BAD(MACH TMR "min_delta = 100\nmax_delta = 50\n", 7,
	    "expected min_delta <= max_delta in [lapic t] (got 0x64 > 0x32)"),
	BAD(MACH TMR "min_delta = 0\n", 7,
	    "expected a minimum delta in cycles, 1..18446744073709551615 (got '0')"),
	BAD(MACH TMR "[pit t]\n", 7,
	    "expected each timer name once (got 't' again; the first is at line 4)"),
	BAD(MACH TMR "[pit p]\nfreq = 1MHz\nirq = 5\n", 7,
	    "expected a distinct interrupt for timer 'p' (got irq 5, used by 't' at line 4)"),
	BAD(MACH "[tmu t]\nfreq = 1MHz\nirq = 10\nchannels = 3\n[pit p]\nfreq = 1MHz\nirq = 12\n",
	    8, "expected a distinct interrupt for timer 'p' (got irq 12, used by 't' at line 4)"),
	BAD(MACH "[hpet h]\nfreq = 1MHz\nirq = 1022\nchannels = 3\n", 4,
	    "expected interrupts 0..1023 for the 3 channels of 'h' (got 1022..1024)"),
	/* [irq] */
	BAD(MACH "[irq 1]\n", 4, "expected [irq] without an argument (got '[irq 1]')"),
	BAD(MACH "[irq]\n[irq]\n", 5,
	    "expected one [irq] section (got a second; the first is at line 4)"),
	BAD(MACH "[irq]\nlatency = 5\n", 5,
	    "expected a time such as 3s or 2.5ms with a unit (ns, us, ms, s) (got '5')"),
	BAD(MACH "[irq]\naffinity = 40\n", 5,
	    "expected 'affinity = IRQ CPU' such as '40 1' (IRQ 0..1023) (got '40')"),
	BAD(MACH "[irq]\naffinity = 40 x\n", 5, "expected 'affinity = IRQ CPU' such as '40 1'"),
	BAD(MACH "[irq]\naffinity = 40 1\naffinity = 40 2\n", 6,
	    "expected one affinity line per interrupt (got '40 2')"),
	BAD(MACH "[irq]\naffinity = 40 4\n", 4,
	    "expected affinity CPUs 0..3 in [irq] (got CPU 4 for irq 40)"),
	BAD(MACH "[irq]\ncpu = 1\n", 5,
	    "expected a key of [irq]: latency, ipi_latency, affinity (got 'cpu')"),
	/* [idle] */
	BAD(MACH "[idle]\nstate = c3 deep\n", 5,
	    "expected 'state = NAME shallow|deep EXIT_LATENCY [POWER]' such as 'c3 deep 50us' "
	    "or 'c3 deep 50us 20mW' (got 'c3 deep')"),
	BAD(MACH "[idle]\nstate = c3 deeper 50us\n", 5,
	    "expected an idle state depth: shallow or deep (got 'deeper')"),
	BAD(MACH "[idle]\nstate = c3 deep 50\n", 5, "with a unit (ns, us, ms, s) (got '50')"),
	BAD(MACH "[idle]\nstate = c3 deep 5us\nstate = c3 shallow 1us\n", 6,
	    "expected each idle state name once (got 'c3 shallow 1us')"),
	BAD(MACH "[idle]\nstate = a_very_long_state_name deep 1us\n", 5,
	    "expected an idle state name of 1..15 characters"),
	BAD(MACH "[idle]\nstate = c3 deep 1us extra\n", 5,
	    "expected a power such as 1.2W or 350mW (got 'extra')"),
	BAD(MACH "[idle]\nstate = c3 deep 1us 1W extra\n", 5,
	    "expected 'state = NAME shallow|deep EXIT_LATENCY [POWER]'"),
	BAD(MACH "[idle]\nignore_broadcast_busy = perhaps\n", 5,
	    "expected yes or no (got 'perhaps')"),
	BAD(MACH "[idle]\n[idle]\n", 5,
	    "expected one [idle] section (got a second; the first is at line 4)"),
	BAD(MACH "[idle]\ns1 = a shallow 1us\n", 5,
	    "expected a key of [idle]: state, ignore_broadcast_busy, active_power, wakeup_energy (got 's1')"),
};

static void check_bad_case(const struct bad_case *bc, size_t index)
{
	struct cw_sim_machine_desc *m = (void *)1;
	char err[CW_SIM_ERR_MAX] = "";
	char prefix[64];
	int ret;

	ret = cw_sim_machine_desc_parse_mem(bc->text, bc->len, "bad.ini", &m, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), "bad.ini:%u: ", bc->line);
	if (ret != CW_EINVAL || strncmp(err, prefix, strlen(prefix)) != 0 ||
	    !strstr(err, bc->msg)) {
		fail_msg("case %zu: ret %d, message\n  '%s'\nwanted prefix '%s' and\n  '%s'", index,
			 ret, err, prefix, bc->msg);
	}
	assert_null(m);
	/* A NULL or tiny error buffer is fine too. */
	assert_int_equal(cw_sim_machine_desc_parse_mem(bc->text, bc->len, "bad.ini", &m, NULL, 0),
			 CW_EINVAL);
	assert_int_equal(cw_sim_machine_desc_parse_mem(bc->text, bc->len, "bad.ini", &m, err, 4),
			 CW_EINVAL);
	assert_true(strlen(err) < 4);
}

/* isolated = LIST and capacity_class = CLASS LIST in a [node N] (timer migration). */
static void test_machine_isolated_cpus(void **state)
{
	static const char text[] = "[machine]\nname = iso\ncpus = 8\n"
				   "[node 0]\ncpus = 0-3\nisolated = 3\ncapacity_class = 1 2-3\n"
				   "[node 1]\ncpus = 4-7\nisolated = 4,6-7\ncapacity_class = 2 5\n"
				   "capacity_class = 1 6\n";
	static const unsigned want_class[8] = { 0, 0, 1, 1, 0, 2, 1, 0 };
	struct cw_sim_machine_desc *m = NULL;
	char err[256], out[1024];
	static const bool want[8] = { false, false, false, true, true, false, true, true };

	(void)state;
	if (cw_sim_machine_desc_parse_mem(text, sizeof(text) - 1, "iso.ini", &m, err,
					  sizeof(err)) != 0) {
		fail_msg("%s", err);
	}
	assert_non_null(m->cpu_isolated);
	assert_memory_equal(m->cpu_isolated, want, sizeof(want));
	assert_int_equal(m->nodes[1].nr_isolated, 3);
	assert_non_null(m->cpu_capacity_class);
	assert_memory_equal(m->cpu_capacity_class, want_class, sizeof(want_class));
	assert_true(cw_sim_machine_desc_format(m, out, sizeof(out)) < sizeof(out));
	assert_non_null(strstr(out, "[node 1]\ncpus = 4-7\nisolated = 4,6-7\ncapacity_class = 1 6\n"
				    "capacity_class = 2 5\n"));
	cw_sim_machine_desc_free(m);
}

static void test_machine_malformed_inputs_give_file_line_errors(void **state)
{
	(void)state;
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 10);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		check_bad_case(&bad_cases[i], i);
	}
}

static void test_machine_overlong_line_is_an_error(void **state)
{
	char text[2100];
	struct cw_sim_machine_desc *m = NULL;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	snprintf(text, sizeof(text), "%s", MACH "description = ");
	memset(text + strlen(text), 'x', 1500);
	text[sizeof(MACH "description = ") - 1 + 1500] = '\0';
	assert_int_equal(
		cw_sim_machine_desc_parse_mem(text, strlen(text), "long.ini", &m, err, sizeof(err)),
		CW_EINVAL);
	assert_string_equal(err,
			    "long.ini:4: expected a line of at most 1023 characters (got 1514)");
	/* A long description that fits on a line is still capped. */
	text[sizeof(MACH "description = ") - 1 + 200] = '\0';
	assert_int_equal(
		cw_sim_machine_desc_parse_mem(text, strlen(text), "long.ini", &m, err, sizeof(err)),
		CW_EINVAL);
	assert_non_null(
		strstr(err, "long.ini:4: expected a description of at most 127 characters"));
	/* Quoted excerpts are bounded and printable. */
	assert_true(strlen(err) < 200);
}

/* Seeded mutation run: damaged files never crash or leak; those that still
 * parse also format and re-parse. */
static void mutate(struct cw_sim *rng, char *buf, size_t *len, size_t cap)
{
	static const char alphabet[] = "[]=#;,.-0123456789xsMHzkGpbmu \t\n\r\0abcdefghij_";
	size_t pos = *len ? (size_t)cw_sim_random_below(rng, *len) : 0;

	switch (cw_sim_random_below(rng, 4)) {
	case 0: /* overwrite a byte */
		if (*len) {
			buf[pos] = alphabet[cw_sim_random_below(rng, sizeof(alphabet) - 1)];
		}
		break;
	case 1: /* delete a byte */
		if (*len) {
			memmove(buf + pos, buf + pos + 1, *len - pos - 1);
			(*len)--;
		}
		break;
	case 2: /* insert a byte */
		if (*len < cap) {
			memmove(buf + pos + 1, buf + pos, *len - pos);
			buf[pos] = alphabet[cw_sim_random_below(rng, sizeof(alphabet) - 1)];
			(*len)++;
		}
		break;
	default: /* truncate */
		*len = pos;
		break;
	}
}

static void test_machine_mutated_inputs_never_crash(void **state)
{
	/* The default machine, and one with [system] and wraps_after (dates, start values). */
	const char *bases[] = { cw_sim_machine_default_text(), start_state_text };
	size_t cap = strlen(bases[0]) + strlen(bases[1]) + 64;
	char *buf = malloc(cap);
	struct cw_sim *rng = NULL;
	unsigned parsed = 0, failed = 0;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(cw_sim_create(20240601, &rng), 0);
	for (int iter = 0; iter < 3000; iter++) {
		struct cw_sim_machine_desc *m = NULL;
		const char *base = bases[iter % 2];
		char err[CW_SIM_ERR_MAX];
		size_t len = strlen(base);
		int nmut = 1 + (int)cw_sim_random_below(rng, 4);

		memcpy(buf, base, len);
		for (int k = 0; k < nmut; k++) {
			mutate(rng, buf, &len, cap);
		}
		if (cw_sim_machine_desc_parse_mem(buf, len, "fuzz.ini", &m, err, sizeof(err)) ==
		    0) {
			parsed++;
			check_round_trip(buf, len, "fuzz.ini");
			/* The physical checks take any parsed machine (a verdict, never a crash).
			 */
			(void)cw_sim_machine_desc_check(m, 100, 1, NULL, NULL);
			(void)cw_sim_machine_desc_check(m, 1000, 0, NULL, NULL);
			cw_sim_machine_desc_free(m);
		} else {
			failed++;
			assert_null(m);
			assert_true(strncmp(err, "fuzz.ini:", 9) == 0);
			assert_non_null(strstr(err, ": expected "));
		}
	}
	/* Both outcomes occur, so the run exercised parsing and errors. */
	assert_true(parsed > 100);
	assert_true(failed > 100);
	cw_sim_destroy(rng);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_machine_default_text_parses_to_default_soc),
		cmocka_unit_test(test_machine_every_key_parses),
		cmocka_unit_test(test_machine_without_nodes_has_one_node_with_every_cpu),
		cmocka_unit_test(test_machine_duration_parser),
		cmocka_unit_test(test_machine_system_section_and_wraps_after_place_start_states),
		cmocka_unit_test(test_counter_start_for_wrap),
		cmocka_unit_test(test_machine_timer_irq_and_idle_sections_parse_with_kind_defaults),
		cmocka_unit_test(test_machine_format_round_trips),
		cmocka_unit_test(test_machine_every_example_parses_and_round_trips),
		cmocka_unit_test(test_machine_default_text_matches_shipped_example),
		cmocka_unit_test(test_machine_parse_file_reports_unreadable_file),
		cmocka_unit_test(test_machine_malformed_inputs_give_file_line_errors),
		cmocka_unit_test(test_machine_isolated_cpus),
		cmocka_unit_test(test_machine_overlong_line_is_an_error),
		cmocka_unit_test(test_machine_mutated_inputs_never_crash),
		cmocka_unit_test(test_machine_schema_lists_the_keys_the_parser_takes),
		cmocka_unit_test(test_machine_schema_defaults_are_the_parsers),
		cmocka_unit_test(test_machine_examples_dump_as_their_goldens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
