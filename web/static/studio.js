// The schema studio: zones over the blank form's pages, each tied to its field's inputs. Drag a zone to move it,
// its corner to resize it; N then drag on a page draws a new zone (a new field). A chosen zone moves with the
// arrows (Shift: 10 points), resizes with Alt+arrows, and Delete removes its field. Every change is checked by the
// server's strict loader (the same as `demat schema check`); its errors appear under each field.
(function () {
  "use strict";
  var form = document.getElementById("studio");
  if (!form) { return; }
  var rows = document.getElementById("rows");
  var selected = null;  // the row number of the chosen field
  var drawing = false;
  var timer = null;

  function pages() { return Array.prototype.slice.call(document.querySelectorAll(".studio-page")); }
  function pageOf(n) { return document.querySelector('.studio-page[data-page="' + n + '"]'); }
  function row(i) { return document.getElementById("row-" + i); }
  function zone(i) { return document.querySelector('.studio-zone[data-row="' + i + '"]'); }
  function input(i, key) { var r = row(i); return r && r.querySelector('[name="f.' + i + "." + key + '"]'); }
  function round(v) { return Math.round(v * 10) / 10; }

  function readZone(i) {
    var parts = (input(i, "zone").value || "").split(",").map(function (s) { return parseFloat(s); });
    return parts.length === 4 && parts.every(function (v) { return !isNaN(v); }) ? parts : null;
  }
  function fit(el, fig, z) {  // a box over a page, from a zone in page points
    var w = parseFloat(fig.dataset.w), h = parseFloat(fig.dataset.h);
    el.style.left = (100 * z[0] / w) + "%"; el.style.top = (100 * z[1] / h) + "%";
    el.style.width = (100 * (z[2] - z[0]) / w) + "%"; el.style.height = (100 * (z[3] - z[1]) / h) + "%";
  }
  function place(i) {  // the zone's box from its field's page and zone inputs
    var z = readZone(i), n = parseInt(input(i, "page").value, 10), fig = pageOf(n), el = zone(i);
    if (!z || !fig) { if (el) { el.remove(); } return; }
    if (!el) { el = makeZone(i); }
    if (el.parentNode !== fig) { fig.appendChild(el); }
    fit(el, fig, z);
    el.querySelector(".tag").textContent = input(i, "name").value;
    el.title = input(i, "name").value;
  }
  function makeZone(i) {
    var el = document.createElement("span");
    el.className = "zone studio-zone"; el.dataset.row = i; el.tabIndex = 0;
    var tag = document.createElement("span"); tag.className = "tag"; el.appendChild(tag);
    var handle = document.createElement("span"); handle.className = "handle"; el.appendChild(handle);
    wire(el);
    return el;
  }
  function setZone(i, z) {
    input(i, "zone").value = z.map(round).join(", ");
    place(i);
  }
  function writeZone(i, z) {
    setZone(i, z);
    changed();
  }
  function choose(i, scroll) {
    document.querySelectorAll(".selected").forEach(function (e) { e.classList.remove("selected"); });
    selected = i;
    if (i === null) { return; }
    var r = row(i), el = zone(i);
    if (r) { r.classList.add("selected"); if (scroll) { r.scrollIntoView({block: "nearest"}); } }
    if (el) { el.classList.add("selected"); }
  }
  function pointIn(fig, e) {  // page points under the pointer
    var rect = fig.getBoundingClientRect();
    return [(e.clientX - rect.left) / rect.width * parseFloat(fig.dataset.w),
            (e.clientY - rect.top) / rect.height * parseFloat(fig.dataset.h)];
  }

  function wire(el) {
    el.addEventListener("pointerdown", function (e) {
      if (drawing) { return; }
      e.preventDefault(); e.stopPropagation();
      var i = el.dataset.row, fig = el.parentNode, start = pointIn(fig, e), z0 = readZone(i);
      var resizing = e.target.classList.contains("handle");
      choose(i, true); el.focus();
      if (!z0) { return; }
      el.setPointerCapture(e.pointerId);
      function move(ev) {
        var p = pointIn(fig, ev), dx = p[0] - start[0], dy = p[1] - start[1];
        var z = resizing ? [z0[0], z0[1], Math.max(z0[0] + 2, z0[2] + dx), Math.max(z0[1] + 2, z0[3] + dy)]
                         : [z0[0] + dx, z0[1] + dy, z0[2] + dx, z0[3] + dy];
        setZone(i, z);
      }
      function up() {
        el.removeEventListener("pointermove", move); el.removeEventListener("pointerup", up);
        changed();
      }
      el.addEventListener("pointermove", move); el.addEventListener("pointerup", up);
    });
    el.addEventListener("keydown", function (e) {
      var i = el.dataset.row, z = readZone(i);
      if (!z) { return; }
      var step = e.shiftKey ? 10 : 1, d = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step],
                                          ArrowDown: [0, step]}[e.key];
      if (d) {
        e.preventDefault();
        if (e.altKey) { z[2] = Math.max(z[0] + 2, z[2] + d[0]); z[3] = Math.max(z[1] + 2, z[3] + d[1]); }
        else { z = [z[0] + d[0], z[1] + d[1], z[2] + d[0], z[3] + d[1]]; }
        writeZone(i, z);
      } else if (e.key === "Delete") {
        e.preventDefault();
        var box = input(i, "delete"); box.checked = true; box.dispatchEvent(new Event("change", {bubbles: true}));
      } else if (e.key === "Enter") {
        e.preventDefault(); input(i, "name").focus();
      }
    });
  }
  document.querySelectorAll(".studio-zone").forEach(wire);

  // Drawing a new zone: N (or the pointer with Shift held) then drag on a page.
  function nextRow() {
    var max = -1;
    rows.querySelectorAll(".studio-row").forEach(function (r) { max = Math.max(max, parseInt(r.dataset.row, 10)); });
    return max + 1;
  }
  function addRow(n, z) {
    var i = nextRow();
    var html = document.getElementById("new-row").innerHTML.replace(/__i__/g, String(i));
    rows.insertAdjacentHTML("beforeend", html);
    input(i, "page").value = n;
    input(i, "name").value = "champ_" + (i + 1);
    setZone(i, z); choose(i, true);
    input(i, "name").focus(); input(i, "name").select();
    changed();
  }
  pages().forEach(function (fig) {
    fig.addEventListener("pointerdown", function (e) {
      if (!drawing && !e.shiftKey) { return; }
      e.preventDefault();
      var start = pointIn(fig, e), box = document.createElement("span");
      box.className = "zone studio-zone selected"; fig.appendChild(box);
      fig.setPointerCapture(e.pointerId);
      function rect(ev) {
        var p = pointIn(fig, ev);
        return [Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.max(start[0], p[0]), Math.max(start[1], p[1])];
      }
      function move(ev) { fit(box, fig, rect(ev)); }
      function up(ev) {
        fig.removeEventListener("pointermove", move); fig.removeEventListener("pointerup", up);
        box.remove(); setDrawing(false);
        var z = rect(ev);
        if (z[2] - z[0] >= 3 && z[3] - z[1] >= 3) { addRow(fig.dataset.page, z); }
      }
      fig.addEventListener("pointermove", move); fig.addEventListener("pointerup", up);
    });
  });
  function setDrawing(on) {
    drawing = on;
    pages().forEach(function (fig) { fig.classList.toggle("drawing", on); });
  }
  document.addEventListener("keydown", function (e) {
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test((e.target || {}).tagName || "");
    if (!typing && (e.key === "n" || e.key === "N") && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault(); setDrawing(!drawing);
    } else if (e.key === "Escape" && drawing) { setDrawing(false); }
  });

  // The form: choosing a row chooses its zone; typing in its zone or page moves it; every change is checked.
  rows.addEventListener("focusin", function (e) {
    var r = e.target.closest(".studio-row");
    if (r && r.dataset.row !== selected) { choose(r.dataset.row, false); }
  });
  form.addEventListener("input", function (e) {
    var r = e.target.closest(".studio-row");
    if (r && (e.target.classList.contains("zone-input") || e.target.classList.contains("pg")
              || e.target.classList.contains("name"))) { place(r.dataset.row); }
    changed();
  });
  form.addEventListener("change", function (e) {
    if (e.target.classList.contains("delete")) {
      var r = e.target.closest(".studio-row"), el = zone(r.dataset.row);
      r.classList.toggle("deleted", e.target.checked);
      if (el) { el.hidden = e.target.checked; }
    }
    changed();
  });
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  }
  function check() {
    var data = new FormData(form);
    data.set("action", "check");
    fetch(form.getAttribute("action"), {method: "POST", body: data, headers: {"X-Studio": "check"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (res) { if (res) { show(res); } });
  }
  function show(res) {
    var live = Array.prototype.slice.call(rows.querySelectorAll(".studio-row"))
      .filter(function (r) { return !input(r.dataset.row, "delete").checked; });
    rows.querySelectorAll(".studio-row").forEach(function (r) {
      r.classList.remove("invalid");
      r.querySelector(".errors").textContent = "";
      var el = zone(r.dataset.row); if (el) { el.classList.remove("invalid"); }
    });
    live.forEach(function (r, k) {
      var errs = res.fields[String(k)] || [];
      if (!errs.length) { return; }
      r.classList.add("invalid");
      var el = zone(r.dataset.row); if (el) { el.classList.add("invalid"); }
      var ul = r.querySelector(".errors");
      errs.forEach(function (msg) { var li = document.createElement("li"); li.textContent = msg; ul.appendChild(li); });
    });
    var general = document.getElementById("general");
    general.textContent = "";
    res.general.forEach(function (msg) { var li = document.createElement("li"); li.textContent = msg; general.appendChild(li); });
    var status = document.getElementById("status");
    status.className = res.ok ? "saved" : "problem";
    status.textContent = res.ok ? status.dataset.ok : status.dataset.errors;
    form.dataset.checked = res.ok ? "ok" : "errors";
  }
})();
