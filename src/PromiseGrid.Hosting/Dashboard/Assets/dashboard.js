// The node's live dashboard (README.md#observe-the-dashboard): polls /dashboard/state every second and
// draws it. Plain DOM, no framework; every value from the node goes in as text, never as HTML.
"use strict";

const POLL_MS = 1000;
const TOKEN_KEY = "promisegrid.dashboard.token";
const $ = (id) => document.getElementById(id);

let timer = null;
let showIdle = false;

// ---- fetching ---------------------------------------------------------------------------

async function poll() {
  clearTimeout(timer);
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Grid " + token;
  let response;
  try {
    response = await fetch("/dashboard/state", { headers, cache: "no-store" });
  } catch (error) {
    live(false, "node not answering");
    timer = setTimeout(poll, POLL_MS * 2);
    return;
  }
  if (response.status === 401 || response.status === 403) {
    const problem = await response.json().catch(() => ({}));
    askForToken(problem.detail || response.statusText);
    live(false, response.status === 401 ? "token required" : "token refused");
    return; // until a token is given
  }
  if (!response.ok) {
    live(false, "state answered " + response.status);
    timer = setTimeout(poll, POLL_MS * 2);
    return;
  }
  const state = await response.json();
  $("auth").hidden = true;
  $("board").hidden = false;
  render(state);
  live(true, "live · " + new Date(state.time).toLocaleTimeString());
  timer = setTimeout(poll, POLL_MS);
}

function live(on, text) {
  const el = $("live");
  el.className = "live " + (on ? "on" : "off");
  el.textContent = text;
}

function askForToken(reason) {
  $("auth").hidden = false;
  $("board").hidden = true;
  $("auth-reason").textContent = reason;
  $("auth-token").focus();
}

$("auth-form").addEventListener("submit", (event) => {
  event.preventDefault();
  // Accept the token as pgrid prints it, or a whole "Grid <token>" header value.
  const token = $("auth-token").value.trim().replace(/^Grid\s+/i, "");
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  $("auth-token").value = "";
  $("auth-reason").textContent = "";
  poll();
});

$("change-token").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  askForToken("");
});

$("toggle-idle").addEventListener("click", () => { showIdle = !showIdle; poll(); });

document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });

// ---- drawing ----------------------------------------------------------------------------

function render(state) {
  $("node-address").textContent = shortAddress(state.node);
  $("node-address").title = state.node;
  const status = $("node-status");
  status.textContent = state.status;
  status.className = "badge" + (state.status === "Up" ? " ok" : "");

  const scope = state.scope;
  $("scope").hidden = !scope.checked;
  $("change-token").hidden = !scope.checked;
  if (scope.checked) $("scope").textContent = "token prefix '" + scope.prefix + "'";

  renderMembers(state.members);
  renderCompletions(state.completions);
  renderLedger(state.ledger);
  renderRoutes(state.routes);
  renderCache(state.cache);
}

function renderMembers(members) {
  show("members-section", members !== null);
  if (members === null) {
    setTile("tile-members", "–");
    setTile("tile-unreachable", "–");
    return;
  }
  const up = members.filter((m) => m.status === "Up" && m.reachable).length;
  const unreachable = members.filter((m) => !m.reachable).length;
  setTile("tile-members", up + " / " + members.length);
  setTile("tile-unreachable", String(unreachable), unreachable > 0);
  fillTable("members", members, "no members", (m) => {
    const row = el("tr", { "data-address": m.address, "data-status": m.status, "data-reachable": String(m.reachable) });
    if (!m.reachable) row.className = "unreachable";
    const name = el("td", { class: "mono", title: m.address }, shortAddress(m.address));
    if (m.self) name.append(el("span", { class: "self" }, "this node"));
    row.append(name,
      el("td", {}, badge(m.status, m.status === "Up" ? "ok" : m.status === "Down" || m.status === "Removed" ? "bad" : "warn")),
      el("td", {}, badge(m.reachable ? "reachable" : "unreachable", m.reachable ? "ok" : "bad")),
      el("td", { class: "mono" }, m.roles.join(", ")));
    return row;
  });
}

// One row per prefix, its providers' nodes as chips: a grid of three nodes stays three times shorter.
function renderRoutes(routes) {
  const byPrefix = new Map();
  for (const r of routes) {
    const key = r.prefix + "\u0000" + r.module;
    if (!byPrefix.has(key)) byPrefix.set(key, { prefix: r.prefix, module: r.module, pure: r.pure, nodes: [] });
    byPrefix.get(key).nodes.push(r);
  }
  fillTable("routes", [...byPrefix.values()], "no routes", (g) => {
    const row = el("tr", { "data-prefix": g.prefix, "data-module": g.module });
    if (!g.nodes.some((r) => r.reachable)) row.className = "unreachable"; // nobody left to serve it
    const chips = el("div", { class: "chips" });
    for (const r of g.nodes)
      chips.append(el("span", { class: "chip" + (r.reachable ? "" : " down"), title: r.node + (r.reachable ? "" : " (unreachable)"),
        "data-node": r.node, "data-reachable": String(r.reachable) }, shortAddress(r.node)));
    row.append(
      el("td", { class: "mono" }, g.prefix),
      el("td", {}, g.module),
      el("td", {}, g.pure ? "pure" : ""),
      el("td", {}, chips));
    return row;
  });
}

function renderLedger(ledger) {
  const broken = ledger.reduce((sum, r) => sum + r.broken, 0);
  setTile("tile-broken", String(broken), broken > 0);
  // Trouble first: most broken, then most relied on; providers never relied on only on request.
  const sorted = [...ledger].sort((a, b) => b.broken - a.broken || b.kept - a.kept);
  const idle = sorted.filter((r) => r.kept === 0 && r.broken === 0).length;
  const toggle = $("toggle-idle");
  toggle.hidden = idle === 0;
  toggle.textContent = showIdle ? "hide " + idle + " idle" : "show " + idle + " idle";
  const rows = showIdle ? sorted : sorted.filter((r) => r.kept > 0 || r.broken > 0);
  fillTable("ledger", rows, "no promises relied on yet", (r) => {
    const row = el("tr", { "data-provider": r.provider, "data-prefix": r.prefix, "data-kept": String(r.kept), "data-broken": String(r.broken) });
    const [module, node] = splitProvider(r.provider);
    const score = el("div", { class: "score" + (r.score < 0.5 ? " low" : r.score < 0.9 ? " mid" : "") });
    const bar = el("div", { class: "bar" });
    const fill = el("span", {});
    fill.style.width = Math.round(r.score * 100) + "%"; // through the CSSOM: the page's policy refuses style attributes
    bar.append(fill);
    score.append(bar, el("span", { class: "mono" }, r.score.toFixed(3)));
    row.append(
      el("td", { class: "mono", title: r.provider }, module + "@" + shortAddress(node)),
      el("td", { class: "mono" }, r.prefix),
      el("td", { class: "num" }, r.kept.toLocaleString()),
      el("td", { class: "num" }, r.broken > 0 ? badge(r.broken.toLocaleString(), "bad") : "0"),
      el("td", { class: "num" }, r.latency_ms === null ? "–" : formatMs(r.latency_ms)),
      el("td", {}, score),
      el("td", { class: "reason" }, r.last_reason || ""));
    return row;
  });
}

function renderCache(cache) {
  show("cache-section", cache !== null);
  if (cache === null) return;
  const lookups = cache.hits + cache.misses;
  const facts = [
    ["Enabled", cache.enabled ? "yes" : "no (promisegrid.cache.max-bytes = 0)"],
    ["Hits", cache.hits.toLocaleString()],
    ["Misses", cache.misses.toLocaleString()],
    ["Hit ratio", lookups === 0 ? "–" : (100 * cache.hits / lookups).toFixed(1) + " %"],
    ["Entries", cache.entries.toLocaleString()],
    ["Memory", formatBytes(cache.bytes) + " of " + formatBytes(cache.maxBytes)],
    ["Evictions", cache.evictions.toLocaleString()],
  ];
  const list = $("cache");
  list.replaceChildren();
  for (const [name, value] of facts) list.append(el("dt", {}, name), el("dd", {}, value));
}

function renderCompletions(c) {
  show("completions-section", c !== null);
  if (c === null) {
    for (const id of ["tile-rate", "tile-failed", "tile-latency"]) setTile(id, "–");
    return;
  }
  const n = c.completed.length;
  const recent = (values) => values.slice(n - 10);
  const ok = sum(recent(c.completed)), bad = sum(recent(c.failed));
  setTile("tile-rate", ((ok + bad) / 10).toFixed(1));
  setTile("tile-failed", (bad / 10).toFixed(1), bad > 0);
  let weighted = 0;
  recent(c.meanMs).forEach((ms, i) => { weighted += ms * (c.completed[n - 10 + i] + c.failed[n - 10 + i]); });
  setTile("tile-latency", ok + bad === 0 ? "–" : formatMs(weighted / (ok + bad)));

  // From the first second with a completion (a minute at least) to now: a young node's
  // history is not squeezed against the right edge of five empty minutes.
  const totalsAll = c.completed.map((v, i) => v + c.failed[i]);
  const first = totalsAll.findIndex((v) => v > 0);
  const from = Math.min(first < 0 ? n : first, n - 60);
  const span = (values) => values.slice(from);
  const totals = span(totalsAll);
  drawBars($("chart-rate"), span(c.completed), span(c.failed), niceMax(Math.max(1, ...totals)), "/s");
  drawLines($("chart-latency"), span(c.meanMs), span(c.maxMs), totals, niceMax(Math.max(1, ...span(c.maxMs))), "ms");
}

// ---- charts (inline SVG) ----------------------------------------------------------------

const W = 600, H = 140, TOP = 10, BOTTOM = 16, LEFT = 36;
const SVG = "http://www.w3.org/2000/svg";

function svgEl(name, attrs) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function axes(svg, max, unit, seconds) {
  svg.replaceChildren();
  const plot = H - TOP - BOTTOM;
  for (const f of [0, 0.5, 1]) {
    const y = TOP + plot * (1 - f);
    svg.append(svgEl("line", { class: "grid", x1: LEFT, x2: W, y1: y, y2: y }));
    const label = svgEl("text", { x: 2, y: y + 3 });
    label.textContent = formatAxis(max * f) + (f === 1 ? " " + unit : "");
    svg.append(label);
  }
  for (const [x, text] of [[LEFT, "−" + ago(seconds)], [LEFT + (W - LEFT) / 2, "−" + ago(seconds / 2)], [W - 24, "now"]]) {
    const label = svgEl("text", { x, y: H - 3 });
    label.textContent = text;
    svg.append(label);
  }
  return { plot, y: (v) => TOP + plot * (1 - Math.min(v, max) / max) };
}

function drawBars(svg, completed, failed, max, unit) {
  const { y } = axes(svg, max, unit, completed.length);
  const step = (W - LEFT) / completed.length;
  completed.forEach((ok, i) => {
    const x = LEFT + i * step;
    const bad = failed[i];
    if (ok > 0) svg.append(svgEl("rect", { x, y: y(ok), width: Math.max(step - 0.3, 0.5), height: y(0) - y(ok), fill: "#1f8a4c" }));
    if (bad > 0) svg.append(svgEl("rect", { x, y: y(ok + bad), width: Math.max(step - 0.3, 0.5), height: y(ok) - y(ok + bad), fill: "#c0362c" }));
  });
}

function drawLines(svg, mean, maxima, counts, max, unit) {
  const { y } = axes(svg, max, unit, mean.length);
  const step = (W - LEFT) / mean.length;
  for (const [values, color] of [[maxima, "#9aa9c4"], [mean, "#2f5fb3"]]) {
    let d = "";
    // A step per second, so a lone second shows too; no completion that second: a gap, not a zero.
    values.forEach((v, i) => {
      if (counts[i] === 0) return;
      const x = LEFT + i * step, level = y(v).toFixed(1);
      d += (i === 0 || counts[i - 1] === 0 ? "M" : "L") + x.toFixed(1) + " " + level + " L" + (x + step).toFixed(1) + " " + level + " ";
    });
    if (d) svg.append(svgEl("path", { d, fill: "none", stroke: color, "stroke-width": 1.5, "vector-effect": "non-scaling-stroke" }));
  }
}

// ---- small helpers ----------------------------------------------------------------------

function el(name, attrs, ...children) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function badge(text, kind) { return el("span", { class: "badge " + kind }, text); }

function fillTable(id, rows, emptyText, toRow) {
  const body = $(id).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el("tr", {}, el("td", { class: "empty", colspan: $(id).tHead.rows[0].cells.length }, emptyText)));
    return;
  }
  for (const row of rows) body.append(toRow(row));
}

function show(id, visible) { $(id).classList.toggle("hidden-section", !visible); }

function setTile(id, text, alert = false) {
  $(id).textContent = text;
  $(id).parentElement.classList.toggle("alert", alert);
}

// "akka.ssl.tcp://promisegrid@node3:4053" -> "node3:4053"
function shortAddress(address) {
  const at = address.lastIndexOf("@");
  return at < 0 ? address : address.slice(at + 1);
}

// "hash@akka.ssl.tcp://promisegrid@node3:4053" -> ["hash", "akka.ssl.tcp://promisegrid@node3:4053"]
function splitProvider(provider) {
  const at = provider.indexOf("@");
  return at < 0 ? [provider, ""] : [provider.slice(0, at), provider.slice(at + 1)];
}

function ago(seconds) { return seconds >= 90 ? (Math.round(seconds / 6) / 10) + " min" : Math.round(seconds) + " s"; }

function sum(values) { return values.reduce((a, b) => a + b, 0); }

function niceMax(value) {
  const magnitude = Math.pow(10, Math.floor(Math.log10(value)));
  for (const f of [1, 2, 5, 10]) if (value <= f * magnitude) return f * magnitude;
  return 10 * magnitude;
}

function formatAxis(v) { return v >= 1000 ? (v / 1000) + "k" : String(Math.round(v * 100) / 100); }

function formatMs(ms) { return ms < 1 ? (ms * 1000).toFixed(0) + " µs" : ms < 100 ? ms.toFixed(1) + " ms" : Math.round(ms) + " ms"; }

function formatBytes(n) {
  const units = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

poll();
