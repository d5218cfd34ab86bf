# SPDX-License-Identifier: MIT
# Simulated timer hardware tests (issue 3).
cw_add_test(test_sim_hw LABEL unit SOURCES unit/test_sim_hw.c)
# One source of defaults per timer kind: a machine-file section and the API agree.
cw_add_test(test_sim_timer_kinds LABEL unit SOURCES unit/test_sim_timer_kinds.c)
