// The board (web/board.html): drag a card onto another column. A drop fills the page's
// #board-move form (the fields of a card's "Move to…" menu) and submits it; htmx posts
// it and swaps the board the server answers. Dropping on Snoozed first asks until when.
// Listeners sit on the document, so the board may be swapped (a move, a live refresh)
// and this script run again by a boosted page change without doubling them.
(function () {
  "use strict";
  if (window.postroomBoard) return;
  window.postroomBoard = true;

  var TYPE = "application/x-postroom-card";
  var dragged = null;

  function columnOf(el) {
    return el && el.closest ? el.closest("#board .board-column[data-column]") : null;
  }

  function clearTargets() {
    document.querySelectorAll(".board-column.drop-here").forEach(function (c) {
      c.classList.remove("drop-here");
    });
  }

  function submit(card, column, to) {
    var form = document.getElementById("board-move");
    if (!form) return;
    form.elements.conversation.value = card.dataset.conversation;
    form.elements.from.value = card.dataset.column;
    form.elements.to.value = to;
    // Shown where it goes at once; the board the server answers replaces it.
    card.classList.add("moving");
    var cards = column.querySelector(".column-cards");
    var empty = cards.querySelector(".column-empty");
    if (empty) empty.remove();
    cards.prepend(card);
    form.requestSubmit();
  }

  function askSnooze(card, column) {
    var dialog = document.getElementById("board-snooze");
    if (!dialog || !dialog.showModal) return;
    dialog.onclick = function (e) {
      var choice = e.target.closest("button");
      if (!choice) return;
      dialog.close();
      if (choice.dataset.until) submit(card, column, "snoozed:" + choice.dataset.until);
    };
    dialog.showModal();
    var first = dialog.querySelector("button[data-until]");
    if (first) first.focus();
  }

  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest("#board .board-card[draggable=true]");
    if (!card) return;
    dragged = card;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData(TYPE, card.dataset.conversation);
    card.classList.add("dragging");
    document.getElementById("board").classList.add("is-dragging");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    clearTargets();
    var board = document.getElementById("board");
    if (board) board.classList.remove("is-dragging");
  });

  document.addEventListener("dragover", function (e) {
    var column = columnOf(e.target);
    if (!dragged || !column || column.dataset.column === dragged.dataset.column) return;
    e.preventDefault();  // a drop is allowed here
    e.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-here")) {
      clearTargets();
      column.classList.add("drop-here");
    }
  });

  document.addEventListener("dragleave", function (e) {
    var column = columnOf(e.target);
    if (column && !column.contains(e.relatedTarget)) column.classList.remove("drop-here");
  });

  document.addEventListener("drop", function (e) {
    var column = columnOf(e.target);
    var card = dragged;
    if (!card || !column || column.dataset.column === card.dataset.column) return;
    e.preventDefault();
    clearTargets();
    card.classList.remove("dragging");
    if (column.dataset.column === "snoozed") askSnooze(card, column);
    else submit(card, column, column.dataset.column);
  });
})();
