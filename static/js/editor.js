/*
 * The wiki editor on the admin's page forms (wiki/editor.py serves it).
 *
 * Every Markdown text area (textarea[data-markdown]) gets:
 * - a live preview beside it, rendered by the server with the page's own
 *   pipeline (debounced while typing; the "Preview" button hides or shows it);
 * - "Markdown help" and "Cite a source", cloned from the form's templates: a
 *   choice of the picker inserts its citation ([^id] or [^N]) at the cursor;
 * - page titles after "[[": a list under the text area (Up, Down, Enter or a
 *   click to choose, Escape to close), from the search box's suggestions.
 * "Show changes" posts the whole form and shows the diff against the saved page.
 *
 * Progressive enhancement: without this script the form saves as before.
 */
(function () {
  "use strict";

  var PREVIEW_DELAY_MS = 400;
  var TITLES_DELAY_MS = 150;
  // "[[" then the start of a title, up to the cursor: no brackets, pipe or line break.
  var OPEN_LINK_RE = /\[\[([^[\]|\n]{0,100})$/;

  function post(url, body, signal) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
      signal: signal,
    }).then(function (response) {
      return response.text().then(function (text) {
        if (!response.ok) {
          throw new EditorError(text, response.status);
        }
        return text;
      });
    });
  }

  function EditorError(message, status) {
    this.name = "EditorError";
    this.message = message;
    this.status = status;
  }

  function errorText(error) {
    if (error.name === "EditorError") {
      // Short messages are the editor's own (plain text); a whole page is a
      // login or permission page.
      if (error.message.length < 500 && error.message.indexOf("<") === -1) {
        return error.message;
      }
      return "The server answered " + error.status + ": reload the page (you may have been signed out).";
    }
    return "The server could not be reached: " + error.message;
  }

  function fieldLabel(textarea) {
    var label = document.querySelector('label[for="' + textarea.id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : textarea.name;
  }

  function cloneTemplate(id) {
    var template = document.getElementById(id);
    return template ? template.content.firstElementChild.cloneNode(true) : null;
  }

  function insertAtCursor(textarea, text, replaceBefore) {
    var start = textarea.selectionStart - (replaceBefore || 0);
    var end = textarea.selectionEnd;
    textarea.focus();
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // Where the cursor of ``textarea`` is, in pixels from the text area's top
  // left: a hidden copy of the text up to the cursor, styled as the text area.
  var MIRRORED_STYLES = [
    "boxSizing", "width", "fontFamily", "fontSize", "fontWeight", "lineHeight", "letterSpacing",
    "wordSpacing", "tabSize", "textIndent", "paddingTop", "paddingRight", "paddingBottom",
    "paddingLeft", "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth",
  ];

  function cursorPosition(textarea) {
    var style = window.getComputedStyle(textarea);
    var mirror = document.createElement("div");
    MIRRORED_STYLES.forEach(function (name) {
      mirror.style[name] = style[name];
    });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    mirror.style.borderStyle = "solid";
    mirror.textContent = textarea.value.slice(0, textarea.selectionStart);
    var marker = document.createElement("span");
    marker.textContent = "\u200b";
    mirror.appendChild(marker);
    textarea.parentNode.appendChild(mirror);
    var position = {
      top: marker.offsetTop + marker.offsetHeight - textarea.scrollTop,
      left: marker.offsetLeft - textarea.scrollLeft,
    };
    mirror.remove();
    return position;
  }

  /* One Markdown text area ------------------------------------------------ */

  function MarkdownEditor(textarea, config, index) {
    this.textarea = textarea;
    this.config = config;
    this.field = textarea.dataset.markdown;
    this.label = fieldLabel(textarea);
    this.timer = null;
    this.controller = null;
    this.id = "wiki-editor-" + index;

    this.root = document.createElement("div");
    this.root.className = "wiki-editor";
    textarea.parentNode.insertBefore(this.root, textarea);

    this.toolbar = document.createElement("div");
    this.toolbar.className = "wiki-editor__toolbar";
    this.previewButton = document.createElement("button");
    this.previewButton.type = "button";
    this.previewButton.className = "button wiki-editor__preview-toggle";
    this.previewButton.textContent = "Preview";
    this.previewButton.setAttribute("aria-pressed", "true");
    this.previewButton.setAttribute("aria-controls", this.id + "-preview");
    this.toolbar.appendChild(this.previewButton);
    var cite = cloneTemplate("wiki-editor-citations");
    if (cite) {
      this.toolbar.appendChild(cite);
      new CitationPicker(cite, textarea);
    }
    var help = cloneTemplate("wiki-editor-help");
    if (help) {
      this.toolbar.appendChild(help);
    }
    this.root.appendChild(this.toolbar);

    this.panes = document.createElement("div");
    this.panes.className = "wiki-editor__panes";
    this.source = document.createElement("div");
    this.source.className = "wiki-editor__source";
    this.source.appendChild(textarea);
    this.panes.appendChild(this.source);
    this.preview = document.createElement("div");
    this.preview.id = this.id + "-preview";
    this.preview.className = "wiki-preview";
    this.preview.setAttribute("role", "region");
    this.preview.setAttribute("aria-label", "Preview of the " + this.label.toLowerCase());
    this.preview.tabIndex = 0;
    this.panes.appendChild(this.preview);
    this.root.appendChild(this.panes);

    new TitleCompletion(textarea, config.titlesUrl, this.id);

    textarea.addEventListener("input", this.schedule.bind(this));
    this.previewButton.addEventListener("click", this.toggle.bind(this));
    // Links in the preview open in another tab, so the form is not left unsaved.
    this.preview.addEventListener("click", function (event) {
      var link = event.target.closest("a[href]");
      if (link && !link.getAttribute("href").startsWith("#")) {
        event.preventDefault();
        window.open(link.href, "_blank", "noopener");
      }
    });
  }

  MarkdownEditor.prototype.isShown = function () {
    return this.previewButton.getAttribute("aria-pressed") === "true";
  };

  MarkdownEditor.prototype.toggle = function () {
    var shown = !this.isShown();
    this.previewButton.setAttribute("aria-pressed", String(shown));
    this.preview.hidden = !shown;
    this.root.classList.toggle("wiki-editor--no-preview", !shown);
    if (shown) {
      this.update();
    }
  };

  MarkdownEditor.prototype.schedule = function () {
    if (!this.isShown()) {
      return;
    }
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(this.update.bind(this), PREVIEW_DELAY_MS);
  };

  MarkdownEditor.prototype.update = function () {
    var self = this;
    var form = this.textarea.form;
    if (this.controller) {
      this.controller.abort();
    }
    this.controller = new AbortController();
    var body = new FormData();
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    body.append("page", this.config.page);
    body.append("field", this.field);
    form.querySelectorAll("textarea[data-markdown]").forEach(function (textarea) {
      body.append(textarea.dataset.markdown, textarea.value);
    });
    this.preview.setAttribute("aria-busy", "true");
    post(this.config.previewUrl, body, this.controller.signal)
      .then(function (html) {
        // Sanitised by the server's one Markdown pipeline, as the page shows it.
        self.preview.innerHTML = html;
        if (!self.preview.querySelector(".wiki-preview__text > *")) {
          var empty = document.createElement("p");
          empty.className = "wiki-preview__empty";
          empty.textContent = "Nothing to preview: the " + self.label.toLowerCase() + " is empty.";
          self.preview.querySelector(".wiki-preview__text").appendChild(empty);
        }
        self.preview.classList.remove("wiki-preview--error");
        self.preview.removeAttribute("aria-busy");
      })
      .catch(function (error) {
        if (error.name === "AbortError") {
          return;
        }
        self.preview.classList.add("wiki-preview--error");
        self.preview.textContent = errorText(error);
        self.preview.removeAttribute("aria-busy");
      });
  };

  /* The citation picker ----------------------------------------------------- */

  function CitationPicker(details, textarea) {
    var filter = details.querySelector(".wiki-cite__filter");
    var empty = details.querySelector(".wiki-cite__empty");
    var items = Array.prototype.slice.call(details.querySelectorAll(".wiki-cite__list > li"));

    details.addEventListener("click", function (event) {
      var choice = event.target.closest(".wiki-cite__choice");
      if (!choice) {
        return;
      }
      details.open = false;
      insertAtCursor(textarea, "[^" + choice.dataset.cite + "]");
    });
    details.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.open) {
        event.preventDefault();
        details.open = false;
        details.querySelector("summary").focus();
      }
    });
    details.addEventListener("toggle", function () {
      if (details.open) {
        filter.focus();
      }
    });
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var text = item.textContent.toLowerCase() + " " + (item.firstElementChild.title || "").toLowerCase();
        item.hidden = !words.every(function (word) {
          return text.indexOf(word) !== -1;
        });
        shown += item.hidden ? 0 : 1;
      });
      details.querySelectorAll(".wiki-cite__list").forEach(function (list) {
        var visible = list.querySelector("li:not([hidden])") !== null;
        list.hidden = !visible;
        list.previousElementSibling.hidden = !visible;
      });
      empty.hidden = shown > 0;
    });
    // Enter in the filter would submit the page's form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = details.querySelector(".wiki-cite__list > li:not([hidden]) .wiki-cite__choice");
        if (first) {
          first.click();
        }
      }
    });
  }

  /* Titles after "[[" ------------------------------------------------------- */

  function TitleCompletion(textarea, url, id) {
    this.textarea = textarea;
    this.url = url;
    this.options = [];
    this.active = -1;
    this.typed = "";
    this.timer = null;
    this.controller = null;

    this.listbox = document.createElement("ul");
    this.listbox.id = id + "-titles";
    this.listbox.className = "wiki-titles";
    this.listbox.setAttribute("role", "listbox");
    this.listbox.setAttribute("aria-label", "Page titles");
    this.listbox.hidden = true;
    this.status = document.createElement("div");
    this.status.className = "wiki-titles__status";
    this.status.setAttribute("role", "status");
    textarea.insertAdjacentElement("afterend", this.listbox);
    this.listbox.insertAdjacentElement("afterend", this.status);

    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", this.listbox.id);
    textarea.addEventListener("input", this.onInput.bind(this));
    textarea.addEventListener("keydown", this.onKeydown.bind(this));
    textarea.addEventListener("blur", this.close.bind(this));
    textarea.addEventListener("click", this.close.bind(this));
    // Keep the focus (and the cursor) in the text area while an option is clicked.
    this.listbox.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    this.listbox.addEventListener("click", this.onClick.bind(this));
  }

  TitleCompletion.prototype.openLink = function () {
    var textarea = this.textarea;
    if (textarea.selectionStart !== textarea.selectionEnd) {
      return null;
    }
    var match = OPEN_LINK_RE.exec(textarea.value.slice(0, textarea.selectionStart));
    return match ? match[1] : null;
  };

  TitleCompletion.prototype.onInput = function () {
    var self = this;
    var typed = this.openLink();
    window.clearTimeout(this.timer);
    if (typed === null || !typed.trim()) {
      this.close();
      return;
    }
    this.timer = window.setTimeout(function () {
      self.fetchTitles(typed);
    }, TITLES_DELAY_MS);
  };

  TitleCompletion.prototype.fetchTitles = function (typed) {
    var self = this;
    if (this.controller) {
      this.controller.abort();
    }
    this.controller = new AbortController();
    var url = new URL(this.url, document.baseURI);
    url.searchParams.set("q", typed.trim());
    fetch(url.href, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: this.controller.signal,
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("Titles unavailable: " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        if (self.openLink() === typed) {
          self.render(typed, data.results || []);
        }
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          self.close();
        }
      });
  };

  TitleCompletion.prototype.render = function (typed, results) {
    var self = this;
    this.listbox.textContent = "";
    this.options = [];
    this.typed = typed;
    this.highlight(-1);
    results.forEach(function (result) {
      var option = document.createElement("li");
      option.id = self.listbox.id + "-" + self.options.length;
      option.className = "wiki-titles__option";
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.title = result.title;
      option.textContent = result.title + " ";
      var kind = document.createElement("span");
      kind.className = "wiki-titles__kind";
      kind.textContent = result.kind;
      option.appendChild(kind);
      self.listbox.appendChild(option);
      self.options.push(option);
    });
    if (!this.options.length) {
      this.status.textContent = "No page title starts with " + typed.trim() + ".";
      this.close();
      return;
    }
    this.status.textContent =
      this.options.length + (this.options.length === 1 ? " page title" : " page titles") +
      ": Down to choose, Enter to insert.";
    this.listbox.hidden = false;
    this.place();
  };

  TitleCompletion.prototype.place = function () {
    var textarea = this.textarea;
    var cursor = cursorPosition(textarea);
    var top = Math.min(Math.max(cursor.top, 0), textarea.clientHeight);
    var room = textarea.offsetWidth - this.listbox.offsetWidth;
    this.listbox.style.top = textarea.offsetTop + top + 4 + "px";
    this.listbox.style.left = textarea.offsetLeft + Math.max(0, Math.min(cursor.left, room)) + "px";
  };

  TitleCompletion.prototype.isOpen = function () {
    return !this.listbox.hidden;
  };

  TitleCompletion.prototype.close = function () {
    this.listbox.hidden = true;
    this.highlight(-1);
  };

  TitleCompletion.prototype.highlight = function (index) {
    if (this.active >= 0 && this.options[this.active]) {
      this.options[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    if (index < 0) {
      this.textarea.removeAttribute("aria-activedescendant");
      return;
    }
    var option = this.options[index];
    option.setAttribute("aria-selected", "true");
    this.textarea.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  TitleCompletion.prototype.choose = function (option) {
    var typed = this.openLink();
    if (typed === null) {
      this.close();
      return;
    }
    var after = this.textarea.value.slice(this.textarea.selectionEnd);
    var closing = /^(\]\]|\|)/.test(after) ? "" : "]]";
    this.close();
    insertAtCursor(this.textarea, option.dataset.title + closing, typed.length);
  };

  TitleCompletion.prototype.onKeydown = function (event) {
    if (!this.isOpen()) {
      return;
    }
    var count = this.options.length;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        this.highlight(this.active + 1 >= count ? 0 : this.active + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        this.highlight(this.active <= 0 ? count - 1 : this.active - 1);
        break;
      case "Enter":
        if (this.active >= 0) {
          event.preventDefault();
          this.choose(this.options[this.active]);
        } else {
          this.close();
        }
        break;
      case "Escape":
        event.preventDefault();
        this.close();
        break;
      case "Tab":
        this.close();
        break;
      default:
        break;
    }
  };

  TitleCompletion.prototype.onClick = function (event) {
    var option = event.target.closest("[role=option]");
    if (option) {
      this.choose(option);
    }
  };

  /* "Show changes" ------------------------------------------------------------ */

  function ChangesPanel(section, form, config) {
    var button = section.querySelector(".wiki-changes__button");
    var result = section.querySelector(".wiki-changes__result");
    var controller = null;
    section.hidden = false;
    button.addEventListener("click", function () {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var body = new FormData(form);
      body.set("page", config.page);
      result.setAttribute("aria-busy", "true");
      result.textContent = "Comparing…";
      post(config.changesUrl, body, controller.signal)
        .then(function (html) {
          // Built by the server from escaped text (wiki/includes/field_diffs.html).
          result.innerHTML = html;
          result.removeAttribute("aria-busy");
        })
        .catch(function (error) {
          if (error.name === "AbortError") {
            return;
          }
          result.textContent = errorText(error);
          result.removeAttribute("aria-busy");
        });
    });
  }

  function init() {
    var element = document.getElementById("wiki-editor");
    if (!element) {
      return;
    }
    var config = {
      previewUrl: element.dataset.previewUrl,
      changesUrl: element.dataset.changesUrl,
      titlesUrl: element.dataset.titlesUrl,
      page: element.dataset.page,
    };
    var textareas = document.querySelectorAll("textarea[data-markdown]");
    var editors = [];
    Array.prototype.forEach.call(textareas, function (textarea, index) {
      editors.push(new MarkdownEditor(textarea, config, index));
    });
    editors.forEach(function (editor) {
      editor.update();
    });
    var changes = document.getElementById("wiki-changes");
    if (changes && textareas.length) {
      new ChangesPanel(changes, textareas[0].form, config);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
