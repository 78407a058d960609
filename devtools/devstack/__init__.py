"""Orchestrate the dev stack behind ``scripts/develop`` (runs as ``python -m devtools.devstack``).

Starts, on 127.0.0.1 only: qBittorrent 4.5 and 5.x with demo torrents, a Radarr and a Sonarr
emulator (``devtools/arr_emulator.py``, in this process) whose queues point at those
torrents, and a real Home Assistant with this repository's ``custom_components/qbitrr``; onboards
Home Assistant over its REST API, adds all four servers as ``qbitrr`` config entries through the
config flow, prints the logins and waits for Ctrl-C. ``--check`` verifies the entries load and
provide entities, the Arr sensors and the cross-instance services, then stops.

Everything lives in ``dev-instance/`` (or ``$QBITRR_DEV_DIR``) and is reused by the next run:
profiles, torrents, passwords, API keys, the Home Assistant user and its config entries.

``scripts/e2e`` (``devtools.e2e``) runs the same stack in a scratch directory. One module per
stage, in the order a run goes through them:

- ``common``: names, labels and errors every stage shares; ``state``: what a later run reuses;
- ``preflight``: the packages hass needs (it may not install any at run time);
- ``stack``: ``DevStack``, what the stages share (paths, ports, processes), and stopping it all;
- ``servers``: both qBittorrent servers with demo torrents, the Arr emulators and their queues;
- ``hass``: hass's configuration and process, waiting until it runs; ``onboarding``: its owner
  and token; ``hass_api``: the REST and websocket calls everything above Home Assistant uses;
- ``flows``: the config flows that add the entries; ``entries``: waiting for them and their
  entities; ``checks``: the Arr sensors and the cross-instance services;
- ``report``: credentials and the summary; ``run``: bringing it all up, serving until Ctrl-C;
  ``__main__``: the command line.
"""
