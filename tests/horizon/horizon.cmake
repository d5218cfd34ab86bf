# SPDX-License-Identifier: MIT
# The time-horizon suite (tests/horizon/): every example machine with every
# example workload crosses every time boundary (jiffies, REALTIME 2038/2106/
# KTIME_MAX, counter wraps of every width, long uptime) with the invariant
# checker on. make soak adds 30 simulated days per machine with clock steps
# and hotplug (soak_horizon).
cw_add_test(test_horizon LABEL unit TIMEOUT 600 SOURCES horizon/test_horizon.c)
target_compile_definitions(test_horizon PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_include_directories(test_horizon PRIVATE ${PROJECT_SOURCE_DIR}/tests/horizon)
# The checker itself: on by default for machines, planted violations caught.
cw_add_test(test_check LABEL unit TIMEOUT 120 SOURCES unit/test_check.c)
target_compile_definitions(test_check PRIVATE CW_BUILDING_LIBRARY)
