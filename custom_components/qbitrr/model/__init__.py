"""The domain model every layer shares: torrents, their states, the Arr apps and their records.

Plain typed values and pure functions; it imports nothing else of qbitrr's, so the clients in
`api/`, the rules in `policy/`, the coordinators and the entities can all build on it.
"""
