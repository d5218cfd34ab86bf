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

# libFuzzer target over the API sequence (tests/fuzz/fuzz_timer.c; see
# cw_add_fuzzer in tests/CMakeLists.txt). ctest runs a short deterministic
# burst (label unit); run it longer by hand.
cw_add_fuzzer(fuzz_timer cw_fuzz_bin MAIN ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_timer.c)
if(cw_fuzz_bin)
  add_test(NAME test_timer_fuzz COMMAND ${cw_fuzz_bin} -runs=8000 -seed=1 -max_len=512)
  set_tests_properties(test_timer_fuzz PROPERTIES LABELS unit TIMEOUT 300)
else()
  message(STATUS "clang not found: the timer wheel fuzzer (tests/fuzz) is not built")
endif()

# Time spans (issue 9): the wheel and whole sim systems cross the 32-bit,
# signed and 64-bit jiffies boundaries, and run past 300 s of uptime.
cw_add_test(test_jiffies_spans LABEL unit TIMEOUT 300 SOURCES unit/test_jiffies_spans.c)
target_compile_definitions(test_jiffies_spans PRIVATE CW_BUILDING_LIBRARY)

# CPU hotplug moves every wheel timer to a live CPU (issue 9, section 4).
cw_add_test(test_timer_hotplug LABEL unit TIMEOUT 120 SOURCES unit/test_timer_hotplug.c)
target_compile_definitions(test_timer_hotplug PRIVATE CW_BUILDING_LIBRARY)

# The wheel on the posix port with the real clock across the 32- and 64-bit
# jiffies wraps, and CPU hotplug while threads arm timers (label posix: make
# check also runs it under ThreadSanitizer).
cw_add_test(test_timer_posix_spans LABEL posix TIMEOUT 120 SOURCES posix/test_timer_posix_spans.c)
target_compile_definitions(test_timer_posix_spans PRIVATE CW_BUILDING_LIBRARY)

# Wheel timers on a CPU going in and out of NO_HZ idle: a wakeup at the
# tick's grid point loses no tick and no wheel expiry (issue 9, horizon case).
cw_add_test(test_timer_nohz LABEL unit TIMEOUT 120 SOURCES unit/test_timer_nohz.c)
target_compile_definitions(test_timer_nohz PRIVATE CW_BUILDING_LIBRARY)

# The wheel's arm path reads no clock (issue 15): arms after a long NO_HZ
# stretch with every CPU idle, at the 2^32/2^63/2^64 jiffies wraps, from an
# old deadline, and at a jiffy boundary before its tick, fire within bound.
cw_add_test(test_timer_stale_clock LABEL unit TIMEOUT 120 SOURCES unit/test_timer_stale_clock.c)
target_compile_definitions(test_timer_stale_clock PRIVATE CW_BUILDING_LIBRARY)
# Timers armed by threads that are no CPU land on the home CPU the port
# names (CW_PORT_NEAR_CPU), wheel and hrtimers (issue 15, section 2).
cw_add_test(test_timer_threads LABEL unit TIMEOUT 120 SOURCES unit/test_timer_threads.c)
target_compile_definitions(test_timer_threads PRIVATE CW_BUILDING_LIBRARY)
# The same on the posix port with real application threads: the binding
# API, bound and host-core homes, many threads at once (label posix: make
# check also runs it under ThreadSanitizer).
cw_add_test(test_timer_threads_posix LABEL posix TIMEOUT 180 SOURCES posix/test_timer_threads_posix.c)
# Timer migration (issue 11): the group-state protocol step by step, the
# hierarchy's shape, and a seeded model of the whole hierarchy against a
# naive reference with the hierarchy's checker after every step.
cw_add_test(test_tmigr LABEL unit TIMEOUT 300 SOURCES unit/test_tmigr.c)
target_compile_definitions(test_tmigr PRIVATE CW_BUILDING_LIBRARY)

# Timer migration in cwsim: the boot line, --tmigr-tree's table and tree,
# a two-node machine file with isolated CPUs.
cw_add_test(test_tmigr_cwsim LABEL unit SOURCES unit/test_tmigr_cwsim.c)
target_link_libraries(test_tmigr_cwsim PRIVATE cwsim_lib)

# The wakeup study's targets (issue 11) on 8 and 512 CPUs: under pull no idle
# CPU wakes for its own global timers, fewer idle wakeups than push (and push
# no more than pinned), periodic at least 10x, p99 lateness no worse than push.
foreach(n 8 512)
  add_test(NAME test_tmigr_study_${n} COMMAND tmigr-study --check --cpus ${n})
  set_tests_properties(test_tmigr_study_${n} PROPERTIES LABELS unit TIMEOUT 120
                       PASS_REGULAR_EXPRESSION "check: the issue's targets hold")
endforeach()

# The wakeup study in cwsim (--tmigr-policies on examples/machines/tmigr and
# examples/workloads/idle-server.ini) and timer migration's checker in the
# invariant checker's verify.
cw_add_test(test_tmigr_policies LABEL unit TIMEOUT 120 SOURCES unit/test_tmigr_policies.c)
target_link_libraries(test_tmigr_policies PRIVATE cwsim_lib)
target_compile_definitions(test_tmigr_policies PRIVATE CW_BUILDING_LIBRARY)
target_compile_definitions(test_tmigr_policies PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
