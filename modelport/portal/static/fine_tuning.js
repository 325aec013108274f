import { el, get, setStatus } from "./api.js";

const select = document.getElementById("project");
const table = document.getElementById("jobs");
const status = document.getElementById("jobs-status");
const base = (project) => `/projects/${encodeURIComponent(project)}/v1`;

async function load() {
  const project = select.value;
  try {
    const jobs = (await get(`${base(project)}/fine_tuning/jobs?limit=100`)).data;
    table.tBodies[0].replaceChildren(...jobs.map((j) => el("tr", { "data-job": j.id },
      el("th", { scope: "row" }, el("a", {
        href: `/portal/fine-tuning/${encodeURIComponent(project)}/${encodeURIComponent(j.id)}`, text: j.id })),
      el("td", { text: j.model }),
      el("td", {}, el("span", { class: `state state-${j.status}`, text: j.status })),
      el("td", { text: j.progress.total_steps ? `${j.progress.step}/${j.progress.total_steps} steps` : "–" }),
      el("td", { text: String(j.progress.trained_tokens) }),
      el("td", {}, j.fine_tuned_model ? el("code", { text: j.fine_tuned_model }) : ""),
    )));
    table.hidden = jobs.length === 0;
    setStatus(status, jobs.length ? `${jobs.length} job${jobs.length === 1 ? "" : "s"} in ${project}`
      : `No fine-tuning job in ${project} yet.`);
  } catch (err) {
    setStatus(status, `Cannot load the jobs: ${err.message}`, "error");
  }
}

try {
  const projects = (await get("/management/projects")).data;
  const wanted = new URLSearchParams(window.location.search).get("project");
  select.replaceChildren(...projects.map((p) => el("option", { value: p.name, text: p.name, selected: p.name === wanted })));
  select.addEventListener("change", load);
  await load();
} catch (err) {
  setStatus(status, `Cannot load the projects: ${err.message}`, "error");
}
