# SPDX-License-Identifier: MIT
# Simulated timer hardware tests (issue 3).
