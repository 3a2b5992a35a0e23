// Keyboard shortcuts. Press ? for the list. Ignored while typing in a field.
(function () {
  "use strict";

  var HELP = [
    ["j / k", "next / previous conversation"], ["Enter", "open the selected conversation"], ["x", "tick the selected conversation (bulk actions)"],
    ["r", "reply"], ["n", "note"], ["a", "assignee (type a name, Enter chooses)"], ["l", "labels"],
    ["t", "status"], ["p", "priority"], ["s", "snooze"], ["e", "close"],
    ["m", "macro (type its name, Enter applies it)"],
    ["/ or Ctrl+/ in a reply", "saved replies (at the start of a line)"], ["/", "search"], ["?", "show these shortcuts"], ["Esc", "close this list"]
  ];
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#conversation-list tr.row, #search-results tr.row")); }

  // The selection lives in the page (the row's class), so a list refreshed or a row
  // opened in the reading pane by a click keeps it; a new page starts with none.
  function current() {
    return rows().findIndex(function (row) { return row.classList.contains("selected"); });
  }

  function select(index) {
    var list = rows();
    if (!list.length) return;
    var selected = Math.max(0, Math.min(list.length - 1, index));
    list.forEach(function (row, i) { row.classList.toggle("selected", i === selected); });
    list[selected].scrollIntoView({ block: "nearest" });
    // On a wide screen j/k also open it beside the list (reading-pane.js).
    if (window.postroomPane) window.postroomPane.open(list[selected]);
  }

  function click(selector) {
    var el = document.querySelector(selector);
    if (el) el.click();
    return !!el;
  }

  function focus(selector) {
    var el = document.querySelector(selector);
    if (el) { el.focus(); return true; }
    return false;
  }

  function openControl(name) {
    return !!window.postroomOpenControl && window.postroomOpenControl(name);
  }

  function toggleHelp() {
    var box = document.getElementById("shortcut-help");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.id = "shortcut-help";
    box.className = "shortcut-help";
    box.setAttribute("role", "dialog");
    box.innerHTML = "<h2>Keyboard shortcuts</h2><dl>" + HELP.map(function (h) {
      return "<dt><kbd>" + h[0] + "</kbd></dt><dd>" + h[1] + "</dd>";
    }).join("") + "</dl>";
    document.body.appendChild(box);
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
      if (e.key === "Escape") t.blur();
      // In the macro pick-list, Enter applies the macro chosen by typing its name.
      if (e.key === "Enter" && t.matches("#macro-panel select[name=macro]")) {
        e.preventDefault();
        t.form.requestSubmit();
      }
      return;
    }
    var handled = true;
    switch (e.key) {
      case "j": select(current() + 1); break;
      case "k": select(current() - 1); break;
      case "Enter": {
        // A focused link or button answers Enter itself (a row's link: reading-pane.js).
        if (t && t.closest && t.closest("a[href], button, summary")) { handled = false; break; }
        handled = current() >= 0 && click("#conversation-list tr.row.selected td.what a, #search-results tr.row.selected td.what a");
        break;
      }
      case "x": handled = !!window.postroomToggleRow && window.postroomToggleRow(); break;
      case "r": handled = click(".composer .tab[data-tab=reply]") && focus("#reply-form textarea"); break;
      case "n": handled = click(".composer .tab[data-tab=note]") && focus("#note-form textarea"); break;
      // The header's dropdowns (header-controls.js): the key opens one, its filter focused.
      case "a": handled = openControl("assignee"); break;
      case "l": handled = openControl("labels"); break;
      case "t": handled = openControl("status"); break;
      case "p": handled = openControl("priority"); break;
      case "s": handled = openControl("snooze"); break;
      case "e": handled = click("button[data-status=closed]"); break;
      case "m": handled = focus("#macro-panel select[name=macro]"); break;
      case "/": handled = focus("#search-box"); break;
      case "?": toggleHelp(); break;
      case "Escape": { var help = document.getElementById("shortcut-help"); if (help) help.remove(); else handled = false; break; }
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });
})();
