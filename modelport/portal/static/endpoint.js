// The endpoint page: Target URL, deployments with instance types and counts, the traffic split
// (chart and editable weights), the quota drawn, and the shared keys.
import { api, deploymentHref, el, get, setStatus } from "./api.js";
import { barChart } from "./charts.js";

const root = document.getElementById("endpoint");
const name = root.dataset.name;
const base = `/management/endpoints/${encodeURIComponent(name)}`;
const status = document.getElementById("detail-status");
const trafficStatus = document.getElementById("traffic-status");

function fact(term, value) {
  return [el("dt", { text: term }), el("dd", {}, value)];
}

function render(e) {
  document.getElementById("facts").replaceChildren(
    ...fact("Target URL", el("code", { text: e.target_url })),
    ...fact("Project", e.project ?? e.project_id),
    ...fact("Region", e.region),
    ...fact("State", e.state),
    ...fact("Quota", e.shared_quota ? "shared quota" : "the project's quota"),
    ...fact("Deleted at", e.expires_at ? new Date(e.expires_at).toLocaleString() : "never (not on the shared quota)"),
  );
  const rows = e.deployments.map((d) => el("tr", { "data-name": d.name },
    el("th", { scope: "row" }, el("a", { href: deploymentHref(d.name, d.region), text: d.name })),
    el("td", { text: d.offer }),
    el("td", { text: d.instance_type ?? "" }),
    el("td", { text: `${d.replicas.length} / ${d.instances}` }),
    el("td", { text: String(d.cores) }),
    el("td", { text: d.content_safety.enabled ? "on" : "off" }),
    el("td", {}, el("span", { class: `state state-${d.readiness}`, text: d.readiness })),
    el("td", {}, el("input", { type: "number", min: "0", max: "100", name: `traffic-${d.name}`, value: String(d.traffic), "aria-label": `Traffic of ${d.name}`, class: "traffic" })),
    el("td", {}, el("input", { type: "number", min: "0", max: "50", name: `mirror-${d.name}`, value: String(d.mirror), "aria-label": `Mirror traffic to ${d.name}`, class: "mirror" })),
  ));
  document.getElementById("deployments").tBodies[0].replaceChildren(...rows);
  barChart(document.getElementById("traffic-chart"), {
    title: "Traffic split (%)",
    categories: e.deployments.map((d) => d.name),
    series: [
      { name: "live traffic %", cls: "s1", values: e.deployments.map((d) => d.traffic) },
      { name: "mirror %", cls: "s2", values: e.deployments.map((d) => d.mirror) },
    ],
    empty: "No deployments yet.",
  });
  document.getElementById("quota").replaceChildren(
    ...fact("Cores drawn", String(e.cores)),
    ...fact("GPUs drawn", String(e.gpus)),
  );
}

async function load() {
  try {
    const e = await get(base);
    render(e);
    setStatus(status, "");
    if (e.shared_quota) return;
    const quota = (await get(`/management/projects/${encodeURIComponent(e.project)}/quota`)).data;
    const mine = quota.find((q) => q.scope === "project");
    if (mine) {
      document.getElementById("quota").append(...fact(`Project ${mine.subject}`, `${mine.used.cores} of ${mine.limit.cores} cores used`));
    }
  } catch (err) {
    setStatus(status, `Cannot load the endpoint: ${err.message}`, "error");
  }
}

document.getElementById("traffic-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const weights = (cls) => Object.fromEntries([...document.querySelectorAll(`input.${cls}`)].map((i) => [i.name.slice(cls.length + 1), Number(i.value)]));
  try {
    await api("PUT", `${base}/mirror`, { weights: Object.fromEntries(Object.entries(weights("mirror")).map(([k]) => [k, 0])) });
    await api("PUT", `${base}/traffic`, { weights: weights("traffic") });
    render(await api("PUT", `${base}/mirror`, { weights: weights("mirror") }));
    setStatus(trafficStatus, "Traffic saved.");
  } catch (err) {
    setStatus(trafficStatus, err.message, "error");
  }
});

for (const row of document.querySelectorAll(".key-row")) {
  const input = row.querySelector("input");
  row.querySelector(".reveal").addEventListener("click", async (event) => {
    const keys = await get(`${base}/keys`);
    input.value = keys[row.dataset.slot];
    input.type = input.type === "password" ? "text" : "password";
    event.target.setAttribute("aria-pressed", String(input.type === "text"));
  });
  row.querySelector(".regenerate").addEventListener("click", async () => {
    const keys = await api("POST", `${base}/keys/regenerate`, { key: row.dataset.slot });
    input.value = keys[row.dataset.slot];
    setStatus(document.getElementById("keys-status"), `The ${row.dataset.slot} key was regenerated for every deployment of the endpoint.`);
  });
}

await load();
