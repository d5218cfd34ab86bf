# SPDX-License-Identifier: MIT
# Real-clock tests of the posix port (label "posix"). They wait on real time
# with bounds that survive a loaded two-core machine, and print what they
# measured (ctest -V or --output-on-failure shows it). The reader race runs
# under ThreadSanitizer too, in a -DCW_SANITIZE=thread build.
#
# Included from tests/CMakeLists.txt, so paths are relative to tests/.

cw_add_test(test_posix_readers LABEL posix TIMEOUT 120
            SOURCES posix/test_posix_readers.c)
cw_add_test(test_posix_system LABEL posix TIMEOUT 120
            SOURCES posix/test_posix_system.c)
cw_add_test(test_posix_cpu LABEL posix TIMEOUT 180
            SOURCES posix/test_posix_cpu.c)
cw_add_test(test_posix_timers LABEL posix TIMEOUT 120
            SOURCES posix/test_posix_timers.c)
# POSIX timers against glibc + Linux: SIGEV_THREAD signal masks, dispatcher
# stress, getoverrun vs delete, fork, overruns up to delivery (also TSan).
cw_add_test(test_posix_timer_api LABEL posix TIMEOUT 120
            SOURCES posix/test_posix_timer_api.c)

# The differential glibc-versus-drop-in suite (tests/posix/diff/README.md).
include(posix/diff/diff.cmake)

# Timer migration (issue 11): 8 CPU threads, 2 busy; the idle ones take no
# timer interrupt for the global timers queued on them (also TSan).
cw_add_test(test_tmigr_posix LABEL posix TIMEOUT 120
            SOURCES posix/test_tmigr_posix.c)
# Claims from many threads at once and the hrtimer fallback on CPU threads (issue 13; also TSan).
cw_add_test(test_posix_claim LABEL posix TIMEOUT 120
            SOURCES posix/test_posix_claim.c)
# The proxy tick device on the posix port: oob threads, masked sections (issue 12).
cw_add_test(test_proxy_posix LABEL posix TIMEOUT 120
            SOURCES posix/test_proxy_posix.c)
# The spinlock's contended path on a host: a SCHED_FIFO waiter lets a normal-priority
# holder on its own core finish (issue 15; also TSan). Uses the private lock.h.
cw_add_test(test_lock_posix LABEL posix TIMEOUT 60 SOURCES posix/test_lock_posix.c)
target_compile_definitions(test_lock_posix PRIVATE CW_BUILDING_LIBRARY)
# The timer list on the posix port: cw_timer_list_format(), callback names (issue 14; also TSan).
cw_add_test(test_timer_list_posix LABEL posix TIMEOUT 60
            SOURCES posix/test_timer_list_posix.c)
