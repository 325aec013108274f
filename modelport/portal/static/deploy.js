import { ApiError, api, deploymentHref, el, get, setStatus } from "./api.js";
import { chosenOptions, renderOptionFields } from "./engine_options.js";

const form = document.getElementById("deploy");
const offerId = form.dataset.offer;
const namePattern = new RegExp(form.dataset.namePattern);
const projectSelect = document.getElementById("project");
const subStatus = document.getElementById("subscription-status");
const termsStep = document.getElementById("terms-step");
const terms = document.getElementById("terms");
const accept = document.getElementById("accept-terms");
const nameInput = document.getElementById("deployment-name");
const nameStatus = document.getElementById("name-status");
const preview = document.getElementById("target-preview");
const button = document.getElementById("deploy-button");
const nameLegend = document.getElementById("name-legend");
const progressSection = document.getElementById("progress-section");
const progress = document.getElementById("progress");
const engineSelect = document.getElementById("engine");
const engineOptions = document.getElementById("engine-options");

const endpointChoice = document.getElementById("endpoint-choice");
const managed = () => document.getElementById("kind-managed").checked;

async function loadManaged(offer) {
  const kinds = (await get("/management/compute/instance-types")).data;
  const select = document.getElementById("instance-type");
  for (const t of kinds) select.append(el("option", { value: t.name, text: `${t.name}: ${t.cpus} CPUs, ${t.memory_gb} GB${t.gpus ? `, ${t.gpus} ${t.gpu_type ?? "GPU"}` : ""}, ${t.price_per_hour} ${t.currency}/hour` }));
  for (const e of (await get("/management/endpoints")).data) endpointChoice.append(el("option", { value: e.name, text: e.name }));
  const show = () => { document.getElementById("managed-options").hidden = !managed(); };
  for (const radio of document.querySelectorAll('input[name="kind"]')) radio.addEventListener("change", show);
  if (!offer.pricing) {  // no serverless API: managed compute only
    document.getElementById("kind-serverless").disabled = true;
    document.getElementById("kind-managed").checked = true;
  }
  show();
}

let engines = {}; // name -> {label, attaches, options (JSON schema), secret_options}

let projects = [];
let regions = {};
let subscribed = false;
let nameOk = false;
let busy = false;
let checkSeq = 0;

const project = () => projects.find((p) => p.name === projectSelect.value);

function update() {
  termsStep.hidden = subscribed;
  nameLegend.textContent = `${subscribed ? 2 : 3}. Deployment name`;
  button.textContent = subscribed ? "Continue to deploy" : "Subscribe and deploy";
  button.disabled = busy || !project() || !nameOk || (!subscribed && !accept.checked);
}

async function checkSubscription() {
  const p = project();
  if (!p) return;
  setStatus(subStatus, "Checking the subscription…");
  try {
    await get(`/management/projects/${encodeURIComponent(p.name)}/subscriptions/${encodeURIComponent(offerId)}`);
    subscribed = true;
    setStatus(subStatus, `Project ${p.name} (region ${p.region}) is subscribed to this offer.`, "ok");
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    subscribed = false;
    setStatus(subStatus, `Project ${p.name} (region ${p.region}) is not subscribed to this offer yet.`);
  }
  update();
  checkName();
}

function targetUrl(name) {
  const base = regions[project()?.region]?.base_url ?? window.location.origin;
  return `${base.replace(/\/$/, "")}/deployments/${name}`;
}

async function checkName() {
  const seq = ++checkSeq;
  const name = nameInput.value.trim();
  nameOk = false;
  update();
  preview.textContent = name ? targetUrl(name) : "–";
  if (!name) { setStatus(nameStatus, ""); nameInput.removeAttribute("aria-invalid"); return; }
  if (!namePattern.test(name)) {
    nameInput.setAttribute("aria-invalid", "true");
    setStatus(nameStatus, "Not a valid name: use 3–32 lower-case letters, digits and hyphens, starting and ending with a letter or digit.", "error");
    return;
  }
  const p = project();
  try {
    await get(`/management/deployments/${encodeURIComponent(name)}?region=${encodeURIComponent(p?.region ?? "")}`);
    if (seq !== checkSeq) return;
    nameInput.setAttribute("aria-invalid", "true");
    setStatus(nameStatus, `The name ${name} is already in use in region ${p?.region}.`, "error");
  } catch (err) {
    if (seq !== checkSeq) return;
    if (err instanceof ApiError && err.status === 404) {
      nameOk = true;
      nameInput.removeAttribute("aria-invalid");
      setStatus(nameStatus, `${name} is available.`, "ok");
    } else {
      setStatus(nameStatus, `Cannot check the name: ${err.message}`, "error");
    }
  }
  update();
}

function renderOptions() {
  renderOptionFields(engineOptions, engines[engineSelect.value || engineSelect.dataset.default], "option");
}

async function loadEngines(offer) {
  for (const e of (await get("/management/engines")).data) engines[e.name] = e;
  const availability = offer.availability ?? { engines: [], engine: null };
  engineSelect.dataset.default = availability.engine ?? "";
  engineSelect.append(el("option", { value: "", text: availability.engine ? `Default (${engines[availability.engine]?.label ?? availability.engine})` : "Default" }));
  for (const check of availability.engines ?? []) {
    const label = engines[check.engine]?.label ?? check.engine;
    engineSelect.append(el("option", { value: check.engine, disabled: !check.available,
      text: check.available ? label : `${label}: not available here` }));
  }
  for (const e of Object.values(engines).filter((e) => e.attaches)) {
    engineSelect.append(el("option", { value: e.name, text: `${e.label} (attach a server you run)` }));
  }
  engineSelect.addEventListener("change", renderOptions);
  renderOptions();
}

function step(text, kind = "") {
  progress.append(el("li", { class: kind, text }));
}

async function follow(name, region) {
  let last = "";
  for (;;) {
    const d = await get(`/management/deployments/${encodeURIComponent(name)}?region=${encodeURIComponent(region)}`);
    const now = `${d.state}${d.progress ? `: ${d.progress}` : ""} (engine ${d.readiness})`;
    if (now !== last) { step(now); last = now; }
    if (d.state === "failed") {
      step(`Deployment failed: ${d.failure_reason ?? "no reason given"}`, "error");
      return;
    }
    if (d.state === "succeeded" && d.readiness === "ready") {
      const link = el("a", { href: deploymentHref(name, region), text: `Open ${name}` });
      progress.append(el("li", { class: "ok" }, "Ready. ", link));
      link.focus();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function deploy(event) {
  event.preventDefault();
  const p = project();
  const name = nameInput.value.trim();
  if (button.disabled || !p) return;
  busy = true;
  update();
  progressSection.hidden = false;
  progress.replaceChildren();
  step(subscribed ? `Deploying ${name}…` : `Subscribing ${p.name} to ${offerId} and deploying ${name}…`);
  try {
    const body = { name, offer: offerId, subscribe: !subscribed };
    if (engineSelect.value) body.engine = engineSelect.value;
    const options = chosenOptions(engineOptions);
    if (Object.keys(options).length) body.engine_options = options;
    if (managed()) {
      let endpoint = endpointChoice.value;
      if (!endpoint) {
        endpoint = document.getElementById("endpoint-name").value.trim();
        step(`Creating endpoint ${endpoint}…`);
        await api("POST", `/management/projects/${encodeURIComponent(p.name)}/endpoints`, { name: endpoint, shared_quota: document.getElementById("shared-quota").checked });
      }
      Object.assign(body, {
        instance_type: document.getElementById("instance-type").value,
        instances: Number(document.getElementById("instance-count").value),
        content_safety: document.getElementById("content-safety").checked,
      });
      await api("POST", `/management/endpoints/${encodeURIComponent(endpoint)}/deployments`, body);
      await follow(name, p.region);
      step("Open the endpoint:");
      progress.lastChild.append(" ", el("a", { href: `/portal/endpoints/${encodeURIComponent(endpoint)}`, text: endpoint }));
      return;
    }
    await api("POST", `/management/projects/${encodeURIComponent(p.name)}/deployments`, body);
    await follow(name, p.region);
  } catch (err) {
    const why = err instanceof ApiError && [404, 405].includes(err.status) && err.code !== "deployment_not_found"
      ? `this server's management API cannot create deployments (${err.status})` : err.message;
    step(`Deployment not created: ${why}`, "error");
  } finally {
    busy = false;
    update();
  }
}

try {
  const offer = await get(`/management/catalog/${encodeURIComponent(offerId)}`);
  document.getElementById("offer-name").textContent = offer.display_name;
  terms.replaceChildren(el("p", { text: offer.terms }));
  try { await loadEngines(offer); } catch { document.getElementById("engine-step").hidden = true; }
  try { await loadManaged(offer); } catch { document.getElementById("kind-step").hidden = true; }
  try {
    for (const r of (await get("/management/regions")).data) regions[r.name] = r;
  } catch { regions = {}; }
  projects = (await get("/management/projects")).data;
  for (const p of projects) projectSelect.append(el("option", { value: p.name, text: `${p.name} (${p.region})` }));
  projectSelect.addEventListener("change", checkSubscription);
  accept.addEventListener("change", update);
  let timer;
  nameInput.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(checkName, 250); });
  form.addEventListener("submit", deploy);
  await checkSubscription();
} catch (err) {
  setStatus(subStatus, `Cannot start the wizard: ${err.message}`, "error");
}
