import { copyText, el, get, regionQuery, setStatus } from "./api.js";
import { snippets } from "./snippets.js";

const root = document.getElementById("consume");
const name = root.dataset.name;
const path = `/management/deployments/${encodeURIComponent(name)}`;
const query = regionQuery(); // this deployment among those of its name
const container = document.getElementById("snippets");
const status = document.getElementById("consume-status");
const showKey = document.getElementById("show-key");
const MASK = "<your-key: press Show key or Copy>";
let deployment = null;
let key = null; // fetched on demand from the keys endpoint

async function realKey() {
  if (!key) key = (await get(`${path}/keys${query}`)).primary;
  return key;
}

function render(shownKey) {
  const shown = snippets({ url: deployment.target_url, key: shownKey ?? MASK, model: deployment.model });
  container.replaceChildren(...shown.map((s, i) => {
    const titleId = `snippet-${s.id}-title`;
    const copy = el("button", { type: "button", class: "secondary copy", "data-snippet": s.id,
      "aria-describedby": titleId, onclick: async () => {
        try {
          await realKey();
          const text = snippets({ url: deployment.target_url, key, model: deployment.model })[i].code;
          const ok = await copyText(text);
          setStatus(status, ok ? `${s.title} snippet copied, with the key.` : "Copy failed.", ok ? "ok" : "error");
        } catch (err) { setStatus(status, `Cannot read the key: ${err.message}`, "error"); }
      } }, "Copy");
    return el("section", { class: "snippet", "aria-labelledby": titleId },
      el("div", { class: "row" }, el("h2", { id: titleId, text: s.title }), copy),
      s.install ? el("p", { class: "help" }, "Install: ", el("code", { text: s.install })) : null,
      el("pre", { tabindex: "0", "data-snippet": s.id, "aria-label": `${s.title} code` }, el("code", { text: s.code })));
  }));
}

showKey.addEventListener("click", async () => {
  const on = showKey.getAttribute("aria-pressed") !== "true";
  try {
    render(on ? await realKey() : null);
    showKey.setAttribute("aria-pressed", String(on));
    showKey.textContent = on ? "Hide key in snippets" : "Show key in snippets";
  } catch (err) { setStatus(status, `Cannot read the key: ${err.message}`, "error"); }
});

try {
  deployment = await get(`${path}${query}`);
  render(null);
  setStatus(status, `Target URL ${deployment.target_url} · model ${deployment.model}`);
} catch (err) {
  setStatus(status, `Cannot load ${name}: ${err.message}`, "error");
}
