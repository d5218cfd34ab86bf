# SPDX-License-Identifier: MIT
# hrtimer, high-resolution mode and NO_HZ tests (issue 4). The unit programs
# reach core-internal state (src/core/hrtimer-internal.h, tick-internal.h,
# timerqueue.h), so they build with CW_BUILDING_LIBRARY.
cw_add_test(test_timerqueue LABEL unit SOURCES unit/test_timerqueue.c)
cw_add_test(test_hrtimer LABEL unit SOURCES unit/test_hrtimer.c)
cw_add_test(test_tick_sched LABEL unit SOURCES unit/test_tick_sched.c)
# Real threads on the posix port: cancel against a running callback on a CPU
# thread (label posix, so make check also runs it under ThreadSanitizer).
cw_add_test(test_hrtimer_posix LABEL posix TIMEOUT 120 SOURCES posix/test_hrtimer_posix.c)
foreach(t test_timerqueue test_hrtimer test_tick_sched test_hrtimer_posix)
  target_compile_definitions(${t} PRIVATE CW_BUILDING_LIBRARY)
endforeach()
