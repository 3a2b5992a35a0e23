// Saved replies in the reply composer: "/" at the start of a line, Ctrl+/ (Cmd+/), or the
// "Saved replies" button opens a picker searching titles and texts; choosing one inserts
// its text (variables filled on the server) at the caret and records the use. Variables
// left without a value are named next to Send; the server refuses to send them. A saved
// reply's files join the draft (listed with the composer's kept files). A saved reply
// created, changed or deleted elsewhere (a live event) refreshes an open picker's list.
(function () {
  "use strict";

  var PLACEHOLDER = /\{\{\s*([^{}\n]*?)\s*\}\}/g;
  var cache = {};
  var reloadOpen = null;  // set while a picker is open

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

  // The server searches (typed words and tag) and ranks; it sends the first 50.
  function load(area, typed, tag) {
    var params = new URLSearchParams();
    var from = area.form.querySelector("select[name=from_inbox]");
    if (from && from.selectedOptions[0] && from.selectedOptions[0].dataset.inbox) {
      params.set("inbox", from.selectedOptions[0].dataset.inbox);
    }
    if (typed) params.set("q", typed);
    if (tag) params.set("tag", tag);
    var url = area.dataset.savedReplies + (params.toString() ? "?" + params : "");
    if (!cache[url]) {
      cache[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { saved_replies: [], tags: [] }; });
    }
    return cache[url];
  }

  function close(picker, area, restoreSlash) {
    if (!picker) return;
    if (restoreSlash && picker.dataset.slash === "1") insert(area, "/", Number(picker.dataset.at));
    picker.remove();
    area.focus();
  }

  function insert(area, text, at) {
    var before = area.value.slice(0, at), after = area.value.slice(at);
    area.value = before + text + after;
    var caret = at + text.length;
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function keep(form, files) {
    var box = form.querySelector("ul.attachments.kept");
    files.forEach(function (f) {
      if (form.querySelector('input[name=keep][value="' + f.value + '"]')) return;
      if (!box) {
        box = document.createElement("ul");
        box.className = "attachments kept";
        var row = form.querySelector(".actions-row");
        var anchor = row || form.querySelector("textarea[data-saved-replies]");
        anchor.insertAdjacentElement(row ? "beforebegin" : "afterend", box);
      }
      var li = document.createElement("li"), label = document.createElement("label");
      var input = document.createElement("input");
      input.type = "checkbox"; input.name = "keep"; input.value = f.value; input.checked = true;
      label.appendChild(input);
      label.appendChild(document.createTextNode(" 📎 " + f.filename));
      li.appendChild(label);
      box.appendChild(li);
    });
  }

  function choose(area, item, at) {
    insert(area, item.rendered, at);
    var token = area.form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(item.use, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" }
    }).then(function (r) { return r.ok ? r.json() : { kept: [] }; })
      .then(function (data) { keep(area.form, data.kept || []); });
    warn(area);
  }

  function open(area, slash) {
    var existing = document.getElementById("saved-reply-picker");
    if (existing) existing.remove();
    var at = area.selectionStart;
    var picker = document.createElement("div");
    picker.id = "saved-reply-picker";
    picker.className = "saved-picker";
    picker.setAttribute("role", "dialog");
    picker.dataset.at = String(at);
    picker.dataset.slash = slash ? "1" : "0";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = area.dataset.pickerSearch || "Search saved replies";
    search.setAttribute("aria-label", search.placeholder);
    search.dataset.testid = "saved-reply-search";
    search.setAttribute("data-testid", "saved-reply-search");
    var list = document.createElement("ul");
    list.setAttribute("role", "listbox");
    list.setAttribute("data-testid", "saved-reply-options");
    var tagFilter = document.createElement("select");
    tagFilter.setAttribute("data-testid", "saved-reply-tag");
    tagFilter.setAttribute("aria-label", area.dataset.pickerTag || "Tag");
    tagFilter.hidden = true;
    picker.appendChild(search);
    picker.appendChild(tagFilter);
    picker.appendChild(list);
    area.insertAdjacentElement("afterend", picker);
    var items = [], shown = [], active = 0, tagNames = [], timer = null;

    function tags() {
      var chosen = tagFilter.value, seen = {}, names = tagNames;
      names.forEach(function (t) { seen[t] = true; });
      tagFilter.innerHTML = "";
      var all = document.createElement("option");
      all.value = ""; all.textContent = area.dataset.pickerAllTags || "All tags";
      tagFilter.appendChild(all);
      names.forEach(function (t) {
        var o = document.createElement("option");
        o.value = t; o.textContent = "#" + t;
        tagFilter.appendChild(o);
      });
      tagFilter.value = seen[chosen] ? chosen : "";
      tagFilter.hidden = !names.length;
    }

    function paint() {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var tag = tagFilter.value;
      shown = items.filter(function (it) {
        if (tag && (it.tags || []).indexOf(tag) < 0) return false;
        var hay = (it.title + " " + it.body).toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) >= 0; });
      });
      active = Math.min(active, Math.max(0, shown.length - 1));
      list.innerHTML = "";
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = area.dataset.pickerEmpty || "No saved reply matches.";
        list.appendChild(none);
      }
      shown.forEach(function (it, i) {
        var li = document.createElement("li");
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", i === active ? "true" : "false");
        li.className = i === active ? "active" : "";
        var title = document.createElement("strong");
        title.textContent = it.title;
        var text = document.createElement("span");
        text.className = "muted";
        text.textContent = " " + it.rendered.slice(0, 90);
        li.setAttribute("data-saved-reply", String(it.id));
        li.appendChild(title);
        li.appendChild(text);
        if (it.attachments && it.attachments.length) {
          var clip = document.createElement("span");
          clip.className = "muted";
          clip.textContent = " 📎 " + it.attachments.length;
          li.appendChild(clip);
        }
        if (it.missing.length) {
          var flag = document.createElement("span");
          flag.className = "missing";
          flag.textContent = " ⚠ " + it.missing.join(", ");
          li.appendChild(flag);
        }
        li.addEventListener("mousedown", function (e) {
          e.preventDefault();
          picker.remove();
          choose(area, it, at);
          area.focus();
        });
        list.appendChild(li);
      });
    }

    function fetchList() {
      load(area, search.value.trim(), tagFilter.value).then(function (data) {
        items = data.saved_replies; tagNames = data.tags || []; tags(); paint();
      });
    }
    search.addEventListener("input", function () {
      active = 0; paint();
      clearTimeout(timer);
      timer = setTimeout(fetchList, 150);
    });
    tagFilter.addEventListener("change", function () { active = 0; fetchList(); search.focus(); });
    tagFilter.addEventListener("mousedown", function () { picker.dataset.choosing = "1"; });
    search.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { active = Math.min(active + 1, shown.length - 1); paint(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { active = Math.max(active - 1, 0); paint(); e.preventDefault(); }
      else if (e.key === "Enter") {
        e.preventDefault();
        if (shown[active]) { picker.remove(); choose(area, shown[active], at); area.focus(); }
      } else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(picker, area, true); }
    });
    search.addEventListener("blur", function () {
      setTimeout(function () {
        if (picker.dataset.choosing === "1" || document.activeElement === tagFilter) {
          picker.dataset.choosing = "0";
          return;
        }
        if (picker.isConnected) close(picker, area, true);
      }, 150);
    });
    tagFilter.addEventListener("blur", function () {
      setTimeout(function () {
        if (picker.isConnected && document.activeElement !== search) close(picker, area, true);
      }, 150);
    });
    reloadOpen = function () {
      if (!picker.isConnected) { reloadOpen = null; return; }
      fetchList();
    };
    fetchList();
    search.focus();
  }

  document.addEventListener("postroom:event", function (e) {
    var event = e.detail && e.detail.event;
    if (!/^saved_reply\.(created|updated|deleted)$/.test(event || "")) return;
    cache = {};
    if (reloadOpen) reloadOpen();
  });

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
