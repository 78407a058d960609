"""Tests of the HA-free clients."""
