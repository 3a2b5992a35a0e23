// Saved replies in the reply composer: "/" at the start of a line, Ctrl+/ (Cmd+/), or the
// "Saved replies" button opens a picker searching titles and texts; choosing one inserts
// its text (variables filled on the server) at the caret and records the use. Variables
// left without a value are named next to Send; the server refuses to send them.
(function () {
  "use strict";

  var PLACEHOLDER = /\{\{\s*([^{}\n]*?)\s*\}\}/g;
  var cache = {};

  function missingIn(text) {
    var found = [], m;
    PLACEHOLDER.lastIndex = 0;
    while ((m = PLACEHOLDER.exec(text)) !== null) {
      if (found.indexOf(m[1]) < 0) found.push(m[1]);
    }
    return found;
  }

  function warn(area) {
    var box = area.form && area.form.querySelector("[data-saved-missing]");
    if (!box) return;
    var names = missingIn(area.value);
    box.hidden = !names.length;
    box.textContent = names.length
      ? box.dataset.label + " " + names.map(function (n) { return "{{ " + n + " }}"; }).join(", ")
      : "";
  }

  function load(area) {
    var url = area.dataset.savedReplies;
    var from = area.form.querySelector("select[name=from_inbox]");
    if (from && from.selectedOptions[0] && from.selectedOptions[0].dataset.inbox) {
      url += "?inbox=" + from.selectedOptions[0].dataset.inbox;
    }
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { saved_replies: [] }; })
        .then(function (data) { return data.saved_replies; });
    }
    return cache[url];
  }

  function choose(area, item, at) {
    window.PostroomPicker.insert(area, item.rendered, at);
    var token = area.form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(item.use, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" }
    });
    warn(area);
  }

  function open(area, slash) {
    window.PostroomPicker.open(area, {
      id: "saved-reply-picker",
      searchTestid: "saved-reply-search",
      listTestid: "saved-reply-options",
      placeholder: area.dataset.pickerSearch || "Search saved replies",
      empty: area.dataset.pickerEmpty || "No saved reply matches.",
      load: function () { return load(area); },
      haystack: function (it) { return it.title + " " + it.body; },
      render: function (li, it) {
        var title = document.createElement("strong");
        title.textContent = it.title;
        var text = document.createElement("span");
        text.className = "muted";
        text.textContent = " " + it.rendered.slice(0, 90);
        li.appendChild(title);
        li.appendChild(text);
        if (it.missing.length) {
          var flag = document.createElement("span");
          flag.className = "missing";
          flag.textContent = " ⚠ " + it.missing.join(", ");
          li.appendChild(flag);
        }
      },
      pick: function (it, how, at) { choose(area, it, at); },
      // The "/" that opened it goes back where it was typed.
      cancel: function (at) { if (slash) window.PostroomPicker.insert(area, "/", at); }
    });
  }

  document.addEventListener("keydown", function (e) {
    var area = e.target;
    if (!area || !area.matches || !area.matches("textarea[data-saved-replies]")) return;
    var shortcut = e.key === "/" && (e.ctrlKey || e.metaKey);
    var atLineStart = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey &&
      area.selectionStart === area.selectionEnd &&
      (area.selectionStart === 0 || area.value[area.selectionStart - 1] === "\n");
    if (shortcut || atLineStart) {
      e.preventDefault();
      open(area, atLineStart);
    }
  });

  document.addEventListener("input", function (e) {
    if (e.target && e.target.matches && e.target.matches("textarea[data-saved-replies]")) warn(e.target);
  });

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("[data-open-saved-replies]");
    if (!button) return;
    e.preventDefault();
    var area = button.form && button.form.querySelector("textarea[data-saved-replies]");
    if (area) { area.focus(); open(area, false); }
  });

  function scan() {
    document.querySelectorAll("textarea[data-saved-replies]").forEach(warn);
  }
  document.addEventListener("DOMContentLoaded", scan);
  document.addEventListener("htmx:afterSettle", scan);
})();
