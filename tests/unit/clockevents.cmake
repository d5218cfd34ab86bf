# SPDX-License-Identifier: MIT
# Clockevents and boot tests (issue 3). They drive core-internal functions
# (src/core/tick-internal.h) on unregistered fake devices.
cw_add_test(test_clockevents LABEL unit SOURCES unit/test_clockevents.c)
target_compile_definitions(test_clockevents PRIVATE CW_BUILDING_LIBRARY)
# The worked driver example of docs/drivers.md on a modelled board.
cw_add_test(test_example_driver LABEL unit
            SOURCES unit/test_example_driver.c ${PROJECT_SOURCE_DIR}/examples/drivers/acme-timer.c)
target_include_directories(test_example_driver PRIVATE ${PROJECT_SOURCE_DIR}/examples/drivers)
# The RESERVED state (issue 13, shared with the proxy tick device of issue 12).
cw_add_test(test_ce_reserved LABEL unit SOURCES unit/test_ce_reserved.c)
target_compile_definitions(test_ce_reserved PRIVATE CW_BUILDING_LIBRARY)
# Claimed timer channels, the hrtimer fallback and the per-CPU pool (issue 13).
cw_add_test(test_claim LABEL unit TIMEOUT 60 SOURCES unit/test_claim.c)
# The NIC demonstration ([nic] workload section, src/port/sim/nic.c).
cw_add_test(test_claim_nic LABEL unit TIMEOUT 120 SOURCES unit/test_claim_nic.c)
