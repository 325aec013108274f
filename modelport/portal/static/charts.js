// Small bar charts drawn as inline SVG (no library): stacked series per category, an accessible
// name and description, and each bar's value in a tooltip.
const NS = "http://www.w3.org/2000/svg";
let uid = 0;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= value) return m * p;
  return 10 * p;
}

export const formatInt = (v) => Math.round(v).toLocaleString("en-US");
export const formatMoney = (currency) => (v) =>
  `${Number(v).toLocaleString("en-US", { maximumSignificantDigits: 4 })} ${currency}`;

/**
 * @param {HTMLElement} container
 * @param {{title: string, categories: string[], series: {name: string, values: number[], cls: string}[],
 *          format?: (v: number) => string, empty?: string}} spec
 */
export function barChart(container, spec) {
  const format = spec.format ?? formatInt;
  const { categories, series } = spec;
  const totals = categories.map((_, i) => series.reduce((s, x) => s + (x.values[i] ?? 0), 0));
  container.replaceChildren();
  if (!categories.length || totals.every((t) => t === 0)) {
    const p = document.createElement("p");
    p.className = "muted chart-empty";
    p.textContent = spec.empty ?? "No data yet.";
    container.append(p);
    return;
  }
  const id = `chart-${++uid}`;
  const max = niceMax(Math.max(...totals));
  const tick = (v) => Number(v.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 8 });
  const widest = Math.max(...[0, 0.5, 1].map((f) => tick(max * f).length));
  const W = 520, H = 220, left = 14 + widest * 7, right = 12, top = 12, bottom = 44;
  const plotW = W - left - right, plotH = H - top - bottom;
  const band = plotW / categories.length;
  const barW = Math.max(4, Math.min(48, band * 0.6));
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart" });
  root.append(svg("title", { id: `${id}-t` }, spec.title));
  root.append(svg("desc", { id: `${id}-d` }, categories.map((c, i) =>
    `${c}: ${series.map((s) => `${s.name} ${format(s.values[i] ?? 0)}`).join(", ")}`).join("; ")));
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - f * plotH;
    root.append(svg("line", { x1: left, x2: W - right, y1: y, y2: y, class: "grid" }));
    root.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, tick(max * f)));
  }
  categories.forEach((c, i) => {
    const x = left + band * i + (band - barW) / 2;
    let y = top + plotH;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      const h = (v / max) * plotH;
      if (h > 0) {
        y -= h;
        const rect = svg("rect", { x, y, width: barW, height: h, class: `bar ${s.cls}`, "data-value": v });
        rect.append(svg("title", {}, `${c} · ${s.name}: ${format(v)}`));
        root.append(rect);
      }
    }
    const label = c.length > 14 ? `${c.slice(0, 13)}…` : c;
    root.append(svg("text", { x: x + barW / 2, y: H - bottom + 16, "text-anchor": "middle", class: "tick" }, label));
  });
  if (series.length > 1) {
    let lx = left;
    for (const s of series) {
      root.append(svg("rect", { x: lx, y: H - 14, width: 10, height: 10, class: `bar ${s.cls}` }));
      root.append(svg("text", { x: lx + 14, y: H - 5, class: "tick" }, s.name));
      lx += 24 + s.name.length * 7;
    }
  }
  container.append(root);
}

/**
 * A line chart of numeric (x, y) series, e.g. a loss per training step.
 * @param {HTMLElement} container
 * @param {{title: string, xLabel?: string, series: {name: string, cls: string, points: [number, number][]}[],
 *          empty?: string}} spec
 */
export function lineChart(container, spec) {
  const all = spec.series.flatMap((s) => s.points);
  container.replaceChildren();
  if (!all.length) {
    const p = document.createElement("p");
    p.className = "muted chart-empty";
    p.textContent = spec.empty ?? "No data yet.";
    container.append(p);
    return;
  }
  const id = `chart-${++uid}`;
  const xs = all.map((p) => p[0]);
  const minX = Math.min(...xs), maxX = Math.max(...xs, minX + 1);
  const maxY = niceMax(Math.max(...all.map((p) => p[1])));
  const W = 520, H = 220, left = 48, right = 12, top = 12, bottom = 44;
  const plotW = W - left - right, plotH = H - top - bottom;
  const x = (v) => left + ((v - minX) / (maxX - minX)) * plotW;
  const y = (v) => top + plotH - (v / maxY) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${id}-t ${id}-d`, class: "chart line-chart" });
  root.append(svg("title", { id: `${id}-t` }, spec.title));
  root.append(svg("desc", { id: `${id}-d` }, spec.series.map((s) =>
    `${s.name}: ${s.points.map(([px, py]) => `${spec.xLabel ?? "x"} ${px} = ${Number(py.toPrecision(4))}`).join(", ")}`).join("; ")));
  for (const f of [0, 0.5, 1]) {
    const gy = top + plotH - f * plotH;
    root.append(svg("line", { x1: left, x2: W - right, y1: gy, y2: gy, class: "grid" }));
    root.append(svg("text", { x: left - 6, y: gy + 4, "text-anchor": "end", class: "tick" }, Number((maxY * f).toPrecision(3))));
  }
  for (const v of [minX, Math.round((minX + maxX) / 2), maxX]) {
    root.append(svg("text", { x: x(v), y: H - bottom + 16, "text-anchor": "middle", class: "tick" }, String(v)));
  }
  root.append(svg("text", { x: left + plotW / 2, y: H - bottom + 30, "text-anchor": "middle", class: "tick" }, spec.xLabel ?? ""));
  let lx = left;
  for (const s of spec.series) {
    const d = s.points.map(([px, py], i) => `${i ? "L" : "M"}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ");
    root.append(svg("path", { d, class: `line ${s.cls}`, fill: "none" }));
    for (const [px, py] of s.points) {
      const dot = svg("circle", { cx: x(px).toFixed(1), cy: y(py).toFixed(1), r: 2.5, class: `dot ${s.cls}`, "data-x": px, "data-y": py });
      dot.append(svg("title", {}, `${s.name}, ${spec.xLabel ?? "x"} ${px}: ${Number(py.toPrecision(4))}`));
      root.append(dot);
    }
    root.append(svg("rect", { x: lx, y: H - 12, width: 10, height: 10, class: `bar ${s.cls}` }));
    root.append(svg("text", { x: lx + 14, y: H - 3, class: "tick" }, s.name));
    lx += 24 + s.name.length * 7;
  }
  container.append(root);
}
