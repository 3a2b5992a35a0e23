// The list's bulk selection: tick rows (shift-click for a range, `x` on the selected
// row, "Select all on this page"), and the bar with what to do appears with the count.
// The ticked ids live here, so a live refresh of the list keeps them.
(function () {
  "use strict";
  var picked = new Set();
  var anchor = null;

  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("#conversation-list .pick-box")); }

  function count() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var n = picked.size;
    form.querySelector(".bulk-count").textContent = n === 1 ? form.dataset.one : form.dataset.many.replace("%n", n);
  }

  function showBar() {
    var slot = document.getElementById("bulk-bar");
    var tools = document.querySelector(".list-tools[data-bulk-url]");
    if (!slot || !tools) return;
    slot.hidden = picked.size === 0;
    if (picked.size && !slot.firstElementChild && !slot.dataset.loading) {
      slot.dataset.loading = "1";
      fetch(tools.dataset.bulkUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          slot.innerHTML = html;
          if (window.htmx) window.htmx.process(slot);
          count();
        })
        .finally(function () { delete slot.dataset.loading; });
    }
    count();
  }

  function sync() {
    var list = boxes();
    var present = new Set(list.map(function (b) { return b.value; }));
    picked.forEach(function (id) { if (!present.has(id)) picked.delete(id); });
    list.forEach(function (b) {
      b.checked = picked.has(b.value);
      b.closest("tr").classList.toggle("picked", b.checked);
    });
    var all = document.getElementById("pick-all");
    if (all) {
      all.checked = list.length > 0 && list.every(function (b) { return b.checked; });
      all.indeterminate = !all.checked && picked.size > 0;
    }
    showBar();
  }

  function set(box, on) { if (on) picked.add(box.value); else picked.delete(box.value); }

  document.addEventListener("click", function (e) {
    var box = e.target.closest && e.target.closest(".pick-box");
    if (box) {
      var list = boxes();
      var from = anchor === null ? -1 : list.findIndex(function (b) { return b.value === anchor; });
      if (e.shiftKey && from >= 0) {
        var to = list.indexOf(box);
        for (var i = Math.min(from, to); i <= Math.max(from, to); i++) set(list[i], box.checked);
      } else {
        set(box, box.checked);
      }
      anchor = box.value;
      sync();
      return;
    }
    if (e.target.closest && e.target.closest("[data-bulk-clear]")) {
      picked.clear();
      anchor = null;
      sync();
      return;
    }
    var confirmer = e.target.closest && e.target.closest("#bulk-form button[data-confirm]");
    if (confirmer && !window.confirm(confirmer.dataset.confirm)) e.preventDefault();
  });

  document.addEventListener("change", function (e) {
    if (e.target.id !== "pick-all") return;
    boxes().forEach(function (b) { set(b, e.target.checked); });
    sync();
  });

  // Capture: before htmx (boosted forms) reads the form's values.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id !== "bulk-form") return;
    form.querySelectorAll("input[name=ids]").forEach(function (i) { i.remove(); });
    picked.forEach(function (id) {
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "ids"; input.value = id;
      form.appendChild(input);
    });
    form.querySelector("input[name=next]").value = location.pathname + location.search;
    picked.clear();
    anchor = null;
  }, true);

  // `x` (keys.js) toggles the row selected with j/k, or the row holding the focus.
  window.postroomToggleRow = function () {
    var row = document.querySelector("#conversation-list tr.row.selected") ||
      (document.activeElement && document.activeElement.closest && document.activeElement.closest("#conversation-list tr.row"));
    var box = row && row.querySelector(".pick-box");
    if (!box) return false;
    box.click();
    return true;
  };

  document.addEventListener("postroom:refreshed", sync);
  document.addEventListener("htmx:afterSettle", sync);
  document.addEventListener("DOMContentLoaded", sync);
})();
