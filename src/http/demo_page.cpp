#include "http/demo_page.hpp"

namespace sse::http {
namespace {

// One self-contained page: no external script, style or font, so it works offline.
// It follows the demo producer's current stream (GET /demo/current), reads it with EventSource,
// and checks every id it receives: a seq that is skipped without a `gap` event, or received
// twice, is counted and shown in red, so a person can see that a cut connection loses nothing.
constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sse-gateway demo: resumable streams</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  main { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .sub { color: #5a6372; margin: 0 0 1rem; }
  .bar { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1rem 0; }
  button { font: inherit; padding: .45rem 1rem; border: 0; border-radius: .4rem;
           background: #c62f2f; color: #fff; cursor: pointer; }
  button:disabled { background: #9aa2ae; cursor: default; }
  select { font: inherit; padding: .3rem; }
  .pill { padding: .15rem .6rem; border-radius: 1rem; background: #e3e7ee; font-size: .9rem; }
  .pill.ok { background: #d6f3dc; } .pill.warn { background: #fde9c7; } .pill.bad { background: #f8d2d2; }
  #text { background: #fff; border: 1px solid #d9dee6; border-radius: .5rem; padding: 1rem;
          min-height: 12rem; white-space: pre-wrap; }
  #text .gap { background: #fde9c7; border-radius: .3rem; padding: 0 .3rem; font-size: .85rem; }
  #text .reset { display: block; background: #f8d2d2; border-radius: .3rem; padding: .2rem .4rem;
                 font-size: .85rem; margin: .3rem 0; }
  #text .cut { color: #c62f2f; font-weight: bold; }
  #cursor { display: inline-block; width: .55rem; height: 1.1rem; background: #1d2330;
            vertical-align: text-bottom; animation: blink 1s steps(1) infinite; }
  @keyframes blink { 50% { opacity: 0; } }
  table { border-collapse: collapse; margin: 1rem 0; font-size: .95rem; }
  td { padding: .15rem 1.2rem .15rem 0; } td:first-child { color: #5a6372; }
  code { font-family: ui-monospace, monospace; font-size: .9em; }
  #log { list-style: none; padding: 0; margin: 0; font: .85rem/1.4 ui-monospace, monospace;
         max-height: 14rem; overflow: auto; }
  #log .bad { color: #c62f2f; } #log .warn { color: #a35a00; } #log .ok { color: #1d7a36; }
</style>
</head>
<body>
<main>
  <h1>Resumable Server-Sent Events</h1>
  <p class="sub">A built-in producer writes an LLM-like answer, token by token, into stream
    <code id="stream">…</code>. Cut this page's connection: the answer keeps being written, and
    when the page reconnects with its last event id it gets every token it missed, once, in order.</p>
  <div class="bar">
    <button id="cut" disabled>Cut connection</button>
    <label>reconnect after
      <select id="delay"><option value="1000">1 s</option><option value="3000" selected>3 s</option>
      <option value="8000">8 s</option></select></label>
    <span id="status" class="pill">starting</span>
  </div>
  <div id="text"><span id="cursor"></span></div>
  <table>
    <tr><td>last event id</td><td><code id="lastid">none</code></td></tr>
    <tr><td>events received</td><td id="count">0</td></tr>
    <tr><td>progress</td><td id="progress">–</td></tr>
    <tr><td>connections cut / resumed</td><td id="cuts">0</td></tr>
    <tr><td>seqs announced as trimmed (gap)</td><td id="gaps">0</td></tr>
    <tr><td>seqs lost without notice</td><td id="lost" class="ok">0</td></tr>
    <tr><td>duplicates</td><td id="dups">0</td></tr>
  </table>
  <ul id="log"></ul>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const st = { es: null, stream: null, lastId: "", nextSeq: 1, count: 0, cuts: 0, gaps: 0,
             lost: 0, dups: 0, ended: false, timer: null };

function log(msg, cls) {
  const li = document.createElement("li");
  li.textContent = new Date().toLocaleTimeString() + "  " + msg;
  if (cls) li.className = cls;
  $("log").prepend(li);
}
function status(text, cls) { $("status").textContent = text; $("status").className = "pill " + (cls || ""); }
function counters() {
  $("count").textContent = st.count; $("cuts").textContent = st.cuts; $("gaps").textContent = st.gaps;
  $("lost").textContent = st.lost; $("lost").className = st.lost ? "bad" : "ok";
  $("dups").textContent = st.dups; $("lastid").textContent = st.lastId || "none";
}
function write(node) { $("text").insertBefore(node, $("cursor")); }
function writeText(s) { write(document.createTextNode(s)); }
function mark(cls, s) { const span = document.createElement("span"); span.className = cls; span.textContent = s; write(span); }
function seqOf(id) { const i = id.lastIndexOf(":"); return Number(id.slice(i + 1)); }

// Checks an event's id against what we expect next. Returns false for a duplicate.
function accept(e, firstSeq) {
  const seq = seqOf(e.lastEventId);
  const from = firstSeq === undefined ? seq : firstSeq;
  if (seq < st.nextSeq) { st.dups++; log("duplicate seq " + seq, "bad"); counters(); return false; }
  if (from > st.nextSeq) {
    st.lost += from - st.nextSeq;
    log("seqs " + st.nextSeq + "-" + (from - 1) + " missing without a gap event", "bad");
  }
  st.nextSeq = seq + 1; st.lastId = e.lastEventId; st.count++; counters();
  return true;
}

function open(fromId) {
  let url = "/v1/streams/" + encodeURIComponent(st.stream) + "/events";
  // A new EventSource cannot set Last-Event-ID itself: the gateway also reads it from the query.
  if (fromId) url += "?last_event_id=" + encodeURIComponent(fromId);
  const es = new EventSource(url);
  st.es = es;
  es.onopen = () => { status("live", "ok"); $("cut").disabled = false; };
  es.onerror = () => {
    if (st.es !== es) return;
    if (es.readyState === EventSource.CONNECTING) status("reconnecting (browser)", "warn");
    else { status("closed", "bad"); $("cut").disabled = true; }
  };
  const onData = (e) => { if (accept(e)) writeText(e.data); };
  es.onmessage = onData;
  es.addEventListener("delta", (e) => { if (accept(e)) writeText(JSON.parse(e.data).delta); });
  es.addEventListener("progress", (e) => {
    if (!accept(e)) return;
    const p = JSON.parse(e.data); $("progress").textContent = p.tokens + " / " + p.of + " tokens";
  });
  es.addEventListener("usage", (e) => { if (accept(e)) log("usage " + e.data, "ok"); });
  es.addEventListener("gap", (e) => {
    const g = JSON.parse(e.data);
    if (!accept(e, g.from)) return;
    st.gaps += g.to - g.from + 1; counters();
    mark("gap", "[seqs " + g.from + "-" + g.to + " trimmed]");
    log("gap: seqs " + g.from + "-" + g.to + " were trimmed from the buffer", "warn");
  });
  es.addEventListener("reset", (e) => {
    const r = JSON.parse(e.data);
    mark("reset", "reset (" + r.reason + "): the stream starts over from seq 1");
    log("reset: " + e.data, "warn");
    st.nextSeq = 1; st.lastId = "";
  });
  es.addEventListener("end", (e) => {
    if (!accept(e)) return;
    es.close(); st.es = null; st.ended = true; $("cut").disabled = true;
    const s = JSON.parse(e.data).status;
    status("ended: " + s, "ok");
    log("end (" + s + ") after " + st.count + " events; next stream soon", "ok");
    setTimeout(follow, 1500);
  });
}

function cut() {
  if (!st.es) return;
  st.es.close(); st.es = null; st.cuts++; counters();
  $("cut").disabled = true;
  const delay = Number($("delay").value);
  mark("cut", " ✂ ");
  status("disconnected", "bad");
  log("connection cut at " + (st.lastId || "the start") + "; resuming in " + delay / 1000 + " s", "warn");
  clearTimeout(st.timer);
  st.timer = setTimeout(() => { log("resuming from " + (st.lastId || "the start")); open(st.lastId); }, delay);
}

function start(id) {
  if (st.es) st.es.close();
  Object.assign(st, { es: null, stream: id, lastId: "", nextSeq: 1, count: 0, gaps: 0, lost: 0,
                      dups: 0, ended: false });
  $("stream").textContent = id; $("progress").textContent = "–";
  $("text").replaceChildren($("cursor"));
  counters();
  log("following stream " + id);
  open("");
}

async function follow() {
  try {
    const r = await fetch("/demo/current");
    const j = await r.json();
    if (j.stream && (j.stream !== st.stream || !st.es && !st.ended)) { start(j.stream); return; }
    status("waiting for the next stream");
  } catch (err) {
    status("gateway unreachable", "bad");
  }
  setTimeout(follow, 1000);
}

$("cut").onclick = cut;
follow();
</script>
</body>
</html>
)html";

}  // namespace

std::string_view demo_page_html() noexcept {
  return page;
}

}  // namespace sse::http
