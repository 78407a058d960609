"""Tests for qbitrr."""
