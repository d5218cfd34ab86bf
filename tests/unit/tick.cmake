# SPDX-License-Identifier: MIT
# Tick layer tests (issue 3). They read and set core-internal state
# (src/core/tick-internal.h: the oneshot switch, clocksource flags).
cw_add_test(test_tick LABEL unit SOURCES unit/test_tick.c)
target_compile_definitions(test_tick PRIVATE CW_BUILDING_LIBRARY)
# Hotplug with a broadcast device on a simulated machine, the checker on.
cw_add_test(test_tick_hotplug LABEL unit TIMEOUT 120 SOURCES unit/test_tick_hotplug.c)
# The oneshot broadcast under a drifting clocksource (sim, deep idle).
cw_add_test(test_tick_broadcast_drift LABEL unit TIMEOUT 60 SOURCES unit/test_tick_broadcast_drift.c)
