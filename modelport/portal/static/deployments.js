import { deploymentHref, el, get, setStatus } from "./api.js";

const table = document.getElementById("deployments");
const status = document.getElementById("list-status");

try {
  const items = (await get("/management/deployments")).data;
  table.tBodies[0].replaceChildren(...items.map((d) => el("tr", { "data-name": d.name, "data-region": d.region },
    el("th", { scope: "row" }, el("a", { href: deploymentHref(d.name, d.region), text: d.name })),
    el("td", { text: d.model }),
    el("td", { text: d.project ?? d.project_id }),
    el("td", { text: d.region }),
    el("td", {}, el("span", { class: `state state-${d.state}`, text: d.readiness && d.readiness !== "ready" ? `${d.state} (${d.readiness})` : d.state })),
    el("td", {}, el("code", { text: d.target_url })),
  )));
  table.hidden = items.length === 0;
  setStatus(status, items.length ? `${items.length} deployment${items.length === 1 ? "" : "s"}` : "No deployments yet: deploy a model from the catalog.");
} catch (err) {
  setStatus(status, `Cannot load deployments: ${err.message}`, "error");
}
