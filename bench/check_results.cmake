# SPDX-License-Identifier: MIT
# The results schema test (ctest bench.schema): runs every benchmark in its
# tiny mode (CW_BENCH_TINY=1: smallest size, a few thousand operations, one
# repetition) into a fresh results file and checks every line against the
# schema of docs/benchmarks.md ("Results file"): every key present, no
# other key, each of its type (a number's unit is in its name), the
# statistics ordered, timer cases with their pending count and bytes per
# timer, and the cases and clockwork rows each suite must produce.
#
#   cmake -DBENCH_DIR=<dir with bench_*> -DOUT=<scratch file>
#         [-DSUITES=clocks;hrtimer;wheel] -P check_results.cmake
#
# With SELFTEST=1 it checks a file of known-bad lines instead (each must be
# rejected), so a checker that accepts everything cannot pass unnoticed.

cmake_minimum_required(VERSION 3.19)

# key -> type: STRING, NUMBER, COUNT (integer >= 0), NUMBER_OR_NULL,
# COUNT_OR_NULL, LOAD (array of 3 numbers, or null).
set(schema_keys suite case impl clock stopwatch pending_timers ops_per_rep reps ns_per_op
    ns_per_op_min ns_per_op_max peak_rss_kib bytes_per_timer commit compiler cflags
    build_type host_cpus loadavg_start loadavg_end finished_utc)
set(type_suite STRING)
set(type_case STRING)
set(type_impl STRING)
set(type_clock STRING)
set(type_stopwatch STRING)
set(type_pending_timers COUNT_OR_NULL)
set(type_ops_per_rep COUNT)
set(type_reps COUNT)
set(type_ns_per_op NUMBER)
set(type_ns_per_op_min NUMBER)
set(type_ns_per_op_max NUMBER)
set(type_peak_rss_kib COUNT_OR_NULL)
set(type_bytes_per_timer COUNT_OR_NULL)
set(type_commit STRING)
set(type_compiler STRING)
set(type_cflags STRING)
set(type_build_type STRING)
set(type_host_cpus COUNT)
set(type_loadavg_start LOAD)
set(type_loadavg_end LOAD)
set(type_finished_utc STRING)
set(clock_values host host-cached sim-virtual virtual none)
set(stopwatch_values monotonic-raw thread-cputime)

# Sets ${out} to an error message for one line, or to "" if it is valid.
function(check_line line out)
  set(err "")
  string(JSON kind ERROR_VARIABLE jerr TYPE "${line}")
  if(jerr OR NOT kind STREQUAL "OBJECT")
    set(${out} "not a JSON object" PARENT_SCOPE)
    return()
  endif()
  string(JSON nkeys LENGTH "${line}")
  math(EXPR last "${nkeys} - 1")
  foreach(i RANGE ${last})
    string(JSON k MEMBER "${line}" ${i})
    if(NOT k IN_LIST schema_keys)
      set(${out} "unknown key '${k}'" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  foreach(k IN LISTS schema_keys)
    string(JSON t ERROR_VARIABLE jerr TYPE "${line}" ${k})
    if(jerr)
      set(${out} "missing key '${k}'" PARENT_SCOPE)
      return()
    endif()
    set(want ${type_${k}})
    if(want MATCHES "_OR_NULL$" AND t STREQUAL "NULL")
      continue()
    endif()
    if(want STREQUAL "LOAD")
      if(t STREQUAL "NULL")
        continue()
      endif()
      string(JSON n ERROR_VARIABLE jerr LENGTH "${line}" ${k})
      if(NOT t STREQUAL "ARRAY" OR NOT n EQUAL 3)
        set(${out} "'${k}' is not [1 min, 5 min, 15 min]" PARENT_SCOPE)
        return()
      endif()
      continue()
    endif()
    string(REGEX REPLACE "_OR_NULL$" "" base "${want}")
    if(base STREQUAL "STRING")
      if(NOT t STREQUAL "STRING")
        set(${out} "'${k}' is ${t}, not a string" PARENT_SCOPE)
        return()
      endif()
      string(JSON v GET "${line}" ${k})
      if(v STREQUAL "" AND NOT k STREQUAL "cflags")
        set(${out} "'${k}' is empty" PARENT_SCOPE)
        return()
      endif()
    else()
      if(NOT t STREQUAL "NUMBER")
        set(${out} "'${k}' is ${t}, not a number" PARENT_SCOPE)
        return()
      endif()
      string(JSON v GET "${line}" ${k})
      if(base STREQUAL "COUNT" AND NOT v MATCHES "^[0-9]+$")
        set(${out} "'${k}' = ${v} is not a count" PARENT_SCOPE)
        return()
      endif()
    endif()
  endforeach()
  string(JSON clock GET "${line}" clock)
  if(NOT clock IN_LIST clock_values)
    set(${out} "clock '${clock}' is not one of ${clock_values}" PARENT_SCOPE)
    return()
  endif()
  string(JSON sw GET "${line}" stopwatch)
  if(NOT sw IN_LIST stopwatch_values)
    set(${out} "stopwatch '${sw}' is not one of ${stopwatch_values}" PARENT_SCOPE)
    return()
  endif()
  string(JSON reps GET "${line}" reps)
  string(JSON ops GET "${line}" ops_per_rep)
  if(reps LESS 1 OR ops LESS 1)
    set(${out} "reps ${reps} / ops_per_rep ${ops} below 1" PARENT_SCOPE)
    return()
  endif()
  string(JSON med GET "${line}" ns_per_op)
  string(JSON lo GET "${line}" ns_per_op_min)
  string(JSON hi GET "${line}" ns_per_op_max)
  # CMake compares these as floating-point numbers.
  if(NOT med GREATER 0 OR lo GREATER med OR med GREATER hi)
    set(${out} "ns_per_op min ${lo} <= median ${med} <= max ${hi} > 0 does not hold"
        PARENT_SCOPE)
    return()
  endif()
  string(JSON pt TYPE "${line}" pending_timers)
  string(JSON bt TYPE "${line}" bytes_per_timer)
  if(NOT pt STREQUAL bt)
    set(${out} "pending_timers and bytes_per_timer: one is null, the other not" PARENT_SCOPE)
    return()
  endif()
  set(${out} "" PARENT_SCOPE)
endfunction()

# ---------------------------------------------------------------------------
if(SELFTEST)
  set(bad
    "not json"
    "{\"suite\":\"wheel\"}"
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"monotonic-raw\",\"pending_timers\":1000,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1,\"ns_per_op_min\":1,\"ns_per_op_max\":1,\"peak_rss_kib\":1,\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":null,\"loadavg_end\":null,\"finished_utc\":\"x\",\"n\":10}"
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"monotonic-raw\",\"pending_timers\":1000,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1,\"ns_per_op_min\":2,\"ns_per_op_max\":3,\"peak_rss_kib\":1,\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":null,\"loadavg_end\":null,\"finished_utc\":\"x\"}"
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"monotonic-raw\",\"pending_timers\":null,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1,\"ns_per_op_min\":1,\"ns_per_op_max\":1,\"peak_rss_kib\":1,\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":null,\"loadavg_end\":null,\"finished_utc\":\"x\"}"
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"monotonic-raw\",\"pending_timers\":1000,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1,\"ns_per_op_min\":1,\"ns_per_op_max\":1,\"peak_rss_kib\":\"1\",\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":null,\"loadavg_end\":null,\"finished_utc\":\"x\"}"
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"tsc\",\"pending_timers\":1000,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1,\"ns_per_op_min\":1,\"ns_per_op_max\":1,\"peak_rss_kib\":1,\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":null,\"loadavg_end\":null,\"finished_utc\":\"x\"}"
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"monotonic-raw\",\"pending_timers\":1000,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1,\"ns_per_op_min\":1,\"ns_per_op_max\":1,\"peak_rss_kib\":1,\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":[1,2],\"loadavg_end\":null,\"finished_utc\":\"x\"}")
  set(good
    "{\"suite\":\"wheel\",\"case\":\"W1\",\"impl\":\"heap\",\"clock\":\"virtual\",\"stopwatch\":\"monotonic-raw\",\"pending_timers\":1000,\"ops_per_rep\":10,\"reps\":1,\"ns_per_op\":1.5,\"ns_per_op_min\":1,\"ns_per_op_max\":2,\"peak_rss_kib\":1,\"bytes_per_timer\":40,\"commit\":\"x\",\"compiler\":\"x\",\"cflags\":\"\",\"build_type\":\"x\",\"host_cpus\":2,\"loadavg_start\":[1,2,3],\"loadavg_end\":null,\"finished_utc\":\"x\"}")
  set(i 0)
  foreach(line IN LISTS bad)
    check_line("${line}" err)
    if(err STREQUAL "")
      message(FATAL_ERROR "self-test: bad line ${i} was accepted: ${line}")
    endif()
    message(STATUS "self-test: bad line ${i} rejected: ${err}")
    math(EXPR i "${i} + 1")
  endforeach()
  check_line("${good}" err)
  if(NOT err STREQUAL "")
    message(FATAL_ERROR "self-test: the good line was rejected: ${err}")
  endif()
  message(STATUS "self-test: ${i} bad lines rejected, the good line accepted")
  return()
endif()

# ---------------------------------------------------------------------------
if(NOT BENCH_DIR OR NOT OUT)
  message(FATAL_ERROR "usage: cmake -DBENCH_DIR=<dir> -DOUT=<file> -P check_results.cmake")
endif()
if(NOT SUITES)
  set(SUITES clocks hrtimer wheel tmigr)
endif()
# What each suite must produce: case/impl pairs. wheel and hrtimer: the
# clockwork rows and the heap in every case.
set(want_clocks monotonic/libc-monotonic monotonic/clockwork-clock_gettime
    monotonic-coarse/libc-monotonic-coarse monotonic-coarse/clockwork-coarse)
cmake_host_system_information(RESULT arch QUERY OS_PLATFORM)
if(arch STREQUAL "x86_64")
  # The headline row: never skipped on a machine with a TSC.
  list(APPEND want_clocks monotonic/clockwork-tsc)
endif()
set(want_hrtimer start-cancel/clockwork start-cancel/clockwork-bare start-cancel/heap
    start-expire/clockwork-bare start-expire/heap)
set(want_wheel "")
foreach(cs W1 W2 W3)
  foreach(impl clockwork clockwork-bare clockwork-hrtimer clockwork-hrtimer-bare heap)
    list(APPEND want_wheel ${cs}/${impl})
  endforeach()
endforeach()

# tmigr: both policies and both walk states at every machine size.
set(want_tmigr "")
foreach(n 8 64 512 4096)
  list(APPEND want_tmigr T1-arm-del-global/${n}-cpus/pull T1-arm-del-global/${n}-cpus/push
       T2-idle-enter-exit/${n}-cpus/sibling-busy T2-idle-enter-exit/${n}-cpus/all-idle)
endforeach()

file(REMOVE "${OUT}")
set(ENV{CW_BENCH_TINY} 1)
set(ENV{CW_BENCH_RESULTS} "${OUT}")
foreach(s IN LISTS SUITES)
  execute_process(COMMAND "${BENCH_DIR}/bench_${s}" RESULT_VARIABLE rc
                  OUTPUT_VARIABLE o ERROR_VARIABLE e TIMEOUT 240)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "bench_${s} (tiny) failed (${rc}):\n${o}\n${e}")
  endif()
endforeach()

file(STRINGS "${OUT}" lines)
list(LENGTH lines nlines)
if(nlines EQUAL 0)
  message(FATAL_ERROR "no rows in ${OUT}")
endif()
set(lineno 0)
set(seen "")
foreach(line IN LISTS lines)
  math(EXPR lineno "${lineno} + 1")
  check_line("${line}" err)
  if(NOT err STREQUAL "")
    message(FATAL_ERROR "${OUT}:${lineno}: ${err}\n  ${line}")
  endif()
  string(JSON suite GET "${line}" suite)
  string(JSON cs GET "${line}" case)
  string(JSON impl GET "${line}" impl)
  list(APPEND seen "${suite}/${cs}/${impl}")
endforeach()
foreach(s IN LISTS SUITES)
  foreach(row IN LISTS want_${s})
    if(NOT "${s}/${row}" IN_LIST seen)
      message(FATAL_ERROR "suite ${s}: no row ${row} (case/impl)")
    endif()
  endforeach()
endforeach()
message(STATUS "bench schema: ${nlines} rows of ${SUITES} valid")
