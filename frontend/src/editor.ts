import { LitElement, css, html, type TemplateResult } from "lit";

import {
  DEFAULT_PROBLEMS_LIMIT,
  MAX_PROBLEMS_LIMIT,
  SECTIONS,
  normalizeConfig,
  toggled,
  withOption,
  type CardConfig,
  type Section,
} from "./config.js";
import { humanize } from "./format.js";
import { entriesOf, QBITTORRENT_MODEL } from "./model.js";
import type { HomeAssistant } from "./types.js";

/** The card's visual editor: title, sections, which servers and apps, how many problems. */
export class QbitrrCardEditor extends LitElement {
  static properties = { hass: { attribute: false }, _config: { state: true } };
  static styles = css`
    fieldset {
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 8px;
      margin: 0 0 12px;
      padding: 8px 12px;
    }
    legend {
      padding: 0 4px;
      font-weight: 500;
    }
    label {
      display: flex;
      align-items: center;
      gap: 8px;
      min-height: 32px;
      color: var(--primary-text-color);
    }
    input[type="text"],
    input[type="number"] {
      font: inherit;
      padding: 6px;
      color: var(--primary-text-color);
      background: var(--card-background-color, transparent);
      border: 1px solid var(--divider-color, #ccc);
      border-radius: 4px;
    }
  `;

  hass?: HomeAssistant;
  private _config: CardConfig = { type: "custom:qbitrr-card" };

  setConfig(config: unknown): void {
    this._config = normalizeConfig(config);
  }

  private _change(config: CardConfig): void {
    this._config = config;
    this.dispatchEvent(
      new CustomEvent("config-changed", { detail: { config }, bubbles: true, composed: true }),
    );
  }

  protected render(): TemplateResult {
    const entries = this.hass ? entriesOf(this.hass) : [];
    const servers = entries.filter((e) => e.model === QBITTORRENT_MODEL);
    const apps = entries.filter((e) => e.model !== QBITTORRENT_MODEL);
    const config = this._config;
    return html`
      <label>Title
        <input type="text" .value=${config.title ?? ""}
          @change=${(e: Event) => this._change(withOption(config, "title", (e.target as HTMLInputElement).value))} />
      </label>
      ${this._checklist("Sections", "sections", SECTIONS.map((s) => [s, humanize(s)]))}
      ${this._checklist("Servers", "servers", servers.map((e) => [e.entryId, e.title]))}
      ${this._checklist("Apps", "apps", apps.map((e) => [e.entryId, `${e.title} (${e.model})`]))}
      <label>Problems listed at most
        <input type="number" min="1" max=${MAX_PROBLEMS_LIMIT} .value=${String(config.problems_limit ?? DEFAULT_PROBLEMS_LIMIT)}
          @change=${(e: Event) => {
            const value = Number((e.target as HTMLInputElement).value);
            if (Number.isInteger(value) && value >= 1 && value <= MAX_PROBLEMS_LIMIT) {
              this._change(withOption(config, "problems_limit", value === DEFAULT_PROBLEMS_LIMIT ? undefined : value));
            }
          }} />
      </label>
    `;
  }

  private _checklist(
    legend: string,
    key: "sections" | "servers" | "apps",
    choices: Array<[string, string]>,
  ): TemplateResult {
    const all = choices.map(([value]) => value);
    const current = this._config[key] as string[] | undefined;
    return html`<fieldset>
      <legend>${legend}</legend>
      ${choices.map(
        ([value, text]) => html`<label>
          <input type="checkbox" .checked=${!current || current.includes(value)}
            @change=${(e: Event) => {
              const list = toggled(current, all, value, (e.target as HTMLInputElement).checked);
              this._change(withOption(this._config, key, list as Section[] & string[]));
            }} />
          ${text}
        </label>`,
      )}
    </fieldset>`;
  }
}
