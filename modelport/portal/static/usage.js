import { ApiError, el, get, setStatus } from "./api.js";
import { barChart, formatInt, formatMoney } from "./charts.js";

const status = document.getElementById("usage-status");
const form = document.getElementById("usage-filters");
const group = document.getElementById("group");
const $ = (id) => document.getElementById(id);
let lastSignature = "";

const COLUMNS = ["requests", "prompt_tokens", "completion_tokens", "training_tokens", "hosting_hours", "compute_hours", "cost", "currency"];

function query(by) {
  const params = new URLSearchParams({ by });
  if ($("since").value) params.set("since", $("since").value);
  if ($("until").value) params.set("until", $("until").value);
  return `/management/usage?${params}`;
}

function table(report) {
  const by = report.by;
  $("table-by").textContent = by;
  const t = $("usage-table");
  t.tHead.replaceChildren(el("tr", {}, [by, ...COLUMNS].map((c) => el("th", { scope: "col", text: c }))));
  t.tBodies[0].replaceChildren(...report.data.map((g) =>
    el("tr", {}, el("th", { scope: "row", text: String(g[by]) }), COLUMNS.map((c) => el("td", { text: String(g[c]) })))));
  t.tFoot.replaceChildren(el("tr", {}, el("th", { scope: "row", text: "total" }),
    COLUMNS.map((c) => el("td", { text: String(report.total[c]) }))));
}

// Rate-limit rejections from the Prometheus page (counters of this server process).
async function rejections() {
  const response = await fetch("/metrics", { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) return null;
  const counts = {};
  for (const line of (await response.text()).split("\n")) {
    const m = line.match(/^modelport_rate_limited_total\{[^}]*deployment="([^"]*)"[^}]*\}\s+([0-9.eE+-]+)/);
    if (m) counts[m[1]] = (counts[m[1]] ?? 0) + Number(m[2]);
  }
  return counts;
}

function noData(message) {
  for (const id of ["chart-day", "chart-cost", "chart-deployment", "chart-meter"]) {
    barChart($(id), { title: "", categories: [], series: [], empty: message });
  }
  $("chart-rejections").replaceChildren(el("p", { class: "muted", text: "Not reported by this server." }));
}

async function refresh() {
  let byDay, byDeployment, report;
  try {
    [byDay, byDeployment, report] = await Promise.all([
      get(query("day")), get(query("deployment")), get(query(group.value))]);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      setStatus(status, "No usage data yet: this server does not report usage.");
      noData("No usage data yet.");
      return;
    }
    setStatus(status, `Cannot load usage: ${err.message}`, "error");
    return;
  }
  const currency = report.total.currency ?? "USD";
  const days = byDay.data.map((g) => g.day);
  barChart($("chart-day"), {
    title: "Tokens per day", categories: days, empty: "No usage data yet.",
    series: [
      { name: "input", cls: "s1", values: byDay.data.map((g) => g.prompt_tokens) },
      { name: "output", cls: "s2", values: byDay.data.map((g) => g.completion_tokens) }],
  });
  barChart($("chart-cost"), {
    title: `Cost per day (${currency})`, categories: days, format: formatMoney(currency), empty: "No usage data yet.",
    series: [{ name: "cost", cls: "s3", values: byDay.data.map((g) => Number(g.cost)) }],
  });
  barChart($("chart-deployment"), {
    title: "Tokens per deployment", categories: byDeployment.data.map((g) => g.deployment), empty: "No usage data yet.",
    series: [
      { name: "input", cls: "s1", values: byDeployment.data.map((g) => g.prompt_tokens) },
      { name: "output", cls: "s2", values: byDeployment.data.map((g) => g.completion_tokens) }],
  });
  const t = byDay.total;
  barChart($("chart-meter"), {
    title: "Quantity per meter", categories: ["input tokens", "output tokens", "training tokens", "requests", "hosting hours"],
    empty: "No usage data yet.",
    series: [{ name: "quantity", cls: "s1", values: [t.prompt_tokens, t.completion_tokens, t.training_tokens, t.requests, t.hosting_hours] }],
  });
  table(report);
  const rejected = await rejections().catch(() => null);
  if (rejected === null) {
    $("chart-rejections").replaceChildren(el("p", { class: "muted", text: "Not reported by this server." }));
  } else {
    const names = Object.keys(rejected).sort();
    barChart($("chart-rejections"), {
      title: "Rate-limit rejections per deployment", categories: names, empty: "No request was rate-limited.",
      series: [{ name: "rejected", cls: "s4", values: names.map((n) => rejected[n]) }],
    });
  }
  const signature = JSON.stringify(report.total);
  if (signature !== lastSignature) {
    lastSignature = signature;
    setStatus(status, report.data.length
      ? `${formatInt(t.requests)} requests, ${formatInt(t.total_tokens)} tokens, ${t.cost} ${currency} in all.`
      : "No usage data yet.");
  }
}

form.addEventListener("submit", (e) => { e.preventDefault(); lastSignature = ""; refresh(); });
group.addEventListener("change", () => { lastSignature = ""; refresh(); });
await refresh();
setInterval(() => { if (!document.hidden) refresh(); }, 5000);
