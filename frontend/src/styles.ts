import { css } from "lit";

// Home Assistant's theme variables only (light and dark themes follow), with fallbacks.
export const cardStyles = css`
  :host {
    display: block;
    container-type: inline-size;
    --qb-ok: var(--success-color, #43a047);
    --qb-bad: var(--error-color, #db4437);
    --qb-warn: var(--warning-color, #ffa600);
    --qb-muted: var(--secondary-text-color, #727272);
    --qb-line: var(--divider-color, rgba(127, 127, 127, 0.25));
  }
  ha-card {
    padding: 12px 16px 16px;
    color: var(--primary-text-color);
    overflow: hidden;
  }
  h1 {
    font-size: var(--ha-card-header-font-size, 1.5rem);
    font-weight: 400;
    margin: 4px 0 8px;
  }
  h2 {
    font-size: 1rem;
    font-weight: 500;
    margin: 16px 0 6px;
    color: var(--primary-text-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  ul.grid {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(280px, 1fr));
    column-gap: 20px;
  }
  li.item {
    border-top: 1px solid var(--qb-line);
    padding: 8px 0;
  }
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 8px;
  }
  .name {
    font-weight: 500;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .muted {
    color: var(--qb-muted);
    font-size: 0.875rem;
  }
  .badge {
    border-radius: 10px;
    padding: 1px 8px;
    font-size: 0.75rem;
    font-weight: 500;
    color: var(--text-primary-color, #fff);
    background: var(--qb-ok);
  }
  .badge.down,
  .badge.bad {
    background: var(--qb-bad);
  }
  .badge.warn {
    background: var(--qb-warn);
    color: #000;
  }
  .stats {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 14px;
    margin-top: 4px;
    font-variant-numeric: tabular-nums;
  }
  .chips {
    display: flex;
    flex-wrap: wrap;
    gap: 4px;
    margin-top: 6px;
  }
  .chip {
    border: 1px solid var(--qb-line);
    border-radius: 12px;
    padding: 0 8px;
    font-size: 0.8rem;
    white-space: nowrap;
  }
  .chip.stalled,
  .chip.struck,
  .chip.errored,
  .chip.bad,
  .chip.pending {
    border-color: var(--qb-warn);
  }
  .down-text {
    color: var(--qb-bad);
    margin-top: 4px;
  }
  button {
    font: inherit;
    font-size: 0.875rem;
    color: var(--primary-color);
    background: transparent;
    border: 1px solid var(--primary-color);
    border-radius: 16px;
    padding: 4px 12px;
    min-height: 32px;
    cursor: pointer;
  }
  button:hover {
    background: rgba(127, 127, 127, 0.12);
  }
  button:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: 2px;
  }
  button[disabled] {
    opacity: 0.5;
    cursor: default;
  }
  button.danger {
    color: var(--qb-bad);
    border-color: var(--qb-bad);
  }
  button[role="switch"][aria-checked="true"] {
    color: var(--text-primary-color, #fff);
    background: var(--primary-color);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin-top: 6px;
  }
  .scroll {
    overflow-x: auto;
    max-width: 100%;
  }
  table {
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
    font-size: 0.875rem;
    width: 100%;
  }
  th,
  td {
    padding: 4px 6px;
    text-align: right;
    border-top: 1px solid var(--qb-line);
    white-space: nowrap;
  }
  th[scope="row"],
  thead th:first-child {
    text-align: left;
    white-space: normal;
    overflow-wrap: anywhere;
    max-width: 12em;
  }
  thead th {
    font-weight: 500;
    border-top: none;
    white-space: normal;
    max-width: 9em;
    overflow-wrap: anywhere;
  }
  .stalled-count {
    color: var(--qb-warn);
    font-size: 0.8em;
    margin-left: 2px;
  }
  .result {
    margin-top: 4px;
    font-size: 0.875rem;
  }
  .result.error {
    color: var(--qb-bad);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @container (max-width: 420px) {
    ha-card {
      padding: 8px 10px 12px;
    }
    th,
    td {
      padding: 3px 4px;
    }
  }
`;
