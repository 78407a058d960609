"""Home Assistant's owner and the stack's long-lived token: onboard once, log in afterwards."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .common import HA_USER, log

if TYPE_CHECKING:
    from .hass_api import HomeAssistantApi
    from .stack import DevStack

HA_NAME = "Developer"


async def authenticate(stack: DevStack, api: HomeAssistantApi) -> None:
    """Onboard a new instance, else reuse the stored token or log in with the password."""
    if await api.status("/api/onboarding") == 200:  # noqa: PLR2004 - 404 once onboarded
        await onboard(stack, api)
        return
    if stack.state.ha_token:
        api.token = stack.state.ha_token
        if await api.status("/api/") == 200:  # noqa: PLR2004
            return
    api.token = await api.login(HA_USER, stack.state.ha_password)
    stack.state.ha_token = await long_lived_token(api, stack.made_by)
    api.token = stack.state.ha_token
    stack.state.save(stack.state_path)


async def onboard(stack: DevStack, api: HomeAssistantApi) -> None:
    """Create the owner and finish the onboarding steps that need no internet."""
    steps = {s["step"]: s["done"] for s in await api.request("GET", "/api/onboarding")}
    if not steps.get("user"):
        reply = await api.request(
            "POST",
            "/api/onboarding/users",
            json_body={
                "client_id": api.client_id,
                "name": HA_NAME,
                "username": HA_USER,
                "password": stack.state.ha_password,
                "language": "en",
            },
        )
        api.token = await api.exchange_code(str(reply["auth_code"]))
        log(f"Home Assistant onboarded: user {HA_USER!r} created")
    else:
        api.token = await api.login(HA_USER, stack.state.ha_password)
    if not steps.get("analytics"):
        await api.request("POST", "/api/onboarding/analytics", json_body={})
    if not steps.get("integration"):
        await api.request(
            "POST",
            "/api/onboarding/integration",
            json_body={
                "client_id": api.client_id,
                "redirect_uri": f"{stack.ha_url}/?auth_callback=1",
            },
        )
    stack.state.ha_token = await long_lived_token(api, stack.made_by)
    api.token = stack.state.ha_token
    stack.state.save(stack.state_path)


async def long_lived_token(api: HomeAssistantApi, made_by: str) -> str:
    """Create a long-lived token (the client name must be unique per user)."""
    (token,) = await api.websocket(
        {
            "type": "auth/long_lived_access_token",
            "client_name": f"{made_by} {time.strftime('%Y-%m-%d %H:%M:%S')}",
            "lifespan": 3650,
        }
    )
    return str(token)
