import { capabilityLabels, el, get, price, setStatus } from "./api.js";

const list = document.getElementById("offers");
const status = document.getElementById("catalog-status");
const publisher = document.getElementById("filter-publisher");
const capability = document.getElementById("filter-capability");
const text = document.getElementById("filter-text");
let offers = [];

function card(offer) {
  const caps = offer.capabilities.map((c) => el("li", { text: capabilityLabels[c] ?? c }));
  const regions = offer.regions_here?.length ? offer.regions_here : offer.regions;
  return el("li", { class: "card", "data-offer": offer.id },
    el("h2", {}, el("a", { href: `/portal/catalog/${encodeURIComponent(offer.id)}`, text: offer.display_name })),
    el("p", { class: "muted", text: `${offer.publisher} · ${offer.task}` }),
    el("dl", { class: "facts compact" },
      el("dt", { text: "Context" }), el("dd", { text: `${offer.context_length.toLocaleString("en-US")} tokens` }),
      el("dt", { text: "Price / 1K in" }), el("dd", { text: offer.pricing ? price(offer.pricing.input_per_1k, offer.pricing.currency) : "managed compute only" }),
      el("dt", { text: "Price / 1K out" }), el("dd", { text: offer.pricing ? price(offer.pricing.output_per_1k, offer.pricing.currency) : "per instance-hour" }),
      el("dt", { text: "Regions" }), el("dd", { text: regions.map((r) => (r === "*" ? "all" : r)).join(", ") }),
      el("dt", { text: "Licence" }), el("dd", { text: offer.license }),
    ),
    el("ul", { class: "tags", "aria-label": "Capabilities" }, caps),
    offer.availability
      ? offer.availability.deployable
        ? el("p", { class: "ok deployable", text: `Deployable here (${offer.availability.engine})` })
        : el("p", { class: "warning", text: "Not deployable on this server" })
      : null,
  );
}

function render() {
  const p = publisher.value;
  const c = capability.value;
  const t = text.value.trim().toLowerCase();
  const shown = offers.filter((o) =>
    (!p || o.publisher === p) && (!c || o.capabilities.includes(c)) &&
    (!t || `${o.display_name} ${o.model_name} ${o.id}`.toLowerCase().includes(t)));
  list.replaceChildren(...shown.map(card));
  setStatus(status, `${shown.length} of ${offers.length} models`);
}

function options(select, values, labels = {}) {
  for (const v of values) select.append(el("option", { value: v, text: labels[v] ?? v }));
}

try {
  offers = (await get("/management/catalog")).data;
  options(publisher, [...new Set(offers.map((o) => o.publisher))].sort());
  options(capability, [...new Set(offers.flatMap((o) => o.capabilities))].sort(), capabilityLabels);
  for (const input of [publisher, capability, text]) input.addEventListener("input", render);
  document.getElementById("filters").addEventListener("submit", (e) => e.preventDefault());
  render();
} catch (err) {
  setStatus(status, `Cannot load the catalog: ${err.message}`, "error");
}
