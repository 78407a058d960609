# Copyright (C) 2026 qbitrr contributors. SPDX-License-Identifier: MIT
"""Helpers shared by the tests and the dev instance (no Home Assistant imports)."""
