import { el, get, setStatus } from "./api.js";

const table = document.getElementById("endpoints");
const status = document.getElementById("list-status");

try {
  const items = (await get("/management/endpoints")).data;
  table.tBodies[0].replaceChildren(...items.map((e) => el("tr", { "data-name": e.name },
    el("th", { scope: "row" }, el("a", { href: `/portal/endpoints/${encodeURIComponent(e.name)}`, text: e.name })),
    el("td", { text: e.project ?? e.project_id }),
    el("td", { text: e.deployments.map((d) => d.name).join(", ") || "-" }),
    el("td", { text: Object.entries(e.traffic).map(([k, v]) => `${k} ${v}%`).join(", ") || "-" }),
    el("td", { text: String(e.cores) }),
    el("td", { text: e.expires_at ? new Date(e.expires_at).toLocaleString() : "-" }),
  )));
  table.hidden = items.length === 0;
  setStatus(status, items.length ? `${items.length} endpoint${items.length === 1 ? "" : "s"}` : "No endpoints yet: deploy a model on managed compute from the catalog.");
} catch (err) {
  setStatus(status, `Cannot load endpoints: ${err.message}`, "error");
}
