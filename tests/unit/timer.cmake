# SPDX-License-Identifier: MIT
# Timer wheel tests (issue 5).
