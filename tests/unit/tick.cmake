# SPDX-License-Identifier: MIT
# Tick layer tests (issue 3).
