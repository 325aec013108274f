import { api, el, get, setStatus } from "./api.js";

const PATH = "/management/content-safety/blocklists";
const table = document.getElementById("blocklists");
const status = document.getElementById("list-status");
const form = document.getElementById("editor");
const title = document.getElementById("editor-title");
const out = document.getElementById("editor-status");
const field = (id) => document.getElementById(id);
const dialog = document.getElementById("confirm");

const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);
const scopeValue = (b) => (b.deployment ? `${b.deployment}@${b.region ?? ""}` : "");

function confirmAction(text) {
  field("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

function edit(b) {
  title.textContent = `Edit ${b.name}`;
  field("bl-name").value = b.name;
  field("bl-scope").value = scopeValue(b);
  field("bl-description").value = b.description;
  field("bl-terms").value = b.items.filter((i) => i.kind === "exact").map((i) => i.text).join("\n");
  field("bl-patterns").value = b.items.filter((i) => i.kind === "pattern").map((i) => i.text).join("\n");
  setStatus(out, "");
  field("bl-name").focus();
}

function reset() {
  form.reset();
  title.textContent = "New blocklist";
  field("bl-name").removeAttribute("aria-invalid");
}

async function render() {
  const items = (await get(PATH)).data;
  table.tBodies[0].replaceChildren(...items.map((b) => el("tr", { "data-name": b.name },
    el("th", { scope: "row", text: b.name }),
    el("td", { text: b.deployment ? `${b.deployment} (${b.region})` : "All deployments" }),
    el("td", { text: b.items.filter((i) => i.kind === "exact").map((i) => i.text).join(", ") || "–" }),
    el("td", {}, ...(b.items.some((i) => i.kind === "pattern")
      ? b.items.filter((i) => i.kind === "pattern").map((i) => el("code", { text: i.text }, " "))
      : ["–"])),
    el("td", { text: b.description || "" }),
    el("td", {}, el("div", { class: "row" },
      el("button", { type: "button", class: "secondary small", "aria-label": `Edit ${b.name}`, text: "Edit", onclick: () => edit(b) }),
      el("button", {
        type: "button", class: "danger small", "aria-label": `Delete ${b.name}`, text: "Delete",
        onclick: async () => {
          if (!(await confirmAction(`Delete the blocklist ${b.name}? Its terms stop being blocked at once.`))) return;
          try {
            await api("DELETE", `${PATH}/${encodeURIComponent(b.name)}`);
            setStatus(status, `${b.name} deleted.`, "ok");
            await render();
          } catch (err) { setStatus(status, `Delete failed: ${err.message}`, "error"); }
        },
      }),
    )),
  )));
  table.hidden = items.length === 0;
  if (!status.classList.contains("ok")) {
    setStatus(status, items.length ? `${items.length} blocklist${items.length === 1 ? "" : "s"}` : "No custom blocklists yet.");
  }
}

async function loadScopes() {
  const select = field("bl-scope");
  for (const d of (await get("/management/deployments")).data) {
    select.append(el("option", { value: `${d.name}@${d.region}`, text: `${d.name} (${d.region})` }));
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = field("bl-name").value.trim();
  if (!field("bl-name").checkValidity() || !name) {
    field("bl-name").setAttribute("aria-invalid", "true");
    setStatus(out, "Give the list a name: letters, digits, dots, underscores and hyphens, starting with a letter or digit.", "error");
    return;
  }
  field("bl-name").removeAttribute("aria-invalid");
  const items = [
    ...lines(field("bl-terms").value).map((text) => ({ text, kind: "exact" })),
    ...lines(field("bl-patterns").value).map((text) => ({ text, kind: "pattern" })),
  ];
  if (!items.length) {
    setStatus(out, "Add at least one term or pattern.", "error");
    return;
  }
  const [deployment, region] = field("bl-scope").value.split("@");
  const body = { description: field("bl-description").value.trim(), items };
  if (deployment) Object.assign(body, { deployment, region: region || undefined });
  try {
    await api("PUT", `${PATH}/${encodeURIComponent(name)}`, body);
    setStatus(out, `${name} saved: ${items.length} entr${items.length === 1 ? "y" : "ies"}, applied at once.`, "ok");
    status.className = "";
    reset();
    await render();
  } catch (err) {
    setStatus(out, `Not saved: ${err.message}`, "error");
  }
});
field("bl-reset").addEventListener("click", () => { reset(); setStatus(out, ""); });

try {
  await Promise.all([render(), loadScopes()]);
} catch (err) {
  setStatus(status, `Cannot load blocklists: ${err.message}`, "error");
}
