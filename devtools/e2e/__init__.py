"""End-to-end test behind ``scripts/e2e`` (runs as ``python -m devtools.e2e``).

In its own scratch directory (``.cache/e2e-run``, wiped at each start) and on free 127.0.0.1
ports (never the dev instance's 8123/8081/8082/7878/8989, so it runs beside ``scripts/develop``),
it uses ``devtools.devstack`` to start real qBittorrent 4.5 and 5.x servers with demo torrents,
a Radarr emulator whose queue holds the radarr torrents, and a real Home Assistant from this
project's virtualenv; then, only over Home Assistant's HTTP and websocket APIs, as the UI does:

1. onboarding; config flows for both qBittorrent servers and Radarr (menu, form, category);
2. entities: the qBittorrent sensors against what the servers hold, the Radarr sensors;
3. the options flow (Radarr: stall delay 1 min, minimum age 0, 1 strike);
4. ``sync_categories``, ``get_distribution`` and a ``handle_torrents`` dry run, checked against
   the servers (the dry run must plan the radarr torrents and change nothing);
5. strikes across restarts (Radarr: 3 strikes): a real ``handle_torrents`` strikes the radarr
   magnets once; after a real Home Assistant restart the next run strikes them a second time
   (the history came back from ``.storage``); after a restart with that file corrupted the run
   still works and strikes from 1 again; the log reports the bad file once (qbitrr's warning,
   or Home Assistant's storage error when its Store deals with the file) and has no qbitrr
   traceback;
6. screenshots with headless Chromium (DevTools protocol): the config flow's menu and
   qBittorrent form, the integration page and a dashboard made from ``examples/dashboard.yaml``;
   into ``docs/images/`` with ``--screenshots``, else into the scratch directory (checked only).
7. (with the browser, last) the qbitrr card on a dashboard of its own, read from its shadow DOM:
   both servers up, the distribution equal to the servers' counts, a stalled radarr torrent;
   its Keep button tags that torrent on its server; a dry run from the card; shots wide and
   phone-wide, light and dark (``card-*.png``); qBittorrent 4.5 stopped reads Down, restarted
   Up (``card`` with ``card_page``).

Everything it started is stopped at the end, on failure and on Ctrl-C. It prints every step with
its time and exits non-zero when one fails.

Modules: ``scenario`` lists the steps in order and ``steps`` times and reports them;
``context`` holds what the steps share. The steps live by stage: ``lifecycle`` (scratch
directory, start, stop), ``configure`` (onboarding, config and options flows), ``sensors``,
``services`` (categories, distribution, the dry run), ``screenshots`` (with ``chromium``,
``browser`` and ``dashboard``), ``restarts`` (strikes across restarts; ``history`` reads what
the log says about the history file). ``servers`` reads what the qBittorrent servers hold;
``__main__`` is the command line.
"""
