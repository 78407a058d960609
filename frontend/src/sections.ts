// The read-only sections of the card (servers, apps, distribution) as templates of plain data.

import { html, nothing, type TemplateResult } from "lit";

import {
  formatAgo,
  formatBytes,
  formatCount,
  formatSpeed,
  humanize,
  plural,
} from "./format.js";
import { UNAVAILABLE, type AppView, type DistributionMatrix, type ServerView } from "./model.js";
import type { HassEntityState } from "./types.js";

/** What the sections need of the card: translated labels, formatted states, the switch. */
export interface SectionUi {
  label(key: string, fallback: string): string;
  value(state: HassEntityState | undefined, bytes: (n: number) => string): string;
  toggle(entityId: string): void;
}

export function renderServers(servers: ServerView[], ui: SectionUi): TemplateResult {
  return html`<section aria-labelledby="servers">
    <h2 id="servers">Servers</h2>
    <ul class="grid">
      ${servers.map(
        (s) => html`<li class="item server" data-entry=${s.entryId} data-up=${String(s.up)}>
          <div class="head">
            <span class="name">${s.title}</span>
            <span class="badge ${s.up ? "" : "down"}">${s.up ? "Up" : "Down"}</span>
            ${s.version ? html`<span class="muted">${s.version}</span>` : nothing}
          </div>
          ${s.up ? serverStats(s, ui) : html`<div class="down-text">Not reachable: no figures until it answers again.</div>`}
        </li>`,
      )}
    </ul>
  </section>`;
}

function serverStats(s: ServerView, ui: SectionUi): TemplateResult {
  const alt = s.altSpeed;
  return html`<div class="stats">
      <span><span class="sr-only">Download</span><span aria-hidden="true">↓</span> ${ui.value(s.download, formatSpeed)}</span>
      <span><span class="sr-only">Upload</span><span aria-hidden="true">↑</span> ${ui.value(s.upload, formatSpeed)}</span>
      <span>${ui.value(s.freeSpace, formatBytes)} free</span>
      ${s.total !== null ? html`<span>${s.total} torrents</span>` : nothing}
    </div>
    <div class="chips">
      ${s.counts
        .filter((c) => c.count > 0)
        .map(
          (c) => html`<span class="chip ${c.group}" title=${ui.label(`sensor.${c.group}_torrents`, humanize(c.group))}
            >${humanize(c.group)} ${formatCount(c.count)}</span
          >`,
        )}
    </div>
    ${alt && !UNAVAILABLE.has(alt.state)
      ? html`<div class="actions">
          <button role="switch" aria-checked=${String(alt.state === "on")}
            @click=${() => ui.toggle(alt.entity_id)}>
            ${ui.label("switch.alternative_speed_limits", "Alternative speed limits")}
          </button>
        </div>`
      : nothing}`;
}

export function renderApps(apps: AppView[]): TemplateResult | typeof nothing {
  if (apps.length === 0) return nothing;
  return html`<section aria-labelledby="apps">
    <h2 id="apps">Apps</h2>
    <ul class="grid">
      ${apps.map((a) => {
        const health = !a.reachable
          ? html`<span class="badge down">Down</span>`
          : a.healthMessages.length
            ? html`<span class="badge warn" title=${a.healthMessages.join("\n")}>${plural(a.healthMessages.length, "health issue")}</span>`
            : html`<span class="badge">Healthy</span>`;
        const run = a.lastRun;
        const did = run
          ? Object.entries(run.byAction).map(([action, n]) => `${n} ${humanize(action).toLowerCase()}`).join(", ")
          : "";
        return html`<li class="item app" data-entry=${a.entryId}>
          <div class="head"><span class="name">${a.title}</span><span class="muted">${a.app}</span>${health}</div>
          <div class="stats">
            <span>Queue ${a.queueSize ?? "—"}</span>
            <span>Torrents ${a.torrents ?? "—"}</span>
            <span>Stalled ${a.stalled ?? "—"}</span>
            ${a.pending.length ? html`<span>Pending removals ${a.pending.length}</span>` : nothing}
          </div>
          <div class="muted">
            Last handling: ${run ? html`<time datetime=${run.time}>${formatAgo(run.time)}</time>${run.dryRun ? " (dry run)" : ""}: ${did || "nothing to do"}${run.failed ? `, ${run.failed} failed` : ""}` : "never"}
          </div>
          ${a.healthMessages.length ? html`<ul class="muted">${a.healthMessages.map((m) => html`<li>${m}</li>`)}</ul>` : nothing}
        </li>`;
      })}
    </ul>
  </section>`;
}

export function renderDistribution(matrix: DistributionMatrix): TemplateResult {
  return html`<section aria-labelledby="distribution">
    <h2 id="distribution">Distribution</h2>
    ${matrix.rows.length === 0
      ? html`<p class="muted">No torrents.</p>`
      : html`<div class="scroll" tabindex="0" role="region" aria-label="Torrents per category and server">
          <table class="distribution">
            <thead><tr>
              <th scope="col">Category</th>
              ${matrix.servers.map((s) => html`<th scope="col">${s.title}${s.up ? nothing : html` <span class="badge down">Down</span>`}</th>`)}
              <th scope="col">Total</th>
            </tr></thead>
            <tbody>
              ${matrix.rows.map(
                (row) => html`<tr>
                  <th scope="row">${row.category || "(none)"}</th>
                  ${row.cells.map((cell) =>
                    cell === null
                      ? html`<td aria-label="unknown">—</td>`
                      : html`<td>${formatCount(cell.total)}${cell.stalled
                          ? html`<span class="stalled-count" title="stalled">(${cell.stalled}<span class="sr-only"> stalled</span>)</span>`
                          : nothing}</td>`,
                  )}
                  <td>${formatCount(row.total)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <p class="muted">Stalled torrents in brackets.</p>`}
  </section>`;
}
