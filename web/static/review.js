// The review station's keyboard: Enter confirms a field and goes to the next doubtful one; Ctrl+Enter accepts
// the record; Alt+R rejects it (asking its reason first); Alt+P postpones it; Alt+N opens the next record.
// Space ticks a box (the browser's). Alt+C, in a field that has one, takes its suggestion (a valid value with one
// doubtful character read otherwise), as a click on it does.
(function () {
  "use strict";
  document.querySelectorAll(".zone").forEach(function (z) {
    z.style.left = z.dataset.x + "%"; z.style.top = z.dataset.y + "%";
    z.style.width = z.dataset.w + "%"; z.style.height = z.dataset.h + "%";
  });
  document.addEventListener("keydown", function (e) {  // Alt+N: the next record, from any page that offers it
    var next = document.getElementById("next");
    if (next && e.altKey && (e.key === "n" || e.key === "N")) { e.preventDefault(); next.click(); }
  });
  var grid = document.getElementById("group");  // group verification: Ctrl+Enter confirms the grid
  if (grid) {
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); grid.requestSubmit(); }
    });
    var first = grid.querySelector(".cell.doubtful .value") || grid.querySelector(".value");
    if (first) { first.focus(); }
  }
  var form = document.getElementById("review");
  if (!form) { return; }
  var fields = Array.prototype.slice.call(form.querySelectorAll(".field"));
  function input(f) { return f.querySelector(".value"); }
  function zoneOf(f) { return document.querySelector('.zone[data-field="' + f.dataset.field + '"]'); }
  function nextDoubtful(after) {
    var start = fields.indexOf(after) + 1;
    for (var i = start; i < fields.length; i++) {
      if (fields[i].classList.contains("doubtful") && !fields[i].classList.contains("confirmed")) { return fields[i]; }
    }
    return null;
  }
  function focusField(f) {
    if (!f) { document.getElementById("accept").focus(); return; }
    var el = input(f); el.focus(); if (el.select && el.type !== "checkbox") { el.select(); }
  }
  fields.forEach(function (f) {
    var el = input(f);
    el.addEventListener("focus", function () {
      fields.forEach(function (g) { var z = zoneOf(g); if (z) { z.classList.remove("current"); } });
      var z = zoneOf(f); if (z) { z.classList.add("current"); z.scrollIntoView({block: "nearest"}); }
    });
    var candidate = f.querySelector(".candidate");
    function take() { el.value = candidate.dataset.value; el.focus(); el.select(); }
    if (candidate) { candidate.addEventListener("click", take); }
    el.addEventListener("keydown", function (e) {
      if (candidate && e.altKey && (e.key === "c" || e.key === "C")) { e.preventDefault(); take(); return; }
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        f.classList.add("confirmed");
        focusField(nextDoubtful(f));
      }
    });
  });
  function press(id) { var b = document.getElementById(id); if (b) { b.click(); } }
  var reason = document.getElementById("reason");
  reason.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.ctrlKey) { e.preventDefault(); press("reject"); }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); press("accept"); }
    else if (e.altKey && (e.key === "r" || e.key === "R")) {
      e.preventDefault();
      if (reason.value.trim()) { press("reject"); } else { reason.focus(); }
    } else if (e.altKey && (e.key === "p" || e.key === "P")) { e.preventDefault(); press("postpone"); }
  });
  var invalid = form.querySelector(".field.invalid");
  focusField(invalid || fields.filter(function (f) { return f.classList.contains("doubtful"); })[0] || null);
}());
