# SPDX-License-Identifier: MIT
# Simulated timer hardware tests (issue 3).
cw_add_test(test_sim_hw LABEL unit SOURCES unit/test_sim_hw.c)
# The interrupt pipeline: in-band stall, log and replay, oob stage (issue 12).
cw_add_test(test_sim_pipeline LABEL unit SOURCES unit/test_sim_pipeline.c)
