import { api, deploymentHref, el, get, setStatus } from "./api.js";
import { lineChart } from "./charts.js";

const root = document.getElementById("job");
const project = root.dataset.project;
const jobId = root.dataset.job;
const base = `/projects/${encodeURIComponent(project)}/v1/fine_tuning/jobs/${encodeURIComponent(jobId)}`;
const $ = (id) => document.getElementById(id);
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);
let timer = null;

function facts(job) {
  const hp = job.method.supervised.hyperparameters;
  const lora = job.method.supervised.lora;
  const rows = [
    ["Status", job.status], ["Base model", job.model],
    ["Fine-tuned model", job.fine_tuned_model ?? "(once the job succeeds)"],
    ["Training file", job.training_file], ["Validation file", job.validation_file ?? "none"],
    ["Epochs", hp.n_epochs], ["Batch size", hp.batch_size], ["Learning rate", hp.learning_rate],
    ["LoRA", `r=${lora.rank}, alpha=${lora.alpha}, ${lora.target_modules.join(", ")}`],
    ["Seed", job.seed],
    ["Trained tokens", `${job.progress.trained_tokens}${job.progress.total_tokens ? ` of ${job.progress.total_tokens}` : ""}`],
    ["Billed tokens", job.billed_tokens ?? "not yet"],
  ];
  if (job.error) rows.push(["Error", job.error.message]);
  $("job-facts").replaceChildren(...rows.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })]));
}

async function allEvents() {
  const events = [];
  let after = null;
  for (let i = 0; i < 50; i++) {
    const page = await get(`${base}/events?limit=100${after ? `&after=${encodeURIComponent(after)}` : ""}`);
    events.push(...page.data);
    if (!page.has_more || !page.data.length) break;
    after = page.data[page.data.length - 1].id;
  }
  return events.reverse();  // oldest first
}

function chart(events) {
  const byStep = new Map();  // a resumed job retrains some steps: keep the latest point per step
  for (const e of events) if (e.type === "metrics" && e.data) byStep.set(e.data.step, e.data);
  const points = [...byStep.values()].sort((a, b) => a.step - b.step);
  const series = [{ name: "training loss", cls: "s1", points: points.map((p) => [p.step, p.train_loss]) }];
  const valid = points.filter((p) => p.valid_loss !== undefined);
  if (valid.length) series.push({ name: "validation loss", cls: "s2", points: valid.map((p) => [p.step, p.valid_loss]) });
  lineChart($("loss-chart"), { title: "Training loss per step", xLabel: "step", series, empty: "No step trained yet." });
}

async function refresh() {
  let job, events, checkpoints;
  try {
    [job, events, checkpoints] = await Promise.all([get(base), allEvents(), get(`${base}/checkpoints?limit=100`)]);
  } catch (err) {
    setStatus($("job-status"), `Cannot load the job: ${err.message}`, "error");
    return;
  }
  const p = job.progress;
  setStatus($("job-status"), `${job.status}${p.total_steps ? `: step ${p.step} of ${p.total_steps}` : ""}`,
    job.status === "failed" ? "error" : job.status === "succeeded" ? "ok" : "");
  $("job-progress").max = p.total_steps || 1;
  $("job-progress").value = job.status === "succeeded" ? (p.total_steps || 1) : p.step;
  $("job-progress-label").textContent = p.total_steps ? `${p.step}/${p.total_steps} steps` : "waiting";
  facts(job);
  chart(events);
  $("events").tBodies[0].replaceChildren(...events.map((e) => el("tr", {},
    el("td", { text: new Date(e.created_at * 1000).toLocaleTimeString() }), el("td", { text: e.level }),
    el("td", { text: e.message }))));
  $("checkpoints").tBodies[0].replaceChildren(...checkpoints.data.map((c) => el("tr", {},
    el("td", { text: String(c.step_number) }), el("td", { text: c.metrics.train_loss ?? "–" }),
    el("td", {}, el("code", { text: c.fine_tuned_model_checkpoint })))));
  $("cancel-row").hidden = TERMINAL.has(job.status);
  $("deploy-form").hidden = job.status !== "succeeded";
  if (TERMINAL.has(job.status) && timer) { clearInterval(timer); timer = null; }
  return job;
}

$("cancel").addEventListener("click", async () => {
  $("cancel").disabled = true;
  setStatus($("actions-status"), "Cancelling…");
  try {
    const job = await api("POST", `${base}/cancel`);
    setStatus($("actions-status"), `The job is ${job.status}.`, "ok");
  } catch (err) {
    setStatus($("actions-status"), `Cannot cancel: ${err.message}`, "error");
  }
  $("cancel").disabled = false;
  refresh();
});

$("deploy-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const job = await get(base);
  const name = $("deploy-name").value.trim();
  try {
    const d = await api("POST", `/management/projects/${encodeURIComponent(project)}/deployments`, { name, offer: job.fine_tuned_model });
    window.location.assign(deploymentHref(name, d.region));
  } catch (err) {
    setStatus($("actions-status"), `Cannot deploy: ${err.message}`, "error");
  }
});

const first = await refresh();
if (first && !TERMINAL.has(first.status)) timer = setInterval(() => { if (!document.hidden) refresh(); }, 2000);
