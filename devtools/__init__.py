"""Development tools outside the integration, shared by the tests and the scripts in scripts/.

The modules at this level are helpers without Home Assistant imports, used by the tests,
``scripts/develop``, ``scripts/e2e`` and ``scripts/bench``: real qBittorrent servers
(``qbittorrent_server``), the Arr emulator (``arr_emulator``, held to the apps' ``openapi``
documents), the fault proxy (``fault_proxy``) and the small servers they build on
(``background_server``, ``web_servers``).

Each script's own code is a package here, split by stage and run as ``python -m devtools.<name>``
by its bash entry point in scripts/ (which sets the project up first):

- ``devstack``: ``scripts/develop``, the dev instance (servers, emulators, a real Home Assistant);
- ``e2e``: ``scripts/e2e``, the end-to-end test over that same stack in a scratch directory;
- ``bench``: ``scripts/bench``, the polling benchmark (the one package importing the integration).

Each package's docstring lists its modules in the order a run goes through them.
"""
