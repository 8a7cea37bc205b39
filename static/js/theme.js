/*
 * Light/dark theme switch. Deferred like every script of the site, so it never
 * holds up the first paint: a deferred script runs once the document is parsed
 * and the stylesheet has loaded, which for these small pages is before the
 * first paint in practice; at worst a reader whose saved choice differs from
 * the operating system's sees one frame of the other palette. Without a saved
 * choice the operating system's preference (prefers-color-scheme in site.css)
 * decides. The button is hidden in the HTML and shown here, as it needs this
 * script; it says what it does and whether it is on ("Dark theme: on").
 */
(function () {
  "use strict";
  var KEY = "heromask-theme";
  var root = document.documentElement;
  var darkQuery = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function stored() {
    try {
      return window.localStorage.getItem(KEY);
    } catch (error) {
      return null;
    }
  }

  function store(theme) {
    try {
      window.localStorage.setItem(KEY, theme);
    } catch (error) {
      /* Private browsing may refuse storage; the theme then lasts for this page only. */
    }
  }

  function current() {
    return root.getAttribute("data-theme") || (darkQuery && darkQuery.matches ? "dark" : "light");
  }

  var saved = stored();
  if (saved === "dark" || saved === "light") {
    root.setAttribute("data-theme", saved);
  }

  function showState(button) {
    var dark = current() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    var state = button.querySelector(".theme-toggle__state");
    if (state) {
      state.textContent = dark ? ": on" : ": off";
    }
  }

  var button = document.querySelector(".theme-toggle");
  if (!button) {
    return;
  }
  showState(button);
  button.hidden = false;
  button.addEventListener("click", function () {
    var next = current() === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    store(next);
    showState(button);
  });
  if (darkQuery && darkQuery.addEventListener) {
    darkQuery.addEventListener("change", function () {
      showState(button);
    });
  }
})();
