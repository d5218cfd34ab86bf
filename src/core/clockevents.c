/* SPDX-License-Identifier: MIT */
/* Clock event devices (being written: placeholder bodies). */
#include <clockwork/driver/clockevent.h>

#include "system-internal.h"

int cw_clockevents_register(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	(void)sys;
	(void)dev;
	return CW_ENOSYS;
}

int cw_clockevents_config_and_register(struct cw_system *sys, struct cw_clock_event_device *dev,
				       uint64_t freq_hz, uint64_t min_ticks, uint64_t max_ticks)
{
	(void)freq_hz;
	(void)min_ticks;
	(void)max_ticks;
	return cw_clockevents_register(sys, dev);
}

int cw_clockevents_update_freq(struct cw_clock_event_device *dev, uint64_t freq_hz)
{
	(void)dev;
	(void)freq_hz;
	return CW_ENOSYS;
}

int cw_clockevents_unbind(struct cw_system *sys, struct cw_clock_event_device *dev, unsigned cpu)
{
	(void)sys;
	(void)dev;
	(void)cpu;
	return CW_ENOSYS;
}

int cw_clockevents_unregister(struct cw_system *sys, struct cw_clock_event_device *dev)
{
	(void)sys;
	(void)dev;
	return CW_ENOSYS;
}

void cw_clockevents_handle_irq(struct cw_clock_event_device *dev)
{
	if (dev->event_handler) {
		dev->event_handler(dev);
	}
}

int cw_clockevents_program_event(struct cw_clock_event_device *dev, cw_ktime_t expires_ns,
				 bool force)
{
	(void)dev;
	(void)expires_ns;
	(void)force;
	return CW_ENOSYS;
}

enum cw_clockevent_state cw_clockevent_get_state(const struct cw_clock_event_device *dev)
{
	return dev->state_use_accessors;
}

const char *cw_clockevent_state_name(enum cw_clockevent_state state)
{
	(void)state;
	return "?";
}

uint64_t cw_clockevent_delta_to_ns(uint64_t latch, const struct cw_clock_event_device *dev,
				   bool is_min)
{
	(void)latch;
	(void)dev;
	(void)is_min;
	return 0;
}

int cw__clockevents_switch_state(struct cw_clock_event_device *dev, enum cw_clockevent_state state)
{
	(void)dev;
	(void)state;
	return CW_ENOSYS;
}

void cw__clockevents_shutdown(struct cw_clock_event_device *dev)
{
	(void)dev;
}

void cw__clockevents_tick_resume(struct cw_clock_event_device *dev)
{
	(void)dev;
}

void cw__clockevents_exchange_device(struct cw_system *sys, struct cw_clock_event_device *old,
				     struct cw_clock_event_device *new)
{
	(void)sys;
	(void)old;
	(void)new;
}

void cw__clockevents_reoffer(struct cw_system *sys)
{
	(void)sys;
}
