# SPDX-License-Identifier: MIT
# cwlat, the hrtimer wakeup latency tool, run in-process: its logic is
# compiled into each test with the tool's header (as for cwsim).
# test_cwlat: --sim runs and argument errors (deterministic, label unit).
# test_cwlat_posix: short real-time runs on this machine (label posix; the
# TSan build runs it too).
set(CWLAT_TEST_SOURCES
  ${PROJECT_SOURCE_DIR}/tools/cwlat/cwlat_run.c
  ${PROJECT_SOURCE_DIR}/tools/cwlat/cwlat_posix.c
  ${PROJECT_SOURCE_DIR}/tools/cwlat/cwlat_sim.c
  ${PROJECT_SOURCE_DIR}/tools/common/cli.c)
cw_add_test(test_cwlat LABEL unit SOURCES unit/test_cwlat.c ${CWLAT_TEST_SOURCES})
target_include_directories(test_cwlat PRIVATE ${PROJECT_SOURCE_DIR}/tools/cwlat
                                              ${PROJECT_SOURCE_DIR}/tools/common)
target_compile_definitions(test_cwlat PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
cw_add_test(test_cwlat_posix LABEL posix TIMEOUT 120
            SOURCES posix/test_cwlat_posix.c ${CWLAT_TEST_SOURCES})
target_include_directories(test_cwlat_posix PRIVATE ${PROJECT_SOURCE_DIR}/tools/cwlat
                                                    ${PROJECT_SOURCE_DIR}/tools/common)
