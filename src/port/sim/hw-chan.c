/* SPDX-License-Identifier: MIT */
/*
 * The channel every timer model shares (struct sim_hw_chan, hw-internal.h):
 * its engine event, and the down-counter that the down-counting models
 * (SH-TMU channels, the LAPIC timer, the PIT) run on it.
 *
 * A down-counting channel keeps a continuous time base of its own (ch->own,
 * its counter reference) and the value loaded at a cycle of it: the count
 * is load_val minus the cycles since, the underflow is due at load_cycle +
 * load_val. ENABLE is "counting", PERIODIC "reload from compare at 0".
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

static void dc_arm(struct sim_hw_chan *ch)
{
	struct cw_sim *sim = ch->t->hw->sim;

	cw_sim_event_cancel(sim, &ch->ev);
	if (!(ch->ctrl & CW_SIM_HW_CTRL_ENABLE) || ch->stopped || ch->load_val == 0) {
		return;
	}
	cw_sim_event_schedule(sim, &ch->ev,
			      cw__sim_hw_clock_time_of(&ch->own, ch->load_cycle + ch->load_val));
}

/* The underflow: flag, reload at the exact underflow count (no drift) or stop, then the model. */
static void dc_underflow(struct sim_hw_chan *ch)
{
	ch->flag = true;
	if ((ch->ctrl & CW_SIM_HW_CTRL_PERIODIC) && ch->compare) {
		ch->load_cycle += ch->load_val;
		ch->load_val = ch->compare;
		dc_arm(ch);
	} else {
		ch->ctrl &= ~CW_SIM_HW_CTRL_ENABLE;
		ch->load_val = 0;
	}
}

void cw__sim_hw_chan_event(struct cw_sim *sim, struct cw_sim_event *ev)
{
	struct sim_hw_chan *ch = ev->data;

	(void)sim;
	if (ch->t->ops->down_counter) {
		dc_underflow(ch);
	}
	ch->t->ops->fire(ch);
}

uint64_t cw__sim_hw_dc_count(const struct sim_hw_chan *ch)
{
	uint64_t done;

	if (!(ch->ctrl & CW_SIM_HW_CTRL_ENABLE) || ch->stopped) {
		return ch->load_val;
	}
	done = cw__sim_hw_chan_cycles(ch) - ch->load_cycle;
	return done >= ch->load_val ? 0 : ch->load_val - done;
}

void cw__sim_hw_dc_load(struct sim_hw_chan *ch, uint64_t value)
{
	ch->load_cycle = cw__sim_hw_chan_cycles(ch);
	ch->load_val = value;
	dc_arm(ch);
}

void cw__sim_hw_dc_stop(struct sim_hw_chan *ch)
{
	if (!(ch->ctrl & CW_SIM_HW_CTRL_ENABLE)) {
		return;
	}
	ch->load_val = cw__sim_hw_dc_count(ch);
	ch->ctrl &= ~CW_SIM_HW_CTRL_ENABLE;
	cw_sim_event_cancel(ch->t->hw->sim, &ch->ev);
}

void cw__sim_hw_dc_start(struct sim_hw_chan *ch)
{
	if (ch->ctrl & CW_SIM_HW_CTRL_ENABLE) {
		return;
	}
	ch->ctrl |= CW_SIM_HW_CTRL_ENABLE;
	ch->load_cycle = cw__sim_hw_chan_cycles(ch);
	dc_arm(ch);
}
