"""Benchmark qbitrr's polling against the core integration's, and its handling (``scripts/bench``).

Starts real qbittorrent-nox servers (4.5 from apt, 5.x from ``$QBITRR_QBT5_ROOT``) on 127.0.0.1,
fills them with magnets (random info-hashes, no trackers: stalled in ``metaDL`` for ever), gives
each a library's history (dates and transfer totals written into its resume data; see
``history.give_history``; ``--no-history`` leaves them as added) and drives the integration's own
poll (``QbittorrentClient.sync()``, incremental ``sync/maindata`` merged into the held model, then
``build_snapshot``, as its coordinator does) against the baseline the core ``qbittorrent``
integration uses: a full ``sync/maindata`` (rid=0) on every poll, parsed by qbittorrent-api's
default wrapped responses.

One more scenario runs the real integration in a real Home Assistant core in this process: one
``handle_torrents`` run over thousands of stalled magnets that all get their first strike (the
tracker-outage case), timed, with the longest event-loop stall, the requests that reached the
server and the events fired.

Every client-side figure is a ratio against that baseline measured in the same repetition, so the
machine's noise cancels; each is reported as min / median / max over the repetitions. Absolute
figures (plan time, event-loop stall, 5-instance refresh, the handling run) carry their own
targets; each target row also says how many times the figure fits under its limit, or how far
over it is. The five instances are measured behind proxies adding 300 ms to each poll request
(latency-bound, what qbitrr controls) and co-located without them (the machine's figure, shown
as information). Other processes' CPU use is watched per timed phase (``machine``): a target
failing in a phase they slowed says so, and so does the summary.

The client's own behaviour is read from the integration, not copied: polls in which it made its
periodic full resync (``FULL_RESYNC_POLLS``) are counted as full polls, and the "idle+resyncs"
rows average one whole resync cycle; the poll interval per hour is what the integration's
``next_interval`` picks after such a poll.

Output: a table on stdout and, last, one line ``BENCH_JSON {...}``; progress goes to stderr.
Exit status: 0 when every target passes (``--smoke``: 0 even when one fails, since CI must not
fail on timing noise), 1 when a target fails (not in smoke mode), 2 when something crashed,
130 on Ctrl-C. Every server started is stopped, also on Ctrl-C, SIGTERM and errors.

Modules, by stage (``python -m devtools.bench`` runs ``__main__``; ``cli`` reads the options):

- ``runner``: ``Benchmark``, the servers it starts and the order of the scenarios;
- ``fill`` and ``history``: filling a server with magnets, then giving them a library's past;
- ``clients``: the two clients measured (the only module that imports the integration's
  client) and the meter counting their replies' bytes; ``polls``: one measured poll, and what the
  repetitions collect;
- the scenarios: ``server_polls`` (bytes, CPU and time per poll), ``memory`` (the held model),
  ``instances`` (five servers at once), ``policy`` (plan time), ``stall`` (the event loop,
  and the probe the handling run uses), ``handling`` (one ``handle_torrents`` run, in the Home
  Assistant ``hass`` starts);
- ``targets`` and ``report``: the brief's targets, the table; ``machine``: which phases other
  processes slowed; ``common``: shared helpers.

``--only plan,polls,instances,handling`` runs some scenario groups (a targeted run).
"""
