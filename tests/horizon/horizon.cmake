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

# libFuzzer target over the hrtimer + wheel API with clock steps and CPU
# hotplug on a simulated machine, checker in abort mode (tests/fuzz/fuzz_api.c).
# Built by cw_add_fuzzer (tests/CMakeLists.txt) like the wheel fuzzer; ctest runs a short deterministic burst; run it longer by hand.
cw_add_fuzzer(fuzz_api cw_fuzz_api_bin MAIN ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_api.c
  SOURCES ${CW_SIM_SOURCES} DEPENDS ${PROJECT_SOURCE_DIR}/tests/support/cwt_machine.h)
if(cw_fuzz_api_bin)
  add_test(NAME test_api_fuzz COMMAND ${cw_fuzz_api_bin} -runs=400 -seed=1 -max_len=256)
  set_tests_properties(test_api_fuzz PROPERTIES LABELS unit TIMEOUT 300)
  # Every input the fuzzer ever stopped on (tests/fuzz/api-findings/), run once
  # each as a fixed regression corpus: none may fail again.
  file(GLOB cw_api_findings CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/fuzz/api-findings/*)
  add_test(NAME test_api_fuzz_findings COMMAND ${cw_fuzz_api_bin} ${cw_api_findings})
  set_tests_properties(test_api_fuzz_findings PROPERTIES LABELS unit TIMEOUT 300)
else()
  message(STATUS "clang not found: the timer API fuzzer (tests/fuzz/fuzz_api.c) is not built")
endif()

# make soak: 30 simulated days per example machine (label soak, not in make check).
add_executable(soak_horizon horizon/soak_horizon.c)
target_link_libraries(soak_horizon PRIVATE clockwork_internal)
target_include_directories(soak_horizon PRIVATE ${PROJECT_SOURCE_DIR}/tests/horizon)
file(GLOB cw_soak_machines CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/machines/*.ini)
foreach(m ${cw_soak_machines})
  get_filename_component(mn ${m} NAME_WE)
  add_test(NAME soak_30d_${mn} COMMAND soak_horizon ${m} --days 30)
  set_tests_properties(soak_30d_${mn} PROPERTIES LABELS soak TIMEOUT 7200)
endforeach()
