// Knowledge-base articles in the reply composer: the "Articles" button opens a picker
// searching the titles and texts of the articles that apply in this conversation; each
// goes into the reply at the caret as a link to its help-centre page (public ones) or as
// its text (Markdown). Shaped like the saved-reply picker (saved-replies.js).
(function () {
  "use strict";

  var cache = {};

  function load(area) {
    var url = area.dataset.articles;
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
        .then(function (data) { return data.articles; });
    }
    return cache[url];
  }

  function insert(area, text, at) {
    var before = area.value.slice(0, at), after = area.value.slice(at);
    area.value = before + text + after;
    var caret = at + text.length;
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function asLink(item) {
    return "[" + item.title.replace(/[\[\]]/g, "") + "](" + item.url + ")";
  }

  function open(area) {
    var existing = document.getElementById("article-picker");
    if (existing) existing.remove();
    var at = area.selectionStart;
    var picker = document.createElement("div");
    picker.id = "article-picker";
    picker.className = "saved-picker";
    picker.setAttribute("role", "dialog");
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = area.dataset.articlesSearch || "Search articles";
    search.setAttribute("aria-label", search.placeholder);
    search.setAttribute("data-testid", "article-search");
    var list = document.createElement("ul");
    list.setAttribute("role", "listbox");
    list.setAttribute("data-testid", "article-options");
    picker.appendChild(search);
    picker.appendChild(list);
    area.insertAdjacentElement("afterend", picker);
    var items = [], shown = [], active = 0;

    function done(text) {
      picker.remove();
      insert(area, text, at);
      area.focus();
    }

    function button(label, testid, text) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "picker-insert";
      b.textContent = label;
      b.setAttribute("data-testid", testid);
      b.addEventListener("mousedown", function (e) { e.preventDefault(); e.stopPropagation(); done(text); });
      return b;
    }

    function paint() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      shown = items.filter(function (it) {
        var hay = (it.title + " " + it.body).toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
      active = Math.min(active, Math.max(0, shown.length - 1));
      list.innerHTML = "";
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = area.dataset.articlesEmpty || "No article matches.";
        list.appendChild(none);
      }
      shown.forEach(function (it, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.className = i === active ? "active" : "";
        var title = document.createElement("strong");
        title.textContent = it.title;
        var where = document.createElement("span");
        where.className = "muted";
        where.textContent = " " + it.category + " ";
        li.appendChild(title);
        li.appendChild(where);
        if (it.url) li.appendChild(button(area.dataset.articlesLink || "Link", "insert-link", asLink(it)));
        li.appendChild(button(area.dataset.articlesText || "Text", "insert-text", it.body));
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          done(it.url ? asLink(it) : it.body);
        });
        list.appendChild(li);
      });
    }

    search.addEventListener("input", function () { active = 0; paint(); });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { active = Math.min(active + 1, shown.length - 1); paint(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(active - 1, 0); paint(); e.preventDefault(); }
      else if (e.key === "Enter") {
        // Enter: its link when it has one; Shift+Enter: its text.
        e.preventDefault();
        var it = shown[active];
        if (it) done(it.url && !e.shiftKey ? asLink(it) : it.body);
      } else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); picker.remove(); area.focus(); }
    });
    search.addEventListener("blur", function () {
      setTimeout(function () { if (picker.isConnected) { picker.remove(); } }, 150);
    });
    load(area).then(function (found) { items = found; paint(); });
    search.focus();
  }

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("[data-open-articles]");
    if (!button) return;
    e.preventDefault();
    var area = button.form && button.form.querySelector("textarea[data-articles]");
    if (area) { area.focus(); open(area); }
  });
})();
