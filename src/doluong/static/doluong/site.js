// Behaviour of every page, kept in a file: the Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  // a select with data-autosubmit submits its form when changed (the language menu)
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
  setUpPointRows(document);
  setUpRecordForm();
  document.body.addEventListener("htmx:afterSettle", function () { setUpPointRows(document); });
});

// ------------------------------------------------------------------ type-to-find boxes (core/lookups.py)
// [data-autocomplete] holds a hidden input (the value posted), a search box and a results list that htmx fills
// from the lookup endpoint as the person types; a click (or Enter) on a row picks it.
function acBox(el) { return el.closest("[data-autocomplete]"); }

function acClose(box) {
  const results = box.querySelector("[data-ac-results]");
  results.innerHTML = "";
  box.querySelector("[data-ac-text]").setAttribute("aria-expanded", "false");
}

function acPick(box, option) {
  const hidden = box.querySelector("[data-ac-value]");
  const text = box.querySelector("[data-ac-text]");
  hidden.value = option.dataset.acPick;
  text.value = option.dataset.acLabel;
  const chosen = box.querySelector("[data-ac-chosen]");
  if (chosen) { chosen.innerHTML = option.innerHTML; }
  acClose(box);
  hidden.dispatchEvent(new Event("change", { bubbles: true }));
}

const acTimers = new WeakMap();
document.addEventListener("input", function (event) {
  const text = event.target;
  if (!text.matches || !text.matches("[data-ac-text]")) { return; }
  const box = acBox(text);
  const hidden = box.querySelector("[data-ac-value]");
  if (hidden.value) {
    hidden.value = "";  // typing again forgets the row picked
    const chosen = box.querySelector("[data-ac-chosen]");
    if (chosen) { chosen.innerHTML = ""; }
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }
  clearTimeout(acTimers.get(box));
  if (!text.value.trim()) { acClose(box); return; }
  acTimers.set(box, setTimeout(function () {
    const url = box.dataset.url + "?q=" + encodeURIComponent(text.value.trim());
    htmx.ajax("GET", url, { target: box.querySelector("[data-ac-results]"), swap: "innerHTML" }).then(function () {
      text.setAttribute("aria-expanded", "true");
    });
  }, 250));
});

document.addEventListener("click", function (event) {
  const option = event.target.closest && event.target.closest("[data-ac-pick]");
  if (option) { acPick(acBox(option), option); return; }
  for (const box of document.querySelectorAll("[data-autocomplete]")) {
    if (!box.contains(event.target)) { acClose(box); }
  }
});

document.addEventListener("keydown", function (event) {
  const el = event.target;
  if (!el.closest || !acBox(el)) { return; }
  const box = acBox(el);
  const options = Array.from(box.querySelectorAll("[data-ac-pick]"));
  if (!options.length) { return; }
  const at = options.indexOf(document.activeElement);
  if (event.key === "ArrowDown") {
    event.preventDefault();
    options[Math.min(at + 1, options.length - 1)].focus();
  } else if (event.key === "ArrowUp") {
    event.preventDefault();
    if (at <= 0) { box.querySelector("[data-ac-text]").focus(); } else { options[at - 1].focus(); }
  } else if (event.key === "Escape") {
    acClose(box);
    box.querySelector("[data-ac-text]").focus();
  } else if (event.key === "Enter" && el.matches("[data-ac-text]")) {
    event.preventDefault();  // Enter in the box picks the first row instead of submitting half a choice
    acPick(box, options[0]);
  }
});

// ------------------------------------------------------------------ the results table of a record
// "Add a row" copies the formset's empty row (a <template>); "remove" empties and hides a row (empty rows are
// ignored on saving). Without JavaScript the form's "more rows" button asks the server for more rows.
function setUpPointRows(root) {
  for (const table of root.querySelectorAll("[data-formset]")) {
    if (table.dataset.ready) { continue; }
    table.dataset.ready = "1";
    const prefix = table.dataset.formset;
    const total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    const template = document.getElementById(prefix + "-empty-row");
    const add = document.querySelector("[data-add-row='" + prefix + "']");
    if (add && template && total) {
      add.hidden = false;
      add.addEventListener("click", function () {
        const index = parseInt(total.value, 10);
        const html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
        table.querySelector("tbody").insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        const first = table.querySelector("tbody tr:last-child input");
        if (first) { first.focus(); }
      });
    }
    table.addEventListener("click", function (event) {
      const button = event.target.closest("[data-remove-row]");
      if (!button) { return; }
      const row = button.closest("tr");
      for (const input of row.querySelectorAll("input")) { input.value = ""; }
      row.hidden = true;
    });
    for (const button of table.querySelectorAll("[data-remove-row]")) { button.hidden = false; }
  }
}

// ------------------------------------------------------------------ the record form
// When the instrument, the provider or the date changes, the verifiers, standards and (if none was filled) the
// preset measurement points are asked again for that day and that type; the server checks all again on saving.
function setUpRecordForm() {
  const form = document.querySelector("form[data-record-form]");
  if (!form) { return; }
  function refresh() {
    const params = new URLSearchParams();
    for (const name of ["kind", "provider", "instrument", "instrument_text", "performed_on", "mpe_params"]) {
      const input = form.querySelector("[name='" + name + "']");
      if (input && input.value) { params.set(name, input.value); }
    }
    params.set("fragment", "choices");
    htmx.ajax("GET", form.dataset.refresh + "?" + params.toString(), { target: "#record-choices", select: "#record-choices", swap: "outerHTML" });
    const points = form.querySelector("#points-block");
    const filled = Array.from(points.querySelectorAll("input[name$='-nominal'], input[name$='-found']")).some(function (i) { return i.value; });
    if (!filled) {
      params.set("fragment", "points");
      htmx.ajax("GET", form.dataset.refresh + "?" + params.toString(), { target: "#points-block", select: "#points-block", swap: "outerHTML" });
    }
  }
  form.addEventListener("change", function (event) {
    const name = event.target.name;
    if (["kind", "provider", "instrument", "performed_on", "mpe_params"].indexOf(name) >= 0) { refresh(); }
  });
}
// a file input (templates/django/forms/widgets/file.html) shows the chosen file's name beside "Chọn tệp…"
document.addEventListener("change", function (event) {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.classList.contains("file-input-native")) return;
  const name = input.parentElement.querySelector(".file-input-name");
  if (!name) return;
  const files = Array.from(input.files || []).map(function (file) { return file.name; });
  name.textContent = files.length ? files.join(", ") : name.dataset.empty;
  name.classList.toggle("text-muted", !files.length);
});
