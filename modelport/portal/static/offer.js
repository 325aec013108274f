import { capabilityLabels, el, get, price, setStatus } from "./api.js";

const root = document.getElementById("offer");
const id = root.dataset.offer;

try {
  const o = await get(`/management/catalog/${encodeURIComponent(id)}`);
  document.title = `${o.display_name} · Modelport`;
  const deployable = !o.availability || o.availability.deployable;
  root.replaceChildren(
    el("h1", { text: o.display_name }),
    el("p", { class: "muted", text: `${o.publisher} · ${o.task} · model name ${o.model_name}` }),
    deployable
      ? el("p", {}, el("a", { class: "button", href: `/portal/catalog/${encodeURIComponent(o.id)}/deploy`, text: "Deploy" }))
      : el("p", { class: "warning", text: `Not deployable here: ${o.availability.missing.join("; ")}` }),
    el("dl", { class: "facts" },
      el("dt", { text: "Publisher" }), el("dd", { text: o.publisher }),
      el("dt", { text: "Licence" }), el("dd", { text: o.license }),
      el("dt", { text: "Context length" }), el("dd", { text: `${o.context_length.toLocaleString("en-US")} tokens` }),
      o.parameters ? [el("dt", { text: "Parameters" }), el("dd", { text: o.parameters })] : null,
      el("dt", { text: "Capabilities" }), el("dd", { text: o.capabilities.map((c) => capabilityLabels[c] ?? c).join(", ") }),
      el("dt", { text: "Price per 1K input tokens" }), el("dd", { text: o.pricing ? price(o.pricing.input_per_1k, o.pricing.currency) : "no serverless API: managed compute only" }),
      el("dt", { text: "Price per 1K output tokens" }), el("dd", { text: o.pricing ? price(o.pricing.output_per_1k, o.pricing.currency) : "billed per instance-hour" }),
      el("dt", { text: "Regions here" }), el("dd", { text: (o.regions_here ?? []).join(", ") || "none of this server's regions" }),
      el("dt", { text: "Cloud regions" }), el("dd", { text: o.regions.map((r) => (r === "*" ? "all regions" : r)).join(", ") }),
      el("dt", { text: "Engines" }), el("dd", { text: o.engines.join(", ") }),
      el("dt", { text: "Hardware" }), el("dd", { text: o.hardware }),
    ),
    el("h2", { text: "Terms" }),
    el("div", { class: "terms", tabindex: "0", role: "region", "aria-label": "Terms" }, el("p", { text: o.terms })),
    o.terms_url ? el("p", {}, el("a", { href: o.terms_url, rel: "noopener noreferrer", text: "Full licence text" })) : null,
  );
} catch (err) {
  setStatus(document.getElementById("offer-status"), `Cannot load ${id}: ${err.message}`, "error");
}
