"""Tests of the HA-free policy modules."""
