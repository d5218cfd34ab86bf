# SPDX-License-Identifier: MIT
# Simulated timer hardware tests (issue 3).
cw_add_test(test_sim_hw LABEL unit SOURCES unit/test_sim_hw.c)
# One source of defaults per timer kind: a machine-file section and the API agree.
cw_add_test(test_sim_timer_kinds LABEL unit SOURCES unit/test_sim_timer_kinds.c)
# The interrupt pipeline: in-band stall, log and replay, oob stage (issue 12).
cw_add_test(test_sim_pipeline LABEL unit SOURCES unit/test_sim_pipeline.c)
# The proxy tick device on modelled machines (issue 12); it calls the
# RESERVED state's internal reserve (src/core/clockevents-internal.h).
cw_add_test(test_proxy LABEL unit SOURCES unit/test_proxy.c)
target_compile_definitions(test_proxy PRIVATE CW_BUILDING_LIBRARY CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
