import { api, copyText, deploymentHref, el, get, regionQuery, safetySummary, setStatus } from "./api.js";
import { changedOptions, renderOptionFields } from "./engine_options.js";

const root = document.getElementById("deployment");
const name = root.dataset.name;
const query = regionQuery(); // this deployment among those of its name: every call names it
const path = `/management/deployments/${encodeURIComponent(name)}`;
const status = document.getElementById("detail-status");
const keysStatus = document.getElementById("keys-status");
const dialog = document.getElementById("confirm");
let keys = null; // fetched on the first Reveal or Copy, never rendered before
let deployed = null; // the deployment as last rendered
let engine = null; // its engine's plug-in (options schema), once the form is shown

function confirmAction(text, okLabel) {
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

async function loadKeys() {
  if (!keys) keys = await get(`${path}/keys${query}`);
  return keys;
}

function hideAll() {
  for (const row of document.querySelectorAll(".key-row")) {
    const input = row.querySelector("input");
    input.type = "password";
    input.value = "";
    row.querySelector(".reveal").textContent = "Reveal";
    row.querySelector(".reveal").setAttribute("aria-pressed", "false");
  }
}

function fact(dl, term, value) {
  dl.append(el("dt", { text: term }), el("dd", {}, value));
}

function renderReplicas(d) {
  const idle = d.min_instances < d.instances ? `, ${d.min_instances} once idle for ${d.idle_timeout} s` : "";
  document.getElementById("replicas-summary").textContent =
    `${d.replicas.length} running of ${d.instances} wanted${idle}.`;
  const rows = d.replicas.map((r) => el("tr", { class: "replica" },
    el("td", { text: String(r.ordinal) }),
    el("td", { text: r.node ?? "" }),
    el("td", { text: r.runtime }),
    el("td", {}, el("span", { class: `state state-${r.state}`, text: r.last_error ? `${r.state}: ${r.last_error}` : r.state })),
    el("td", { text: String(r.requests_in_flight) }),
    el("td", { text: String(r.restarts) }),
    el("td", { text: new Date(r.started_at).toLocaleString() })));
  document.querySelector("#replicas tbody").replaceChildren(...rows);
}

async function render() {
  const d = await get(`${path}${query}`);
  const facts = document.getElementById("facts");
  facts.replaceChildren();
  const url = el("code", { id: "target-url", text: d.target_url });
  fact(facts, "Target URL", el("span", {}, url, " ",
    el("button", { type: "button", class: "secondary small", onclick: async () => {
      setStatus(keysStatus, (await copyText(d.target_url)) ? "Target URL copied." : "Copy failed.");
    } }, "Copy URL")));
  fact(facts, "State", el("span", { class: `state state-${d.state}`, id: "state", text: d.state }));
  fact(facts, "Readiness", el("span", { id: "readiness", text: d.readiness_reason ? `${d.readiness}: ${d.readiness_reason}` : d.readiness }));
  if (d.failure_reason) fact(facts, "Failure reason", d.failure_reason);
  fact(facts, "Engine", d.engine);
  fact(facts, "Model", `${d.model} (offer ${d.offer})`);
  fact(facts, "Project", d.project ?? d.project_id);
  fact(facts, "Region", d.region);
  if (d.host_url) fact(facts, "Host URL", el("code", { text: d.host_url }));
  fact(facts, "Created", new Date(d.created_at).toLocaleString());
  const limits = document.getElementById("limits");
  limits.replaceChildren();
  fact(limits, "Requests per minute", d.limits.requests_per_minute.toLocaleString("en-US"));
  fact(limits, "Tokens per minute", d.limits.tokens_per_minute.toLocaleString("en-US"));
  fact(limits, "Content safety", el("a", {
    id: "content-safety-link", href: deploymentHref(name, d.region, "/content-safety"),
    text: safetySummary(d.content_safety) }));
  const engineFacts = document.getElementById("engine-facts");
  engineFacts.replaceChildren();
  fact(engineFacts, "Engine", d.engine);
  if (d.engine_status?.context) fact(engineFacts, "Context", `${d.engine_status.context.toLocaleString("en-US")} tokens per request`);
  const options = Object.entries(d.engine_options ?? {}).map(([option, value]) => `${option} ${value}`);
  fact(engineFacts, "Deployed with", options.length ? options.join(", ") : "the defaults");
  if (d.engine_status?.restarts) fact(engineFacts, "Engine restarts", String(d.engine_status.restarts));
  renderReplicas(d);
  deployed = d;
  setStatus(status, "");
  return d;
}

// Serverless deployments only: a managed one's engine follows its instance type.
async function showOptionsForm(d) {
  if (d.endpoint) return;
  engine = (await get("/management/engines")).data.find((e) => e.name === d.engine) ?? null;
  if (!engine) return;
  renderOptionFields(document.getElementById("engine-option-fields"), engine, "engine-option", d.engine_options ?? {});
  document.getElementById("engine-options-form").hidden = false;
}

async function followRestart(out) {
  for (let i = 0; i < 600; i++) {
    const d = await render();
    if (d.readiness === "ready") { setStatus(out, `${name} is ready again.`, "ok"); return; }
    if (d.readiness === "failed") { setStatus(out, `Restart failed: ${d.readiness_reason ?? "no reason given"}`, "error"); return; }
    setStatus(out, `Restarting: ${d.progress || d.readiness}…`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

for (const row of document.querySelectorAll(".key-row")) {
  const slot = row.dataset.slot;
  const input = row.querySelector("input");
  const reveal = row.querySelector(".reveal");
  reveal.addEventListener("click", async () => {
    if (input.type === "text") {
      input.type = "password";
      input.value = "";
      reveal.textContent = "Reveal";
      reveal.setAttribute("aria-pressed", "false");
      return;
    }
    try {
      input.value = (await loadKeys())[slot];
      input.type = "text";
      reveal.textContent = "Hide";
      reveal.setAttribute("aria-pressed", "true");
    } catch (err) { setStatus(keysStatus, `Cannot read the keys: ${err.message}`, "error"); }
  });
  row.querySelector(".copy").addEventListener("click", async () => {
    try {
      const ok = await copyText((await loadKeys())[slot]);
      setStatus(keysStatus, ok ? `${slot} key copied to the clipboard.` : "Copy failed.", ok ? "ok" : "error");
    } catch (err) { setStatus(keysStatus, `Cannot read the keys: ${err.message}`, "error"); }
  });
  row.querySelector(".regenerate").addEventListener("click", async () => {
    const other = slot === "primary" ? "secondary" : "primary";
    if (!(await confirmAction(`Regenerate the ${slot} key of ${name}? Clients using it stop working at once; the ${other} key keeps working.`, `Regenerate ${slot} key`))) return;
    try {
      keys = await api("POST", `${path}/keys/regenerate${query}`, { key: slot });
      hideAll();
      setStatus(keysStatus, `The ${slot} key was regenerated. Reveal it to see the new value.`, "ok");
    } catch (err) { setStatus(keysStatus, `Regenerate failed: ${err.message}`, "error"); }
  });
}

document.getElementById("restart").addEventListener("click", async () => {
  const out = document.getElementById("restart-status");
  if (!(await confirmAction(`Restart the engine of ${name}? Requests get "retry later" answers until it is ready again.`, "Restart engine"))) return;
  try {
    await api("POST", `${path}/restart${query}`);
    await followRestart(out);
  } catch (err) { setStatus(out, `Restart failed: ${err.message}`, "error"); }
});

document.getElementById("engine-options-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = document.getElementById("engine-options-status");
  const fields = document.getElementById("engine-option-fields");
  const changes = changedOptions(fields, deployed.engine_options ?? {}, engine.secret_options);
  if (!Object.keys(changes).length) { setStatus(out, "Nothing changed.", "error"); return; }
  const list = Object.entries(changes).map(([option, value]) => `${option} ${value ?? "(default)"}`).join(", ");
  if (!(await confirmAction(`Restart the engine of ${name} with ${list}? Requests get "retry later" answers until it is ready again.`, "Apply and restart"))) return;
  try {
    await api("PATCH", `${path}/engine-options${query}`, { engine_options: changes });
    await followRestart(out);
    renderOptionFields(fields, engine, "engine-option", deployed.engine_options ?? {});
  } catch (err) { setStatus(out, `Not changed: ${err.message}`, "error"); }
});

document.getElementById("delete").addEventListener("click", async () => {
  const out = document.getElementById("delete-status");
  if (!(await confirmAction(`Delete ${name}? Its Target URL stops answering and both keys stop working.`, "Delete"))) return;
  try {
    await api("DELETE", `${path}${query}`);
    setStatus(out, `${name} is being deleted.`, "ok");
    setTimeout(() => window.location.assign("/portal/deployments"), 800);
  } catch (err) { setStatus(out, `Delete failed: ${err.message}`, "error"); }
});

try {
  await showOptionsForm(await render());
} catch (err) {
  setStatus(status, `Cannot load ${name}: ${err.message}`, "error");
}
