/* SPDX-License-Identifier: MIT */
/*
 * Umbrella header: everything a user of clockwork needs. Ports and drivers
 * additionally include clockwork/port.h and the headers under clockwork/driver/.
 */
#ifndef CLOCKWORK_INCLUDE_CLOCKWORK_H
#define CLOCKWORK_INCLUDE_CLOCKWORK_H

#include <clockwork/types.h>
#include <clockwork/system.h>
#include <clockwork/clocksource.h>
#include <clockwork/cpu.h>
#include <clockwork/hrtimer.h>
#include <clockwork/tick.h>
#include <clockwork/timekeeping.h>
#include <clockwork/timer.h>
#include <clockwork/tmigr.h>
#include <clockwork/check.h>
#include <clockwork/claim.h>

#endif /* CLOCKWORK_INCLUDE_CLOCKWORK_H */
