"""An aiohttp server on 127.0.0.1 that runs its own event loop in a background thread.

The common base of ``ArrEmulator`` (``devtools/arr_emulator.py``) and ``FaultProxy``
(``devtools/fault_proxy.py``): sync code, tests running inside Home Assistant's event loop
and the command line can all use a server that does not share their loop. ``start()`` returns
once the port is bound (or raises what kept it from binding), ``stop()`` joins the thread and
leaves none behind, and a restart binds the same port again, so clients see the same URL come
back. A subclass builds its ``web.Application`` in :meth:`BackgroundServer._make_app` and may
set up and tear down more around serving in :meth:`BackgroundServer._before_serving` and
:meth:`BackgroundServer._after_serving`. No Home Assistant imports: aiohttp and the standard
library only.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Self

from aiohttp import web

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["BackgroundServer"]


class BackgroundServer(ABC):
    """An aiohttp server on ``127.0.0.1:<port>``, served from its own thread and event loop."""

    def __init__(
        self,
        *,
        port: int,
        thread_name: str,
        shutdown_timeout: float,
        handler_cancellation: bool = False,
    ) -> None:
        """Describe a server; nothing listens until ``start()``.

        ``port``: 0 picks a free one. ``shutdown_timeout``: how long ``stop()`` lets requests
        in flight finish before cancelling them. ``handler_cancellation``: whether a client
        that hangs up cancels its request's handler.
        """
        self._requested_port = port
        self._port: int | None = None
        self._thread_name = thread_name
        self._shutdown_timeout = shutdown_timeout
        self._handler_cancellation = handler_cancellation
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._startup_error: BaseException | None = None

    # --- hooks -----------------------------------------------------------------------------

    @abstractmethod
    def _make_app(self) -> web.Application:
        """Build the application to serve; called in the server thread at every start."""

    async def _before_serving(self) -> None:  # noqa: B027 - optional hook
        """Set up more in the server's loop, after the runner and before binding the port."""

    async def _after_serving(self) -> None:  # noqa: B027 - optional hook
        """Tear down what ``_before_serving`` set up, after the runner is cleaned up.

        Called on every way out once ``_before_serving`` was reached, failed starts included.
        """

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        """Listen and serve from a background thread; returns once the port is bound.

        After ``stop()`` it may start again: same port, state kept (a restart).
        """
        if self._thread is not None:
            raise RuntimeError("already started")
        ready = threading.Event()
        thread = threading.Thread(
            target=self._run, args=(ready,), name=self._thread_name, daemon=True
        )
        self._thread = thread
        thread.start()
        ready.wait()
        error, self._startup_error = self._startup_error, None
        if error is not None:
            thread.join()
            self._thread = None
            raise error
        return self

    def stop(self) -> None:
        """Close the socket and every connection, end the loop (and its worker threads), join."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None:
            # The loop may already be gone if serving failed; nothing to wake then.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        thread.join()
        self._thread = None
        self._loop = None
        self._stopping = None

    def __enter__(self) -> Self:
        """Start serving."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving."""
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def port(self) -> int:
        """The bound port (known after ``start()``)."""
        if self._port is None:
            raise RuntimeError("the port is known after start()")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    # --- serving -------------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        # A plain selector loop: not the policy's, which inside Home Assistant's tests is HA's.
        # Closing the runner also shuts down the loop's default executor, joining its worker
        # threads (run_in_executor, the threaded DNS resolver), so stop() leaves none behind.
        try:
            with asyncio.Runner(loop_factory=asyncio.SelectorEventLoop) as runner:
                runner.run(self._serve(ready))
        except BaseException as err:  # noqa: BLE001 - handed to start()
            if not ready.is_set():  # later failures have no caller waiting for them
                self._startup_error = self._startup_error or err
        finally:
            ready.set()

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        runner = web.AppRunner(
            self._make_app(),
            access_log=None,
            handle_signals=False,
            handler_cancellation=self._handler_cancellation,
            shutdown_timeout=self._shutdown_timeout,
        )
        await runner.setup()
        try:
            await self._before_serving()
            try:
                # A restart keeps the port, so clients see the same URL come back.
                port = self._port if self._port is not None else self._requested_port
                site = web.TCPSite(runner, "127.0.0.1", port, reuse_address=True)
                await site.start()
                self._port = int(runner.addresses[0][1])
            except BaseException as err:
                self._startup_error = err
                raise
            ready.set()
            await self._stopping.wait()
        finally:
            await runner.cleanup()
            await self._after_serving()

    async def _stopped_within(self, seconds: float) -> bool:
        """Wait ``seconds``; return early with True if ``stop()`` is called meanwhile."""
        if self._stopping is None:
            raise RuntimeError("not serving")
        try:
            async with asyncio.timeout(seconds):
                await self._stopping.wait()
        except TimeoutError:
            return False
        return True
