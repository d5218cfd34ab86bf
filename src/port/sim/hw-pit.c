/* SPDX-License-Identifier: MIT */
/*
 * i8253 PIT channel 0 model. Its driver: drv-pit.c.
 *
 * Hardware: a 16-bit down-counter at 1.193182 MHz in rate-generator mode:
 * it counts the latch down to 0, interrupts (IRQ 0, edge) and reloads; a
 * latch of 0 means 65536. The tick period is therefore a whole number of
 * PIT counts, so it is not exactly 1/HZ: at HZ = 100 the latch is 11932
 * counts, a tick of 10.000150 ms, and 100 ticks take 1.000015 s (the
 * kernel's "LATCH" rounding, corrected there by the clocksource, not by
 * the tick).
 *
 * Registers (struct sim_hw_chan, down-counting, always reloading): COUNTER
 * the current count (read-only), COMPARE the latch (a write restarts the
 * count from it), CONTROL: ENABLE (counting; clearing it stops the count,
 * as the mode word of a shutdown does), read back with PERIODIC.
 */
#include <clockwork/sim_hw.h>

#include "port/sim/hw-internal.h"

/** PIT input clock, Hz. */
#define PIT_TICK_RATE 1193182u
/** A latch of 0 counts 65536. */
#define PIT_LATCH_MAX 65536u

static void pit_underflow(struct sim_hw_chan *ch)
{
	ch->t->stats[0].wraps++;
	ch->t->stats[0].interrupts++;
	cw__sim_hw_chan_raise(ch);
}

/* Mode 2 with @latch (0 = 65536): the count restarts from the new latch. */
static void pit_write_latch(struct sim_hw_chan *ch, uint64_t latch)
{
	latch &= 0xffff;
	ch->compare = latch ? latch : PIT_LATCH_MAX;
	ch->ctrl |= CW_SIM_HW_CTRL_ENABLE;
	cw__sim_hw_dc_load(ch, ch->compare);
}

static int pit_setup(struct cw_sim_hw_timer *t)
{
	if (t->p.width_bits != 16) {
		return CW_EINVAL;
	}
	/* Rate generator: always reloads. */
	cw__sim_hw_chan(t, 0)->ctrl = CW_SIM_HW_CTRL_PERIODIC;
	return 0;
}

static int pit_read(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		    uint64_t *value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COUNTER:
		*value = cw__sim_hw_dc_count(ch);
		return 0;
	case CW_SIM_HW_REG_COMPARE:
		*value = ch->compare;
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		*value = ch->ctrl;
		return 0;
	default:
		return CW_ENOSYS;
	}
}

static int pit_write(struct cw_sim_hw_timer *t, unsigned index, enum cw_sim_hw_reg reg,
		     uint64_t value)
{
	struct sim_hw_chan *ch = cw__sim_hw_chan(t, index);

	switch (reg) {
	case CW_SIM_HW_REG_COMPARE:
		pit_write_latch(ch, value);
		return 0;
	case CW_SIM_HW_REG_CONTROL:
		if (value & CW_SIM_HW_CTRL_ENABLE) {
			cw__sim_hw_dc_start(ch);
		} else {
			cw__sim_hw_dc_stop(ch);
		}
		return 0;
	default:
		return CW_ENOSYS;
	}
}

const struct sim_hw_timer_ops cw__sim_hw_pit_ops = {
	.name = "pit",
	.freq_hz = PIT_TICK_RATE,
	.width_bits = 16,
	.min_delta_ticks = 1,
	.max_delta_ticks = 0xffff,
	/* Below the HPET (50) that displaces it, as in Linux (where the PIT is unrated). */
	.rating = 40,
	.irq = 0,
	.nr_channels = 1,
	.percpu = false,
	.down_counter = true,
	.edge = true,
	.chan_size = sizeof(struct sim_hw_chan),
	.setup = pit_setup,
	.fire = pit_underflow,
	.read = pit_read,
	.write = pit_write,
};
