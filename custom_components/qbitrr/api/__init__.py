"""Clients for the servers qbitrr talks to: no Home Assistant imports, so they test alone."""
