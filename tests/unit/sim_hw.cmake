# SPDX-License-Identifier: MIT
# Simulated timer hardware tests (issue 3).
cw_add_test(test_sim_hw LABEL unit SOURCES unit/test_sim_hw.c)
