import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from "lit";

import {
  DEFAULT_PROBLEMS_LIMIT,
  normalizeConfig,
  shownSections,
  type CardConfig,
  type Section,
} from "./config.js";
import { humanize, plural, toBytes } from "./format.js";
import {
  appViews,
  distributionMatrix,
  entriesOf,
  problems,
  problemsSignature,
  serverViews,
  sortedPlan,
  UNAVAILABLE,
  type AppView,
  type Problem,
  type ServerView,
} from "./model.js";
import {
  actOnRow,
  dryRun,
  errorText,
  fetchDistribution,
  fetchProblemTorrents,
  type RowAction,
} from "./services.js";
import { renderApps, renderDistribution, renderServers, type SectionUi } from "./sections.js";
import { cardStyles } from "./styles.js";
import type {
  DistributionByState,
  HandlingResponse,
  HassEntityState,
  HomeAssistant,
  ListedTorrent,
} from "./types.js";

const REFETCH_MIN_MS = 5_000;
/** Problem rows shown before "Show all". */
const PROBLEMS_SHOWN = 5;

interface RowResult {
  ok: boolean;
  text: string;
}

export class QbitrrCard extends LitElement {
  static styles = cardStyles;
  static properties = {
    hass: { attribute: false },
    _config: { state: true },
    _torrents: { state: true },
    _byState: { state: true },
    _plan: { state: true },
    _planState: { state: true },
    _busy: { state: true },
    _results: { state: true },
    _confirm: { state: true },
    _fetchError: { state: true },
    _showAll: { state: true },
  };

  hass?: HomeAssistant;
  private _config: CardConfig = { type: "custom:qbitrr-card" };
  private _torrents: ListedTorrent[] = [];
  private _byState: DistributionByState | null = null;
  private _plan: HandlingResponse | null = null;
  private _planState: RowResult | "running" | null = null;
  private _busy = new Set<string>();
  private _results = new Map<string, RowResult>();
  private _confirm: string | null = null;
  private _fetchError: string | null = null;
  private _showAll = false;
  private _signature = "";
  private _lastFetch = 0;
  private _timer: ReturnType<typeof setTimeout> | undefined;

  static getConfigElement(): HTMLElement {
    return document.createElement("qbitrr-card-editor");
  }

  static getStubConfig(): CardConfig {
    return { type: "custom:qbitrr-card" };
  }

  setConfig(config: unknown): void {
    this._config = normalizeConfig(config);
  }

  getCardSize(): number {
    return 8;
  }

  getGridOptions(): Record<string, number> {
    return { columns: 12, min_columns: 6, rows: 8 };
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this._timer);
  }

  private get _servers(): ServerView[] {
    return this.hass ? serverViews(entriesOf(this.hass), this._config.servers) : [];
  }

  private get _apps(): AppView[] {
    return this.hass ? appViews(entriesOf(this.hass), this._config.apps) : [];
  }

  protected updated(changed: PropertyValues): void {
    if (!changed.has("hass") || !this.hass) return;
    const sections = shownSections(this._config);
    if (!sections.includes("problems") && !sections.includes("distribution")) return;
    const signature = problemsSignature(this._servers, this._apps);
    if (signature === this._signature) return;
    this._signature = signature;
    clearTimeout(this._timer);
    const wait = Math.max(0, this._lastFetch + REFETCH_MIN_MS - Date.now());
    this._timer = setTimeout(() => void this._fetch(), wait);
  }

  private async _fetch(): Promise<void> {
    const hass = this.hass;
    if (!hass) return;
    this._lastFetch = Date.now();
    const limit = this._config.problems_limit ?? DEFAULT_PROBLEMS_LIMIT;
    const [torrents, byState] = await Promise.allSettled([
      fetchProblemTorrents(hass, limit),
      fetchDistribution(hass),
    ]);
    this._torrents = torrents.status === "fulfilled" ? torrents.value : [];
    this._byState = byState.status === "fulfilled" ? byState.value : null;
    this._fetchError = torrents.status === "rejected" ? errorText(torrents.reason) : null;
  }

  protected render(): TemplateResult {
    const servers = this._servers;
    const apps = this._apps;
    const render: Record<Section, () => TemplateResult | typeof nothing> = {
      servers: () => renderServers(servers, this._ui),
      apps: () => renderApps(apps),
      distribution: () => renderDistribution(distributionMatrix(servers, this._byState)),
      problems: () => this._renderProblems(apps),
      plan: () => this._renderPlan(),
    };
    return html`<ha-card>
      ${this._config.title ? html`<h1>${this._config.title}</h1>` : nothing}
      ${servers.length === 0 && apps.length === 0
        ? html`<p class="muted">No qbitrr servers or apps found.</p>`
        : shownSections(this._config).map((section) => render[section]())}
    </ha-card>`;
  }

  private _ui: SectionUi = {
    label: (key, fallback) => this._label(key, fallback),
    value: (state, bytes) => this._value(state, bytes),
    toggle: (entityId) => void this.hass?.callService("switch", "toggle", { entity_id: entityId }),
  };

  private _label(key: string, fallback: string): string {
    const text = this.hass?.localize(`component.qbitrr.entity.${key}.name`);
    return text || fallback;
  }

  private _value(state: HassEntityState | undefined, bytes: (n: number) => string): string {
    if (!state || UNAVAILABLE.has(state.state)) return "—";
    const value = toBytes(state.state, state.attributes.unit_of_measurement);
    if (value !== null) return bytes(value);
    return this.hass?.formatEntityState?.(state) ?? state.state;
  }

  private _renderProblems(apps: AppView[]): TemplateResult {
    const limit = this._config.problems_limit ?? DEFAULT_PROBLEMS_LIMIT;
    const rows = problems(apps, this._torrents, this._plan?.actions ?? [], limit);
    const shown = this._showAll ? rows : rows.slice(0, PROBLEMS_SHOWN);
    return html`<section aria-labelledby="problems">
      <h2 id="problems">Problems</h2>
      ${this._fetchError ? html`<p class="result error" role="alert">${this._fetchError}</p>` : nothing}
      ${rows.length === 0
        ? html`<p class="muted">Nothing stalled, struck, bad or waiting for removal.</p>`
        : html`<ul class="grid" id="problem-list">${shown.map((p) => this._renderProblem(p))}</ul>`}
      ${rows.length > PROBLEMS_SHOWN
        ? html`<div class="actions">
            <button data-action="show-all" aria-controls="problem-list" aria-expanded=${String(this._showAll)}
              @click=${() => (this._showAll = !this._showAll)}>
              ${this._showAll ? "Show fewer" : `Show all ${rows.length}`}
            </button>
          </div>`
        : nothing}
    </section>`;
  }

  private _renderProblem(p: Problem): TemplateResult {
    const busy = this._busy.has(p.key);
    const result = this._results.get(p.key);
    const confirming = this._confirm === p.key;
    return html`<li class="item problem" data-hash=${p.hash} data-entry=${p.instance}>
      <div class="name" title=${p.name}>${p.name}</div>
      <div class="chips">
        ${p.kinds.map((k) => html`<span class="chip ${k}">${humanize(k)}</span>`)}
        <span class="muted">${p.serverTitle}${p.app ? ` · ${p.app}` : ""}</span>
      </div>
      ${p.rule ? html`<div class="muted">${humanize(p.rule)}${p.reason ? `: ${p.reason}` : ""}</div>` : nothing}
      <div class="actions">
        <button data-action="keep" ?disabled=${busy} aria-label="Keep ${p.name}"
          @click=${() => this._act(p, "keep")}>Keep</button>
        <button data-action="recheck" ?disabled=${busy} aria-label="Recheck ${p.name}"
          @click=${() => this._act(p, "recheck")}>Recheck</button>
        <button data-action="remove" class="danger" ?disabled=${busy}
          aria-label=${confirming ? `Confirm removing ${p.name}` : `Remove ${p.name}`}
          @click=${() => (confirming ? this._act(p, "remove") : (this._confirm = p.key))}>
          ${confirming ? "Confirm remove" : "Remove"}
        </button>
        ${confirming ? html`<button @click=${() => (this._confirm = null)}>Cancel</button>` : nothing}
      </div>
      <div class="result ${result && !result.ok ? "error" : ""}" role="status" aria-live="polite">${result?.text ?? ""}</div>
    </li>`;
  }

  private async _act(p: Problem, action: RowAction): Promise<void> {
    if (!this.hass) return;
    this._confirm = null;
    this._busy = new Set([...this._busy, p.key]);
    let result: RowResult;
    try {
      result = { ok: true, text: await actOnRow(this.hass, action, p) };
    } catch (error) {
      result = { ok: false, text: errorText(error) };
    }
    this._busy = new Set([...this._busy].filter((key) => key !== p.key));
    this._results = new Map(this._results).set(p.key, result);
    this._signature = "";
    this._lastFetch = 0;
    this.requestUpdate("hass");
  }

  private _renderPlan(): TemplateResult {
    const state = this._planState;
    const plan = this._plan;
    return html`<section aria-labelledby="plan">
      <h2 id="plan">Handling</h2>
      <div class="actions">
        <button data-action="dry-run" ?disabled=${state === "running"} @click=${() => this._dryRun()}>
          ${state === "running" ? "Working out the plan…" : "What would handling do?"}
        </button>
      </div>
      <div role="status" aria-live="polite">
        ${state && state !== "running" && !state.ok ? html`<p class="result error">${state.text}</p>` : nothing}
        ${plan ? this._planList(plan) : nothing}
      </div>
    </section>`;
  }

  private _planList(plan: HandlingResponse): TemplateResult {
    const actions = sortedPlan(plan.actions);
    const skippedArrs = Object.values(plan.skipped_arrs ?? {});
    return html`<p class="muted">
        ${actions.length ? `${plural(actions.length, "action")} planned (dry run, nothing done):` : "Nothing to do right now."}
      </p>
      <ul class="grid plan">
        ${actions.map(
          (a) => html`<li class="item">
            <div class="head"><span class="chip">${humanize(a.action)}</span><span class="name">${a.name}</span></div>
            <div class="muted">${a.instance_title} · ${a.arr_title} · ${humanize(a.rule)}${a.reason ? `: ${a.reason}` : ""}</div>
          </li>`,
        )}
      </ul>
      ${skippedArrs.length
        ? html`<p class="muted">Not judged: ${skippedArrs.map((s) => `${s.title} (${s.error})`).join(", ")}</p>`
        : nothing}`;
  }

  private async _dryRun(): Promise<void> {
    if (!this.hass) return;
    this._planState = "running";
    try {
      this._plan = await dryRun(this.hass);
      this._planState = { ok: true, text: "" };
    } catch (error) {
      this._planState = { ok: false, text: errorText(error) };
    }
  }
}
