// The console speaks the AppSync Events protocol like any client: HTTP POST /event to publish,
// the aws-appsync-event-ws WebSocket to subscribe. /_router/* tells which route ran.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { socket: null, subscriptions: new Map(), nextId: 1 };

function apiKey() { return $("api-key").value.trim(); }

function authorization() {
  const auth = { host: location.host };
  if (apiKey()) auth["x-api-key"] = apiKey();
  return auth;
}

function base64url(text) {
  return btoa(unescape(encodeURIComponent(text))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function log(kind, text) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  $("log").prepend(item);
}

function setStatus(text, kind) {
  $("status").textContent = text;
  $("status").className = `status ${kind || ""}`;
}

function connect() {
  if (state.socket) state.socket.close();
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const header = "header-" + base64url(JSON.stringify(authorization()));
  const socket = new WebSocket(`${scheme}//${location.host}/event/realtime`, ["aws-appsync-event-ws", header]);
  state.socket = socket;
  setStatus("connecting…");
  socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init" }));
  socket.onclose = () => { setStatus("disconnected", "down"); state.subscriptions.clear(); renderSubscriptions(); };
  socket.onmessage = (message) => onFrame(JSON.parse(message.data));
}

function onFrame(frame) {
  const subscription = state.subscriptions.get(frame.id);
  switch (frame.type) {
    case "connection_ack": setStatus("connected", "up"); log("ok", "connected"); break;
    case "connection_error": setStatus("refused", "down"); log("bad", `connection refused: ${errors(frame)}`); break;
    case "ka": break;
    case "subscribe_success":
      subscription.active = true; renderSubscriptions();
      log("ok", `subscribed to ${subscription.channel}`); break;
    case "subscribe_error":
      if (subscription) state.subscriptions.delete(frame.id);
      renderSubscriptions();
      log("bad", `subscription to ${subscription ? subscription.channel : frame.id} refused: ${errors(frame)}`); break;
    case "unsubscribe_success": log("ok", `unsubscribed ${frame.id}`); break;
    case "data":
      log("data", `${subscription ? subscription.channel : frame.id} ← ${frame.event}`); break;
    default: log("bad", `${frame.type}: ${errors(frame)}`);
  }
}

function errors(frame) {
  return (frame.errors || []).map((e) => `${e.errorType}: ${e.message}`).join("; ");
}

function subscribe(channel) {
  if (!state.socket || state.socket.readyState !== WebSocket.OPEN) { log("bad", "connect first"); return; }
  const id = `sub-${state.nextId++}`;
  state.subscriptions.set(id, { channel, active: false });
  state.socket.send(JSON.stringify({ type: "subscribe", id, channel, authorization: authorization() }));
}

function unsubscribe(id) {
  state.socket.send(JSON.stringify({ type: "unsubscribe", id }));
  state.subscriptions.delete(id);
  renderSubscriptions();
}

function renderSubscriptions() {
  const list = $("subscriptions");
  list.replaceChildren();
  for (const [id, subscription] of state.subscriptions) {
    const item = document.createElement("li");
    item.textContent = `${subscription.channel} ${subscription.active ? "" : "(pending)"} `;
    const button = document.createElement("button");
    button.className = "small";
    button.textContent = "unsubscribe";
    button.onclick = () => unsubscribe(id);
    item.append(button);
    list.append(item);
  }
}

async function publish(channel, lines) {
  const result = $("publish-result");
  const events = lines.map((line) => line.trim()).filter(Boolean);
  for (const event of events) {
    try { JSON.parse(event); } catch (e) { result.className = "result bad"; result.textContent = `not JSON: ${event}`; return; }
  }
  const headers = { "content-type": "application/json" };
  if (apiKey()) headers["x-api-key"] = apiKey();
  const [response, route] = await Promise.all([
    fetch("/event", { method: "POST", headers, body: JSON.stringify({ channel, events }) }),
    fetch(`/_router/which?operation=publish&channel=${encodeURIComponent(channel)}`).then((r) => r.json()),
  ]);
  const body = await response.json();
  const routeText = route.route
    ? `route ${route.route.pattern} → ${route.route.handler}${route.route.flags.length ? ` [${route.route.flags.join(", ")}]` : ""}`
    : `no route (unmatched: ${route.unmatched})`;
  if (!response.ok) {
    result.className = "result bad";
    result.textContent = `${response.status}: ${(body.errors || []).map((e) => `${e.errorType}: ${e.message}`).join("; ")}\n${routeText}`;
    log("bad", `publish to ${channel} refused (${response.status})`);
    return;
  }
  const lines_ = [routeText];
  for (const ok of body.successful) lines_.push(`event ${ok.index}: accepted`);
  for (const failed of body.failed) lines_.push(`event ${failed.index}: failed: ${failed.errorMessage}`);
  result.className = body.failed.length ? "result bad" : "result ok";
  result.textContent = lines_.join("\n");
  log("ok", `published ${events.length} to ${channel}: ${body.successful.length} accepted, ${body.failed.length} failed; ${routeText}`);
}

async function loadRoutes() {
  const table = await fetch("/_router/routes").then((r) => r.json());
  const body = $("routes").querySelector("tbody");
  body.replaceChildren();
  for (const route of table.routes) {
    const row = document.createElement("tr");
    for (const cell of [route.pattern, route.operation, route.handler, route.flags.join(", ") || "-"]) {
      const td = document.createElement("td");
      td.textContent = cell;
      row.append(td);
    }
    body.append(row);
  }
}

$("connect-form").onsubmit = (e) => { e.preventDefault(); connect(); };
$("subscribe-form").onsubmit = (e) => { e.preventDefault(); subscribe($("subscribe-channel").value.trim()); };
$("publish-form").onsubmit = (e) => { e.preventDefault(); publish($("publish-channel").value.trim(), $("publish-events").value.split("\n")); };

const params = new URLSearchParams(location.search);
if (params.get("apiKey")) $("api-key").value = params.get("apiKey");
loadRoutes();
connect();
