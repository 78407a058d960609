"""Tests of the test helpers themselves (emulators, contract checks)."""
