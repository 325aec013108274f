import { api, el, get, regionQuery, safetyCategories, safetySummary, setStatus } from "./api.js";

const root = document.getElementById("safety");
const name = root.dataset.name;
const query = regionQuery(); // this deployment among those of its name
const path = `/management/deployments/${encodeURIComponent(name)}/content-safety`;
const status = document.getElementById("safety-status");
const out = document.getElementById("policy-status");
const form = document.getElementById("policy-form");
const field = (id) => document.getElementById(id);
const MODES = { hold_back: "Hold back", asynchronous: "Asynchronous" };
let policy = null; // as the API last returned it

function fact(dl, term, value) {
  dl.append(el("dt", { text: term }), el("dd", {}, value));
}

const blocked = (on) => (on ? "blocked" : "annotated only");
const thresholdText = (level) => (level === "off" ? "nothing (annotated only)" : `${level} severity and above`);

function renderFacts(p) {
  const facts = field("policy-facts");
  facts.replaceChildren();
  fact(facts, "Filtering", el("span", { id: "cs-summary", text: safetySummary(p) }));
  fact(facts, "Classifiers", el("span", { id: "cs-classifiers" },
    ...p.classifiers.flatMap((c, i) => [i ? ", " : null, el("code", { text: c })])));
  fact(facts, "Prompt attacks (jailbreak)", blocked(p.block_jailbreak));
  fact(facts, "Profanity", blocked(p.block_profanity));
  fact(facts, "Streaming mode", el("span", { id: "cs-mode", text: p.streaming_mode === "asynchronous"
    ? `Asynchronous: released as generated, checked in windows of ${p.window_chars} characters behind it`
    : `Hold back: released once checked, a first window of ${p.first_window_chars} characters, then ${p.window_chars}` }));
  fact(facts, "Region", p.region);
  const table = field("thresholds");
  table.tBodies[0].replaceChildren(...safetyCategories.map(([key, label]) => el("tr", { "data-category": key },
    el("th", { scope: "row", text: label }),
    el("td", { text: thresholdText(p.thresholds[key] ?? "medium") }))));
  table.hidden = false;
  field("mandatory-help").hidden = !p.mandatory;
}

function fillForm(p) {
  field("cs-enabled").checked = p.enabled;
  field("cs-jailbreak").checked = p.block_jailbreak;
  field("cs-profanity").checked = p.block_profanity;
  for (const [key] of safetyCategories) {
    const level = p.thresholds[key] ?? "medium";
    for (const radio of form.elements[`threshold-${key}`]) radio.checked = radio.value === level;
  }
  for (const radio of form.elements["streaming-mode"]) radio.checked = radio.value === p.streaming_mode;
  field("cs-window").value = String(p.window_chars);
  field("cs-first-window").value = String(p.first_window_chars);
  for (const id of ["cs-window", "cs-first-window"]) field(id).removeAttribute("aria-invalid");
}

async function load(refill = true) {
  const p = await get(`${path}${query}`);
  policy = p;
  renderFacts(p);
  if (refill) fillForm(p);
  return p;
}

// The form's values that differ from the policy, as a PATCH body (thresholds: only those changed).
function changes() {
  const body = {};
  const flags = { enabled: "cs-enabled", block_jailbreak: "cs-jailbreak", block_profanity: "cs-profanity" };
  for (const [key, id] of Object.entries(flags)) {
    if (field(id).checked !== policy[key]) body[key] = field(id).checked;
  }
  const thresholds = {};
  for (const [key] of safetyCategories) {
    const level = form.elements[`threshold-${key}`].value;
    if (level && level !== (policy.thresholds[key] ?? "medium")) thresholds[key] = level;
  }
  if (Object.keys(thresholds).length) body.thresholds = thresholds;
  const mode = form.elements["streaming-mode"].value;
  if (mode && mode !== policy.streaming_mode) body.streaming_mode = mode;
  for (const [key, id] of [["window_chars", "cs-window"], ["first_window_chars", "cs-first-window"]]) {
    const text = field(id).value.trim();
    const value = Number(text);
    if (text === "" || !Number.isInteger(value)) {
      field(id).setAttribute("aria-invalid", "true");
      throw new Error(`${field(id).labels[0].textContent} must be a whole number of characters.`);
    }
    field(id).removeAttribute("aria-invalid");
    if (value !== policy[key]) body[key] = value;
  }
  return body;
}

function describe(body) {
  const said = [];
  if ("enabled" in body) said.push(`filtering ${body.enabled ? "on" : "off"}`);
  for (const [key, label] of safetyCategories) {
    if (body.thresholds?.[key]) said.push(`${label.toLowerCase()} ${body.thresholds[key]}`);
  }
  if ("block_jailbreak" in body) said.push(`prompt attacks ${blocked(body.block_jailbreak)}`);
  if ("block_profanity" in body) said.push(`profanity ${blocked(body.block_profanity)}`);
  if ("streaming_mode" in body) said.push(`streaming ${MODES[body.streaming_mode].toLowerCase()}`);
  if ("window_chars" in body) said.push(`window ${body.window_chars} characters`);
  if ("first_window_chars" in body) said.push(`first window ${body.first_window_chars} characters`);
  return said.join(", ");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!policy) return;
  let body;
  try {
    body = changes();
  } catch (err) {
    setStatus(out, `Not saved: ${err.message}`, "error");
    return;
  }
  if (!Object.keys(body).length) {
    setStatus(out, "Nothing to save: no setting was changed.");
    return;
  }
  field("cs-save").disabled = true;
  try {
    await api("PATCH", `${path}${query}`, body);
    await load();
    setStatus(out, `Saved: ${describe(body)}. It applies to the next request.`, "ok");
  } catch (err) {
    setStatus(out, `Not saved: ${err.message}`, "error");
    try { await load(false); } catch { /* the refusal is what matters here */ }
  } finally {
    field("cs-save").disabled = false;
  }
});

field("cs-reset").addEventListener("click", () => {
  if (policy) fillForm(policy);
  setStatus(out, "Changes discarded.");
});

async function loadBlocklists(p) {
  const out = field("blocklists-status");
  const table = field("applied-blocklists");
  try {
    const lists = (await get("/management/content-safety/blocklists")).data
      .filter((b) => !b.deployment || (b.deployment === p.deployment && b.region === p.region));
    table.tBodies[0].replaceChildren(...lists.map((b) => el("tr", { "data-name": b.name },
      el("th", { scope: "row", text: b.name }),
      el("td", { text: b.deployment ? `this deployment (${b.region})` : "All deployments" }),
      el("td", { text: String(b.items.length) }),
      el("td", { text: b.description || "" }))));
    table.hidden = lists.length === 0;
    setStatus(out, lists.length
      ? `${lists.length === 1 ? "1 blocklist applies" : `${lists.length} blocklists apply`} to ${name}.`
      : `No custom blocklist applies to ${name}.`);
  } catch (err) {
    setStatus(out, `Cannot read the blocklists: ${err.message}`, "error");
  }
}

try {
  const p = await load();
  setStatus(status, "");
  await loadBlocklists(p);
} catch (err) {
  setStatus(status, `Cannot load the content-safety policy of ${name}: ${err.message}`, "error");
}
