// Small conveniences; every form works without this file.
"use strict";
// Home Assistant's theme. Under ingress the panel is a frame in HA's own
// page, of the same origin (HA serves /api/hassio_ingress/… itself and the
// frame is not sandboxed), so it can read what HA's frontend sets on its
// document after applying the user's theme: <meta name="color-scheme">
// ("dark" or "light"; "dark light" for a custom theme) and the theme's
// --primary-background-color (also the background of HA's <html>). Ingress
// passes no theme header. Outside HA, or when the parent cannot be read,
// nothing is set and the stylesheet follows the system's
// prefers-color-scheme. A change of theme in HA applies at once.
(() => {
  let top;
  try {
    if (window.parent === window) return;
    top = window.parent.document; // throws unless of the same origin
  } catch (e) {
    return;
  }
  const root = document.documentElement;
  // rgb reads any CSS colour as "rgb(r, g, b)" through a hidden element.
  const rgb = (color) => {
    const el = document.createElement("span");
    el.style.display = "none";
    el.style.color = color;
    if (!el.style.color) return null;
    root.appendChild(el);
    const out = getComputedStyle(el).color;
    el.remove();
    return out;
  };
  const darkness = (color) => {
    const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?/.exec(rgb(color) || "");
    if (!m || (m[4] !== undefined && Number(m[4]) === 0)) return null;
    return (0.2126 * m[1] + 0.7152 * m[2] + 0.0722 * m[3]) / 255 < 0.5;
  };
  const follow = () => {
    const meta = top.querySelector("meta[name=color-scheme]");
    const scheme = meta ? (meta.getAttribute("content") || "").trim() : "";
    let theme = scheme === "dark" || scheme === "light" ? scheme : null;
    if (!theme) {
      const style = window.parent.getComputedStyle(top.documentElement);
      const bg = style.getPropertyValue("--primary-background-color").trim() || top.documentElement.style.backgroundColor;
      const dark = bg ? darkness(bg) : null;
      if (dark !== null) theme = dark ? "dark" : "light";
    }
    if (theme) root.dataset.theme = theme;
    else delete root.dataset.theme;
  };
  follow();
  const watch = new MutationObserver(follow);
  watch.observe(top.documentElement, { attributes: true, attributeFilter: ["style", "class"] });
  watch.observe(top.head || top.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["content"] });
})();

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
