"""Helpers shared by the tests and the dev instance (no Home Assistant imports)."""
