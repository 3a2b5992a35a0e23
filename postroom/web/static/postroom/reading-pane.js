// The reading pane: on wide screens the inbox list and the open conversation side by
// side. A row (click, Enter, j/k) loads the conversation's pane fragment (the same view
// as its page, so opening it reads it) without reloading the list. The address becomes
// the inbox's with ?conversation=<id>, so a reload or a shared link opens the same one;
// on a narrow screen that address leads on to the conversation's own page.
// Without this script (or on a narrow screen) rows are links to the conversation page.
(function () {
  "use strict";

  var WIDE = window.matchMedia("(min-width: 1200px)");
  var PARAM = "conversation";

  function pane() { return document.getElementById("reading-pane"); }
  function list() { return document.getElementById("conversation-list"); }
  function active() { return !!pane() && !!list() && WIDE.matches; }

  function rowLink(row) { return row.querySelector("td.what a[href]"); }

  // The conversation page's address for an id, from the pane's data (no path is spelled here).
  function pageUrl(id) { return pane().dataset.pageUrl.replace("/0/", "/" + id + "/"); }

  function rowFor(id) {
    var el = list();
    return el ? el.querySelector('tr.row[data-conversation="' + id + '"]') : null;
  }

  function paneUrl() {
    var body = pane() && pane().querySelector("[data-pane-url]");
    return body ? body.dataset.paneUrl : null;
  }

  function shownId() {
    var convo = pane() && pane().querySelector("#conversation");
    return convo ? convo.dataset.conversation : null;
  }

  // The row of the conversation in the pane is the selected one (j/k read it), and is
  // read: the view marked it so when it answered.
  function markRow() {
    var id = shownId();
    var el = list();
    if (!el) return;
    el.querySelectorAll("tr.row").forEach(function (row) {
      var here = row.dataset.conversation === id;
      row.classList.toggle("selected", here);
      row.classList.toggle("in-pane", here);
      if (here) {
        row.setAttribute("aria-current", "true");
        row.classList.remove("unread");
        var dot = row.querySelector(".unread-dot");
        if (dot) dot.remove();
      } else {
        row.removeAttribute("aria-current");
      }
    });
  }

  function addressFor(id) {
    var url = new URL(location.href);
    if (id) url.searchParams.set(PARAM, id); else url.searchParams.delete(PARAM);
    return url.pathname + url.search;
  }

  function load(href, id, push) {
    var url = new URL(href, location.href);
    url.searchParams.set("pane", "1");
    if (push) history.pushState({ htmx: true }, "", addressFor(id));
    return window.htmx.ajax("GET", url.pathname + url.search, { target: "#reading-pane", swap: "innerHTML" });
  }

  function open(row, push) {
    var link = rowLink(row);
    if (!link) return;
    if (row.dataset.conversation === shownId()) { markRow(); return; }
    row.classList.add("selected");
    load(link.getAttribute("href"), row.dataset.conversation, push !== false);
  }

  // keys.js calls this after j/k moved the selection, and Enter clicks the row's link.
  window.postroomPane = {
    active: active,
    open: function (row) { if (active()) open(row, true); }
  };

  document.addEventListener("click", function (e) {
    if (!active() || e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    var row = e.target.closest && e.target.closest("#conversation-list tr.row");
    if (!row || e.target.closest(".pick")) return;  // the bulk tick box
    e.preventDefault();
    e.stopPropagation();  // before htmx's boost sees the link
    open(row, true);
  }, true);

  // The pane's forms post to the conversation (they have no action of their own, so
  // they would post to the inbox's address) and their answer replaces the pane only
  // (it says HX-Push-Url: false, so the address stays the inbox's). The redirect after the post keeps htmx's HX-Target header: the view answers with
  // the pane again. Links to elsewhere navigate the whole page as usual.
  function wire(root) {
    var url = paneUrl();
    if (!url || !pane().contains(root)) return;
    root.querySelectorAll("form").forEach(function (form) {
      var action = form.getAttribute("action");
      if (action && new URL(action, location.href).pathname !== url) return;
      if (!action) form.setAttribute("action", url);
      if (!form.hasAttribute("hx-target")) form.setAttribute("hx-target", "#reading-pane");
    });
    root.querySelectorAll("a[href^='?']").forEach(function (a) {  // "Load images"
      a.setAttribute("href", url + a.getAttribute("href"));
      a.setAttribute("hx-target", "#reading-pane");
    });
  }

  document.addEventListener("htmx:configRequest", function (e) {
    // A form added later without an action still posts to the pane's conversation.
    var form = e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form");
    var url = paneUrl();
    if (url && form && pane().contains(form) && !form.getAttribute("action")) e.detail.path = url;
  });

  // After a change made in the pane, the list shows it too (a closed conversation
  // leaves the Open view): the list is fetched again, as a live refresh does.
  function refreshList() {
    fetch(location.href, { headers: { "X-Live-Refresh": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        [".sidebar", "#conversation-list"].forEach(function (selector) {
          var now = document.querySelector(selector);
          var next = fresh.querySelector(selector);
          if (now && next) { now.replaceWith(next); window.htmx.process(next); }
        });
        markRow();
        document.dispatchEvent(new CustomEvent("postroom:list-refreshed"));
      })
      .catch(function () { /* the next change or live event tries again */ });
  }

  document.addEventListener("htmx:afterSwap", function (e) {
    if (!pane() || e.detail.target !== pane()) return;
    wire(pane());
    markRow();
    pane().scrollTop = 0;
    var verb = (e.detail.requestConfig && e.detail.requestConfig.verb) || "get";
    if (verb.toLowerCase() !== "get") refreshList();
  });
  document.addEventListener("htmx:load", function (e) { if (pane() && pane().contains(e.detail.elt)) wire(e.detail.elt); });
  document.addEventListener("postroom:refreshed", markRow);

  // Open what the address names: on load, after a boosted navigation, after back/forward.
  function fromAddress() {
    var id = new URL(location.href).searchParams.get(PARAM);
    if (!id || !pane() || !/^[0-9]+$/.test(id)) return;
    if (!WIDE.matches) { location.replace(pageUrl(id)); return; }
    if (id === shownId()) { wire(pane()); markRow(); return; }
    var row = rowFor(id);
    load(row && rowLink(row) ? rowLink(row).getAttribute("href") : pageUrl(id), id, false);
  }

  document.addEventListener("DOMContentLoaded", fromAddress);
  document.addEventListener("htmx:historyRestore", fromAddress);
  document.addEventListener("htmx:afterSettle", function (e) { if (e.detail.elt === document.body) fromAddress(); });
})();
