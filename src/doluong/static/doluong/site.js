// Behaviour of every page, kept in a file: the Content-Security-Policy allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  // a select with data-autosubmit submits its form when changed (the language menu)
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", function () { select.form.submit(); });
  }
});

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
