# SPDX-License-Identifier: MIT
# Core component tests (deterministic, sim port).
cw_add_test(test_clocksource LABEL unit SOURCES unit/test_clocksource.c)
cw_add_test(test_timekeeping LABEL unit SOURCES unit/test_timekeeping.c)
cw_add_test(test_components LABEL unit SOURCES unit/test_components.c)
target_compile_definitions(test_components PRIVATE CW_BUILDING_LIBRARY)
# The spinlock's ownership checks use the private lock.h.
cw_add_test(test_lock LABEL unit SOURCES unit/test_lock.c)
target_compile_definitions(test_lock PRIVATE CW_BUILDING_LIBRARY)
