# SPDX-License-Identifier: MIT
# The POSIX clocks and timers API (issue 4 section 3). The unit test runs on
# the sim port in virtual time; the posix-labelled ones use real time and
# real signals; the compat program is built with -include
# clockwork/posix_compat.h and uses only the standard names.
#
# Included from tests/CMakeLists.txt, so paths are relative to tests/.

cw_add_test(test_posix_api LABEL unit SOURCES unit/test_posix_api.c)

cw_add_test(test_posix_api_posix LABEL posix TIMEOUT 180
            SOURCES posix/test_posix_api.c)

add_executable(test_posix_api_compat posix/compat/compat_main.c)
target_link_libraries(test_posix_api_compat PRIVATE clockwork_static)
target_compile_options(test_posix_api_compat PRIVATE -include clockwork/posix_compat.h)
add_test(NAME test_posix_api_compat COMMAND test_posix_api_compat)
set_tests_properties(test_posix_api_compat PROPERTIES LABELS posix TIMEOUT 120 RUN_SERIAL TRUE)

# ITIMER_REAL, alarm(), ITIMER_VIRTUAL/PROF with handlers from signal(), the
# kernel selftests' way: natively (what glibc + Linux do) and through the
# drop-in header; both must exit 0.
foreach(kind native compat)
  add_executable(test_itimer_alarm_${kind} posix/compat/itimer_alarm.c)
  # The GNU dialect and no feature macro: glibc's defaults, as a plain build.
  set_target_properties(test_itimer_alarm_${kind} PROPERTIES C_EXTENSIONS ON)
  add_test(NAME test_itimer_alarm_${kind} COMMAND test_itimer_alarm_${kind})
  set_tests_properties(test_itimer_alarm_${kind} PROPERTIES LABELS posix TIMEOUT 60 RUN_SERIAL TRUE)
endforeach()
target_link_libraries(test_itimer_alarm_compat PRIVATE clockwork_static)
target_compile_options(test_itimer_alarm_compat PRIVATE -include clockwork/posix_compat.h)

# ITIMER_REAL and alarm() across exec (tests/posix/compat/exec_itimer.c):
# kept by a successful exec (the new image sees it and gets its SIGALRM),
# armed still after a failed one, none in a fork child's new image. Each
# build execs the other one for its last hop (drop-in -> native and back).
foreach(kind native compat)
  add_executable(test_exec_itimer_${kind} posix/compat/exec_itimer.c)
  set_target_properties(test_exec_itimer_${kind} PROPERTIES C_EXTENSIONS ON)
endforeach()
target_link_libraries(test_exec_itimer_compat PRIVATE clockwork_static)
target_compile_options(test_exec_itimer_compat PRIVATE -include clockwork/posix_compat.h)
add_test(NAME test_exec_itimer_native
         COMMAND test_exec_itimer_native $<TARGET_FILE:test_exec_itimer_compat>)
add_test(NAME test_exec_itimer_compat
         COMMAND test_exec_itimer_compat $<TARGET_FILE:test_exec_itimer_native>)
set_tests_properties(test_exec_itimer_native test_exec_itimer_compat PROPERTIES
                     LABELS posix TIMEOUT 60 RUN_SERIAL TRUE)

# The drop-in never changes what the program's headers declare (issue 9):
# each program is built natively and with the drop-in, and both must pass.
foreach(prog features_gnu features_std clock_walk)
  foreach(kind native dropin)
    set(t test_posix_compat_${prog}_${kind})
    add_executable(${t} posix/compat/${prog}.c)
    target_link_libraries(${t} PRIVATE Threads::Threads)
    if(kind STREQUAL "dropin")
      target_link_libraries(${t} PRIVATE clockwork_static)
      target_compile_options(${t} PRIVATE -include clockwork/posix_compat.h)
    endif()
    if(prog STREQUAL "features_gnu")
      set_target_properties(${t} PROPERTIES C_EXTENSIONS ON)
    endif()
    add_test(NAME ${t} COMMAND ${t})
    set_tests_properties(${t} PROPERTIES LABELS posix TIMEOUT 60)
  endforeach()
endforeach()
