/**
 * The sandbox's dashboard: one HTML page, its CSS and script inline, with no build step and no
 * framework, so that a sandbox started from the command line can be looked at in a browser. It
 * reads the simulator through `GET /_sandbox/events` (a snapshot at each change) and acts
 * through the admin routes that already exist, with `fetch`. Every value from the sandbox goes
 * into the page as text (`textContent`, `append` of strings, `setAttribute` of data
 * attributes), never as HTML; the server sends it with a Content-Security-Policy that allows
 * nothing but this page's own origin and its inline code.
 *
 * @internal
 */

/** The Content-Security-Policy the page is served with: itself and its inline code only. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join("; ")

const style = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
* { box-sizing: border-box; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; padding: 0 1.5rem 2rem; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; padding: 1rem 0 .5rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1rem; margin: 1.5rem 0 .5rem; }
h2 small, .muted { color: var(--muted); font-weight: normal; }
#status { font-weight: 600; }
#status.live { color: var(--ok); }
#status.down { color: var(--bad); }
#message { min-height: 1.4em; margin: .5rem 0; }
#message.bad { color: var(--bad); }
#message.ok { color: var(--ok); }
.forms { display: flex; gap: 1.5rem; flex-wrap: wrap; }
form { flex: 1 1 30rem; display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; padding: .75rem; border: 1px solid var(--line); border-radius: 6px; }
form h3 { flex-basis: 100%; margin: 0; font-size: .9rem; }
label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
input, select, button { font: inherit; padding: .2rem .4rem; }
input[type=number] { width: 6rem; }
p.note { margin: 0 0 .5rem; }
p.note input { width: 4.5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.refund td { font-size: .9em; }
tr.refund td:first-child { padding-left: 1.5rem; }
.code { font-family: ui-monospace, monospace; }
.ok { color: var(--ok); }
.pending { color: var(--warn); }
.bad { color: var(--bad); }
td.empty { color: var(--muted); font-style: italic; }
`

const script = `
"use strict";
var PENDING = ["1143", "1145", "1298"];
var byId = function (id) { return document.getElementById(id); };

// An element with text children only: strings become text nodes, never HTML.
function el(tag, className, children) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  (children || []).forEach(function (child) {
    node.append(child instanceof Node ? child : String(child === undefined || child === null ? "" : child));
  });
  return node;
}

function codeClass(respcd) {
  if (respcd === "0000") return "ok";
  if (PENDING.indexOf(respcd) >= 0) return "pending";
  return "bad";
}

function code(respcd, meaning) {
  var cell = el("td", "code " + codeClass(respcd), [respcd]);
  if (meaning) cell.title = meaning;
  return cell;
}

function amount(cents, currency) {
  return el("td", "num", [String(cents) + (currency ? " " + currency : "")]);
}

function say(text, ok) {
  var message = byId("message");
  message.textContent = text;
  message.className = ok ? "ok" : "bad";
}

function admin(method, path, body) {
  var init = { method: method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return fetch("/_sandbox" + path, init).then(function (res) {
    return res.text().then(function (text) {
      var json;
      try { json = JSON.parse(text); } catch (e) { json = undefined; }
      if (!res.ok) throw new Error(json && json.error ? json.error : res.status + " " + text.slice(0, 200));
      return json;
    });
  });
}

function act(label, promise) {
  promise.then(function () { say(label + ": done", true); }, function (e) { say(label + ": " + e.message, false); });
}

function button(text, className, onClick) {
  var b = el("button", className, [text]);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function settle(id, failWith) {
  var body = failWith ? { fail_with: failWith } : {};
  act((failWith ? "fail " : "settle ") + id, admin("POST", "/transactions/" + encodeURIComponent(id) + "/settle", body));
}

function empty(tbody, columns, text) {
  var cell = el("td", "empty", [text]);
  cell.colSpan = columns;
  tbody.replaceChildren(el("tr", "", [cell]));
}

function stateOf(p) {
  if (p.cancelledBy) return p.cancelledBy === "reversal" ? "reversed" : "closed";
  if (p.respcd === "0000") return p.refunded >= p.txamt ? "refunded" : p.refunded > 0 ? "partly refunded" : "paid";
  return PENDING.indexOf(p.respcd) >= 0 ? "pending" : "failed";
}

function renderPayments(s) {
  var tbody = byId("payments");
  byId("payments-count").textContent = s.payments.shown.length < s.payments.total
    ? "latest " + s.payments.shown.length + " of " + s.payments.total : String(s.payments.total);
  if (s.payments.total === 0) return empty(tbody, 9, "no payment yet: create one above");
  var rows = [];
  s.payments.shown.forEach(function (p) {
    var row = el("tr", "payment", [
      el("td", "code", [p.out_trade_no]),
      el("td", "code muted", [p.syssn]),
      el("td", "code", [p.pay_type]),
      amount(p.txamt, p.txcurrcd),
      el("td", codeClass(p.respcd), [stateOf(p)]),
      amount(p.refunded),
      amount(p.refundPending),
      el("td", "num refundable", [String(p.refundable)]),
      code(p.respcd, p.meaning)
    ]);
    row.setAttribute("data-syssn", p.syssn);
    row.setAttribute("data-out-trade-no", p.out_trade_no);
    rows.push(row);
    p.refunds.forEach(function (r) {
      var refund = el("tr", "refund", [
        el("td", "code", ["\\u21b3 refund " + r.out_trade_no]),
        el("td", "code muted", [r.syssn]),
        el("td", "", []),
        amount(r.txamt, p.txcurrcd),
        el("td", codeClass(r.respcd), [r.respcd === "0000" ? "refunded" : PENDING.indexOf(r.respcd) >= 0 ? "in progress" : "failed"]),
        el("td", "", []),
        el("td", "", []),
        el("td", "", []),
        code(r.respcd, r.meaning)
      ]);
      refund.setAttribute("data-refund", r.out_trade_no);
      refund.setAttribute("data-payment", p.syssn);
      rows.push(refund);
    });
  });
  tbody.replaceChildren.apply(tbody, rows);
}

function settlesText(settles) {
  if (settles._tag === "AfterEnquiries") return "at enquiry " + settles.count;
  if (settles._tag === "AfterMillis") return "after " + settles.millis + " ms";
  return "only when settled";
}

function renderInProgress(s) {
  var tbody = byId("in-progress");
  byId("in-progress-count").textContent = String(s.inProgress.total);
  if (s.inProgress.total === 0) return empty(tbody, 7, "nothing in progress");
  tbody.replaceChildren.apply(tbody, s.inProgress.shown.map(function (op) {
    var actions = el("td", "", [
      button("Settle", "settle", function () { settle(op.id); }),
      " ",
      button("Fail", "fail", function () { settle(op.id, byId("fail-code").value); })
    ]);
    var row = el("tr", "", [
      el("td", "", [op.operation]),
      el("td", "code", [op.out_trade_no]),
      el("td", "code muted", [op.syssn]),
      amount(op.txamt, op.txcurrcd),
      code(op.respcd),
      el("td", "muted", [settlesText(op.settles)]),
      actions
    ]);
    row.setAttribute("data-in-progress", op.id);
    return row;
  }));
}

function renderLog(s) {
  var tbody = byId("log");
  byId("log-count").textContent = s.requests > s.log.length ? "latest " + s.log.length + " of " + s.requests : String(s.requests);
  if (s.log.length === 0) return empty(tbody, 7, "no request yet");
  tbody.replaceChildren.apply(tbody, s.log.map(function (e) {
    var row = el("tr", "", [
      el("td", "num muted", [String(e.index)]),
      el("td", "muted", [new Date(e.at).toLocaleTimeString()]),
      el("td", "code", [e.method + " " + e.path]),
      el("td", "", [e.operation || ""]),
      e.respcd === undefined ? el("td", "muted", ["\\u2014"]) : code(e.respcd, e.meaning),
      el("td", e.fault ? "bad" : "", [e.fault || ""]),
      el("td", e.signatureOk ? "" : "bad", [(e.applied ? "applied" : "not applied") + (e.signatureOk ? "" : ", bad signature")])
    ]);
    row.setAttribute("data-index", String(e.index));
    return row;
  }));
}

function render(s) {
  byId("counts").textContent = "version " + s.version + " \\u00b7 requests: " + s.requests + " \\u00b7 scripts and faults waiting: " + s.queued;
  renderPayments(s);
  renderInProgress(s);
  renderLog(s);
  document.body.setAttribute("data-version", String(s.version));
}

function fields(form) {
  var out = {};
  new FormData(form).forEach(function (value, name) { if (value !== "") out[name] = value; });
  return out;
}

byId("create-payment").addEventListener("submit", function (event) {
  event.preventDefault();
  var f = fields(event.target);
  var body = { txamt: Number(f.txamt), pay_type: f.pay_type, state: f.state };
  if (f.out_trade_no) body.out_trade_no = f.out_trade_no;
  act("create payment", admin("POST", "/payments", body));
});

byId("add-fault").addEventListener("submit", function (event) {
  event.preventDefault();
  var f = fields(event.target);
  var body = { fault: { kind: f.kind }, times: Number(f.times || "1") };
  if (f.operation) body.operation = f.operation;
  act("add fault " + f.kind, admin("POST", "/faults", body));
});

byId("clear-faults").addEventListener("click", function () {
  act("clear faults", admin("DELETE", "/faults"));
});

function connect() {
  var status = byId("status");
  var source = new EventSource("/_sandbox/events");
  source.addEventListener("open", function () { status.textContent = "live"; status.className = "live"; });
  source.addEventListener("error", function () { status.textContent = "reconnecting\\u2026"; status.className = "down"; });
  source.addEventListener("snapshot", function (event) { render(JSON.parse(event.data)); });
}
connect();
`

/** The dashboard page. */
export const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>QFPay sandbox</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>QFPay sandbox</h1>
  <span id="status">connecting\u2026</span>
  <span id="counts" class="muted"></span>
</header>
<div id="message" role="status"></div>
<div class="forms">
  <form id="create-payment">
    <h3>Create a payment</h3>
    <label>amount (cents)<input name="txamt" type="number" min="1" value="1000" required></label>
    <label>pay type<input name="pay_type" value="800101" pattern="[0-9]{6}" size="7" required></label>
    <label>state<select name="state"><option value="paid">paid</option><option value="pending">pending</option></select></label>
    <label>out_trade_no<input name="out_trade_no" placeholder="generated" size="12"></label>
    <button type="submit">Create</button>
  </form>
  <form id="add-fault">
    <h3>Add a fault</h3>
    <label>operation<select name="operation">
      <option value="">any</option><option>refund</option><option>reversal</option><option>close</option><option>query</option><option>payment</option>
    </select></label>
    <label>kind<select name="kind">
      <option>rate-limited</option><option>server-error</option><option>lost-before</option><option>lost-after</option>
      <option>non-json</option><option>truncated-json</option><option>latency</option>
    </select></label>
    <label>times<input name="times" type="number" min="1" value="1"></label>
    <button type="submit">Add</button>
    <button type="button" id="clear-faults">Clear faults</button>
  </form>
</div>
<h2>Payments <small id="payments-count"></small></h2>
<table>
  <thead><tr><th>out_trade_no</th><th>syssn</th><th>pay type</th><th class="num">amount</th><th>state</th><th class="num">refunded</th><th class="num">refunding</th><th class="num">refundable</th><th>respcd</th></tr></thead>
  <tbody id="payments"></tbody>
</table>
<h2>In progress <small id="in-progress-count"></small></h2>
<p class="muted note">Settle ends an operation as succeeded now; Fail ends it with the code <input id="fail-code" aria-label="failure code" value="1297" pattern="[0-9]{4}" size="5">.</p>
<table>
  <thead><tr><th>operation</th><th>out_trade_no</th><th>syssn</th><th class="num">amount</th><th>respcd</th><th>settles</th><th></th></tr></thead>
  <tbody id="in-progress"></tbody>
</table>
<h2>Requests <small id="log-count"></small></h2>
<table>
  <thead><tr><th class="num">#</th><th>at</th><th>request</th><th>operation</th><th>respcd</th><th>fault</th><th></th></tr></thead>
  <tbody id="log"></tbody>
</table>
<script>${script}</script>
</body>
</html>
`
