// People and roles: principals, their role assignments, adding a user, assigning and removing
// roles, disabling and enabling a principal. Everything through the management API.
import { api, el, get, setStatus } from "./api.js";

const table = document.getElementById("principals");
const status = document.getElementById("people-status");
const field = (id) => document.getElementById(id);
const dialog = document.getElementById("confirm");

// What each refusal means, in the words a person acts on.
const NEEDS = {
  list: ["principals/read", "see the principals"],
  add: ["principals/write", "add users"],
  change: ["principals/write", "disable or enable principals"],
  assign: ["roles/assign", "assign or remove roles here"],
};

function explain(err, need, failed) {
  if (err.status === 403 && need) {
    const [permission, what] = need;
    return `You need the ${permission} permission to ${what}; ask an Owner for a role that has it. (${err.message})`;
  }
  return `${failed}: ${err.message}`;
}

let known = new Set(); // the assignment ids on show: a POST answering one of them changed nothing
const scopeText = (a) => (a.project ? a.project : "platform");

function confirmAction(text, label) {
  field("confirm-text").textContent = text;
  field("confirm-ok").textContent = label;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.showModal();
  });
}

function signsInWith(p) {
  if (p.bootstrap) return "Admin token";
  if (p.kind === "service") return "API tokens";
  const ways = [];
  if (p.oidc_subject) ways.push("Single sign-on (linked)");
  if (p.has_password) ways.push("Local password");
  if (!ways.length && p.email) ways.push("Single sign-on (linked at first sign-in by e-mail)");
  return ways.join(", ") || "Not yet (no password, no sign-on link)";
}

function assignmentItem(a, p) {
  const label = `${a.role} @ ${scopeText(a)}`;
  // The server refuses to take the bootstrap owner's Owner role away: no button for it.
  const kept = p.bootstrap && a.role === "Owner" && !a.project;
  return el("li", { "data-assignment": a.id },
    el("span", { text: label }), " ",
    kept ? el("span", { class: "muted", text: "(kept)" }) : el("button", {
      type: "button", class: "danger small", text: "Remove",
      "aria-label": `Remove ${a.role} on ${scopeText(a)} from ${a.principal}`,
      onclick: async () => {
        const where = a.project ? `the project ${a.project}` : "the platform";
        if (!(await confirmAction(`Remove the role ${a.role} on ${where} from ${a.principal}? Their portal sessions end at once.`, "Remove"))) return;
        try {
          await api("DELETE", `/management/role-assignments/${encodeURIComponent(a.id)}`);
          setStatus(status, `${a.role} on ${scopeText(a)} removed from ${a.principal}.`, "ok");
          await render();
        } catch (err) { setStatus(status, explain(err, NEEDS.assign, "Not removed"), "error"); }
      },
    }),
  );
}

function toggleButton(p) {
  if (p.bootstrap) return el("span", { class: "muted", text: "Bootstrap owner" });
  const next = !p.disabled;
  const verb = next ? "Disable" : "Enable";
  return el("button", {
    type: "button", class: next ? "danger small" : "secondary small", text: verb,
    "aria-label": `${verb} ${p.name}`,
    onclick: async () => {
      if (next && !(await confirmAction(`Disable ${p.name}? Their portal sessions end and their tokens stop working until they are enabled again.`, "Disable"))) return;
      try {
        await api("PATCH", `/management/principals/${encodeURIComponent(p.name)}`, { disabled: next });
        setStatus(status, `${p.name} ${next ? "disabled" : "enabled"}.`, "ok");
        await render();
      } catch (err) { setStatus(status, explain(err, NEEDS.change, `Not ${next ? "disabled" : "enabled"}`), "error"); }
    },
  });
}

function row(p, assignments) {
  return el("tr", { "data-principal": p.name },
    el("th", { scope: "row", text: p.name }),
    el("td", { text: p.kind === "service" ? "Service principal" : "User" }),
    el("td", { text: p.email || "–" }),
    el("td", { text: signsInWith(p) }),
    el("td", { class: p.disabled ? "warning" : "", text: p.disabled ? "Disabled" : "Active" }),
    el("td", {}, assignments.length
      ? el("ul", { class: "assignments" }, assignments.map((a) => assignmentItem(a, p)))
      : el("span", { class: "muted", text: "No roles" })),
    el("td", {}, el("div", { class: "row" }, toggleButton(p),
      el("a", { href: `/portal/access/audit?principal=${encodeURIComponent(p.name)}`, "aria-label": `Audit log of ${p.name}`, text: "Audit log" }))),
  );
}

function fillPrincipals(principals) {
  const select = field("assign-principal");
  const keep = select.value;
  select.replaceChildren(...principals.map((p) => el("option", { value: p.name, text: p.name })));
  if (principals.some((p) => p.name === keep)) select.value = keep;
}

async function render() {
  const assignments = (await get("/management/role-assignments")).data;
  known = new Set(assignments.map((a) => a.id));
  let principals;
  try {
    principals = (await get("/management/principals")).data;
  } catch (err) {
    if (err.status !== 403) throw err;
    // A project's owner may assign roles there without seeing every principal: offer the
    // principals its visible assignments name.
    table.hidden = true;
    field("add-user-section").hidden = true;
    fillPrincipals([...new Set(assignments.map((a) => a.principal))].map((name) => ({ name })));
    setStatus(status, explain(err, NEEDS.list, "Cannot load the principals"), "error");
    return;
  }
  const held = (name) => assignments.filter((a) => a.principal === name);
  table.tBodies[0].replaceChildren(...principals.map((p) => row(p, held(p.name))));
  table.hidden = principals.length === 0;
  fillPrincipals(principals);
  if (!status.classList.contains("ok")) {
    setStatus(status, `${principals.length} principal${principals.length === 1 ? "" : "s"}, ${assignments.length} role assignment${assignments.length === 1 ? "" : "s"}.`);
  }
}

async function loadChoices() {
  const roles = (await get("/management/roles")).data;
  const roleSelect = field("assign-role");
  roleSelect.replaceChildren(...roles.map((r) => el("option", { value: r.name, text: r.builtin ? r.name : `${r.name} (custom)` })));
  const describe = () => {
    const role = roles.find((r) => r.name === roleSelect.value);
    field("assign-role-help").textContent = role ? role.description || role.permissions.join(", ") : "";
  };
  roleSelect.addEventListener("change", describe);
  describe();
  const scope = field("assign-scope");
  for (const p of (await get("/management/projects")).data) {
    scope.append(el("option", { value: p.name, text: `Project ${p.name} (${p.region})` }));
  }
}

field("add-user").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = field("add-user-status");
  const name = field("user-name");
  if (!name.value.trim() || !name.checkValidity()) {
    name.setAttribute("aria-invalid", "true");
    setStatus(out, "Give the user a name: letters, digits, dots, underscores, hyphens and @, starting with a letter or digit.", "error");
    name.focus();
    return;
  }
  name.removeAttribute("aria-invalid");
  const body = { name: name.value.trim() };
  const email = field("user-email").value.trim();
  const password = field("user-password").value;
  if (email) body.email = email;
  if (password) body.password = password;
  try {
    await api("POST", "/management/principals", body);
    setStatus(out, `${body.name} added${password ? " with a local password" : ""}. Assign them a role below.`, "ok");
    field("add-user").reset();
    await render();
    field("assign-principal").value = body.name;
  } catch (err) {
    setStatus(out, explain(err, NEEDS.add, "Not added"), "error");
  } finally {
    field("user-password").value = "";
  }
});

field("assign").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = field("assign-status");
  const body = { principal: field("assign-principal").value, role: field("assign-role").value };
  if (!body.principal || !body.role) {
    setStatus(out, "Choose a principal and a role.", "error");
    return;
  }
  const project = field("assign-scope").value;
  if (project) body.project = project;
  const where = project ? `on ${project}` : "on the platform";
  try {
    const made = await api("POST", "/management/role-assignments", body);
    setStatus(out, !known.has(made.id)
      ? `${body.role} assigned to ${body.principal} ${where}.`
      : `${body.principal} already holds ${body.role} ${where}.`, "ok");
    status.className = "";
    await render();
  } catch (err) {
    setStatus(out, explain(err, NEEDS.assign, "Not assigned"), "error");
  }
});

try {
  await render();
} catch (err) {
  table.hidden = true;
  setStatus(status, explain(err, NEEDS.list, "Cannot load the principals"), "error");
}
try {
  await loadChoices();
} catch (err) {
  setStatus(field("assign-status"), explain(err, null, "Cannot load roles and projects"), "error");
}
