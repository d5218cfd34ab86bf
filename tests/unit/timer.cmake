# SPDX-License-Identifier: MIT
# Timer wheel tests (issue 5). The unit programs reach the wheel's internal
# entry points (src/core/timer-internal.h) to drive it at explicit jiffies.
cw_add_test(test_timer LABEL unit SOURCES unit/test_timer.c)
cw_add_test(test_timer_model LABEL unit SOURCES unit/test_timer_model.c)
# The full model run: 10 million operations per configuration (make soak).
cw_add_test(test_timer_model_soak LABEL soak TIMEOUT 3600 SOURCES unit/test_timer_model.c)
target_compile_definitions(test_timer_model_soak PRIVATE CWT_MODEL_OPS=10000000ull)
# Real threads on the posix port: delete_sync/shutdown_sync against running
# callbacks (label posix, so make check also runs it under ThreadSanitizer).
cw_add_test(test_timer_posix LABEL posix TIMEOUT 120 SOURCES posix/test_timer_posix.c)
foreach(t test_timer test_timer_model test_timer_model_soak test_timer_posix)
  target_compile_definitions(${t} PRIVATE CW_BUILDING_LIBRARY)
endforeach()
