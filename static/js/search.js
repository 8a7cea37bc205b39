/*
 * Suggestions for the search boxes, as a list under the input (the ARIA
 * combobox pattern with a listbox popup). Progressive enhancement: without
 * this script each search form still submits to /search/ as usual.
 *
 * Typing asks /search/suggest/?q= (debounced) for up to ten pages; Up and
 * Down move through them, Enter opens the highlighted page (or submits the
 * form when none is highlighted), Escape closes the list, and a second
 * Escape clears the box. The last option is always a full-text search.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var counter = 0;

  function isSearchForm(form) {
    if (!form || !form.action) {
      return false;
    }
    return /\/search\/?$/.test(new URL(form.action, document.baseURI).pathname);
  }

  function Combobox(input) {
    var form = input.form;
    counter += 1;
    this.input = input;
    this.form = form;
    this.searchUrl = new URL(form.action, document.baseURI);
    this.suggestUrl = new URL("suggest/", this.searchUrl.href.replace(/\/?$/, "/"));
    this.options = [];
    this.active = -1;
    this.timer = null;
    this.controller = null;
    this.lastQuery = null;

    this.listbox = document.createElement("ul");
    this.listbox.id = "search-suggestions-" + counter;
    this.listbox.className = "search-suggestions";
    this.listbox.setAttribute("role", "listbox");
    this.listbox.setAttribute("aria-label", "Search suggestions");
    this.listbox.hidden = true;

    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.listbox.id);
    input.setAttribute("autocomplete", "off");
    form.classList.add("search-combobox");
    input.insertAdjacentElement("afterend", this.listbox);
    this.listbox.insertAdjacentElement("afterend", this.status);

    input.addEventListener("input", this.onInput.bind(this));
    input.addEventListener("keydown", this.onKeydown.bind(this));
    input.addEventListener("blur", this.close.bind(this));
    input.addEventListener("focus", this.onFocus.bind(this));
    // Keep the focus in the input while an option is clicked.
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    this.listbox.addEventListener("click", this.onClick.bind(this));
  }

  Combobox.prototype.onInput = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () {
      self.fetchSuggestions(self.input.value.trim());
    }, DEBOUNCE_MS);
  };

  Combobox.prototype.onFocus = function () {
    if (this.options.length && this.input.value.trim() === this.lastQuery) {
      this.open();
    }
  };

  Combobox.prototype.fetchSuggestions = function (query) {
    var self = this;
    if (this.controller) {
      this.controller.abort();
    }
    if (!query) {
      this.lastQuery = null;
      this.render(query, []);
      return;
    }
    this.controller = new AbortController();
    var url = new URL(this.suggestUrl.href);
    url.searchParams.set("q", query);
    fetch(url.href, {
      headers: { Accept: "application/json" },
      signal: this.controller.signal,
      credentials: "same-origin",
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("Suggestions unavailable: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        self.lastQuery = query;
        self.render(query, data.results || []);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          self.render(query, []);
        }
      });
  };

  Combobox.prototype.fullTextUrl = function (query) {
    var url = new URL(this.searchUrl.href);
    url.searchParams.set("q", query);
    url.searchParams.set("fulltext", "1");
    return url.href;
  };

  Combobox.prototype.render = function (query, results) {
    var self = this;
    this.listbox.textContent = "";
    this.options = [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    if (!query) {
      this.close();
      return;
    }
    results.forEach(function (result) {
      self.addOption(result.title, result.kind, result.url);
    });
    this.addOption("Search for pages containing “" + query + "”", "", this.fullTextUrl(query));
    this.status.textContent =
      results.length === 1 ? "1 suggestion" : results.length + " suggestions";
    if (document.activeElement === this.input) {
      this.open();
    }
  };

  Combobox.prototype.addOption = function (title, kind, url) {
    var option = document.createElement("li");
    option.id = this.listbox.id + "-option-" + this.options.length;
    option.className = "search-suggestions__option";
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.dataset.url = url;
    var label = document.createElement("span");
    label.className = "search-suggestions__title";
    label.textContent = title;
    option.appendChild(label);
    if (kind) {
      var kindLabel = document.createElement("span");
      kindLabel.className = "search-suggestions__kind";
      kindLabel.textContent = kind;
      option.appendChild(document.createTextNode(" "));
      option.appendChild(kindLabel);
    } else {
      option.classList.add("search-suggestions__option--fulltext");
    }
    this.listbox.appendChild(option);
    this.options.push(option);
  };

  Combobox.prototype.open = function () {
    if (!this.options.length) {
      return;
    }
    this.listbox.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  Combobox.prototype.close = function () {
    this.listbox.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.highlight(-1);
  };

  Combobox.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  Combobox.prototype.highlight = function (index) {
    if (this.active >= 0 && this.options[this.active]) {
      this.options[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    if (index < 0) {
      this.input.removeAttribute("aria-activedescendant");
      return;
    }
    var option = this.options[index];
    option.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  Combobox.prototype.move = function (step) {
    if (!this.options.length) {
      return;
    }
    if (!this.isOpen()) {
      this.open();
    }
    var count = this.options.length;
    var next = this.active + step;
    if (next >= count) {
      next = -1;
    } else if (next < -1) {
      next = count - 1;
    }
    this.highlight(next);
  };

  Combobox.prototype.onKeydown = function (event) {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        this.move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.move(-1);
        break;
      case "Enter":
        if (this.isOpen() && this.active >= 0) {
          event.preventDefault();
          window.location.assign(this.options[this.active].dataset.url);
        }
        break;
      case "Escape":
        if (this.isOpen()) {
          event.preventDefault();
          this.close();
        } else if (this.input.value) {
          event.preventDefault();
          this.input.value = "";
          this.render("", []);
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  Combobox.prototype.onClick = function (event) {
    var option = event.target.closest("[role=option]");
    if (option) {
      window.location.assign(option.dataset.url);
    }
  };

  function init() {
    var inputs = document.querySelectorAll('form input[name="q"]');
    Array.prototype.forEach.call(inputs, function (input) {
      if (isSearchForm(input.form) && !input.hasAttribute("role")) {
        new Combobox(input);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
