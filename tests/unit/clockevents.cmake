# SPDX-License-Identifier: MIT
# Clockevents and boot tests (issue 3).
