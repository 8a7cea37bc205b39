/* Page previews: hovering over an internal link in the content (after a short
   delay), or moving the keyboard focus onto it, shows a card with the page's
   kind, title, first sentences and key facts, fetched from /preview/<address>
   (wiki.views.PagePreviewView, cached like any page, at the reader's limit).
   The card is a tooltip placed absolutely on <body>, so it moves nothing on
   the page; Escape, moving away or leaving the link hides it. Without this
   script the links are plain links. */
(function () {
  "use strict";

  var SHOW_DELAY = 350;
  var HIDE_DELAY = 250;
  var GAP = 6;
  var MARGIN = 8;
  // A page's own address (/<kind>/<slug>/), an alias's (/go/<title>/) or the home page's.
  var PAGE_ADDRESS = /^\/(?:[a-z0-9-]+\/[A-Za-z0-9_-]+\/|go\/.+\/)?$/;

  var content = document.getElementById("content");
  if (!content || !window.fetch) {
    return;
  }

  var card = document.createElement("div");
  card.id = "page-preview";
  card.className = "page-preview";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);

  var fragments = new Map(); // preview address -> Promise of its HTML (null: no preview)
  var current = null; // the link the card is for
  var showTimer = 0;
  var hideTimer = 0;

  function previewAddress(link) {
    if (link.origin !== window.location.origin || link.classList.contains("new")) {
      return null;
    }
    if (link.pathname === window.location.pathname || !PAGE_ADDRESS.test(link.pathname)) {
      return null;
    }
    var address = "/preview" + link.pathname;
    // A limit given in the address of this page applies to what its previews show.
    var upto = new URLSearchParams(window.location.search).get("upto");
    return upto ? address + "?upto=" + encodeURIComponent(upto) : address;
  }

  function fragment(address) {
    if (!fragments.has(address)) {
      fragments.set(
        address,
        fetch(address, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then(function (response) {
            return response.ok ? response.text() : null;
          })
          .catch(function () {
            return null;
          })
      );
    }
    return fragments.get(address);
  }

  function linkFor(target) {
    var link = target instanceof Element ? target.closest("a[href]") : null;
    return link && content.contains(link) && previewAddress(link) ? link : null;
  }

  function place(link) {
    var rect = link.getClientRects()[0] || link.getBoundingClientRect();
    var width = card.offsetWidth;
    var height = card.offsetHeight;
    var viewport = document.documentElement.clientWidth;
    var left = Math.min(rect.left, viewport - width - MARGIN);
    var top = rect.bottom + GAP;
    if (top + height > window.innerHeight && rect.top - GAP - height > 0) {
      top = rect.top - GAP - height;
    }
    card.style.left = Math.max(MARGIN, left) + window.scrollX + "px";
    card.style.top = top + window.scrollY + "px";
  }

  function show(link) {
    var address = previewAddress(link);
    current = link;
    fragment(address).then(function (html) {
      if (current !== link || html === null) {
        return;
      }
      card.innerHTML = html;
      card.classList.add("page-preview--loading");
      card.hidden = false;
      place(link);
      link.setAttribute("aria-describedby", card.id);
      // Faded in on the next frame (no motion when the reader asks for less: see site.css).
      window.requestAnimationFrame(function () {
        card.classList.remove("page-preview--loading");
      });
    });
  }

  function hide() {
    window.clearTimeout(showTimer);
    window.clearTimeout(hideTimer);
    if (current && current.getAttribute("aria-describedby") === card.id) {
      current.removeAttribute("aria-describedby");
    }
    current = null;
    card.hidden = true;
  }

  function showSoon(link, delay) {
    window.clearTimeout(hideTimer);
    if (link === current) {
      return;
    }
    window.clearTimeout(showTimer);
    if (current) {
      hide();
    }
    showTimer = window.setTimeout(function () {
      show(link);
    }, delay);
  }

  function hideSoon() {
    window.clearTimeout(showTimer);
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(hide, HIDE_DELAY);
  }

  document.addEventListener("mouseover", function (event) {
    var link = linkFor(event.target);
    if (link) {
      showSoon(link, SHOW_DELAY);
    } else if (card.contains(event.target)) {
      // The pointer may move onto the card to read it.
      window.clearTimeout(hideTimer);
    }
  });

  document.addEventListener("mouseout", function (event) {
    var from = linkFor(event.target) || (card.contains(event.target) ? card : null);
    var to = event.relatedTarget;
    if (from && !(to instanceof Node && (from.contains(to) || card.contains(to) || to === current))) {
      hideSoon();
    }
  });

  document.addEventListener("focusin", function (event) {
    var link = linkFor(event.target);
    // Keyboard focus only: a tap on a phone focuses the link it follows.
    if (link && link.matches(":focus-visible")) {
      showSoon(link, 0);
    } else if (current) {
      hide();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (event.target === current) {
      hide();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) {
      hide();
    }
  });

  document.addEventListener("click", hide);
  window.addEventListener("resize", hide);
})();
