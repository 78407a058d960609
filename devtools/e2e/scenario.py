"""The end-to-end steps in order, over one DevStack in the scratch directory."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import TYPE_CHECKING

import aiohttp

from . import configure, lifecycle, restarts, sensors, services
from .approvals import approvals
from .card import card
from .context import Context
from .controls import controls
from .screenshots import screenshots
from .steps import Steps

if TYPE_CHECKING:
    from pathlib import Path


class EndToEnd:
    """Runs the steps on a shared ``Context``; ``steps`` keeps their results."""

    def __init__(self, scratch: Path, *, screenshots_dir: Path | None) -> None:
        """Nothing starts yet. ``screenshots_dir`` None: no browser at all."""
        self.scratch = scratch
        self.ctx = Context(scratch, screenshots_dir=screenshots_dir)
        self.steps = Steps()

    async def run(self) -> bool:
        """Run every step, always stop everything; True when all passed."""
        failed = False
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            self.ctx.session = session
            try:
                await self._steps()
            except Exception:  # noqa: BLE001 - recorded by Steps, reported in the summary
                failed = True
            finally:
                # Also after Ctrl-C (CancelledError): shielded, so the stop runs to its end.
                stop = asyncio.ensure_future(
                    self.steps.run("stop everything", partial(lifecycle.stop, self.ctx))
                )
                try:
                    await asyncio.shield(stop)
                except asyncio.CancelledError:
                    with contextlib.suppress(Exception):
                        await stop
                    raise
                except Exception:  # noqa: BLE001 - recorded by Steps, reported in the summary
                    failed = True
        return not failed

    async def _steps(self) -> None:
        """Every step but the last, in order; the first failure ends the run."""
        ctx, step = self.ctx, self.steps.run
        await step("prepare the scratch directory", partial(lifecycle.prepare, ctx))
        await step(
            "start qBittorrent 4.5 + 5.x, the Radarr emulator and Home Assistant",
            partial(lifecycle.start, ctx),
        )
        await step("Home Assistant running, onboarded over HTTP", partial(configure.onboard, ctx))
        await step(
            "config flows over REST: 2 qBittorrent servers, 1 Radarr",
            partial(configure.config_flows, ctx),
        )
        await step("entries loaded, entities registered", partial(configure.entries_loaded, ctx))
        await step("qBittorrent sensors equal the servers", partial(sensors.qbt_sensors, ctx))
        await step("Radarr sensors (queue, torrents, health)", partial(sensors.arr_sensors, ctx))
        await step("options flow over REST: Radarr's handling", partial(configure.options, ctx))
        await step("qbitrr.sync_categories", partial(services.sync_categories, ctx))
        await step("qbitrr.get_distribution", partial(services.get_distribution, ctx))
        await step("switch, limits, pause/resume buttons over REST", partial(controls, ctx))
        if ctx.screenshots_dir is not None:
            await step("screenshots with headless Chromium", partial(screenshots, ctx))
        await step("qbitrr.handle_torrents dry run", partial(services.dry_run, ctx))
        await step(
            "strikes survive a Home Assistant restart; a corrupt history file is reset"
            " and reported once",
            partial(restarts.strikes_across_restarts, ctx),
        )
        await step("ask before removing: keep_torrent, remove_torrent", partial(approvals, ctx))
        if ctx.screenshots_dir is not None:
            await step(
                "the qbitrr card: both servers, distribution, a stalled torrent, Keep, a down"
                " server; screenshots",
                partial(card, ctx),
            )
