/* SPDX-License-Identifier: MIT */
/*
 * The proxy tick device (issue 12, sections 2 and 4) on simulated
 * machines: install and uninstall per cpumask with timers queued on every
 * base (none lost, none early), the RESERVED real device refusing every
 * framework operation and any other holder, the errors and the rollback of
 * a partial install, hotplug with a proxy, the out-of-band timer layer
 * that in-band masking cannot delay, and erratum 740657 with the
 * unadapted global timer driver. Virtual time only, the checker on.
 */
#include <clockwork/claim.h>
#include <clockwork/proxy.h>
#include <clockwork/sim_hw.h>
#include <clockwork/tick.h>

#include "cw_test.h"
#include "core/clockevents-internal.h"

#include <stdlib.h>

static const char arch_machine[] = "[machine]\n"
				   "name = proxybox\n"
				   "cpus = 2\n"
				   "[counter cnt]\n"
				   "width = 64\n"
				   "freq = 100MHz\n"
				   "rating = 300\n"
				   "flags = continuous\n"
				   "[arch_timer local]\n"
				   "freq = 50MHz\n"
				   "irq = 29\n"
				   "[irq]\n"
				   "latency = 1us\n"
				   "ipi_latency = 1us\n";

/* A PIT only: periodic, no PIPELINE: nothing to proxy. */
static const char pit_machine[] = "[machine]\n"
				  "name = pitbox\n"
				  "cpus = 1\n"
				  "[counter cnt]\n"
				  "width = 64\n"
				  "freq = 100MHz\n"
				  "rating = 300\n"
				  "flags = continuous\n"
				  "[pit pit]\n"
				  "freq = 1193182Hz\n"
				  "irq = 0\n";

struct fx {
	struct cw_sim *sim;
	struct cw_sim_machine *m;
	struct cw_system *sys;
	struct cw_sim_hw *hw;
};

static void up(struct fx *f, const char *text)
{
	struct cw_sim_machine_desc *d = NULL;
	struct cw_system_config cfg;
	char err[CW_SIM_ERR_MAX];

	memset(&cfg, 0, sizeof(cfg));
	cfg.check = CW_CHECK_ABORT;
	if (cw_sim_machine_desc_parse_mem(text, strlen(text), "proxy.ini", &d, err, sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	assert_int_equal(cw_sim_create(12, &f->sim), 0);
	assert_int_equal(cw_sim_machine_create(f->sim, d, &cfg, NULL, NULL, &f->m), 0);
	cw_sim_machine_desc_free(d);
	f->sys = cw_sim_machine_system(f->m);
	f->hw = cw_sim_machine_hw(f->m);
	assert_int_equal(cw_sim_machine_boot(f->m), 0);
	/* Let the tick devices switch to high resolution. */
	cw_sim_run_for(f->sim, MS(20));
}

static void down(struct fx *f)
{
	assert_int_equal(cw_check_verify(f->sys), 0);
	cw_sim_machine_destroy(f->m);
	cw_sim_destroy(f->sim);
}

/* Transparent setup: every real interrupt is the in-band tick (seed 001's example). */
static unsigned oob_events;

static void relay_oob(struct cw_clock_proxy_device *dev)
{
	oob_events++;
	cw_tick_notify_proxy(dev->proxy_device.sys);
}

static void setup_relay(struct cw_clock_proxy_device *dev, void *arg)
{
	(void)arg;
	dev->handle_oob_event = relay_oob;
}

/* A setup that fails on CPU 1 only (no oob handler). */
static void setup_fail_cpu1(struct cw_clock_proxy_device *dev, void *arg)
{
	(void)arg;
	if (dev->cpu != 1) {
		dev->handle_oob_event = relay_oob;
	}
}

static void test_install_proxy_wins_tick_device_and_reserves_real(void **state)
{
	struct fx f;
	uint64_t mask = 0x3;
	struct cw_clock_event_device *real[2];
	uint64_t j0;

	(void)state;
	up(&f, arch_machine);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		real[cpu] = cw_tick_device(f.sys, cpu);
		assert_true(real[cpu]->features & CW_CLOCKEVENT_FEAT_PIPELINE);
	}
	assert_false(cw_sim_hw_irq_is_oob(f.hw, 29));
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &mask), 0);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		struct cw_clock_proxy_device *p = cw_tick_proxy(f.sys, cpu);

		assert_non_null(p);
		assert_ptr_equal(cw_tick_device(f.sys, cpu), &p->proxy_device);
		assert_ptr_equal(p->real_device, real[cpu]);
		assert_int_equal(p->proxy_device.rating, real[cpu]->rating + 1);
		assert_int_equal(cw_clockevent_get_state(real[cpu]), CW_CLOCKEVENT_STATE_RESERVED);
		assert_true(cw_clockevent_is_oob(real[cpu]));
		assert_int_equal(cw_tick_mode(f.sys, cpu), CW_TICK_MODE_ONESHOT);
	}
	assert_true(cw_sim_hw_irq_is_oob(f.hw, 29));
	/* Ticks go on through the proxy: jiffies keep pace, every tick via the oob stage. */
	j0 = cw_jiffies_get(f.sys);
	oob_events = 0;
	cw_sim_run_for(f.sim, MS(500));
	printf("jiffies +%llu in 500 ms, %u oob events\n",
	       (unsigned long long)(cw_jiffies_get(f.sys) - j0), oob_events);
	assert_true(cw_jiffies_get(f.sys) - j0 >= cw_system_hz(f.sys) / 2 - 1);
	assert_true(oob_events > 0);

	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &mask), 0);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		assert_null(cw_tick_proxy(f.sys, cpu));
		assert_ptr_equal(cw_tick_device(f.sys, cpu), real[cpu]);
		assert_int_equal(cw_clockevent_get_state(real[cpu]), CW_CLOCKEVENT_STATE_ONESHOT);
		assert_false(cw_clockevent_is_oob(real[cpu]));
	}
	assert_false(cw_sim_hw_irq_is_oob(f.hw, 29));
	j0 = cw_jiffies_get(f.sys);
	cw_sim_run_for(f.sim, MS(500));
	assert_true(cw_jiffies_get(f.sys) - j0 >= cw_system_hz(f.sys) / 2 - 1);
	down(&f);
}

/* ---- timers queued on every base across install and uninstall ---- */

#define NR_HR_BASES 8
#define NR_WHEEL    3

struct probe {
	struct cw_hrtimer hr;
	struct cw_timer wt;
	struct cw_system *sys;
	cw_ktime_t due_ns;
	uint64_t due_jiffies;
	int clock;
	unsigned runs;
	bool early;
};

static cw_ktime_t clock_now(struct cw_system *sys, int clock)
{
	switch (clock) {
	case CW_CLOCK_REALTIME:
		return cw_ktime_get_real(sys);
	case CW_CLOCK_BOOTTIME:
		return cw_ktime_get_boottime(sys);
	case CW_CLOCK_TAI:
		return cw_ktime_get_clocktai(sys);
	default:
		return cw_ktime_get(sys);
	}
}

static enum cw_hrtimer_restart probe_hr(struct cw_hrtimer *t)
{
	struct probe *p = (struct probe *)((char *)t - offsetof(struct probe, hr));

	p->runs++;
	p->early |= clock_now(p->sys, p->clock) < p->due_ns;
	return CW_HRTIMER_NORESTART;
}

static void probe_wheel(struct cw_timer *t)
{
	struct probe *p = (struct probe *)((char *)t - offsetof(struct probe, wt));

	p->runs++;
	p->early |= cw_jiffies_get(p->sys) < p->due_jiffies;
}

struct arm_args {
	struct fx *f;
	struct probe *hr;
	struct probe *wheel;
	uint64_t delay_ns;
};

/* On the CPU: one hrtimer per base (4 clocks x hard/soft), one wheel timer per wheel base. */
static void arm_on_cpu(void *arg)
{
	static const int clocks[4] = { CW_CLOCK_MONOTONIC, CW_CLOCK_REALTIME, CW_CLOCK_BOOTTIME,
				       CW_CLOCK_TAI };
	static const unsigned wflags[NR_WHEEL] = { CW_TIMER_PINNED, 0, CW_TIMER_DEFERRABLE };
	struct arm_args *a = arg;
	struct cw_system *sys = a->f->sys;

	for (unsigned i = 0; i < NR_HR_BASES; i++) {
		struct probe *p = &a->hr[i];
		unsigned mode = (i & 1) ? CW_HRTIMER_MODE_SOFT : CW_HRTIMER_MODE_HARD;

		p->sys = sys;
		p->clock = clocks[i / 2];
		assert_int_equal(cw_hrtimer_setup(sys, &p->hr, probe_hr, p->clock, mode), 0);
		p->due_ns =
			clock_now(sys, p->clock) + (cw_ktime_t)a->delay_ns + (cw_ktime_t)i * 1000;
		cw_hrtimer_start(&p->hr, p->due_ns,
				 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | mode);
	}
	for (unsigned i = 0; i < NR_WHEEL; i++) {
		struct probe *p = &a->wheel[i];

		p->sys = sys;
		assert_int_equal(cw_timer_setup(&p->wt, sys, probe_wheel, wflags[i]), 0);
		p->due_jiffies =
			cw_jiffies_get(sys) + a->delay_ns / (1000000000u / cw_system_hz(sys));
		assert_int_equal(cw_timer_mod(&p->wt, p->due_jiffies), 0);
	}
}

static void test_timers_on_every_base_survive_install_and_uninstall(void **state)
{
	struct fx f;
	struct probe hr[2][3][NR_HR_BASES], wheel[2][3][NR_WHEEL];
	uint64_t mask = 0x3;

	(void)state;
	memset(hr, 0, sizeof(hr));
	memset(wheel, 0, sizeof(wheel));
	up(&f, arch_machine);
	/*
	 * Three waves per CPU: due before the install, while the proxy is
	 * installed, after the uninstall; all armed before the install.
	 */
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		for (unsigned w = 0; w < 3; w++) {
			struct arm_args a = { &f, hr[cpu][w], wheel[cpu][w], MS(50) + w * MS(100) };

			assert_int_equal(cw_cpu_call(f.sys, cpu, arm_on_cpu, &a), 0);
		}
	}
	cw_sim_run_for(f.sim, MS(10));
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &mask), 0);
	cw_sim_run_for(f.sim, MS(100));
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &mask), 0);
	cw_sim_run_for(f.sim, MS(400));
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		for (unsigned w = 0; w < 3; w++) {
			for (unsigned i = 0; i < NR_HR_BASES; i++) {
				assert_int_equal(hr[cpu][w][i].runs, 1);
				assert_false(hr[cpu][w][i].early);
			}
			for (unsigned i = 0; i < NR_WHEEL; i++) {
				assert_int_equal(wheel[cpu][w][i].runs, 1);
				assert_false(wheel[cpu][w][i].early);
			}
		}
	}
	down(&f);
}

static void test_per_cpu_mask_installs_only_there(void **state)
{
	struct fx f;
	uint64_t m1 = 0x2, m0 = 0x1;
	struct cw_clock_event_device *real0;

	(void)state;
	up(&f, arch_machine);
	real0 = cw_tick_device(f.sys, 0);
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &m1), 0);
	assert_null(cw_tick_proxy(f.sys, 0));
	assert_non_null(cw_tick_proxy(f.sys, 1));
	assert_ptr_equal(cw_tick_device(f.sys, 0), real0);
	/* The per-CPU line is oob for both CPUs: CPU 0's ticks are relayed in-band and go on. */
	{
		uint64_t j0 = cw_jiffies_get(f.sys);
		struct cw_tick_cpu_stats s0, s1;

		assert_int_equal(cw_tick_get_cpu_stats(f.sys, 0, &s0), 0);
		cw_sim_run_for(f.sim, MS(300));
		assert_int_equal(cw_tick_get_cpu_stats(f.sys, 0, &s1), 0);
		assert_true(cw_jiffies_get(f.sys) - j0 >= cw_system_hz(f.sys) * 3 / 10 - 1);
		assert_true(s1.interrupts > s0.interrupts);
	}
	/* Uninstalling a CPU without a proxy does nothing. */
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &m0), 0);
	assert_non_null(cw_tick_proxy(f.sys, 1));
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &m1), 0);
	assert_null(cw_tick_proxy(f.sys, 1));
	assert_false(cw_sim_hw_irq_is_oob(f.hw, 29));
	down(&f);
}

/* ---- RESERVED refuses everything ---- */

static void nop_handler(struct cw_clock_event_device *dev)
{
	(void)dev;
}

static void test_reserved_real_device_refuses_every_framework_op(void **state)
{
	struct fx f;
	uint64_t mask = 0x1;
	struct cw_clock_event_device *real;

	(void)state;
	up(&f, arch_machine);
	real = cw_tick_device(f.sys, 0);
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &mask), 0);
	assert_int_equal(cw_clockevents_program_event(real, cw_ktime_get(f.sys) + MS(1), true),
			 CW_EBUSY);
	assert_int_equal(cw_clockevents_unbind(f.sys, real, 0), CW_EBUSY);
	assert_int_equal(cw_clockevents_unregister(f.sys, real), CW_EBUSY);
	/* Nobody else can hold it: not the reservation underneath, not a claim. */
	assert_int_equal(cw__clockevents_reserve(f.sys, real, "claim", nop_handler, NULL),
			 CW_EBUSY);
	{
		struct cw_claim_request req = {
			.owner = "proxy-test",
			.modes = CW_CLAIM_ONESHOT,
			.percpu = true,
			.target_cpu = 0,
		};
		struct cw_claim claim;
		struct cw_claim_info info;

		memset(&claim, 0, sizeof(claim));
		assert_int_equal(cw_claim_timer(f.sys, &req, &claim), CW_EBUSY);
		/* With the fallback the claimer gets the hrtimer channel, never the real device. */
		req.allow_fallback = true;
		assert_int_equal(cw_claim_timer(f.sys, &req, &claim), 0);
		assert_int_equal(cw_claim_get_info(&claim, &info), 0);
		assert_true(info.fallback);
		assert_int_equal(cw_claim_release(&claim), 0);
		assert_int_equal(cw_clockevent_get_state(real), CW_CLOCKEVENT_STATE_RESERVED);
	}
	assert_int_equal(cw_clockevent_get_state(real), CW_CLOCKEVENT_STATE_RESERVED);
	/* A hotplug round re-offers every detached device: the real one is not among them. */
	assert_int_equal(cw_sim_hw_cpu_offline(f.hw, 1), 0);
	assert_int_equal(cw_sim_hw_cpu_online(f.hw, 1), 0);
	assert_int_equal(cw_clockevent_get_state(real), CW_CLOCKEVENT_STATE_RESERVED);
	assert_ptr_equal(cw_tick_device(f.sys, 0), &cw_tick_proxy(f.sys, 0)->proxy_device);
	/* Unregistering the proxy itself is refused too: it is the tick device, nothing replaces
	 * it. */
	assert_int_equal(cw_clockevents_unregister(f.sys, cw_tick_device(f.sys, 0)), CW_EBUSY);
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &mask), 0);
	down(&f);
}

/* ---- errors and rollback ---- */

static void test_errors_busy_nodev_and_rollback(void **state)
{
	struct fx f;
	uint64_t all = 0x3, none = 0;
	struct cw_clock_event_device *real[2];

	(void)state;
	up(&f, arch_machine);
	real[0] = cw_tick_device(f.sys, 0);
	real[1] = cw_tick_device(f.sys, 1);
	assert_int_equal(cw_tick_install_proxy(f.sys, NULL, NULL, &all), CW_EINVAL);
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &none), CW_EINVAL);
	/* Partial failure: CPU 0 was proxied, CPU 1's setup is broken: CPU 0 rolls back. */
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_fail_cpu1, NULL, &all), CW_EINVAL);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		assert_null(cw_tick_proxy(f.sys, cpu));
		assert_ptr_equal(cw_tick_device(f.sys, cpu), real[cpu]);
		assert_int_equal(cw_clockevent_get_state(real[cpu]), CW_CLOCKEVENT_STATE_ONESHOT);
	}
	assert_false(cw_sim_hw_irq_is_oob(f.hw, 29));
	/* A second install is busy. */
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &all), 0);
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &all), CW_EBUSY);
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &all), 0);
	/* After the uninstall, installing again works. */
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &all), 0);
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &all), 0);
	cw_sim_run_for(f.sim, MS(50));
	down(&f);

	/* A tick device without PIPELINE (the PIT) cannot be proxied. */
	up(&f, pit_machine);
	{
		uint64_t m = 1;
		struct cw_clock_event_device *pit = cw_tick_device(f.sys, 0);

		assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &m), CW_ENODEV);
		assert_ptr_equal(cw_tick_device(f.sys, 0), pit);
		assert_null(cw_tick_proxy(f.sys, 0));
	}
	down(&f);
}

/* ---- hotplug ---- */

static void test_cpu_going_down_gives_real_device_back(void **state)
{
	struct fx f;
	uint64_t all = 0x3;
	struct cw_clock_event_device *real1;

	(void)state;
	up(&f, arch_machine);
	real1 = cw_tick_device(f.sys, 1);
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &all), 0);
	assert_int_equal(cw_sim_hw_cpu_offline(f.hw, 1), 0);
	assert_null(cw_tick_proxy(f.sys, 1));
	assert_int_equal(cw_clockevent_get_state(real1), CW_CLOCKEVENT_STATE_DETACHED);
	/* CPU 0 still proxied, its line still oob. */
	assert_non_null(cw_tick_proxy(f.sys, 0));
	assert_true(cw_sim_hw_irq_is_oob(f.hw, 29));
	assert_int_equal(cw_sim_hw_cpu_online(f.hw, 1), 0);
	assert_ptr_equal(cw_tick_device(f.sys, 1), real1);
	cw_sim_run_for(f.sim, MS(100));
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &all), 0);
	assert_false(cw_sim_hw_irq_is_oob(f.hw, 29));
	cw_sim_run_for(f.sim, MS(100));
	down(&f);
}

/* ---- the oob timer layer against in-band masking ---- */

struct lat {
	struct cw_oob_timer ot;
	struct cw_hrtimer hr;
	struct cw_system *sys;
	uint64_t period_ns;
	cw_ktime_t hr_next;
	uint64_t n, max_ns;
};

static void lat_oob(struct cw_oob_timer *t, cw_ktime_t now)
{
	struct lat *l = t->data;
	uint64_t d = (uint64_t)(now - t->expires_ns);

	l->n++;
	if (d > l->max_ns) {
		l->max_ns = d;
	}
}

static enum cw_hrtimer_restart lat_hr(struct cw_hrtimer *t)
{
	struct lat *l = (struct lat *)((char *)t - offsetof(struct lat, hr));
	cw_ktime_t now = cw_ktime_get(l->sys);
	uint64_t d = (uint64_t)(now - cw_hrtimer_get_expires(t));

	l->n++;
	if (d > l->max_ns) {
		l->max_ns = d;
	}
	cw_hrtimer_forward_now(t, l->period_ns);
	return CW_HRTIMER_RESTART;
}

static void start_oob(void *arg)
{
	struct lat *l = arg;

	assert_int_equal(
		cw_oob_timer_start(l->sys, 0, &l->ot, cw_ktime_get(l->sys) + MS(1), l->period_ns),
		0);
}

static void start_hr(void *arg)
{
	struct lat *l = arg;

	assert_int_equal(
		cw_hrtimer_setup(l->sys, &l->hr, lat_hr, CW_CLOCK_MONOTONIC, CW_HRTIMER_MODE_HARD),
		0);
	cw_hrtimer_start(&l->hr, cw_ktime_get(l->sys) + MS(1),
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

/* Stall CPU 0's in-band stage 400 us out of every 923 us: the phase sweeps the timers' period. */
struct staller {
	struct cw_sim_event ev;
	struct cw_sim_hw *hw;
	bool stalled;
	unsigned stalls;
};

static void staller_fn(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct staller *s = ev->data;

	if (s->stalled) {
		assert_int_equal(cw_sim_hw_inband_unstall(s->hw, 0), 0);
		s->stalled = false;
		cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + US(523));
	} else {
		assert_int_equal(cw_sim_hw_inband_stall(s->hw, 0), 0);
		s->stalled = true;
		s->stalls++;
		cw_sim_event_schedule(sim, ev, cw_sim_now_ns(sim) + US(400));
	}
}

static void test_oob_timer_is_not_delayed_by_inband_masking(void **state)
{
	struct fx f;
	uint64_t m = 1;
	struct lat oob = { 0 }, inband_before = { 0 }, inband_with = { 0 };
	struct staller st = { 0 };

	(void)state;
	up(&f, arch_machine);
	/* In-band interrupts wait out a masked section: the checker's bound knows (400 us). */
	cw_check_set_latency_ns(f.sys, US(1) + US(400) + US(10));
	st.hw = f.hw;
	cw_sim_event_init(&st.ev, staller_fn, &st);
	st.ev.cpu = 0;
	cw_sim_event_schedule(f.sim, &st.ev, cw_sim_now_ns(f.sim) + US(100));

	/* Without the proxy: a 1 kHz hrtimer on CPU 0 waits for the masked sections. */
	inband_before.sys = f.sys;
	inband_before.period_ns = MS(1);
	assert_int_equal(cw_cpu_call(f.sys, 0, start_hr, &inband_before), 0);
	cw_sim_run_for(f.sim, MS(200));
	assert_int_equal(cw_hrtimer_cancel(&inband_before.hr), 1);

	/* With the proxy and the oob layer: the same period on the oob stage. */
	assert_int_equal(cw_tick_install_proxy(f.sys, cw_tick_proxy_setup_oob_timers, NULL, &m), 0);
	oob.sys = f.sys;
	oob.period_ns = MS(1);
	oob.ot.fn = lat_oob;
	oob.ot.data = &oob;
	assert_int_equal(cw_cpu_call(f.sys, 0, start_oob, &oob), 0);
	inband_with.sys = f.sys;
	inband_with.period_ns = MS(1);
	assert_int_equal(cw_cpu_call(f.sys, 0, start_hr, &inband_with), 0);
	cw_sim_run_for(f.sim, MS(200));
	printf("in-band 1 kHz hrtimer max latency: %llu ns without proxy, %llu ns with; "
	       "oob timer: %llu runs, max %llu ns; %u stalls\n",
	       (unsigned long long)inband_before.max_ns, (unsigned long long)inband_with.max_ns,
	       (unsigned long long)oob.n, (unsigned long long)oob.max_ns, st.stalls);
	assert_true(inband_before.n >= 190);
	assert_true(inband_before.max_ns > US(300));
	assert_true(oob.n >= 195);
	/* Only the modelled interrupt latency (1 us) and the device's cycle rounding remain. */
	assert_true(oob.max_ns <= US(2));
	assert_true(inband_with.max_ns > US(300));
	assert_int_equal(cw_oob_timer_cancel(f.sys, 0, &oob.ot), 1);
	assert_int_equal(cw_hrtimer_cancel(&inband_with.hr), 1);
	/* Unstalled at the end so the uninstall runs normal in-band code. */
	cw_sim_event_cancel(f.sim, &st.ev);
	if (st.stalled) {
		assert_int_equal(cw_sim_hw_inband_unstall(f.hw, 0), 0);
	}
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &m), 0);
	cw_sim_run_for(f.sim, MS(20));
	down(&f);
}

/*
 * An idle CPU: each oob interrupt must reach the oob handler before any
 * in-band idle exit reprograms the timer (that exit used to cancel the
 * very event, so the oob timer lost runs and the device stormed).
 */
static void test_oob_timer_on_idle_cpu_runs_every_period(void **state)
{
	struct fx f;
	uint64_t m = 1;
	struct lat oob = { 0 };
	struct cw_sim_hw_timer_stats st0, st1;
	struct cw_sim_hw_timer *t;

	(void)state;
	up(&f, arch_machine);
	t = cw_sim_machine_timer_at(f.m, 0);
	assert_int_equal(cw_tick_install_proxy(f.sys, cw_tick_proxy_setup_oob_timers, NULL, &m), 0);
	oob.sys = f.sys;
	oob.period_ns = MS(1);
	oob.ot.fn = lat_oob;
	oob.ot.data = &oob;
	assert_int_equal(cw_cpu_call(f.sys, 0, start_oob, &oob), 0);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 0, 0), 0);
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st0), 0);
	cw_sim_run_for(f.sim, MS(100) + US(500));
	assert_int_equal(cw_sim_hw_timer_get_stats(t, 0, &st1), 0);
	printf("idle CPU: %llu oob runs in 100 ms, max %llu ns, %llu real interrupts\n",
	       (unsigned long long)oob.n, (unsigned long long)oob.max_ns,
	       (unsigned long long)(st1.interrupts - st0.interrupts));
	assert_int_equal(oob.n, 100);
	assert_true(oob.max_ns <= US(2));
	/* One per oob period, plus the in-band side's few (NO_HZ idle): no storm. */
	assert_true(st1.interrupts - st0.interrupts <= 150);
	assert_int_equal(cw_sim_hw_cpu_idle_loop(f.hw, 0, -1), 0);
	assert_int_equal(cw_oob_timer_cancel(f.sys, 0, &oob.ot), 1);
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &m), 0);
	down(&f);
}

/*
 * Masked sections on every proxied CPU of a workload that also serves
 * [server] requests, polls a [nic] (policy %s) and takes CPUs offline and
 * back: every cross call that meets a masked CPU from inside an engine
 * event (a request, the connection setup, the NIC's first poll, the
 * hotplug steps and their re-offers) waits in that CPU's in-band log
 * (calls_unlogged 0; before they were asynchronous: thousands of requests
 * on the masked CPU itself, and one clock event re-offer to a masked CPU
 * during hotplug on numa-2node). No hotplug is refused (an offline waits
 * for the masked sections to end). Run twice: the same seed gives the same
 * counts.
 */
struct masked_all_result {
	uint64_t logged, unlogged, hotplug_events, hotplug_failures, busy;
};

static void run_masked_all(const char *name, const char *nic_policy, unsigned nr_cpus,
			   struct masked_all_result *res)
{
	static const char wl_fmt[] = "[workload]\n"
				     "name = masked-all\n"
				     "busy = exponential 2ms\n"
				     "idle = exponential 1ms\n"
				     "idle_state = shallow\n"
				     "[server]\n"
				     "timers = 8\n"
				     "requests = exponential 50us\n"
				     "timeout = 2ms\n"
				     "close_every = 16\n"
				     "[nic]\n"
				     "policy = %s\n"
				     "cpu = 1\n"
				     "packets = exponential 20us\n"
				     "poll = 50us\n"
				     "queue = 256\n"
				     "irq_cost = 2us\n"
				     "packet_cost = 500ns\n"
				     "fallback = yes\n"
				     "[hotplug]\n"
				     "offline = 2 300ms\n"
				     "online = 2 400ms\n"
				     "offline = 1 500ms\n"
				     "online = 1 600ms\n"
				     "offline = 3 650ms\n"
				     "online = 3 700ms\n"
				     "[proxy]\n"
				     "cpus = 0-3\n"
				     "masked = uniform 20us 300us\n"
				     "masked_every = exponential 1ms\n"
				     "oob_hz = 1000\n"
				     "install_at = 200ms\n"
				     "uninstall_at = 800ms\n"
				     "reinstall_every = 150ms\n";
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w = NULL;
	struct cw_system_config cfg;
	char path[512], err[CW_SIM_ERR_MAX], text[sizeof(wl_fmt) + 16];
	struct fx f;

	memset(&cfg, 0, sizeof(cfg));
	memset(res, 0, sizeof(*res));
	cfg.check = CW_CHECK_ABORT;
	snprintf(path, sizeof(path), "%s/examples/machines/%s", CW_SOURCE_DIR, name);
	if (cw_sim_machine_desc_parse_file(path, &d, err, sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	snprintf(text, sizeof(text), wl_fmt, nic_policy);
	if (cw_sim_workload_parse_mem(text, strlen(text), "masked-all.ini", &w, err, sizeof(err))) {
		fail_msg("workload: %s", err);
	}
	assert_int_equal(cw_sim_create(1, &f.sim), 0);
	assert_int_equal(cw_sim_machine_create(f.sim, d, &cfg, NULL, NULL, &f.m), 0);
	f.sys = cw_sim_machine_system(f.m);
	f.hw = cw_sim_machine_hw(f.m);
	assert_int_equal(cw_sim_machine_boot(f.m), 0);
	assert_int_equal(cw_sim_machine_start_workload(f.m, w, err, sizeof(err)), 0);
	cw_sim_run_until(f.sim, MS(1000));
	for (unsigned cpu = 0; cpu < nr_cpus; cpu++) {
		struct cw_sim_hw_cpu_stats cs;
		struct cw_sim_workload_cpu_stats ws;

		assert_int_equal(cw_sim_hw_cpu_get_stats(f.hw, cpu, &cs), 0);
		assert_int_equal(cw_sim_machine_workload_stats(f.m, cpu, &ws), 0);
		res->logged += cs.calls_logged;
		res->unlogged += cs.calls_unlogged;
		res->hotplug_events += ws.hotplug_events;
		res->hotplug_failures += ws.hotplug_failures;
		res->busy += ws.busy_periods;
	}
	printf("%s nic=%s: %llu cross calls logged, %llu run at once on a masked CPU; %llu "
	       "hotplug events, %llu refused\n",
	       name, nic_policy, (unsigned long long)res->logged, (unsigned long long)res->unlogged,
	       (unsigned long long)res->hotplug_events, (unsigned long long)res->hotplug_failures);
	cw_sim_machine_destroy(f.m);
	cw_sim_destroy(f.sim);
	cw_sim_machine_desc_free(d);
	cw_sim_workload_desc_free(w);
}

static void test_workload_cross_calls_to_masked_cpus_wait_in_the_log(void **state)
{
	static const struct {
		const char *machine;
		const char *nic;
		unsigned cpus;
	} runs[] = {
		{ "default-soc.ini", "claim", 4 },   { "default-soc.ini", "tick", 4 },
		{ "cortex-a9-quad.ini", "tick", 4 }, { "x86-tsc-hpet.ini", "hrtimer", 8 },
		{ "numa-2node.ini", "claim", 16 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct masked_all_result a, b;

		run_masked_all(runs[i].machine, runs[i].nic, runs[i].cpus, &a);
		run_masked_all(runs[i].machine, runs[i].nic, runs[i].cpus, &b);
		assert_true(a.logged > 0);
		assert_int_equal(a.unlogged, 0);
		assert_int_equal(a.hotplug_events, 6);
		assert_int_equal(a.hotplug_failures, 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/*
 * Every example machine with pipeline-ready tick devices runs the proxy
 * workload on all its CPUs: the default busy/idle pattern (deep idle and
 * the broadcast device included), masked sections, the loop in-band, then
 * out-of-band with reinstalls, then in-band again; the checker aborts on
 * any timer run twice, early or beyond its bound.
 */
static void run_example_machine(const char *name, unsigned cpus)
{
	static const char wl_fmt[] = "[workload]\n"
				     "name = proxy-all\n"
				     "busy = exponential 2ms\n"
				     "idle = exponential 5ms\n"
				     "idle_state = by_length\n"
				     "deep_after = 4ms\n"
				     "[proxy]\n"
				     "cpus = 0-%u\n"
				     "masked = uniform 10us 200us\n"
				     "masked_every = uniform 1ms 5ms\n"
				     "oob_hz = 1000\n"
				     "install_at = 200ms\n"
				     "uninstall_at = 800ms\n"
				     "reinstall_every = 150ms\n";
	struct cw_sim_machine_desc *d = NULL;
	struct cw_sim_workload_desc *w = NULL;
	struct cw_system_config cfg;
	char path[512], err[CW_SIM_ERR_MAX], text[sizeof(wl_fmt) + 16];
	struct fx f;

	memset(&cfg, 0, sizeof(cfg));
	cfg.check = CW_CHECK_ABORT;
	snprintf(path, sizeof(path), "%s/examples/machines/%s", CW_SOURCE_DIR, name);
	if (cw_sim_machine_desc_parse_file(path, &d, err, sizeof(err))) {
		fail_msg("machine: %s", err);
	}
	snprintf(text, sizeof(text), wl_fmt, cpus - 1);
	if (cw_sim_workload_parse_mem(text, strlen(text), "proxy-all.ini", &w, err, sizeof(err))) {
		fail_msg("workload: %s", err);
	}
	assert_int_equal(cw_sim_create(3, &f.sim), 0);
	assert_int_equal(cw_sim_machine_create(f.sim, d, &cfg, NULL, NULL, &f.m), 0);
	f.sys = cw_sim_machine_system(f.m);
	f.hw = cw_sim_machine_hw(f.m);
	assert_int_equal(cw_sim_machine_boot(f.m), 0);
	assert_int_equal(cw_sim_machine_start_workload(f.m, w, err, sizeof(err)), 0);
	cw_sim_run_until(f.sim, MS(1000));
	for (unsigned cpu = 0; cpu < cpus; cpu++) {
		struct cw_sim_proxy_stats before, with;

		assert_int_equal(cw_sim_machine_proxy_stats(f.m, cpu, CW_SIM_PROXY_BEFORE, &before),
				 0);
		assert_int_equal(cw_sim_machine_proxy_stats(f.m, cpu, CW_SIM_PROXY_WITH, &with), 0);
		printf("%s CPU%u: loop p99 %llu ns before, %llu ns with (%llu runs, %llu reinstalls)\n",
		       name, cpu, (unsigned long long)before.loop.p99_ns,
		       (unsigned long long)with.loop.p99_ns, (unsigned long long)with.loop.n,
		       (unsigned long long)with.reinstalls);
		/* 600 ms under the proxy at 1 kHz: every period ran, none twice. */
		assert_true(with.loop.n >= 599 && with.loop.n <= 601);
		assert_int_equal(with.reinstalls, 3);
		assert_int_equal(with.inband_missed, 0);
	}
	/*
	 * The demo's install, reinstalls and uninstall and its loop moves all
	 * went through the in-band logs of masked CPUs, none ran at once on
	 * one (11 such calls on the Cortex-A9 before they were asynchronous).
	 */
	for (unsigned cpu = 0; cpu < cpus; cpu++) {
		struct cw_sim_hw_cpu_stats cs;

		assert_int_equal(cw_sim_hw_cpu_get_stats(f.hw, cpu, &cs), 0);
		printf("%s CPU%u: %llu cross calls logged, %llu run at once while masked\n", name,
		       cpu, (unsigned long long)cs.calls_logged,
		       (unsigned long long)cs.calls_unlogged);
		assert_int_equal(cs.calls_unlogged, 0);
	}
	assert_null(cw_tick_proxy(f.sys, 0));
	cw_sim_machine_destroy(f.m);
	cw_sim_destroy(f.sim);
	cw_sim_machine_desc_free(d);
	cw_sim_workload_desc_free(w);
}

static void test_example_machines_run_the_proxy_workload(void **state)
{
	(void)state;
	run_example_machine("cortex-a9-quad.ini", 4);
	run_example_machine("x86-tsc-hpet.ini", 8);
	run_example_machine("default-soc.ini", 4);
}

/* What ran on CPU 0 while its in-band stage was stalled, in order. */
struct stalled_order {
	struct cw_system *sys;
	struct cw_sim *sim;
	struct cw_hrtimer hr;
	struct cw_sim_event unstall;
	struct cw_sim_hw *hw;
	unsigned n;
	uint64_t hr_seq, call_seq;
	uint64_t hr_at, call_at;
	unsigned call_cpu;
};

static enum cw_hrtimer_restart order_hr(struct cw_hrtimer *t)
{
	struct stalled_order *o = cw_container_of(t, struct stalled_order, hr);

	o->hr_seq = ++o->n;
	o->hr_at = cw_sim_now_ns(o->sim);
	return CW_HRTIMER_NORESTART;
}

static void order_arm(void *arg)
{
	struct stalled_order *o = arg;

	assert_int_equal(cw_hrtimer_setup(o->sys, &o->hr, order_hr, CW_CLOCK_MONOTONIC,
					  CW_HRTIMER_MODE_HARD),
			 0);
	cw_hrtimer_start(&o->hr, cw_ktime_get(o->sys) + US(100),
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

static void order_call(void *arg)
{
	struct stalled_order *o = arg;

	o->call_seq = ++o->n;
	o->call_at = cw_sim_now_ns(o->sim);
	o->call_cpu = cw_sim_current_cpu(o->sim);
}

static void order_unstall(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct stalled_order *o = ev->data;

	(void)sim;
	assert_int_equal(cw_sim_hw_inband_unstall(o->hw, 0), 0);
}

/*
 * cw_cpu_call() to a CPU whose in-band stage is stalled waits for the
 * unstall and runs after the timer interrupt logged before it, as a
 * Dovetail kernel's call IPI would (it ran at once, first, before).
 */
static void test_cpu_call_to_stalled_cpu_runs_at_unstall_after_logged_irq(void **state)
{
	struct fx f;
	struct stalled_order o = { 0 };
	uint64_t t0, stalled_at;

	(void)state;
	up(&f, arch_machine);
	/* The timer waits out the 300 us masked section: the checker's bound knows. */
	cw_check_set_latency_ns(f.sys, US(1) + US(300) + US(10));
	o.sys = f.sys;
	o.sim = f.sim;
	o.hw = f.hw;
	assert_int_equal(cw_cpu_call(f.sys, 0, order_arm, &o), 0);
	t0 = cw_sim_now_ns(f.sim);
	assert_int_equal(cw_sim_hw_inband_stall(f.hw, 0), 0);
	cw_sim_event_init(&o.unstall, order_unstall, &o);
	o.unstall.cpu = 0;
	cw_sim_event_schedule(f.sim, &o.unstall, t0 + US(300));
	cw_sim_run_for(f.sim, US(200));
	stalled_at = cw_sim_now_ns(f.sim);
	assert_int_equal(o.n, 0);

	assert_int_equal(cw_cpu_call(f.sys, 0, order_call, &o), 0);
	assert_int_equal(o.n, 2);
	assert_int_equal(o.hr_seq, 1);
	assert_int_equal(o.call_seq, 2);
	assert_int_equal(o.hr_at, t0 + US(300));
	assert_int_equal(o.call_at, t0 + US(300));
	assert_int_equal(o.call_cpu, 0);
	assert_true(stalled_at < o.call_at);
	down(&f);
}

/* An install and an uninstall started from engine events while CPU 1 is masked. */
struct async_fx {
	struct fx f;
	struct cw_sim_event ev;
	struct cw_sim_event unstall;
	struct cw_hrtimer hr;
	uint64_t mask;
	bool install;
	int start_ret;
	unsigned n;
	uint64_t hr_seq, setup_seq[2];
	uint64_t setup_at[2];
	bool done;
	int done_ret;
	uint64_t done_at;
	unsigned done_cpu;
};

static struct async_fx *afx;

static void async_setup(struct cw_clock_proxy_device *dev, void *arg)
{
	struct async_fx *a = arg;

	dev->handle_oob_event = relay_oob;
	a->setup_seq[dev->cpu] = ++a->n;
	a->setup_at[dev->cpu] = cw_sim_now_ns(a->f.sim);
	assert_int_equal(cw_sim_current_cpu(a->f.sim), dev->cpu);
}

static void async_done(struct cw_system *sys, int ret, void *arg)
{
	struct async_fx *a = arg;

	(void)sys;
	assert_false(a->done);
	a->done = true;
	a->done_ret = ret;
	a->done_at = cw_sim_now_ns(a->f.sim);
	a->done_cpu = cw_sim_current_cpu(a->f.sim);
}

static void async_start(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct async_fx *a = ev->data;

	(void)sim;
	a->done = false;
	if (a->install) {
		a->start_ret = cw_tick_install_proxy_async(a->f.sys, async_setup, a, &a->mask,
							   async_done, a);
	} else {
		a->start_ret = cw_tick_uninstall_proxy_async(a->f.sys, &a->mask, async_done, a);
	}
}

static void async_unstall(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct async_fx *a = ev->data;

	(void)sim;
	assert_int_equal(cw_sim_hw_inband_unstall(a->f.hw, 1), 0);
}

static enum cw_hrtimer_restart async_hr(struct cw_hrtimer *t)
{
	afx->hr_seq = ++afx->n;
	(void)t;
	return CW_HRTIMER_NORESTART;
}

static void async_arm_hr(void *arg)
{
	struct async_fx *a = arg;

	assert_int_equal(cw_hrtimer_setup(a->f.sys, &a->hr, async_hr, CW_CLOCK_MONOTONIC,
					  CW_HRTIMER_MODE_HARD),
			 0);
	cw_hrtimer_start(&a->hr, cw_ktime_get(a->f.sys) + US(20),
			 CW_HRTIMER_MODE_ABS | CW_HRTIMER_MODE_PINNED | CW_HRTIMER_MODE_HARD);
}

/* From t0: CPU 1 masked until t0 + 300 us; the operation starts at t0 + 50 us on CPU 0. */
static void async_round(struct async_fx *a, bool install)
{
	uint64_t t0;

	a->install = install;
	a->n = 0;
	a->hr_seq = 0;
	a->setup_seq[0] = a->setup_seq[1] = 0;
	assert_int_equal(cw_cpu_call(a->f.sys, 1, async_arm_hr, a), 0);
	t0 = cw_sim_now_ns(a->f.sim);
	assert_int_equal(cw_sim_hw_inband_stall(a->f.hw, 1), 0);
	cw_sim_event_schedule(a->f.sim, &a->ev, t0 + US(50));
	cw_sim_event_schedule(a->f.sim, &a->unstall, t0 + US(300));
	cw_sim_run_for(a->f.sim, US(100));
	assert_int_equal(a->start_ret, 0);
	/* CPU 0's steps ran at once; CPU 1's wait in its log, and the operation with them. */
	assert_false(a->done);
	assert_int_equal(a->hr_seq, 0);
	assert_int_equal(cw_tick_uninstall_proxy(a->f.sys, &a->mask), CW_EBUSY);
	assert_int_equal(cw_tick_install_proxy(a->f.sys, setup_relay, NULL, &a->mask), CW_EBUSY);
	/* Install: CPU 0 is done. Uninstall: CPU 0's oob side let go, CPU 1's has not. */
	assert_non_null(cw_tick_proxy(a->f.sys, 0));
	if (install) {
		assert_int_equal(a->setup_seq[0], 1);
		assert_null(cw_tick_proxy(a->f.sys, 1));
	} else {
		assert_non_null(cw_tick_proxy(a->f.sys, 1));
		assert_true(cw_sim_hw_irq_is_oob(a->f.hw, 29));
	}
	cw_sim_run_for(a->f.sim, US(300));
	/* The unstall replayed the timer interrupt logged first, then CPU 1's step, then the rest.
	 */
	assert_true(a->done);
	assert_int_equal(a->done_ret, 0);
	assert_int_equal(a->done_at, t0 + US(300));
	assert_int_equal(a->done_cpu, 0);
	assert_int_equal(a->hr_seq, install ? 2 : 1);
	if (install) {
		assert_int_equal(a->setup_seq[1], 3);
		assert_int_equal(a->setup_at[1], t0 + US(300));
		for (unsigned cpu = 0; cpu < 2; cpu++) {
			assert_non_null(cw_tick_proxy(a->f.sys, cpu));
		}
		assert_true(cw_sim_hw_irq_is_oob(a->f.hw, 29));
	} else {
		for (unsigned cpu = 0; cpu < 2; cpu++) {
			assert_null(cw_tick_proxy(a->f.sys, cpu));
		}
		assert_false(cw_sim_hw_irq_is_oob(a->f.hw, 29));
	}
}

/*
 * cw_tick_install_proxy_async() and _uninstall_proxy_async() from an
 * engine event (which cannot wait) while CPU 1's in-band stage is masked:
 * CPU 1's steps wait in its in-band log and run at the unstall, after the
 * timer interrupt logged before them; the completion runs then, on the
 * caller's CPU; none of it runs at once on the masked CPU (calls_unlogged
 * stays 0; the synchronous calls from an event ran there at once).
 */
static void test_async_install_from_event_waits_for_masked_cpu(void **state)
{
	struct async_fx a;
	struct cw_sim_hw_cpu_stats cs;

	(void)state;
	memset(&a, 0, sizeof(a));
	afx = &a;
	up(&a.f, arch_machine);
	cw_check_set_latency_ns(a.f.sys, US(1) + US(300) + US(10));
	a.mask = 0x3;
	cw_sim_event_init(&a.ev, async_start, &a);
	a.ev.cpu = 0;
	cw_sim_event_init(&a.unstall, async_unstall, &a);
	a.unstall.cpu = 1;
	async_round(&a, true);
	cw_sim_run_for(a.f.sim, MS(50));
	async_round(&a, false);
	cw_sim_run_for(a.f.sim, MS(10));
	assert_int_equal(cw_sim_hw_cpu_get_stats(a.f.hw, 1, &cs), 0);
	printf("CPU1: %llu cross calls logged, %llu run at once while masked\n",
	       (unsigned long long)cs.calls_logged, (unsigned long long)cs.calls_unlogged);
	assert_int_equal(cs.calls_unlogged, 0);
	assert_int_equal(cs.calls_logged, 2);
	down(&a.f);
}

/* One Cortex-A9 with erratum 740657; the driver's acknowledge is patched in below. */
static const char gt_machine_fmt[] = "[machine]\n"
				     "name = gtbox\n"
				     "cpus = 1\n"
				     "[counter cnt]\n"
				     "width = 64\n"
				     "freq = 100MHz\n"
				     "rating = 300\n"
				     "flags = continuous\n"
				     "[global_timer gt]\n"
				     "freq = 100MHz\n"
				     "irq = 27\n"
				     "erratum = yes\n"
				     "clear_order = %s\n"
				     "[irq]\n"
				     "latency = 1us\n"
				     "ipi_latency = 1us\n";

struct storm_run {
	uint64_t spurious_stalled;
	uint64_t spurious_after;
	uint64_t spurious_max;
	uint64_t storms;
	unsigned oob_events;
};

/*
 * Seed 001's transparent proxy (the oob handler only relays, it never
 * touches the hardware) on the erratum global timer: a 1 kHz in-band
 * hrtimer expires inside a 300 us masked section. Returns the
 * re-assertions counted while the section lasts and in the 3 ms after it.
 */
static struct storm_run erratum_storm(const char *clear_order)
{
	char text[sizeof(gt_machine_fmt) + 32];
	struct fx f;
	uint64_t m = 1, t0, s0;
	struct lat hr = { 0 };
	struct cw_sim_hw_timer *gt;
	struct cw_sim_hw_timer_stats st;
	struct storm_run r = { 0 };

	snprintf(text, sizeof(text), gt_machine_fmt, clear_order);
	up(&f, text);
	gt = cw_sim_machine_timer_at(f.m, 0);
	assert_non_null(gt);
	cw_check_set_latency_ns(f.sys, US(1) + US(300) + US(10));
	assert_int_equal(cw_tick_install_proxy(f.sys, setup_relay, NULL, &m), 0);
	cw_sim_run_for(f.sim, MS(5));
	hr.sys = f.sys;
	hr.period_ns = MS(1);
	t0 = cw_sim_now_ns(f.sim);
	assert_int_equal(cw_cpu_call(f.sys, 0, start_hr, &hr), 0);
	cw_sim_run_for(f.sim, US(900));
	assert_int_equal(cw_sim_hw_timer_get_stats(gt, 0, &st), 0);
	s0 = st.spurious;
	oob_events = 0;
	/* Masked from t0 + 900 us to t0 + 1200 us: the expiry at t0 + 1 ms falls inside. */
	assert_int_equal(cw_sim_hw_inband_stall(f.hw, 0), 0);
	cw_sim_run_for(f.sim, US(300));
	assert_int_equal(cw_sim_hw_timer_get_stats(gt, 0, &st), 0);
	r.spurious_stalled = st.spurious - s0;
	r.oob_events = oob_events;
	assert_int_equal(cw_sim_hw_inband_unstall(f.hw, 0), 0);
	s0 = st.spurious;
	cw_sim_run_for(f.sim, MS(3));
	assert_int_equal(cw_sim_hw_timer_get_stats(gt, 0, &st), 0);
	r.spurious_after = st.spurious - s0;
	r.spurious_max = st.spurious_max;
	r.storms = st.storms;
	assert_true(hr.n >= 3);
	assert_true(cw_sim_now_ns(f.sim) - t0 >= MS(4));
	assert_int_equal(cw_hrtimer_cancel(&hr.hr), 1);
	assert_int_equal(cw_tick_uninstall_proxy(f.sys, &m), 0);
	printf("clear_order %s: %llu re-assertions in the 300 us masked section (%u oob handler "
	       "runs), %llu in the 3 ms after it, longest storm %llu, storms stopped %llu\n",
	       clear_order, (unsigned long long)r.spurious_stalled, r.oob_events,
	       (unsigned long long)r.spurious_after, (unsigned long long)r.spurious_max,
	       (unsigned long long)r.storms);
	down(&f);
	return r;
}

/*
 * Erratum 740657 under the proxy (seed 001): the real device is RESERVED,
 * never ONESHOT, so a driver testing "oneshot" alone leaves the comparator
 * matching when it clears the flag. Nothing oob moves it, and the in-band
 * side that would is masked: the line re-asserts one interrupt latency
 * after another until the unstall (here about 200 times for one event),
 * then the in-band side reprograms through the proxy and the storm ends.
 */
static void test_erratum_unadapted_driver_storms_until_unstall(void **state)
{
	struct storm_run r = erratum_storm("oneshot_only");

	(void)state;
	assert_true(r.spurious_stalled >= 150);
	assert_true(r.spurious_stalled <= 300);
	assert_true(r.oob_events >= r.spurious_stalled);
	assert_true(r.spurious_max >= 150);
	assert_int_equal(r.storms, 0);
	/* Unmasked, the relayed interrupt moves the comparator at once: at most one per event. */
	assert_true(r.spurious_after <= 10);
	assert_true(r.spurious_max >= r.spurious_stalled - 1);
}

/* The adapted driver ("oob or oneshot") moves the comparator first: no re-assertion at all. */
static void test_erratum_adapted_driver_never_reasserts_under_proxy(void **state)
{
	struct storm_run r = erratum_storm("compare_first");

	(void)state;
	assert_int_equal(r.spurious_stalled, 0);
	assert_int_equal(r.spurious_after, 0);
	assert_int_equal(r.spurious_max, 0);
	assert_true(r.oob_events >= 1);
	assert_true(r.oob_events <= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_proxy_wins_tick_device_and_reserves_real),
		cmocka_unit_test(test_timers_on_every_base_survive_install_and_uninstall),
		cmocka_unit_test(test_per_cpu_mask_installs_only_there),
		cmocka_unit_test(test_reserved_real_device_refuses_every_framework_op),
		cmocka_unit_test(test_errors_busy_nodev_and_rollback),
		cmocka_unit_test(test_cpu_going_down_gives_real_device_back),
		cmocka_unit_test(test_oob_timer_is_not_delayed_by_inband_masking),
		cmocka_unit_test(test_oob_timer_on_idle_cpu_runs_every_period),
		cmocka_unit_test(test_example_machines_run_the_proxy_workload),
		cmocka_unit_test(test_workload_cross_calls_to_masked_cpus_wait_in_the_log),
		cmocka_unit_test(test_cpu_call_to_stalled_cpu_runs_at_unstall_after_logged_irq),
		cmocka_unit_test(test_async_install_from_event_waits_for_masked_cpu),
		cmocka_unit_test(test_erratum_unadapted_driver_storms_until_unstall),
		cmocka_unit_test(test_erratum_adapted_driver_never_reasserts_under_proxy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
