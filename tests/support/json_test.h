/* SPDX-License-Identifier: MIT */
/*
 * The tests' JSON reader: the tools' strict reader (tools/common/jsonr.h),
 * with which the tests read and validate cwsim's documents.
 */
#ifndef CLOCKWORK_TESTS_SUPPORT_JSON_TEST_H
#define CLOCKWORK_TESTS_SUPPORT_JSON_TEST_H

#include "../../tools/common/jsonr.h"

#endif /* CLOCKWORK_TESTS_SUPPORT_JSON_TEST_H */
