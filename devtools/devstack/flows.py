"""The qbitrr config flows that add every server as an entry, gone through like a user does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .common import ARR_LABELS, DOMAIN, QBT_LABELS, StackError, log
from .entries import list_entries

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .hass_api import HomeAssistantApi
    from .stack import DevStack

QBT_MENU_OPTION = "qbittorrent"  # the config flow's menu entry for a qBittorrent server
ARR_MENU_OPTION = "arr"  # the config flow's menu entry for a Radarr/Sonarr/Lidarr
ARR_CATEGORY_STEP = "arr_category"  # the step after the API key: which category the app uses


@dataclass(frozen=True)
class EntryPlan:
    """A config entry the stack wants, and what a user would enter in the config flow for it."""

    key: str  # in State.entries: qbt4, qbt5, radarr, sonarr
    label: str
    url: str
    menu_option: str
    user_input: dict[str, Any]
    category: str | None = None  # Arr apps: the answer to the arr_category step


def entry_plans(stack: DevStack) -> list[EntryPlan]:
    """The entries for both qBittorrent servers and both emulators, as a user enters them."""
    plans = [
        EntryPlan(
            key=f"qbt{major}",
            label=QBT_LABELS[major],
            url=server.url,
            menu_option=QBT_MENU_OPTION,
            user_input={
                "url": server.url,
                "username": server.username,
                "password": server.password,
                "verify_ssl": True,
            },
        )
        for major, server in stack.servers.items()
    ]
    plans += [
        EntryPlan(
            key=app,
            label=ARR_LABELS[app],
            url=emulator.url,
            menu_option=ARR_MENU_OPTION,
            user_input={"url": emulator.url, "api_key": emulator.api_key, "verify_ssl": True},
            category=app,  # the demo torrents' category
        )
        for app, emulator in stack.arrs.items()
    ]
    return plans


async def add_entries(stack: DevStack, api: HomeAssistantApi) -> None:
    """Run the qbitrr config flow for each server whose entry is missing."""
    existing = {e["entry_id"] for e in await list_entries(api)}
    for plan in entry_plans(stack):
        known = stack.state.entries.get(plan.key)
        if known and known.get("entry_id") in existing:
            if known.get("url") == plan.url:
                continue
            # Our server moved to another port: replace the entry this script made for it.
            log(f"{plan.label} moved to {plan.url}: replacing its entry for {known.get('url')}")
            await api.request("DELETE", f"/api/config/config_entries/entry/{known['entry_id']}")
            del stack.state.entries[plan.key]
        result = await run_flow(stack, api, plan)
        kind = result.get("type")
        if kind == "create_entry":
            entry_id = str(result["result"]["entry_id"])
            stack.state.entries[plan.key] = {"url": plan.url, "entry_id": entry_id}
            log(f"config entry added for {plan.label} ({plan.url})")
        elif kind == "abort" and result.get("reason") == "already_configured":
            log(f"{plan.label} ({plan.url}) is already configured")
        else:
            raise StackError(
                f"config flow for {plan.label} ({plan.url}) ended with {kind}:"
                f" {result.get('errors') or result.get('reason') or result}"
            )
    stack.state.save(stack.state_path)


async def run_flow(stack: DevStack, api: HomeAssistantApi, plan: EntryPlan) -> dict[str, Any]:
    """Go through the config flow like a user: menu, server form, (Arr) category form.

    Returns the last step's reply; a flow left at a form (errors) is aborted. The steps seen
    go to ``stack.flow_trails``.
    """
    try:
        flow = await api.request(
            "POST", "/api/config/config_entries/flow", json_body={"handler": DOMAIN}
        )
    except StackError as err:
        raise StackError(
            f"{err}\n    the qbitrr config flow did not load; see"
            f" {stack.config_dir / 'home-assistant.log'}"
        ) from err
    step_path = f"/api/config/config_entries/flow/{flow['flow_id']}"
    result: dict[str, Any] = flow
    trail = stack.flow_trails[plan.key] = [flow_step(result)]
    if result.get("type") == "menu":
        # The first step lets the user pick the kind of server.
        if plan.menu_option not in result.get("menu_options", []):
            raise StackError(f"qbitrr config flow menu has no {plan.menu_option!r}: {result}")
        result = await api.request("POST", step_path, json_body={"next_step_id": plan.menu_option})
        trail.append(flow_step(result))
    if result.get("type") == "form":
        result = await api.request("POST", step_path, json_body=plan.user_input)
        trail.append(flow_step(result))
    if (
        plan.category is not None
        and result.get("type") == "form"
        and result.get("step_id") == ARR_CATEGORY_STEP
        and not result.get("errors")
    ):
        fields = {f.get("name") for f in result.get("data_schema") or []}
        if "category" not in fields:
            raise StackError(f"the {ARR_CATEGORY_STEP} step asks no category: {result}")
        result = await api.request("POST", step_path, json_body={"category": plan.category})
        trail.append(flow_step(result))
    if result.get("type") == "form":
        # Do not leave a half-done flow behind in Home Assistant.
        await api.request("DELETE", step_path, ok=(200, 404))
    return result


def flow_step(result: Mapping[str, Any]) -> str:
    """A flow reply in short: "menu:user", "form:arr_category", "create_entry", "abort:reason"."""
    kind = str(result.get("type"))
    if kind in {"menu", "form"}:
        return f"{kind}:{result.get('step_id')}"
    if kind == "abort":
        return f"abort:{result.get('reason')}"
    return kind
