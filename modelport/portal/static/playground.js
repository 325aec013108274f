import { el, get, localPath, regionQuery, setStatus } from "./api.js";
import { sseEvents } from "./sse.js";

const root = document.getElementById("playground");
const name = root.dataset.name;
const path = `/management/deployments/${encodeURIComponent(name)}`;
const query = regionQuery(); // this deployment among those of its name
const history = document.getElementById("history");
const composer = document.getElementById("composer");
const message = document.getElementById("message");
const send = document.getElementById("send");
const stopButton = document.getElementById("stop-button");
const status = document.getElementById("chat-status");
const $ = (id) => document.getElementById(id);

let deployment = null;
let offer = null;
let key = null; // read from the keys endpoint, kept in memory only
let turns = []; // {role, content}
let controller = null;

function bubble(role, text) {
  const body = el("div", { class: "content", text });
  const usage = el("p", { class: "usage" });
  const item = el("li", { class: `turn ${role}` }, el("p", { class: "role", text: role === "user" ? "You" : "Assistant" }), body, usage);
  history.append(item);
  item.scrollIntoView({ block: "end" });
  return { body, usage };
}

function requestBody() {
  const messages = [];
  const system = $("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  messages.push(...turns);
  const body = {
    model: deployment.model,
    messages,
    stream: true,
    temperature: Number($("temperature").value),
    top_p: Number($("top_p").value),
    max_tokens: Number($("max_tokens").value),
  };
  const stop = $("stop").value.split(",").map((s) => s.trim()).filter(Boolean);
  if (stop.length) body.stop = stop.slice(0, 4);
  if (!$("json-row").hidden && $("json_mode").checked) body.response_format = { type: "json_object" };
  if (!$("documents-row").hidden) {
    const docs = $("documents").value.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean);
    if (docs.length) body.documents = docs.map((content) => ({ content }));
  }
  return body;
}

async function errorMessage(response) {
  try {
    const data = await response.json();
    return data?.error?.message ?? data?.detail ?? `${response.status}`;
  } catch { return `${response.status} ${response.statusText}`; }
}

async function chat(event) {
  event.preventDefault();
  const text = message.value.trim();
  if (!text || controller) return;
  turns.push({ role: "user", content: text });
  bubble("user", text);
  message.value = "";
  const reply = bubble("assistant", "");
  reply.body.setAttribute("aria-busy", "true");
  controller = new AbortController();
  send.disabled = true;
  stopButton.disabled = false;
  setStatus(status, "Generating…");
  let content = "";
  let finish = null;
  let usage = null;
  try {
    if (!key) key = (await get(`${path}/keys${query}`)).primary;
    const response = await fetch(`${localPath(deployment.target_url)}/v1/chat/completions`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "api-key": key },
      body: JSON.stringify(requestBody()),
      signal: controller.signal,
      credentials: "omit",
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    for await (const chunk of sseEvents(response, controller.signal)) {
      if (chunk.error) throw new Error(chunk.error.message ?? "the stream failed");
      for (const choice of chunk.choices ?? []) {
        if (choice.delta?.content) {
          content += choice.delta.content;
          reply.body.textContent = content;
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    turns.push({ role: "assistant", content });
    const parts = [];
    if (usage) parts.push(`${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion = ${usage.total_tokens} tokens`);
    if (finish) parts.push(`finish: ${finish}`);
    reply.usage.textContent = parts.join(" · ");
    setStatus(status, "Reply complete.");
  } catch (err) {
    if (err.name === "AbortError") {
      if (content) turns.push({ role: "assistant", content });
      reply.usage.textContent = "stopped";
      setStatus(status, "Stopped.");
    } else {
      turns.pop();
      reply.body.textContent = content;
      reply.usage.textContent = `Error: ${err.message}`;
      reply.usage.className = "usage error";
      setStatus(status, `The request failed: ${err.message}`, "error");
    }
  } finally {
    reply.body.removeAttribute("aria-busy");
    controller = null;
    send.disabled = false;
    stopButton.disabled = true;
    message.focus();
  }
}

composer.addEventListener("submit", chat);
message.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); composer.requestSubmit(); }
});
stopButton.addEventListener("click", () => controller?.abort());
$("clear").addEventListener("click", () => { turns = []; history.replaceChildren(); setStatus(status, "Chat cleared."); });

try {
  deployment = await get(`${path}${query}`);
  offer = await get(`/management/catalog/${encodeURIComponent(deployment.offer)}`).catch(() => null);
  const caps = offer?.capabilities ?? [];
  $("json-row").hidden = !caps.includes("json_mode");
  $("documents-row").hidden = !caps.includes("documents");
  if (offer?.dialect === "openai" || !offer) $("system").value ||= "You are a helpful assistant.";
  if (deployment.state !== "succeeded") setStatus(status, `The deployment is ${deployment.state}; it answers once it has succeeded.`);
} catch (err) {
  setStatus(status, `Cannot load ${name}: ${err.message}`, "error");
  send.disabled = true;
}
