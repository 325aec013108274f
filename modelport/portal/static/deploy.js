import { ApiError, api, el, get, setStatus } from "./api.js";

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

function step(text, kind = "") {
  progress.append(el("li", { class: kind, text }));
}

async function follow(name, region) {
  let last = "";
  for (;;) {
    const d = await get(`/management/deployments/${encodeURIComponent(name)}?region=${encodeURIComponent(region)}`);
    const now = `${d.state}${d.progress ? `: ${d.progress}` : ""}${d.engine_state ? ` (engine ${d.engine_state})` : ""}`;
    if (now !== last) { step(now); last = now; }
    if (d.state === "failed") {
      step(`Deployment failed: ${d.failure_reason ?? "no reason given"}`, "error");
      return;
    }
    if (d.state === "succeeded" && (d.engine_state === null || d.engine_state === "ready")) {
      const link = el("a", { href: `/portal/deployments/${encodeURIComponent(name)}`, text: `Open ${name}` });
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
    await api("POST", `/management/projects/${encodeURIComponent(p.name)}/deployments`,
      { name, offer: offerId, subscribe: !subscribed });
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
