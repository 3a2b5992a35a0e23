// Small behaviours for the agent app. Everything works without this file; it only smooths.
(function () {
  "use strict";

  // The words the scripts write themselves, in the viewer's language: the page's
  // #postroom-texts data block (postroom_tags.script_texts); English when it is missing.
  var texts = null;
  window.postroomText = function (key, fallback) {
    if (texts === null) {
      var block = document.getElementById("postroom-texts");
      try { texts = block ? JSON.parse(block.textContent) : {}; } catch (e) { texts = {}; }
    }
    return texts[key] || fallback;
  };

  // Size sandboxed message frames to their content. The frames may not run script
  // (no allow-scripts), but share our origin so the parent can measure them.
  // The content's own height: the root box, which holds the body's margins (the frame's
  // documentElement.scrollHeight never drops below the frame, so it could only grow).
  function fitFrame(frame) {
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.body || !frame.getClientRects().length) return;  // folded away
      var height = Math.ceil(Math.max(doc.documentElement.getBoundingClientRect().height, doc.body.scrollHeight));
      frame.style.height = height + "px";
    } catch (e) { /* cross-origin: keep the default height */ }
  }

  // Again whenever its body changes size: opening the message, images arriving (the
  // "Load images" page, or slow ones), the window's width changing the line breaks.
  function watchFrame(frame) {
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.body || frame._watching === doc.body) return;
      frame._watching = doc.body;
      if (window.ResizeObserver) new ResizeObserver(function () { fitFrame(frame); }).observe(doc.body);
      // Images as they load, for browsers whose observer misses a late reflow.
      doc.addEventListener("load", function () { fitFrame(frame); }, true);
    } catch (e) { /* cross-origin: nothing to watch */ }
    fitFrame(frame);
  }

  function initComposerTabs(root) {
    root.querySelectorAll(".composer .tab").forEach(function (tab) {
      tab.addEventListener("click", function () {
        var composer = tab.closest(".composer");
        composer.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t === tab); });
        composer.querySelectorAll(".pane").forEach(function (p) {
          p.classList.toggle("hidden", p.dataset.pane !== tab.dataset.tab);
        });
      });
    });
  }

  // Undo send: count the seconds down on the button, and hide it when the window closes
  // (the outbox then sends the message; the delivery state updates by itself).
  function initUndo(root) {
    root.querySelectorAll("button[data-undo-seconds]:not([data-counting])").forEach(function (button) {
      var left = parseInt(button.dataset.undoSeconds, 10) || 0;
      var label = button.querySelector(".countdown");
      button.dataset.counting = "1";
      var timer = setInterval(function () {
        left -= 1;
        if (!document.contains(button)) { clearInterval(timer); return; }
        if (left <= 0) {
          clearInterval(timer);
          var form = button.closest("form");
          if (form) form.classList.add("hidden");
          return;
        }
        if (label) label.textContent = String(left);
      }, 1000);
    });
  }

  // Times relative to now ("in 3 hours", "5 minutes ago") are worked out here, on the
  // viewer's clock, and again every minute: pages are cached and may be served hours
  // after they were rendered, so the server writes only absolute times
  // (<time datetime="..." data-relative>, docs/web-app.md). Without this script the
  // absolute time stays, which is just as true.
  var UNITS = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60]];

  // The largest unit the time is nearly one of ("in 1 hour" from 54 minutes on): the
  // minute timer never fires exactly on the hour.
  function relative(seconds, format) {
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] * 0.9) return format.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
    }
    return format.format(0, "minute");
  }

  function showRelativeTimes(root) {
    if (!window.Intl || !Intl.RelativeTimeFormat) return;
    var format = new Intl.RelativeTimeFormat(document.documentElement.lang || undefined, { numeric: "auto" });
    var now = Date.now();
    root.querySelectorAll("time[data-relative]").forEach(function (el) {
      var at = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(at)) el.textContent = relative((at - now) / 1000, format);
    });
  }

  function init(root) {
    root.querySelectorAll("iframe.msg-html").forEach(function (f) {
      f.addEventListener("load", function () { watchFrame(f); });
      var details = f.closest("details");
      if (details) details.addEventListener("toggle", function () { watchFrame(f); fitFrame(f); });
      watchFrame(f);
    });
    initComposerTabs(root);
    initUndo(root);
    showRelativeTimes(root);
  }

  setInterval(function () { showRelativeTimes(document); }, 60000);
  window.addEventListener("resize", function () {
    document.querySelectorAll("iframe.msg-html").forEach(fitFrame);
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { init(evt.detail.elt || document); });
  document.addEventListener("postroom:refreshed", function () { initUndo(document); });

  // Narrow screens: the menu button opens the sidebar over the page; Escape, a click
  // beside it or following one of its links (a new page) closes it.
  function setMenu(open) {
    var app = document.querySelector(".app");
    var button = document.querySelector(".menu-button");
    if (!app || !button) return;
    app.classList.toggle("menu-open", open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { var first = document.querySelector("#sidebar a"); if (first) first.focus(); }
  }
  document.addEventListener("click", function (e) {
    var app = document.querySelector(".app.menu-open");
    if (e.target.closest && e.target.closest(".menu-button")) { setMenu(!app); return; }
    if (app && !e.target.closest("#sidebar")) setMenu(false);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && document.querySelector(".app.menu-open")) {
      setMenu(false);
      document.querySelector(".menu-button").focus();
    }
  });

  // A message's "⋯" menu (a <details>): Escape closes it and gives the focus back to
  // its button; a click elsewhere closes it. Opening and choosing work without this.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var menu = e.target.closest && e.target.closest("details.msg-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.msg-menu[open]").forEach(function (menu) {
      if (!menu.contains(e.target)) menu.open = false;
    });
  });
})();
