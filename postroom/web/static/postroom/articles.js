// Knowledge-base articles in the reply composer: the "Articles" button opens a picker
// searching the titles and texts of the articles that apply in this conversation; each
// goes into the reply at the caret as a link to its help-centre page (public ones) or as
// its text (Markdown). The picker is the saved replies' (picker.js).
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

  function asLink(item) {
    return "[" + item.title.replace(/[\[\]]/g, "") + "](" + item.url + ")";
  }

  function button(label, testid, choose, how) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "picker-insert";
    b.textContent = label;
    b.setAttribute("data-testid", testid);
    b.addEventListener("mousedown", function (e) { e.preventDefault(); e.stopPropagation(); choose(how); });
    return b;
  }

  function open(area) {
    window.PostroomPicker.open(area, {
      id: "article-picker",
      searchTestid: "article-search",
      listTestid: "article-options",
      placeholder: area.dataset.articlesSearch || "Search articles",
      empty: area.dataset.articlesEmpty || "No article matches.",
      load: function () { return load(area); },
      haystack: function (it) { return it.title + " " + it.body; },
      render: function (li, it, choose) {
        var title = document.createElement("strong");
        title.textContent = it.title;
        var where = document.createElement("span");
        where.className = "muted";
        where.textContent = " " + it.category + " ";
        li.appendChild(title);
        li.appendChild(where);
        if (it.url) li.appendChild(button(area.dataset.articlesLink || "Insert link", "insert-link", choose, "link"));
        li.appendChild(button(area.dataset.articlesText || "Insert text", "insert-text", choose, "text"));
      },
      // A click or Enter: its link when it has one; Shift+Enter or "Insert text": its text.
      pick: function (it, how, at) {
        var link = it.url && (how === "link" || how === "click" || how === "enter");
        window.PostroomPicker.insert(area, link ? asLink(it) : it.body, at);
      }
    });
  }

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest("[data-open-articles]");
    if (!button) return;
    e.preventDefault();
    var area = button.form && button.form.querySelector("textarea[data-articles]");
    if (area) { area.focus(); open(area); }
  });
})();
