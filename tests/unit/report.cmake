# SPDX-License-Identifier: MIT
# cwsim --report DIR (tools/cwsim/html_report.c): the page, its plots and data
# against the same run's tables, in-process; needs gnuplot (make deps-test installs
# it). The page in a real browser: tests/browser/report_in_chromium.sh.
cw_add_test(test_cwsim_report LABEL unit TIMEOUT 120 SOURCES unit/test_cwsim_report.c)
target_link_libraries(test_cwsim_report PRIVATE cwsim_lib m)
target_compile_definitions(test_cwsim_report PRIVATE CW_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# The page in headless Chromium (make deps-test installs chromium): loads without
# errors, shows every plot; a broken copy must be reported (about 4 s).
add_test(NAME test_cwsim_report_browser
         COMMAND bash ${PROJECT_SOURCE_DIR}/tests/browser/report_in_chromium.sh
                 $<TARGET_FILE:cwsim>)
set_tests_properties(test_cwsim_report_browser PROPERTIES LABELS browser TIMEOUT 240)
