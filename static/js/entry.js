/* Manyi entry pages: keyboard entry of questionnaires and live totals of the counts grid.
 *
 * The pages work without this script (radio buttons, a submit button, rates computed by the
 * server); it only makes typing a stack of paper forms fast. No framework.
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

  // ------------------------------------------------------------ counts grid

  var POSITIVE = { satisfied: true, basic: true };

  function cellValue(input) {
    var text = input.value.trim();
    if (text === "") return 0;
    return /^[0-9]+$/.test(text) ? parseInt(text, 10) : NaN;
  }

  function percentText(positive, valid, noData) {
    if (!valid) return noData;
    // Half-up to two decimals of a percent, in whole numbers: floor(positive * 10000 / valid + 1/2).
    var hundredths = Math.floor((2 * positive * 10000 + valid) / (2 * valid));
    return (hundredths / 100).toFixed(2) + " %";
  }

  function sums(inputs) {
    var result = { total: 0, positive: 0, valid: 0, bad: false };
    inputs.forEach(function (input) {
      var n = cellValue(input);
      input.classList.toggle("is-invalid", isNaN(n));
      if (isNaN(n)) { result.bad = true; return; }
      var category = input.dataset.category;
      result.total += n;
      if (POSITIVE[category]) result.positive += n;
      if (category !== "excluded") result.valid += n;
    });
    return result;
  }

  function show(row, figures, noData) {
    row.querySelector("[data-total]").textContent = figures.bad ? "—" : figures.total;
    row.querySelector("[data-rate]").textContent = figures.bad ? "—" : percentText(figures.positive, figures.valid, noData);
  }

  function setupCountsGrid(table) {
    var noData = table.dataset.noData || "";
    if (!table.querySelector("input[data-category]")) return; // a closed round: the server's figures stay
    function recompute() {
      var all = [];
      table.querySelectorAll("[data-count-row]").forEach(function (row) {
        var inputs = Array.prototype.slice.call(row.querySelectorAll("input[data-category]"));
        all = all.concat(inputs);
        show(row, sums(inputs), noData);
      });
      var overall = table.querySelector("[data-overall]");
      if (overall) show(overall, sums(all), noData);
    }
    table.addEventListener("input", recompute);
    recompute();
  }

  document.querySelectorAll("[data-entry-form]").forEach(setupEntryForm);
  document.querySelectorAll("[data-counts-grid]").forEach(setupCountsGrid);
})();
