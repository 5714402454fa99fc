/* lcai calculator: results as the user types. Without this script the form posts and
   the server renders the page; with it, each change (debounced) posts the form to
   /fragment, swaps the result in, and keeps the share link in the address bar
   (history.replaceState). No library; nothing is fetched but this server's /fragment. */
(function () {
  "use strict";
  var form = document.getElementById("calc");
  var result = document.getElementById("result");
  if (!form || !result || !window.fetch) { return; }
  var busy = document.getElementById("busy");
  var timer = null;
  var seq = 0;
  var DELAY_MS = 250;

  function state() { return document.getElementById("result-state"); }

  function parse(text) {
    try { return JSON.parse(text || "{}"); } catch (e) { return {}; }
  }

  function setHints(hints) {
    var els = form.querySelectorAll(".hint[data-for]");
    for (var i = 0; i < els.length; i++) {
      var h = hints[els[i].getAttribute("data-for")];
      if (!h) { continue; }
      els[i].querySelector(".unit").textContent = h.unit;
      els[i].querySelector(".default").textContent = h.default;
      var old = els[i].querySelector("a.source");
      if (old) { old.remove(); }
      if (h.source) {
        var a = document.createElement("a");
        a.className = "source";
        a.href = "/sources/" + encodeURIComponent(h.source);
        a.textContent = "[" + h.source + "]";
        els[i].appendChild(document.createTextNode(" "));
        els[i].appendChild(a);
      }
    }
  }

  function setBoxes(values, fromYaml) {
    /* After a YAML edit, the boxes show the YAML's values (not the one being typed in). */
    if (!fromYaml) { return; }
    var els = form.elements;
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (!el.name || el === document.activeElement || el.disabled) { continue; }
      if (el.name === "yaml" || el.name === "samples" || el.type === "checkbox" || el.type === "hidden") { continue; }
      if (Object.prototype.hasOwnProperty.call(values, el.name)) { el.value = values[el.name]; }
      else if (el.tagName !== "BUTTON") { el.value = ""; }
    }
  }

  function apply(html, fromYaml) {
    result.innerHTML = html;
    var st = state();
    if (!st) { return; }
    setHints(parse(st.getAttribute("data-hints")));
    setBoxes(parse(st.getAttribute("data-fields")), fromYaml);
    var yaml = document.getElementById("f-yaml");
    if (yaml && yaml !== document.activeElement && !st.getAttribute("data-error")) {
      yaml.value = st.getAttribute("data-yaml");
    }
    var share = st.getAttribute("data-share");
    if (share && window.history && history.replaceState) {
      history.replaceState(null, "", share);
    }
    result.setAttribute("data-seq", String(seq));
    document.dispatchEvent(new CustomEvent("lcai:result", { detail: { seq: seq } }));
  }

  function send(fromYaml) {
    var mine = ++seq;
    var body = new URLSearchParams(new FormData(form));
    if (fromYaml) {
      /* The YAML was edited: it alone is the state (the boxes follow it). */
      var keep = new URLSearchParams();
      body.forEach(function (v, k) {
        if (k === "yaml" || k === "samples" || k === "form" || k === "sensitivity" || k === "scenarios") { keep.append(k, v); }
      });
      body = keep;
    }
    if (busy) { busy.hidden = false; }
    fetch("/fragment", { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { if (mine === seq) { apply(html, fromYaml); } })
      .catch(function () { /* the server went away: the form still posts */ })
      .then(function () { if (mine === seq && busy) { busy.hidden = true; } });
  }

  function schedule(ev) {
    var fromYaml = ev.target && ev.target.name === "yaml";
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(function () { timer = null; send(fromYaml); }, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", function (ev) {
    if (ev.target && (ev.target.tagName === "SELECT" || ev.target.type === "checkbox")) { schedule(ev); }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (timer) { clearTimeout(timer); timer = null; }
    send(false);
  });
  document.documentElement.setAttribute("data-enhanced", "1");
  var st = state();
  if (st && st.getAttribute("data-share") && window.history && history.replaceState) {
    history.replaceState(null, "", st.getAttribute("data-share"));
  }
})();
