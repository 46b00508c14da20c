/* Manyi's questionnaire pages (enter, edit): keyboard entry of a stack of paper forms.
 *
 * The pages work without this script (radio buttons, a submit button); it only makes typing
 * fast. No framework. (The counts grid's live totals and rates come from the server, by htmx.)
 */
(function () {
  "use strict";

  // ------------------------------------------------------------ questionnaire form

  function radios(row) {
    return Array.prototype.slice.call(row.querySelectorAll("input[type=radio]"));
  }

  function focusRow(row) {
    if (!row) return false;
    var all = radios(row);
    var checked = all.filter(function (r) { return r.checked; })[0];
    (checked || all[0]).focus();
    return true;
  }

  function choose(row, value) {
    var radio = radios(row).filter(function (r) { return r.value === value; })[0];
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function isCleared(row) {
    return radios(row).some(function (r) { return r.value === "" && r.checked; });
  }

  function handleAnswerKey(form, rows, row, event) {
    var index = rows.indexOf(row);
    var save = form.querySelector("[data-save]");
    if (/^[0-9]$/.test(event.key)) {
      // A digit chooses that option (0: no answer) and moves on; an unknown digit does nothing.
      event.preventDefault();
      if (choose(row, event.key === "0" ? "" : event.key) && !focusRow(rows[index + 1])) save.focus();
    } else if (event.key === "Backspace" || event.key === "Delete") {
      event.preventDefault();
      if (isCleared(row)) focusRow(rows[index - 1]);
      else choose(row, "");
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault(); // rows are up and down; left and right stay the radios' own keys
      focusRow(rows[index + (event.key === "ArrowDown" ? 1 : -1)]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit(save);
    }
  }

  function setupEntryForm(form) {
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-answer-row]"));
    var boxes = ["number", "phone"].map(function (name) { return form.elements[name]; }).filter(Boolean);
    form.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
      var row = event.target.closest("[data-answer-row]");
      if (row) return handleAnswerKey(form, rows, row, event);
      var box = boxes.indexOf(event.target);
      if (event.key === "Enter" && box >= 0) {
        // Enter in the number or phone box moves on rather than saving a form without answers.
        event.preventDefault();
        if (boxes[box + 1]) boxes[box + 1].focus();
        else focusRow(rows[0]);
      }
    });
    form.addEventListener("submit", function (event) {
      // A second Enter while the first save is under way must not save the form twice.
      if (form.dataset.sending) event.preventDefault();
      form.dataset.sending = "1";
    });
    window.addEventListener("pageshow", function () { delete form.dataset.sending; });
    addUnitSearch(form.elements.unit);
  }

  function addUnitSearch(select) {
    // Type part of a code or name to narrow a long list of units.
    if (!select || select.options.length < 12) return;
    var search = document.createElement("input");
    search.type = "search";
    search.className = "form-control form-control-sm mb-1";
    search.placeholder = select.dataset.searchLabel || "…";
    search.setAttribute("aria-label", search.placeholder);
    select.parentNode.insertBefore(search, select);
    search.addEventListener("input", function () {
      var text = search.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !option.value || option.text.toLowerCase().indexOf(text) >= 0;
        option.hidden = !match;
        if (match && option.value && !first) first = option;
      });
      if (text && first) select.value = first.value;
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  document.querySelectorAll("[data-entry-form]").forEach(setupEntryForm);
})();
