/* SPDX-License-Identifier: MIT */
/*
 * Primary file of the build.header.* and build.private.* tests, compiled
 * with the header under test in front of it (-include). It only has to keep
 * the translation unit non-empty, which ISO C requires (-Wpedantic says so
 * when a header is nothing but macros, like config.h); the same text is
 * valid C++.
 */
typedef int cw_header_check_nonempty;
