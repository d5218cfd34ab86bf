/* SPDX-License-Identifier: MIT */
/*
 * The claim API on modelled SoCs: the per-CPU pool at boot (CPUs the
 * drivers left without a channel tick through the broadcast on a dummy),
 * and the NIC demonstration (docs/claim.md, src/port/sim/nic.c):
 * the [nic] workload section parses and rejects bad input with file:line
 * errors; each policy runs on a modelled SoC (the claim policy on its spare
 * TMU channel, which the tick layer never uses meanwhile) with the
 * interrupt, latency and drop figures its model implies; the same seed
 * gives the same numbers.
 */
#include "cw_test.h"

#include <clockwork/claim.h>
#include <clockwork/driver/clockevent.h>
#include <clockwork/sim_hw.h>

#include <stdlib.h>

/* Two CPUs with C3STOP local timers, two TMU channels (tmu.0 broadcast, tmu.1 spare). */
static const char machine_text[] = "[machine]\n"
				   "name = nic\n"
				   "cpus = 2\n"
				   "[counter sys]\n"
				   "width = 64\n"
				   "freq = 24MHz\n"
				   "rating = 300\n"
				   "flags = continuous\n"
				   "[arch_timer local]\n"
				   "freq = 24MHz\n"
				   "irq = 30\n"
				   "c3stop = yes\n"
				   "[tmu tmu]\n"
				   "freq = 12.5MHz\n"
				   "irq = 40\n"
				   "channels = 2\n"
				   "[irq]\n"
				   "latency = 1us\n"
				   "[idle]\n"
				   "state = wfi shallow 1us\n";

#define WL_HEAD                                                                                    \
	"[workload]\nbusy = exponential 20ms\nidle = exponential 2ms\nidle_state = shallow\n"

static char *nic_text(const char *policy, const char *packets, const char *queue)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 WL_HEAD "[nic]\npolicy = %s\ncpu = 1\npackets = %s\npoll = 50us\nqueue = %s\n"
			 "irq_cost = 2us\npacket_cost = 500ns\n",
		 policy, packets, queue);
	return buf;
}

struct nic_run {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
};

/* The same machine with one TMU channel: it is the broadcast device, none is spare. */
static char *machine_no_spare(void)
{
	static char buf[sizeof(machine_text)];

	snprintf(buf, sizeof(buf), "%s", machine_text);
	memcpy(strstr(buf, "channels = 2"), "channels = 1", 12);
	return buf;
}

static const char *machine = machine_text;

static int nic_start(struct nic_run *r, const char *text, uint64_t seed, char *err, size_t len)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w = NULL;
	int ret;

	assert_int_equal(cw_sim_workload_parse_mem(text, strlen(text), "nic.ini", &w, err, len), 0);
	assert_int_equal(cw_sim_create(seed, &r->sim), 0);
	assert_int_equal(
		cw_sim_machine_desc_parse_mem(machine, strlen(machine), "m.ini", &d, err, len), 0);
	assert_int_equal(cw_sim_machine_create(r->sim, d, NULL, NULL, NULL, &r->m), 0);
	cw_sim_machine_desc_free(d);
	assert_int_equal(cw_sim_machine_boot(r->m), 0);
	ret = cw_sim_machine_start_workload(r->m, w, err, len);
	cw_sim_workload_desc_free(w);
	return ret;
}

static void nic_end(struct nic_run *r)
{
	cw_sim_machine_destroy(r->m);
	cw_sim_destroy(r->sim);
}

/* Run @text for @ns of virtual time and return the NIC's figures. */
static struct cw_sim_nic_stats nic_run(const char *text, uint64_t seed, uint64_t ns)
{
	struct nic_run r;
	struct cw_sim_nic_stats st;
	char err[CW_SIM_ERR_MAX];

	if (nic_start(&r, text, seed, err, sizeof(err))) {
		fail_msg("workload refused: %s", err);
	}
	cw_sim_run_until(r.sim, ns);
	assert_int_equal(cw_sim_machine_nic_stats(r.m, &st), 0);
	print_message("%-8s %-8s %7llu pkts %7llu irqs busy %5.2f%% p50 %7llu p99 %7llu max %7llu "
		      "drops %llu\n",
		      cw_sim_nic_policy_name(st.policy), st.channel, (unsigned long long)st.arrived,
		      (unsigned long long)st.interrupts,
		      100.0 * (double)st.busy_ns / (double)st.elapsed_ns,
		      (unsigned long long)st.p50_ns, (unsigned long long)st.p99_ns,
		      (unsigned long long)st.max_ns, (unsigned long long)st.dropped);
	nic_end(&r);
	return st;
}

/*
 * 4 CPUs without local timers, 2 TMU channels and a PIT whose interrupt
 * cannot be routed (so it can only be the broadcast device): CPUs 2 and 3
 * get no channel at boot. Before the pool's boot step they had no tick at
 * all; now each runs on its dummy, ticked by the PIT.
 */
static void test_pool_at_boot_gives_cpus_without_a_channel_a_dummy(void **state)
{
	static const char dry[] = "[machine]\nname = dry\ncpus = 4\n"
				  "[counter cnt]\nwidth = 56\nfreq = 24MHz\nrating = 300\n"
				  "flags = continuous\n"
				  "[tmu tmu]\nfreq = 12.5MHz\nirq = 40\nchannels = 2\n"
				  "[pit pit]\nfreq = 1193182Hz\nirq = 0\n";
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_machine *m;
	struct cw_sim *sim;
	struct cw_system *sys;
	struct cw_tick_cpu_stats st;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	assert_int_equal(cw_sim_create(1, &sim), 0);
	assert_int_equal(
		cw_sim_machine_desc_parse_mem(dry, strlen(dry), "dry.ini", &d, err, sizeof(err)),
		0);
	assert_int_equal(cw_sim_machine_create(sim, d, NULL, NULL, NULL, &m), 0);
	cw_sim_machine_desc_free(d);
	assert_int_equal(cw_sim_machine_boot(m), 0);
	sys = cw_sim_machine_system(m);
	assert_string_equal(cw_tick_broadcast_device(sys)->name, "pit");
	for (unsigned cpu = 2; cpu < 4; cpu++) {
		struct cw_clock_event_device *dev = cw_tick_device(sys, cpu);

		assert_non_null(dev);
		assert_true(dev->features & CW_CLOCKEVENT_FEAT_DUMMY);
	}
	cw_sim_run_until(sim, SEC(2));
	for (unsigned cpu = 0; cpu < 4; cpu++) {
		assert_int_equal(cw_tick_get_cpu_stats(sys, cpu, &st), 0);
		print_message("CPU%u: %llu ticks, %llu from the broadcast\n", cpu,
			      (unsigned long long)st.ticks,
			      (unsigned long long)st.broadcast_wakeups);
		if (cpu >= 2) {
			assert_true(st.ticks >= 1990);
			assert_true(st.broadcast_wakeups >= 1990);
		}
	}
	cw_sim_machine_destroy(m);
	cw_sim_destroy(sim);
}

static void test_nic_section_rejects_bad_input_with_file_line(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ WL_HEAD "[nic]\npolicy = napi\n",
		  "nic.ini:6: expected a policy: irq, claim, hrtimer or tick (got 'napi')" },
		{ WL_HEAD "[nic]\npolicy = irq\npolicy = tick\n",
		  "nic.ini:7: expected key 'policy' once in this section (got it again; the first "
		  "is at line 6)" },
		{ WL_HEAD "[nic]\nqueue = 0\n",
		  "nic.ini:6: expected a ring size, 1..65536 (got '0')" },
		{ WL_HEAD "[nic]\nspeed = 10G\n",
		  "nic.ini:6: expected a key of [nic]: policy, cpu, packets, poll, queue, irq_cost, "
		  "packet_cost, fallback (got 'speed')" },
		{ WL_HEAD "[nic]\nfallback = maybe\n",
		  "nic.ini:6: expected yes or no (got 'maybe')" },
		{ WL_HEAD "[nic]\npacket_cost = 500\n",
		  "nic.ini:6: expected a time such as 500ns (got '500')" },
		{ WL_HEAD "[nic]\npolicy = claim\npackets = exponential 20us\n",
		  "nic.ini:5: expected key 'poll' in [nic] for policy claim (got none)" },
		{ WL_HEAD "[nic]\npolicy = irq\npackets = fixed 500ns\n",
		  "nic.ini:5: expected key 'packets' (at least 1us apart on average) in [nic]" },
		{ WL_HEAD "[nic]\npackets = exponential 20us\n",
		  "nic.ini:5: expected key 'policy' in [nic] (got none)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cw_sim_workload_desc *w = NULL;
		char err[CW_SIM_ERR_MAX];

		assert_int_equal(cw_sim_workload_parse_mem(bad[i].text, strlen(bad[i].text),
							   "nic.ini", &w, err, sizeof(err)),
				 CW_EINVAL);
		assert_null(w);
		assert_string_equal(err, bad[i].msg);
	}
}

static void test_nic_cpu_out_of_range_and_no_spare_channel_are_refused(void **state)
{
	struct nic_run r;
	char err[CW_SIM_ERR_MAX];

	(void)state;
	assert_int_equal(
		nic_start(&r, WL_HEAD "[nic]\npolicy = irq\ncpu = 2\npackets = exponential 20us\n",
			  1, err, sizeof(err)),
		CW_EINVAL);
	assert_string_equal(err, "[nic] at line 5: expected a CPU below 2 (got 2)");
	nic_end(&r);
	/* 2 MHz polling: past the TMU channel's shortest delta (1 us). */
	assert_int_equal(nic_start(&r,
				   WL_HEAD "[nic]\npolicy = claim\ncpu = 1\npackets = exponential "
					   "20us\npoll = 500ns\n",
				   1, err, sizeof(err)),
			 CW_ENODEV);
	assert_string_equal(
		err,
		"[nic] at line 5: no timer channel for policy claim: CW_ENODEV: no device fits");
	nic_end(&r);
}

static void test_nic_policies_give_the_figures_their_models_imply(void **state)
{
	struct cw_sim_nic_stats irq, claim, hr, tick, small;
	uint64_t s;

	(void)state;
	irq = nic_run(nic_text("irq", "exponential 20us", "256"), 1, SEC(3));
	claim = nic_run(nic_text("claim", "exponential 20us", "256"), 1, SEC(3));
	hr = nic_run(nic_text("hrtimer", "exponential 20us", "256"), 1, SEC(3));
	tick = nic_run(nic_text("tick", "exponential 20us", "256"), 1, SEC(3));
	s = claim.elapsed_ns / 1000000; /* ms */

	/* An interrupt per packet; each costs irq + packet time and waits for nothing else. */
	assert_int_equal(irq.interrupts, irq.processed);
	assert_int_equal(irq.p50_ns, US(2) + 500);
	assert_int_equal(irq.busy_ns, irq.processed * (US(2) + 500));
	/* Polling every 50 us: 20 polls per ms, whatever the load; latency below a period. */
	assert_string_equal(claim.channel, "tmu.1");
	assert_true(claim.interrupts >= 20 * s - 1 && claim.interrupts <= 20 * s + 1);
	assert_true(claim.p99_ns < US(50) + US(2) + 20 * 500 + 200);
	assert_true(claim.busy_ns == claim.interrupts * US(2) + claim.processed * 500);
	assert_string_equal(hr.channel, CW_CLAIM_FALLBACK_NAME);
	assert_true(hr.interrupts >= 20 * s - 1 && hr.interrupts <= 20 * s + 1);
	assert_true(hr.p99_ns < US(50) + US(2) + 20 * 500 + 2000);
	/* The tick polls every jiffy (1 ms at HZ 1000) and costs no interrupt of its own. */
	assert_string_equal(tick.channel, "tick");
	assert_int_equal(tick.interrupts, 0);
	assert_true(tick.p50_ns > US(400) && tick.p99_ns < MS(1) + US(50));
	assert_int_equal(irq.dropped + claim.dropped + hr.dropped + tick.dropped, 0);
	/* Fewer interrupts than packets is the point of polling (50k packets/s here). */
	assert_true(claim.interrupts * 2 < irq.interrupts);

	/* A 16-slot ring polled every jiffy at 50k packets/s overflows. */
	small = nic_run(nic_text("tick", "exponential 20us", "16"), 1, SEC(2));
	assert_true(small.dropped * 2 > small.arrived);
	/* Every packet is processed, dropped, or still in the ring. */
	assert_true(small.processed + small.dropped <= small.arrived);
	assert_true(small.arrived - small.processed - small.dropped <= 16);
}

/* Policy claim with fallback = yes on a machine without a spare channel polls on an hrtimer. */
static void test_nic_claim_policy_falls_back_when_asked(void **state)
{
	struct nic_run r;
	struct cw_sim_nic_stats st;
	char err[CW_SIM_ERR_MAX], text[600];

	(void)state;
	machine = machine_no_spare();
	snprintf(text, sizeof(text), "%s", nic_text("claim", "exponential 20us", "256"));
	assert_int_equal(nic_start(&r, text, 1, err, sizeof(err)), CW_EBUSY);
	assert_string_equal(
		err, "[nic] at line 5: no timer channel for policy claim: CW_EBUSY: resource busy");
	nic_end(&r);
	strcat(text, "fallback = yes\n");
	st = nic_run(text, 1, SEC(2));
	machine = machine_text;
	assert_string_equal(st.channel, CW_CLAIM_FALLBACK_NAME);
	assert_true(st.interrupts > 0);
	assert_true(st.p99_ns < US(50) + US(2) + 20 * 500 + 2000);
}

static void test_nic_same_seed_same_figures(void **state)
{
	struct cw_sim_nic_stats a, b, c;

	(void)state;
	a = nic_run(nic_text("claim", "exponential 10us", "256"), 7, SEC(1));
	b = nic_run(nic_text("claim", "exponential 10us", "256"), 7, SEC(1));
	c = nic_run(nic_text("claim", "exponential 10us", "256"), 8, SEC(1));
	assert_memory_equal(&a, &b, sizeof(a));
	assert_true(a.arrived != c.arrived || a.p50_ns != c.p50_ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_at_boot_gives_cpus_without_a_channel_a_dummy),
		cmocka_unit_test(test_nic_section_rejects_bad_input_with_file_line),
		cmocka_unit_test(test_nic_cpu_out_of_range_and_no_spare_channel_are_refused),
		cmocka_unit_test(test_nic_policies_give_the_figures_their_models_imply),
		cmocka_unit_test(test_nic_claim_policy_falls_back_when_asked),
		cmocka_unit_test(test_nic_same_seed_same_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
