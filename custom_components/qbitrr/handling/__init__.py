"""Torrent handling: running the policy engine's plans against the servers.

`runner` gathers the input and drives a run, `executor` carries out a plan, `report` renders
what it did, and `store` remembers per-torrent history across runs and restarts.
"""
