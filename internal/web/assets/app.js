// Small conveniences; every form works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // The person picker follows the choice at once.
  for (const el of document.querySelectorAll("select[data-autosubmit]")) {
    el.addEventListener("change", () => el.form.submit());
  }
  // Destructive forms ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (ev) => {
      if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
    });
  }
  // Fields that only matter for one choice of a select hide otherwise:
  // data-when="schedule.kind=weekdays times_per_week".
  const deps = document.querySelectorAll("[data-when]");
  const update = () => {
    for (const el of deps) {
      const [name, values] = el.dataset.when.split("=");
      const form = el.closest("form");
      const sel = form && form.elements.namedItem(name);
      if (!sel) continue;
      const hasError = el.querySelector(".field-error");
      el.hidden = !hasError && !values.split(" ").includes(sel.value);
    }
  };
  for (const sel of document.querySelectorAll("select[data-shows]")) sel.addEventListener("change", update);
  update();
  // Copy buttons (hidden without JavaScript, where selecting the text is
  // one tap: the secret is user-select: all).
  for (const btn of document.querySelectorAll("button[data-copy]")) {
    btn.hidden = false;
    btn.addEventListener("click", async () => {
      const text = document.getElementById(btn.dataset.copy).textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
        btn.textContent = "Copied";
      } catch {
        // Clipboard access can be refused inside an iframe: select instead.
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(btn.dataset.copy));
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        btn.textContent = "Selected: copy it";
      }
    });
  }
});
