/* SPDX-License-Identifier: MIT */
/*
 * One source of defaults per timer kind: a model created from a machine
 * file section that gives only the required keys (freq, irq) and the same
 * model created through the API with only those parameters must register
 * the same clock event devices (rating, min and max delta, features,
 * frequency, device count, compatible). Before, the machine-file parser
 * had a defaults table of its own that disagreed with the models' (HPET
 * min delta 32 vs 128 cycles, PIT rating 40 vs 125 and min delta 1 vs 15,
 * TMU min delta 1 vs 768, max delta of five kinds): this test failed for
 * all six kinds.
 */
#include <clockwork/clockwork.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim.h>
#include <clockwork/sim_hw.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/** What a registered device says about its defaults. */
struct seen {
	unsigned nr_devices;
	char compatible[48];
	int rating;
	uint64_t min_delta_ticks;
	uint64_t max_delta_ticks;
	unsigned features;
	uint64_t freq_hz;
};

static void record(struct cw_sim_hw_timer *t, struct seen *s)
{
	struct cw_clock_event_device *dev = cw_sim_hw_timer_device(t, 0);

	assert_non_null(dev);
	s->nr_devices = cw_sim_hw_timer_nr_devices(t);
	snprintf(s->compatible, sizeof(s->compatible), "%s", cw_sim_hw_timer_compatible(t));
	s->rating = dev->rating;
	s->min_delta_ticks = dev->min_delta_ticks;
	s->max_delta_ticks = dev->max_delta_ticks;
	s->features = dev->features;
	s->freq_hz = dev->freq_hz;
}

/* A machine from @text, booted. */
static void boot_machine(const char *text, struct cw_sim **sim, struct cw_sim_machine **m)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg = { 0 };
	char err[CW_SIM_ERR_MAX];

	if (cw_sim_machine_desc_parse_mem(text, strlen(text), "kinds.ini", &d, err, sizeof(err))) {
		fail_msg("%s", err);
	}
	assert_int_equal(cw_sim_create(1, sim), 0);
	assert_int_equal(cw_sim_machine_create(*sim, d, &cfg, NULL, NULL, m), 0);
	assert_int_equal(cw_sim_machine_boot(*m), 0);
	cw_sim_machine_desc_free(d);
}

static const char base[] =
	"[machine]\nname = kinds\ncpus = 2\n"
	"[counter c]\nwidth = 64\nfreq = 1GHz\nrating = 300\nflags = continuous\n";

static void test_each_kind_has_one_set_of_defaults(void **state)
{
	static const struct {
		enum cw_sim_timer_kind kind;
		enum cw_sim_hw_timer_type type;
		uint64_t freq_hz;
		unsigned irq;
	} kinds[] = {
		{ CW_SIM_TIMER_GLOBAL_TIMER, CW_SIM_HW_GLOBAL_TIMER, 100000000, 27 },
		{ CW_SIM_TIMER_ARCH_TIMER, CW_SIM_HW_ARCH_TIMER, 24000000, 30 },
		{ CW_SIM_TIMER_TMU, CW_SIM_HW_TMU, 12500000, 40 },
		{ CW_SIM_TIMER_HPET, CW_SIM_HW_HPET, 14318180, 2 },
		{ CW_SIM_TIMER_LAPIC, CW_SIM_HW_LAPIC, 100000000, 236 },
		{ CW_SIM_TIMER_PIT, CW_SIM_HW_PIT, 1193182, 0 },
	};
	unsigned mismatches = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *section = cw_sim_timer_kind_name(kinds[i].kind);
		struct cw_sim_hw_timer_params p = { 0 };
		struct seen file = { 0 }, api = { 0 };
		struct cw_sim_machine *m;
		struct cw_sim_hw_timer *t;
		struct cw_sim *sim;
		char text[1024];

		/* The machine file: only the required keys. */
		snprintf(text, sizeof(text), "%s[%s t]\nfreq = %lluHz\nirq = %u\n", base, section,
			 (unsigned long long)kinds[i].freq_hz, kinds[i].irq);
		boot_machine(text, &sim, &m);
		assert_int_equal(cw_sim_machine_nr_timers(m), 1);
		record(cw_sim_machine_timer_at(m, 0), &file);
		cw_sim_machine_destroy(m);
		cw_sim_destroy(sim);

		/* The API: only the same parameters, on a machine without timers. */
		boot_machine(base, &sim, &m);
		p.type = kinds[i].type;
		p.name = "t";
		p.freq_hz = kinds[i].freq_hz;
		p.irq = (int)kinds[i].irq;
		assert_int_equal(cw_sim_hw_timer_create(cw_sim_machine_hw(m), &p, &t), 0);
		assert_int_equal(cw_sim_hw_timer_register(t), 0);
		record(t, &api);
		cw_sim_machine_destroy(m);
		cw_sim_destroy(sim);

		print_message(
			"%-12s file: rating %d min %llu max 0x%llx features 0x%x, %u devices | "
			"api: rating %d min %llu max 0x%llx features 0x%x, %u devices\n",
			section, file.rating, (unsigned long long)file.min_delta_ticks,
			(unsigned long long)file.max_delta_ticks, file.features, file.nr_devices,
			api.rating, (unsigned long long)api.min_delta_ticks,
			(unsigned long long)api.max_delta_ticks, api.features, api.nr_devices);
		if (file.rating != api.rating || file.min_delta_ticks != api.min_delta_ticks ||
		    file.max_delta_ticks != api.max_delta_ticks || file.features != api.features ||
		    file.freq_hz != api.freq_hz || file.nr_devices != api.nr_devices ||
		    strcmp(file.compatible, api.compatible) != 0) {
			mismatches++;
		}
	}
	assert_int_equal(mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_kind_has_one_set_of_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
