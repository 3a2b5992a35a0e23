// The conversation header's dropdowns (assignee, labels, status, priority, snooze) and
// the composer's "Send and snooze" menu. Each is a <details class="hc"> of plain forms,
// so opening and choosing work without this file; it adds the type-ahead: the filter box
// is focused on opening, typing filters, the arrow keys move, Enter chooses, Escape and
// a click elsewhere close. keys.js opens them by their keys (postroomOpenControl).
(function () {
  "use strict";

  function options(box) {
    return Array.prototype.slice.call(box.querySelectorAll(".hc-option")).filter(function (o) {
      return !o.closest("li").hidden;
    });
  }

  function setActive(box, option) {
    box.querySelectorAll(".hc-option.active").forEach(function (o) { o.classList.remove("active"); });
    if (!option) return;
    option.classList.add("active");
    option.scrollIntoView({ block: "nearest" });
  }

  function active(box) { return box.querySelector(".hc-option.active"); }

  function filter(box, text) {
    var words = text.trim().toLowerCase();
    var shown = 0;
    box.querySelectorAll(".hc-list > li").forEach(function (li) {
      var option = li.querySelector(".hc-option");
      if (!option) { li.hidden = words !== ""; return; }  // headings and rules: only unfiltered
      var hay = ((option.dataset.value || "") + " " + option.textContent).toLowerCase();
      li.hidden = words !== "" && hay.indexOf(words) === -1;
      if (!li.hidden) shown += 1;
    });
    var empty = box.querySelector(".hc-empty");
    if (empty) empty.hidden = shown > 0;
    setActive(box, options(box)[0]);
  }

  function move(box, step) {
    var list = options(box);
    if (!list.length) return;
    var at = list.indexOf(active(box));
    setActive(box, list[(at + step + list.length) % list.length]);
    if (!box.querySelector(".hc-filter")) active(box).focus();
  }

  function close(box, refocus) {
    box.open = false;
    delete box.dataset.ready;
    if (refocus) box.querySelector("summary").focus();
  }

  // Once per opening: a key opens and focuses at once (so what is typed next lands in
  // the filter), and the "toggle" event that follows must not clear it again.
  function opened(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    document.querySelectorAll("details.hc[open]").forEach(function (other) {
      if (other !== box) other.open = false;
    });
    var input = box.querySelector(".hc-filter");
    if (input) {
      input.hidden = false;
      input.value = "";
      filter(box, "");
      input.focus();
    } else {
      setActive(box, options(box)[0]);
      if (active(box)) active(box).focus();
    }
  }

  // "toggle" does not bubble: listen while it goes down.
  document.addEventListener("toggle", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("details.hc")) return;
    if (box.open) opened(box); else delete box.dataset.ready;
  }, true);

  document.addEventListener("input", function (e) {
    if (!e.target.matches(".hc-filter")) return;
    filter(e.target.closest("details.hc"), e.target.value);
  });

  document.addEventListener("keydown", function (e) {
    var box = e.target.closest && e.target.closest("details.hc[open]");
    if (!box) return;
    var inFilter = e.target.matches(".hc-filter");
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      move(box, e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter" && inFilter) {
      e.preventDefault();
      var choice = active(box);
      if (choice) choice.click();
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      close(box, true);
    }
  });

  document.addEventListener("mouseover", function (e) {
    var option = e.target.closest && e.target.closest("details.hc[open] .hc-option");
    if (option) setActive(option.closest("details.hc"), option);
  });

  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.hc[open]").forEach(function (box) {
      if (!box.contains(e.target)) box.open = false;
    });
  });

  // For keys.js: open one control by name; false when the page has none (view only).
  window.postroomOpenControl = function (name) {
    var box = document.querySelector('details.hc[data-hc="' + name + '"]');
    if (!box) return false;
    delete box.dataset.ready;  // its closing "toggle" may not have come yet
    box.open = true;
    opened(box);
    return true;
  };
})();
