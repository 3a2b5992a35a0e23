// The composer's searchable pickers (saved replies: saved-replies.js; articles:
// articles.js): a search box under the textarea filtering the items by every word,
// arrows to move, Enter (or a click) to choose, Escape or leaving it to cancel.
//
// PostroomPicker.open(area, {
//   id, searchTestid, listTestid, placeholder, empty,
//   load: () => Promise<items>, haystack: item => text searched,
//   render: (li, item, choose) => fills the row (choose(how) picks it with a "how"),
//   pick: (item, how, at) => called once chosen (how: "click", "enter", "shift-enter"
//     or a row's own), at the caret position it opened at,
//   cancel: () => called when closed without a choice (optional)
// })
// PostroomPicker.insert(area, text, at): text into the textarea at ``at``.
window.PostroomPicker = (function () {
  "use strict";

  function insert(area, text, at) {
    var before = area.value.slice(0, at), after = area.value.slice(at);
    area.value = before + text + after;
    var caret = at + text.length;
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function open(area, o) {
    var existing = document.getElementById(o.id);
    if (existing) existing.remove();
    var at = area.selectionStart;
    var picker = document.createElement("div");
    picker.id = o.id;
    picker.className = "saved-picker";
    picker.setAttribute("role", "dialog");
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = o.placeholder;
    search.setAttribute("aria-label", o.placeholder);
    search.setAttribute("data-testid", o.searchTestid);
    var list = document.createElement("ul");
    list.setAttribute("role", "listbox");
    list.setAttribute("data-testid", o.listTestid);
    picker.appendChild(search);
    picker.appendChild(list);
    area.insertAdjacentElement("afterend", picker);
    var items = [], shown = [], active = 0;

    function choose(item, how) {
      picker.remove();
      o.pick(item, how, at);
      area.focus();
    }

    function cancel() {
      if (o.cancel) o.cancel(at);
      picker.remove();
      area.focus();
    }

    function paint() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      shown = items.filter(function (it) {
        var hay = o.haystack(it).toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
      active = Math.min(active, Math.max(0, shown.length - 1));
      list.innerHTML = "";
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = o.empty;
        list.appendChild(none);
      }
      shown.forEach(function (it, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.className = i === active ? "active" : "";
        o.render(li, it, function (how) { choose(it, how); });
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          choose(it, "click");
        });
        list.appendChild(li);
      });
    }

    search.addEventListener("input", function () { active = 0; paint(); });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { active = Math.min(active + 1, shown.length - 1); paint(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(active - 1, 0); paint(); e.preventDefault(); }
      else if (e.key === "Enter") {
        e.preventDefault();
        if (shown[active]) choose(shown[active], e.shiftKey ? "shift-enter" : "enter");
      } else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); cancel(); }
    });
    search.addEventListener("blur", function () {
      setTimeout(function () { if (picker.isConnected) cancel(); }, 150);
    });
    o.load().then(function (found) { items = found; paint(); });
    search.focus();
  }

  return { open: open, insert: insert };
})();
