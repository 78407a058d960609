"""The few Home Assistant REST and websocket calls the stack (and scripts/e2e) need."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from .common import StackError


class HomeAssistantApi:
    """The few REST and websocket calls the stack needs."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Talk to ``base_url`` (http://127.0.0.1:<port>)."""
        self._session = session
        self.base_url = base_url
        self.token = ""
        # The last /auth/token reply (access and refresh token): a browser session can use it.
        self.token_reply: dict[str, Any] = {}

    @property
    def client_id(self) -> str:
        """OAuth client id: our own base URL, so no redirect URI has to be fetched."""
        return f"{self.base_url}/"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(
        self, method: str, path: str, *, json_body: object = None, ok: tuple[int, ...] = (200,)
    ) -> Any:
        """Send a request with the bearer token; return the JSON reply (or None when empty)."""
        async with self._session.request(
            method, f"{self.base_url}{path}", json=json_body, headers=self._headers()
        ) as response:
            text = await response.text()
            if response.status not in ok:
                raise StackError(f"{method} {path}: HTTP {response.status} {text[:300]}")
            return json.loads(text) if text else None

    async def status(self, path: str) -> int:
        """HTTP status of an unauthenticated-or-token GET, or 0 when nothing answers."""
        try:
            async with self._session.get(
                f"{self.base_url}{path}", headers=self._headers()
            ) as response:
                return response.status
        except aiohttp.ClientError, TimeoutError:
            return 0

    async def exchange_code(self, code: str) -> str:
        """Trade an authorization code for an access token."""
        data = {"grant_type": "authorization_code", "code": code, "client_id": self.client_id}
        async with self._session.post(f"{self.base_url}/auth/token", data=data) as response:
            if response.status != 200:  # noqa: PLR2004
                raise StackError(f"/auth/token: HTTP {response.status} {await response.text()}")
            reply = await response.json()
        self.token_reply = dict(reply)
        return str(reply["access_token"])

    async def login(self, username: str, password: str) -> str:
        """Log in with the login flow (the way the frontend does) and return an access token."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json_body={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json_body={"username": username, "password": password, "client_id": self.client_id},
        )
        if result.get("type") != "create_entry":
            raise StackError(f"Home Assistant login failed: {result.get('errors') or result}")
        return await self.exchange_code(str(result["result"]))

    async def websocket(self, *commands: dict[str, Any]) -> list[Any]:
        """Run websocket commands in order and return their results."""
        results: list[Any] = []
        async with self._session.ws_connect(
            f"{self.base_url.replace('http', 'ws', 1)}/api/websocket"
        ) as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            reply = await ws.receive_json()
            if reply.get("type") != "auth_ok":
                raise StackError(f"websocket auth failed: {reply}")
            for number, command in enumerate(commands, start=1):
                await ws.send_json({"id": number, **command})
                while (reply := await ws.receive_json()).get("id") != number:
                    pass
                if not reply.get("success"):
                    raise StackError(f"websocket {command['type']}: {reply.get('error')}")
                results.append(reply.get("result"))
        return results
