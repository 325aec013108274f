// The portal's one way to reach the management API: same origin, the session cookie, and the
// session's CSRF token on every state-changing request.
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (!SAFE.has(method)) headers["X-CSRF-Token"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (err) {
    throw new ApiError(0, "network", `cannot reach the server (${err.message})`);
  }
  if (response.status === 401) {
    const here = window.location.pathname + window.location.search; // keeps e.g. ?region=
    window.location.assign(`/portal/sign-in?next=${encodeURIComponent(here)}`);
    throw new ApiError(401, "unauthorized", "your session ended; please sign in again");
  }
  if (!response.ok) {
    let code = "error";
    let message = `${response.status} ${response.statusText}`;
    try {
      const data = await response.json();
      code = data?.error?.code ?? code;
      message = data?.error?.message ?? data?.detail?.[0]?.msg ?? message;
    } catch { /* not JSON */ }
    throw new ApiError(response.status, code, message);
  }
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path) => api("GET", path);

// Deployment names are unique per region only, so a deployment page names its region in its own
// address (`?region=`): every management call and link of the page carries it on.
const inRegion = (region) => (region ? `?region=${encodeURIComponent(region)}` : "");

// The page's `?region=…` query (read from its address), or "" when the address names none.
export function regionQuery() {
  return inRegion(new URLSearchParams(window.location.search).get("region"));
}

// A portal link to the deployment `name` in `region`: its details page, or `tab` ("/consume").
export function deploymentHref(name, region, tab = "") {
  return `/portal/deployments/${encodeURIComponent(name)}${tab}${inRegion(region)}`;
}

// Build elements without ever parsing HTML: text is always text.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function setStatus(node, text, kind = "") {
  node.textContent = text;
  node.className = kind;
}

// The data-plane path of a Target URL, called from this origin (no cross-origin requests).
export function localPath(targetUrl) {
  try {
    return new URL(targetUrl, window.location.origin).pathname.replace(/\/$/, "");
  } catch {
    return targetUrl;
  }
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el("textarea", { class: "visually-hidden", "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
}

export function price(value, currency = "USD") {
  return `${Number(value).toLocaleString("en-US", { maximumSignificantDigits: 6 })} ${currency}`;
}

export const capabilityLabels = {
  chat: "Chat", completions: "Completions", tools: "Tools", json_mode: "JSON mode",
  documents: "Documents", logprobs: "Logprobs", streaming: "Streaming",
};

// Content safety: the categories in display order, and a one-line summary of a policy.
export const safetyCategories = [
  ["hate", "Hate"], ["sexual", "Sexual"], ["violence", "Violence"], ["self_harm", "Self-harm"],
];

export function safetySummary(policy) {
  if (!policy.enabled) return "off";
  const state = policy.mandatory ? "on (mandatory)" : "on";
  const levels = safetyCategories.map(([key]) => policy.thresholds[key] ?? "medium");
  if (levels.every((level) => level === levels[0])) {
    return levels[0] === "off" ? `${state}, annotates only` : `${state}, blocks ${levels[0]} severity and above`;
  }
  const parts = safetyCategories.map(([key, label], i) =>
    (levels[i] === "off" ? `${label.toLowerCase()} annotated only` : `${label.toLowerCase()} ${levels[i]} and above`));
  return `${state}, blocks ${parts.join(", ")}`;
}
