// The audit log, newest first: filters re-query /management/audit; "Load more" asks for a longer
// page (the API returns at most 1000 events per query). The filters live in the page's URL too,
// so a filtered view can be linked to (the People page links each principal's events).
import { el, get, setStatus } from "./api.js";

const FILTERS = ["principal", "action", "project", "outcome"];
const MAX = 1000;
const form = document.getElementById("audit-filters");
const table = document.getElementById("audit");
const status = document.getElementById("audit-status");
const more = document.getElementById("load-more");
const field = (name) => document.getElementById(`f-${name}`);
let limit = 0;

const pageSize = () => Number(field("limit").value);

function wanted() {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = field(name).value.trim();
    if (value) query.set(name, value);
  }
  return query;
}

function when(iso) {
  const at = new Date(iso);
  return el("time", { datetime: at.toISOString(), text: `${at.toISOString().slice(0, 19).replace("T", " ")} UTC` });
}

function row(e) {
  return el("tr", { "data-action": e.action },
    el("td", {}, when(e.at)),
    el("td", { text: e.principal + (e.auth_method ? ` (${e.auth_method})` : "") }),
    el("td", {}, el("code", { text: e.action })),
    el("td", {}, el("code", { text: `${e.method} ${e.path}` })),
    el("td", { text: e.project || "–" }),
    el("td", { text: String(e.status) }),
    el("td", { class: `state state-${e.outcome}`, text: e.outcome }),
  );
}

async function load() {
  const query = wanted();
  const shown = query.toString();
  history.replaceState(null, "", shown ? `?${shown}` : window.location.pathname);
  query.set("limit", String(limit));
  setStatus(status, "Loading…");
  let events;
  try {
    events = (await get(`/management/audit?${query}`)).data;
  } catch (err) {
    table.hidden = true;
    more.hidden = true;
    if (err.status === 403) {
      form.hidden = true;
      setStatus(status, "You need the audit/read permission (at platform scope) to read the audit log; ask an Owner for a role that has it.", "error");
    } else {
      setStatus(status, `Cannot load the audit log: ${err.message}`, "error");
    }
    return;
  }
  table.tBodies[0].replaceChildren(...events.map(row));
  table.hidden = events.length === 0;
  const full = events.length === limit && limit < MAX;
  more.hidden = !full;
  const filtered = shown ? " matching the filters" : "";
  setStatus(status, events.length
    ? `${events.length} event${events.length === 1 ? "" : "s"}${filtered}, newest first${full ? "; older ones with Load more" : ""}.`
    : `No events${filtered}.`);
}

async function loadActions() {
  // The actions are the permissions routes need, and the portal's sign-in and sign-out.
  const actions = new Set(["portal/sign-in", "portal/sign-out"]);
  try {
    for (const role of (await get("/management/roles")).data) role.permissions.forEach((p) => actions.add(p));
  } catch { /* the list only helps typing */ }
  document.getElementById("f-action-list").replaceChildren(...[...actions].sort().map((a) => el("option", { value: a })));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  limit = pageSize();
  await load();
});
document.getElementById("f-clear").addEventListener("click", async () => {
  for (const name of FILTERS) field(name).value = "";
  limit = pageSize();
  await load();
});
more.addEventListener("click", async () => {
  limit = Math.min(MAX, limit + pageSize());
  await load();
  if (!more.hidden) more.focus();
});

const initial = new URLSearchParams(window.location.search);
for (const name of FILTERS) if (initial.get(name)) field(name).value = initial.get(name);
limit = pageSize();
await Promise.all([load(), loadActions()]);
