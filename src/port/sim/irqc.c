/* SPDX-License-Identifier: MIT */
/* Temporary stubs of the sim hardware API (issue 3): replaced by the models. */
#include <clockwork/sim_hw.h>
#include <clockwork/driver/clockevent.h>
#include <stddef.h>

CW_API int cw_sim_hw_create(struct cw_sim *sim, struct cw_system *sys, unsigned nr_cpus,
			    const struct cw_sim_hw_params *p, struct cw_sim_hw **out)
{
	(void)sim;
	(void)sys;
	(void)nr_cpus;
	(void)p;
	(void)out;
	return CW_ENOSYS;
}

CW_API void cw_sim_hw_destroy(struct cw_sim_hw *hw)
{
	(void)hw;
}

CW_API int cw_sim_hw_set_system(struct cw_sim_hw *hw, struct cw_system *sys)
{
	(void)hw;
	(void)sys;
	return CW_ENOSYS;
}

CW_API struct cw_system *cw_sim_hw_system(const struct cw_sim_hw *hw)
{
	(void)hw;
	return NULL;
}

CW_API struct cw_sim *cw_sim_hw_engine(const struct cw_sim_hw *hw)
{
	(void)hw;
	return NULL;
}

CW_API unsigned cw_sim_hw_nr_cpus(const struct cw_sim_hw *hw)
{
	(void)hw;
	return 0;
}

CW_API void cw_sim_hw_send_ipi(struct cw_sim_hw *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
}

CW_API int cw_sim_hw_run_on(struct cw_sim_hw *hw, unsigned cpu, void (*fn)(void *arg), void *arg)
{
	(void)hw;
	(void)cpu;
	(void)fn;
	(void)arg;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_match(struct cw_sim_hw *hw, const char *compatible, unsigned index, void **out)
{
	(void)hw;
	(void)compatible;
	(void)index;
	(void)out;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_irq_request(struct cw_sim_hw *hw, unsigned irq, unsigned flags,
				 cw_sim_hw_irq_fn fn, void *arg)
{
	(void)hw;
	(void)irq;
	(void)flags;
	(void)fn;
	(void)arg;
	return CW_ENOSYS;
}

CW_API void cw_sim_hw_irq_free(struct cw_sim_hw *hw, unsigned irq)
{
	(void)hw;
	(void)irq;
}

CW_API int cw_sim_hw_irq_set_affinity(struct cw_sim_hw *hw, unsigned irq, unsigned cpu)
{
	(void)hw;
	(void)irq;
	(void)cpu;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_irq_affinity(const struct cw_sim_hw *hw, unsigned irq)
{
	(void)hw;
	(void)irq;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_irq_set_latency(struct cw_sim_hw *hw, unsigned irq, uint64_t latency_ns)
{
	(void)hw;
	(void)irq;
	(void)latency_ns;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_irq_raise(struct cw_sim_hw *hw, unsigned irq, int cpu)
{
	(void)hw;
	(void)irq;
	(void)cpu;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_irq_get_stats(const struct cw_sim_hw *hw, unsigned irq,
				   struct cw_sim_hw_irq_stats *out)
{
	(void)hw;
	(void)irq;
	(void)out;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_cpu_idle(struct cw_sim_hw *hw, unsigned cpu, unsigned state)
{
	(void)hw;
	(void)cpu;
	(void)state;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_cpu_wake(struct cw_sim_hw *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_cpu_idle_loop(struct cw_sim_hw *hw, unsigned cpu, int state)
{
	(void)hw;
	(void)cpu;
	(void)state;
	return CW_ENOSYS;
}

CW_API enum cw_sim_hw_cpu_state cw_sim_hw_cpu_state(const struct cw_sim_hw *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
	return CW_SIM_HW_CPU_OFFLINE;
}

CW_API int cw_sim_hw_cpu_idle_state(const struct cw_sim_hw *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_cpu_offline(struct cw_sim_hw *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_cpu_online(struct cw_sim_hw *hw, unsigned cpu)
{
	(void)hw;
	(void)cpu;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_cpu_get_stats(const struct cw_sim_hw *hw, unsigned cpu,
				   struct cw_sim_hw_cpu_stats *out)
{
	(void)hw;
	(void)cpu;
	(void)out;
	return CW_ENOSYS;
}

CW_API const char *cw_sim_hw_idle_state_name(const struct cw_sim_hw *hw, unsigned state)
{
	(void)hw;
	(void)state;
	return NULL;
}

CW_API unsigned cw_sim_hw_nr_idle_states(const struct cw_sim_hw *hw)
{
	(void)hw;
	return 0;
}

CW_API int cw_sim_hw_timer_create(struct cw_sim_hw *hw, const struct cw_sim_hw_timer_params *p,
				  struct cw_sim_hw_timer **out)
{
	(void)hw;
	(void)p;
	(void)out;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_timer_register(struct cw_sim_hw_timer *t)
{
	(void)t;
	return CW_ENOSYS;
}

CW_API enum cw_sim_hw_timer_type cw_sim_hw_timer_type(const struct cw_sim_hw_timer *t)
{
	(void)t;
	return CW_SIM_HW_GLOBAL_TIMER;
}

CW_API const char *cw_sim_hw_timer_compatible(const struct cw_sim_hw_timer *t)
{
	(void)t;
	return NULL;
}

CW_API const char *cw_sim_hw_timer_type_compatible(enum cw_sim_hw_timer_type type)
{
	(void)type;
	return NULL;
}

CW_API unsigned cw_sim_hw_timer_nr_devices(const struct cw_sim_hw_timer *t)
{
	(void)t;
	return 0;
}

CW_API struct cw_clock_event_device *cw_sim_hw_timer_device(struct cw_sim_hw_timer *t,
							    unsigned index)
{
	(void)t;
	(void)index;
	return NULL;
}

CW_API int cw_sim_hw_timer_get_stats(const struct cw_sim_hw_timer *t, unsigned index,
				     struct cw_sim_hw_timer_stats *out)
{
	(void)t;
	(void)index;
	(void)out;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_timer_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
				uint64_t *value)
{
	(void)t;
	(void)index;
	(void)reg;
	(void)value;
	return CW_ENOSYS;
}

CW_API int cw_sim_hw_timer_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
				 uint64_t value)
{
	(void)t;
	(void)index;
	(void)reg;
	(void)value;
	return CW_ENOSYS;
}

CW_API unsigned cw_sim_hw_nr_timers(const struct cw_sim_hw *hw)
{
	(void)hw;
	return 0;
}

CW_API struct cw_sim_hw_timer *cw_sim_hw_timer_at(const struct cw_sim_hw *hw, unsigned index)
{
	(void)hw;
	(void)index;
	return NULL;
}

CW_API const struct cw_driver cw_sim_hw_global_timer_driver = { .name = "sim-global_timer",
								.level = CW_INIT_EARLY };
CW_API const struct cw_driver cw_sim_hw_arch_timer_driver = { .name = "sim-arch_timer",
							      .level = CW_INIT_EARLY };
CW_API const struct cw_driver cw_sim_hw_tmu_driver = { .name = "sim-tmu", .level = CW_INIT_EARLY };
CW_API const struct cw_driver cw_sim_hw_hpet_driver = { .name = "sim-hpet",
							.level = CW_INIT_EARLY };
CW_API const struct cw_driver cw_sim_hw_lapic_driver = { .name = "sim-lapic",
							 .level = CW_INIT_EARLY };
CW_API const struct cw_driver cw_sim_hw_pit_driver = { .name = "sim-pit", .level = CW_INIT_EARLY };
