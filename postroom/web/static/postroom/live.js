// Live updates: one websocket per page. The server sends small "this changed" events;
// the page re-fetches itself and swaps the affected parts. Presence (who is viewing or
// replying) travels over the same socket and is never stored.
(function () {
  "use strict";

  var socket = null;
  var retry = 1000;
  var presenceTtl = 20000;
  var people = {};            // user id -> {name, initials, state, seen}
  var myState = "viewing";
  var lastTyped = 0;
  var refreshTimer = null;
  var watched = null;         // the conversation this socket watches

  function conversationId() {
    var el = document.getElementById("conversation");
    return el ? parseInt(el.dataset.conversation, 10) : null;
  }

  function inboxId() {
    var main = document.querySelector("main[data-inbox]");
    return main && main.dataset.inbox ? parseInt(main.dataset.inbox, 10) : null;
  }

  function send(data) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(data));
  }

  // Re-fetch this page and swap only the parts that show shared state, so a half-written
  // reply or note in the composer is never lost.
  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      // An inbox page with a conversation in its reading pane: the pane's parts come
      // from the conversation (reading-pane.js), the list's from the page.
      var urls = [location.href];
      var pane = document.querySelector("#reading-pane [data-pane-url]");
      if (pane) urls.push(pane.dataset.paneUrl + "?pane=1");
      Promise.all(urls.map(function (url) {
        return fetch(url, { headers: { "X-Live-Refresh": "1" }, credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); });
      }))
        .then(function (pages) {
          var fresh = pages.map(function (html) { return new DOMParser().parseFromString(html, "text/html"); });
          [".sidebar", "#conversation-list", "#board", ".timeline", ".conversation .meta", "#assign-panel",
           "#shared-drafts",
           "#notification-list", "#mention-list"]
            .forEach(function (selector) {
              var now = document.querySelector(selector);
              var next = null;
              fresh.some(function (doc) { next = doc.querySelector(selector); return next; });
              // A header dropdown being used stays as it is (the choice reloads the page).
              if (now && next && !now.querySelector("details.hc[open]")) {
                now.replaceWith(next);
                if (window.htmx) window.htmx.process(next);
              }
            });
          document.dispatchEvent(new CustomEvent("postroom:refreshed"));
        })
        .catch(function () { /* a failed refresh is retried on the next event */ });
    }, 250);
  }

  function onEvent(message) {
    // Other scripts (the saved-reply picker) listen for the events they care about.
    document.dispatchEvent(new CustomEvent("postroom:event", { detail: message }));
    if (/^saved_reply\.(created|updated|deleted)$/.test(message.event || "")) return;
    if (message.event && message.event.indexOf("notification.") === 0) {
      refresh();
      if (message.event === "notification.created") desktopNotice();
      return;
    }
    var convo = conversationId();
    // Someone's own read or unread mark (from their other tab): only lists show it.
    if (/^conversation\.(read|unread)$/.test(message.event || "")) {
      if (convo === null) refresh();
      return;
    }
    // A list (with or without a conversation in its reading pane) follows its inbox.
    var listed = convo === null || document.getElementById("conversation-list") !== null;
    if (convo !== null && message.conversation === convo) refresh();
    else if (listed && message.inbox === inboxId()) refresh();
  }

  // Desktop notifications, where the person has allowed them in the browser.
  function desktopNotice() {
    if (!("Notification" in window) || document.body.dataset.desktop !== "on") return;
    if (Notification.permission === "granted") {
      new Notification("Postroom", { body: postroomText("new_notification", "You have a new notification") });
    } else if (Notification.permission === "default") {
      Notification.requestPermission();
    }
  }

  function renderPresence() {
    var convo = conversationId();
    if (convo === null) return;
    var bar = document.getElementById("presence");
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "presence";
      bar.className = "presence";
      bar.setAttribute("aria-live", "polite");
      var head = document.querySelector(".conversation .page-head");
      if (head) head.appendChild(bar);
    }
    var now = Date.now();
    var parts = [];
    Object.keys(people).forEach(function (id) {
      var p = people[id];
      if (now - p.seen > presenceTtl || p.state === "left") { delete people[id]; return; }
      var verb = p.state === "replying" ? "is replying" : p.state === "noting" ? "is writing a note" : "is viewing";
      parts.push('<span class="presence-person" data-state="' + p.state + '"><span class="avatar">' +
        escapeHtml(p.initials) + "</span>" + escapeHtml(p.name) + " " + verb + "</span>");
    });
    bar.innerHTML = parts.join(" ");
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function currentState() {
    if (Date.now() - lastTyped > 6000) return "viewing";
    var active = document.activeElement;
    if (active && active.closest && active.closest("#note-form")) return "noting";
    return "replying";
  }

  function heartbeat() {
    if (conversationId() === null) return;
    myState = currentState();
    send({ type: "presence", state: myState });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/live/");
    socket.onopen = function () {
      retry = 1000;
      watched = null;
      syncWatch();
    };
    socket.onmessage = function (e) {
      var message = JSON.parse(e.data);
      if (message.type === "hello") {
        presenceTtl = (message.presence_ttl || 20) * 1000;
        // Events from now on reach us; what happened between rendering this page and
        // now (or while we were disconnected) would be missed: fetch the page once.
        refresh();
      }
      else if (message.type === "event") onEvent(message);
      else if (message.type === "presence") {
        people[message.user] = { name: message.name, initials: message.initials,
                                 state: message.state, seen: Date.now() };
        renderPresence();
      } else if (message.type === "access") {
        var inbox = inboxId();
        if (inbox !== null && message.inboxes.indexOf(inbox) === -1) location.reload();
      }
    };
    socket.onclose = function (e) {
      if (e.code === 4401 || e.code === 4403) return;  // signed out or deactivated
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  // Shared drafts: the reply saves itself on the server as one types.
  var draftTimer = null;
  function autosave(form) {
    clearTimeout(draftTimer);
    draftTimer = setTimeout(function () {
      var data = new FormData();
      ["body", "to", "cc", "bcc", "mode", "csrfmiddlewaretoken"].forEach(function (name) {
        var field = form.querySelector("[name=" + name + "]");
        if (field) data.append(name, field.value);
      });
      fetch(form.dataset.autosave, { method: "POST", body: data, credentials: "same-origin",
                                     headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (text) {
          var status = document.getElementById("draft-status");
          if (!status) {
            status = document.createElement("span");
            status.id = "draft-status";
            status.className = "muted draft-status";
            var row = form.querySelector(".actions-row") || form;
            row.appendChild(status);
          }
          status.textContent = text;
        })
        .catch(function () { /* the next keystroke tries again */ });
    }, 1200);
  }

  document.addEventListener("input", function (e) {
    var replyForm = e.target.closest && e.target.closest("#reply-form");
    if (replyForm && replyForm.dataset.autosave) autosave(replyForm);
    if (e.target.closest && e.target.closest(".composer")) {
      var was = myState;
      lastTyped = Date.now();
      if (currentState() !== was) heartbeat();
    }
  });

  // Watch the conversation on screen (pages change without reloads under hx-boost).
  function syncWatch() {
    var convo = conversationId();
    if (convo === watched) return;
    if (convo === null) send({ type: "unwatch" });
    else send({ type: "watch", conversation: convo });
    watched = convo;
    people = {};
  }

  function start() {
    if (!("WebSocket" in window) || !document.querySelector(".app")) return;
    if (socket === null) {
      connect();
      setInterval(heartbeat, 8000);
      setInterval(renderPresence, 5000);
    } else {
      syncWatch();
    }
  }

  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
})();
