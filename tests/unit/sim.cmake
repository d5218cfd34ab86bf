# SPDX-License-Identifier: MIT
# Simulator tests: engine, counter model, sim port glue, machine files and
# cwsim run in-process (deterministic; ASan runs them too in make check).
cw_add_test(test_sim_engine LABEL unit SOURCES unit/test_sim_engine.c)
cw_add_test(test_sim_counter LABEL unit SOURCES unit/test_sim_counter.c)
target_compile_definitions(test_sim_counter PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
cw_add_test(test_machine_parse LABEL unit SOURCES unit/test_machine_parse.c)
target_compile_definitions(test_machine_parse PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
cw_add_test(test_sim_port LABEL unit SOURCES unit/test_sim_port.c)
# cwsim in-process: the tests link its logic (cwsim_lib, tools/cwsim/).
cw_add_test(test_sim_cwsim LABEL unit
            SOURCES unit/test_sim_cwsim.c)
target_link_libraries(test_sim_cwsim PRIVATE cwsim_lib)
target_compile_definitions(test_sim_cwsim PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Whole-machine scenarios: tests/scenarios/<behaviour>/{machine.ini,expect}.
cw_add_test(test_sim_scenarios LABEL scenario
            SOURCES unit/test_sim_scenarios.c)
target_link_libraries(test_sim_scenarios PRIVATE cwsim_lib)
target_compile_definitions(test_sim_scenarios PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Workload files and workload runs on a machine with timers and idle states.
cw_add_test(test_workload LABEL unit SOURCES unit/test_workload.c)
target_compile_definitions(test_workload PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Start states next to a boundary: counter wraps of every width, jiffies,
# REALTIME in 2038 and 2106, [system] and cwsim's --realtime/--initial-jiffies.
cw_add_test(test_sim_start_state LABEL unit TIMEOUT 120
            SOURCES unit/test_sim_start_state.c)
target_link_libraries(test_sim_start_state PRIVATE cwsim_lib)
# Physical checks of machines: errors and warnings with file:line, at the run's HZ.
cw_add_test(test_sim_machine_check LABEL unit TIMEOUT 120
            SOURCES unit/test_sim_machine_check.c)
target_link_libraries(test_sim_machine_check PRIVATE cwsim_lib)
# The 4096-CPU machine (examples/machines/large/numa-4096.ini) in under
# 256 MiB peak RSS: 1 simulated second in make check, the full 10 in make
# soak (9 s here, 34-110 s under ASan).
foreach(t test_sim_large test_sim_large_soak)
  if(t STREQUAL "test_sim_large")
    cw_add_test(${t} LABEL unit TIMEOUT 120
                SOURCES unit/test_sim_large.c)
  else()
    cw_add_test(${t} LABEL soak TIMEOUT 900
                SOURCES unit/test_sim_large.c)
    target_compile_definitions(${t} PRIVATE CWT_LARGE_SECONDS=10)
  endif()
  target_link_libraries(${t} PRIVATE cwsim_lib)
  target_compile_definitions(${t} PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endforeach()
# The tools' JSON writer (tools/common/jsonw.c) against the tests' strict reader.
cw_add_test(test_jsonw LABEL unit SOURCES unit/test_jsonw.c)
target_link_libraries(test_jsonw PRIVATE cwsim_lib)
# cwsim's real binary stopped by SIGINT after its progress line appears: every
# report still written (text, --json marked interrupted), exit 130.
cw_add_test(test_cwsim_sigint LABEL unit TIMEOUT 150 SOURCES unit/test_cwsim_sigint.c)
target_include_directories(test_cwsim_sigint PRIVATE ${PROJECT_SOURCE_DIR}/tests/support)
target_compile_definitions(test_cwsim_sigint PRIVATE CWSIM_BINARY="$<TARGET_FILE:cwsim>")
add_dependencies(test_cwsim_sigint cwsim)
# cwsim --trace: a valid trace-event document that counts what the report
# counts, filters, reproducibility, and a run unchanged by tracing.
cw_add_test(test_cwsim_trace LABEL unit TIMEOUT 120 SOURCES unit/test_cwsim_trace.c)
target_link_libraries(test_cwsim_trace PRIVATE cwsim_lib)
# Energy: [idle] power figures and cwsim's energy table.
cw_add_test(test_sim_energy LABEL unit TIMEOUT 120 SOURCES unit/test_sim_energy.c)
target_link_libraries(test_sim_energy PRIVATE cwsim_lib)
# cwsim --step: a scripted co-simulation session, record and replay.
cw_add_test(test_cwsim_step LABEL unit SOURCES unit/test_cwsim_step.c)
target_link_libraries(test_cwsim_step PRIVATE cwsim_lib)
# The co-simulation example: a 1 kHz plant in Python against a 1 kHz hrtimer
# loop on the simulated machine, in lockstep over cwsim --step.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND AND TARGET cwsim)
  add_test(NAME cosim_plant
           COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/examples/cosim/plant.py
                   --cwsim $<TARGET_FILE:cwsim> --seconds 2)
  set_tests_properties(cosim_plant PROPERTIES LABELS unit TIMEOUT 120)
else()
  message(WARNING "cosim_plant not registered: no python3 interpreter or no cwsim target")
endif()
# cw_check_armed_timers(): the timer list of any port, from the checker's records.
cw_add_test(test_check_timers LABEL unit SOURCES unit/test_check_timers.c)

# The machine-file key reference in docs/simulator.md is cwsim --machine-keys
# output (the parser's schema table); it fails when they disagree. The
# selftest feeds the checker a stale block, which it must reject.
add_test(NAME docs.machine_keys
         COMMAND bash ${PROJECT_SOURCE_DIR}/tools/cwsim/machine_keys_docs.sh
                 $<TARGET_FILE:cwsim> ${PROJECT_SOURCE_DIR}/docs/simulator.md)
set_tests_properties(docs.machine_keys PROPERTIES LABELS unit TIMEOUT 60)
add_test(NAME docs.machine_keys.selftest
         COMMAND bash ${PROJECT_SOURCE_DIR}/tools/cwsim/machine_keys_docs.sh
                 $<TARGET_FILE:cwsim> ${PROJECT_SOURCE_DIR}/tests/data/docs/machine-keys-stale.md)
set_tests_properties(docs.machine_keys.selftest PROPERTIES LABELS unit TIMEOUT 60
  PASS_REGULAR_EXPRESSION "-\\| `cpus` \\| integer \\| 1\\.\\.1024 .*disagree")
