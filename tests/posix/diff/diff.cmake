# SPDX-License-Identifier: MIT
# The differential POSIX suite (issue 9 section 5): every program here is
# built twice, natively (glibc + Linux) and with -include
# clockwork/posix_compat.h against clockwork, and the ctest diff_<name> runs
# both under a time limit and compares their transcripts (run_diff.sh).
# tests/posix/diff/README.md describes the programs and the rules.
#
# Included from tests/posix/posix.cmake, so paths are relative to tests/.

find_program(CW_DIFF_BASH bash REQUIRED)
set(CW_DIFF_DIR ${CMAKE_CURRENT_LIST_DIR})
set(CW_DIFF_OUT ${CMAKE_CURRENT_BINARY_DIR}/diff-out)

# cw_diff_program(<name> [SOURCE <file.c>] [LIMIT <s>] [DEFS <macros...>]
#                 [NO_GNU_SOURCE] [GNU_C] [NO_WERROR] [NO_TSAN])
#   SOURCE        default <name>.c
#   LIMIT         time limit of each build's run (default 60 s)
#   DEFS          extra -D macros for both builds
#   NO_GNU_SOURCE do not pass -D_GNU_SOURCE (the program chooses its own)
#   GNU_C         compile as gnu11 instead of the project's strict c11
#   NO_WERROR     warnings stay warnings (a drop-in header redefining a
#                 feature macro the program also defines must not break
#                 the build; the transcript shows the effect)
#   NO_TSAN       not in a ThreadSanitizer build (fork/exec of a
#                 multithreaded process, which TSan does not support)
function(cw_diff_program name)
  cmake_parse_arguments(D "NO_GNU_SOURCE;GNU_C;NO_WERROR;NO_TSAN" "SOURCE;LIMIT" "DEFS" ${ARGN})
  if(D_NO_TSAN AND CW_SANITIZE MATCHES "thread")
    message(STATUS "diff_${name}: not built under ThreadSanitizer (fork of a threaded process)")
    return()
  endif()
  if(NOT D_SOURCE)
    set(D_SOURCE ${name}.c)
  endif()
  if(NOT D_LIMIT)
    set(D_LIMIT 60)
  endif()
  foreach(build native dropin)
    set(t diff_${name}_${build})
    add_executable(${t} ${CW_DIFF_DIR}/${D_SOURCE})
    target_include_directories(${t} PRIVATE ${CW_DIFF_DIR})
    if(NOT D_NO_GNU_SOURCE)
      target_compile_definitions(${t} PRIVATE _GNU_SOURCE)
    endif()
    if(D_DEFS)
      target_compile_definitions(${t} PRIVATE ${D_DEFS})
    endif()
    if(CW_SANITIZE MATCHES "thread")
      # Both builds skip (and say so) the parts that fork a threaded process.
      target_compile_definitions(${t} PRIVATE CW_DIFF_TSAN_BUILD)
    endif()
    if(D_GNU_C)
      set_target_properties(${t} PROPERTIES C_EXTENSIONS ON)
    endif()
    if(D_NO_WERROR)
      target_compile_options(${t} PRIVATE -Wno-error)
    endif()
    if(build STREQUAL "native")
      # The reference is glibc as users run it: no sanitizer in the native
      # build (glibc's SIGEV_THREAD helper crashes under ThreadSanitizer),
      # while the drop-in build keeps the preset's ASan/UBSan or TSan.
      foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
        get_target_property(opts ${t} ${prop})
        if(opts)
          list(FILTER opts EXCLUDE REGEX "^-fsanitize")
          set_target_properties(${t} PROPERTIES ${prop} "${opts}")
        endif()
      endforeach()
      target_link_libraries(${t} PRIVATE Threads::Threads m)
    else()
      target_compile_options(${t} PRIVATE -include clockwork/posix_compat.h)
      target_link_libraries(${t} PRIVATE clockwork_static)
    endif()
  endforeach()
  add_test(NAME diff_${name}
           COMMAND ${CW_DIFF_BASH} ${CW_DIFF_DIR}/run_diff.sh ${name}
                   $<TARGET_FILE:diff_${name}_native> $<TARGET_FILE:diff_${name}_dropin>
                   ${CW_DIFF_DIR}/known-differences.txt ${D_LIMIT} ${CW_DIFF_OUT})
  math(EXPR t_limit "2 * ${D_LIMIT} + 30")
  # A forked child of the drop-in build starts clockwork's threads again;
  # ThreadSanitizer would refuse that by default.
  set_tests_properties(diff_${name} PROPERTIES LABELS posix TIMEOUT ${t_limit} RUN_SERIAL TRUE
                       ENVIRONMENT "TSAN_OPTIONS=die_after_fork=0")
endfunction()

cw_diff_program(clocks)
cw_diff_program(sleeps)
cw_diff_program(timers)
cw_diff_program(notify)
cw_diff_program(itimers)
cw_diff_program(fork NO_TSAN)
cw_diff_program(exec NO_TSAN)
cw_diff_program(threads)
cw_diff_program(cancel)
# Feature-macro neutrality: each variant defines its own feature macros (or
# none), in the project's strict c11 and in gcc's default gnu mode. A
# variant whose macro clashes with one the drop-in header defined only warns.
cw_diff_program(features_none_gnu11 SOURCE features.c NO_GNU_SOURCE GNU_C NO_WERROR)
cw_diff_program(features_none_c11 SOURCE features.c NO_GNU_SOURCE NO_WERROR)
cw_diff_program(features_gnu SOURCE features.c DEFS FEAT_GNU NO_GNU_SOURCE NO_WERROR)
cw_diff_program(features_default SOURCE features.c DEFS FEAT_DEFAULT NO_GNU_SOURCE NO_WERROR)
cw_diff_program(features_xopen SOURCE features.c DEFS FEAT_XOPEN NO_GNU_SOURCE NO_WERROR)
cw_diff_program(features_posix93 SOURCE features.c DEFS FEAT_POSIX93 NO_GNU_SOURCE NO_WERROR)
cw_diff_program(clockread)
cw_diff_program(adjtime)
cw_diff_program(rt)
