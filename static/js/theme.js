/*
 * Light/dark theme switch. Loaded in <head> without defer so a saved choice is
 * applied before the first paint; without a saved choice the operating system's
 * preference (prefers-color-scheme in site.css) decides. The toggle button is
 * hidden in the HTML and only shown here, because it needs this script to work.
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
    button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
  }

  document.addEventListener("DOMContentLoaded", function () {
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
  });
})();
