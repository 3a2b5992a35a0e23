// The rule editor: each row shows the comparisons its field allows, and either the text
// box or the pick-list (only the options of the field's kind). Without this script
// every control shows and the server still reads the right one.
(function () {
  "use strict";
  function show(element, visible) { element.hidden = !visible; element.disabled = !visible; }

  function pickFor(select, kind) {
    let keep = false;
    for (const group of select.querySelectorAll("optgroup")) {
      const mine = group.dataset.kind === kind;
      group.hidden = !mine;
      group.disabled = !mine;
      if (mine && select.selectedOptions[0] && select.selectedOptions[0].parentElement === group) keep = true;
    }
    if (!keep) select.value = "";
  }

  function conditionRow(row) {
    const field = row.querySelector(".field");
    const operator = row.querySelector(".operator");
    const value = row.querySelector(".value");
    const pick = row.querySelector(".pick");
    const name = row.querySelector(".header-name");
    const chosen = field.selectedOptions[0];
    const kind = (chosen && chosen.dataset.kind) || "";
    const allowed = ((chosen && chosen.dataset.operators) || "").split(" ");
    for (const option of operator.options) {
      if (option.value) { option.hidden = !allowed.includes(option.value); }
    }
    if (operator.value && !allowed.includes(operator.value)) operator.value = "";
    if (!operator.value && field.value) operator.value = allowed[0];
    const none = ["is_none", "is_not_none", "is_set", "is_not_set"].includes(operator.value);
    show(operator, Boolean(field.value));
    show(value, Boolean(field.value) && kind === "text" && !none);
    show(pick, Boolean(field.value) && kind !== "text" && !none);
    // A header is named, and so is a custom field (by its key).
    if (name) {
      show(name, field.value === "header" || field.value.endsWith("_field"));
      name.placeholder = field.value === "header" ? "X-Priority" : "plan";
    }
    if (kind !== "text") pickFor(pick, kind);
  }

  function stepRow(row) {
    const chosen = row.querySelector(".step-kind").selectedOptions[0];
    // "user+text+channel": a pick-list of people, a text box and how to tell them (the
    // notify step); "url+text": the webhook's address and its text.
    const needs = ((chosen && chosen.dataset.kind) || "").split("+");
    const choice = ["text", "hours", "url", ""].includes(needs[0]) ? "" : needs[0];
    const pick = row.querySelector(".pick");
    const value = row.querySelector(".value");
    const url = row.querySelector(".url");
    const channel = row.querySelector(".channel");
    show(pick, choice !== "");
    show(value, needs.includes("text") || needs.includes("hours"));
    if (url) show(url, needs.includes("url"));
    if (channel) show(channel, needs.includes("channel"));
    value.type = needs.includes("hours") ? "number" : "text";
    if (!pick.hidden) pickFor(pick, choice);
  }

  function triggerRow(form) {
    const trigger = form.querySelector("select.trigger");
    const after = form.querySelectorAll("label.after");
    const target = form.querySelector("label.sla-target");
    if (!trigger || !after.length) return;
    const update = () => {
      const chosen = trigger.selectedOptions[0];
      for (const label of after) label.hidden = !(chosen && chosen.dataset.time);
      if (target) target.hidden = !(chosen && chosen.dataset.sla);
    };
    trigger.addEventListener("change", update);
    update();
  }

  function wire(form) {
    triggerRow(form);
    for (const row of form.querySelectorAll(".rule-row")) {
      const update = row.classList.contains("step") ? () => stepRow(row) : () => conditionRow(row);
      row.addEventListener("change", update);
      update();
    }
  }

  function start() {
    for (const form of document.querySelectorAll("form.rule-editor")) {
      if (!form.dataset.wired) { form.dataset.wired = "1"; wire(form); }
    }
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  start();
})();
