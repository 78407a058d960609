// The module the integration adds to Home Assistant's frontend: defines the card and its
// editor once, and announces the card to the dashboard's card picker.

import { QbitrrCard } from "./card.js";
import { QbitrrCardEditor } from "./editor.js";

declare global {
  interface Window {
    customCards?: Array<Record<string, unknown>>;
  }
}

/** How long to wait for Home Assistant's app before defining the card anyway. */
const APP_WAIT_MS = 5000;

function register(registry: CustomElementRegistry): void {
  if (registry.get("qbitrr-card")) return;
  registry.define("qbitrr-card", QbitrrCard);
  registry.define("qbitrr-card-editor", QbitrrCardEditor);
  window.customCards = window.customCards ?? [];
  window.customCards.push({
    type: "qbitrr-card",
    name: "qbitrr",
    description:
      "qBittorrent servers, Arr apps, torrents per category and server, and the torrents that need a decision.",
    preview: true,
    documentationURL: "https://github.com/qbitrr/qbitrr-homeassistant#the-qbitrr-card",
  });
}

// Home Assistant's app replaces window.customElements with a scoped registry while it boots;
// an extra module may run before that, and what it defined in the old registry is not seen
// (home-assistant/frontend#53890). So define once the app's own element exists, in the
// registry the page uses then.
const atLoad = window.customElements;
void Promise.race([
  atLoad.whenDefined("home-assistant"),
  new Promise((resolve) => setTimeout(resolve, APP_WAIT_MS)),
]).then(() => register(window.customElements));
