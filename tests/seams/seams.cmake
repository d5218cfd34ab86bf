# SPDX-License-Identifier: MIT
# The core's seams (issue 10, section 1): the include and reference graphs of
# src/core (check_seams.sh prints both). The self-test runs the same script
# on a fixture with one of each broken rule, so a checker that silently
# matches nothing cannot pass unnoticed.

set(CW_SEAMS_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME seams.graph
         COMMAND bash ${CW_SEAMS_DIR}/check_seams.sh ${PROJECT_SOURCE_DIR}/src/core
                 "$<TARGET_OBJECTS:clockwork_objs>")
set_tests_properties(seams.graph PROPERTIES LABELS build TIMEOUT 120)

add_library(cw_seams_fixture OBJECT ${CW_SEAMS_DIR}/fixtures/bad/alpha.c
                                    ${CW_SEAMS_DIR}/fixtures/bad/beta.c)
add_test(NAME seams.graph.selftest
         COMMAND bash ${CW_SEAMS_DIR}/check_seams.sh ${CW_SEAMS_DIR}/fixtures/bad
                 "$<TARGET_OBJECTS:cw_seams_fixture>")
string(CONCAT cw_seams_selftest_re
  "system-internal\\.h includes beta-internal\\.h.*"
  "zz-types\\.h \\(types only\\) includes alpha-internal\\.h.*"
  "the include graph has a cycle.*loop:.*alpha.*"
  "the reference graph has a cycle.*loop:.*alpha.*"
  "beta\\.c:[0-9]+:.*booted = 1;: only the boot code")
set_tests_properties(seams.graph.selftest PROPERTIES LABELS build TIMEOUT 120
  PASS_REGULAR_EXPRESSION "${cw_seams_selftest_re}")

# The sim port's model/driver seam (issue 14, section 1): drivers (drv-*.c)
# reach their models only through the register accessors of hw-driver.h.
# The sim's objects: in clockwork_objs, or in their own library's objects.
set(cw_seams_sim_objs "$<TARGET_OBJECTS:clockwork_objs>")
if(TARGET clockwork_sim_objs)
  list(APPEND cw_seams_sim_objs "$<TARGET_OBJECTS:clockwork_sim_objs>")
endif()
add_test(NAME seams.sim_drivers
         COMMAND bash ${CW_SEAMS_DIR}/check_sim_drivers.sh ${PROJECT_SOURCE_DIR}/src/port/sim
                 ${cw_seams_sim_objs})
set_tests_properties(seams.sim_drivers PROPERTIES LABELS build TIMEOUT 120)

add_library(cw_seams_simdrv_fixture OBJECT ${CW_SEAMS_DIR}/fixtures/simdrv-bad/drv-bad.c
                                           ${CW_SEAMS_DIR}/fixtures/simdrv-bad/hw-bad.c)
add_test(NAME seams.sim_drivers.selftest
         COMMAND bash ${CW_SEAMS_DIR}/check_sim_drivers.sh ${CW_SEAMS_DIR}/fixtures/simdrv-bad
                 "$<TARGET_OBJECTS:cw_seams_simdrv_fixture>")
string(CONCAT cw_seams_simdrv_selftest_re
  "drv-bad\\.c includes \"hw-internal\\.h\".*"
  "drv-bad\\.c:5: defines a model structure.*"
  "drv-bad\\.c references cw_sim_event_schedule.*"
  "hw-bad\\.c calls cw_clockevents_handle_event.*"
  "kind bad: cw__sim_drv_bad is not defined by a drv-\\*\\.c driver \\(hw-bad\\.c\\)")
set_tests_properties(seams.sim_drivers.selftest PROPERTIES LABELS build TIMEOUT 120
  PASS_REGULAR_EXPRESSION "${cw_seams_simdrv_selftest_re}")
