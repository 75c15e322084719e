/* athar page behaviour, as progressive enhancement:
 *
 * - annotation popovers on article pages: what a marked span stands for,
 *   on hover, on keyboard focus and on tap; research notes open in place;
 * - filters on the event index (year, type, place, actor), applied at once
 *   and kept in the URL query so a filtered view can be shared.
 *
 * Without this script every mark is still a link (to its entity page or its
 * note) and the event index shows every event.  The script shows only what
 * the page carries (the #annotation-data JSON, data-* attributes): all
 * wording and formatting is done by the builder.
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  /* ---------------------------------------------------------------- popovers */

  function setUpAnnotations() {
    var source = document.getElementById("annotation-data");
    var body = document.querySelector(".article-body");
    if (!source || !body) return;
    var data = JSON.parse(source.textContent);
    var tapHint = source.getAttribute("data-tap-hint") || "";

    var pop = el("div", "ann-pop");
    pop.id = "ann-pop";
    pop.setAttribute("role", "tooltip");
    pop.hidden = true;
    (document.querySelector("main") || document.body).appendChild(pop); /* inside a landmark, outside the text */

    var handles = body.querySelectorAll("a.m[data-ann], a.mref[data-ann]");
    Array.prototype.forEach.call(handles, function (handle) {
      handle.removeAttribute("title"); /* the popover replaces the native tooltip */
      if (handle.classList.contains("mref-note")) handle.setAttribute("aria-expanded", "false");
    });

    var state = { handle: null, anchor: null, pinned: false, hideTimer: 0, pointer: "mouse" };

    function isHandle(node) {
      return node.matches("a.m[data-ann], a.mref[data-ann]");
    }

    /* The marks that belong to the same annotation as `node`: every piece
     * of an event or note span (they occur once per article), or the one
     * place/actor mention itself. */
    function pieces(node) {
      var key = node.getAttribute("data-ann");
      if (/^(event|note):/.test(key)) {
        return body.querySelectorAll('[data-ann="' + key.replace(/["\\]/g, "\\$&") + '"]');
      }
      return [node];
    }

    function handleFor(node) {
      if (isHandle(node)) return node;
      var key = node.getAttribute("data-ann");
      var all = body.querySelectorAll("a[data-ann]");
      for (var i = 0; i < all.length; i++) {
        if (all[i].getAttribute("data-ann") === key && isHandle(all[i])) return all[i];
      }
      return null;
    }

    function fill(entry) {
      pop.textContent = "";
      pop.setAttribute("data-kind", entry.kind);
      var kind = el("p", "pop-kind");
      kind.appendChild(el("span", "kind kind-" + entry.kind, entry.label));
      pop.appendChild(kind);
      if (entry.name) pop.appendChild(el("p", "pop-name", entry.name));
      if (entry.name_en) {
        var en = el("p", "pop-line");
        var bdi = el("bdi", null, entry.name_en);
        bdi.dir = "ltr";
        bdi.lang = "en";
        en.appendChild(bdi);
        pop.appendChild(en);
      }
      (entry.lines || []).forEach(function (line) {
        var p = el("p", "pop-line" + (line.warn ? " pop-differs" : ""), line.label + ": ");
        p.appendChild(el("strong", null, line.value));
        pop.appendChild(p);
      });
      if (entry.note) {
        var note = el("div", "pop-note");
        note.dir = entry.note_dir || "auto";
        if (entry.note_lang) note.lang = entry.note_lang;
        /* sanitised by the builder (nh3 allow-list) from the researcher's Markdown */
        note.innerHTML = entry.note;
        pop.appendChild(note);
      }
      if (state.pointer === "touch" && tapHint && entry.kind !== "note") {
        pop.appendChild(el("p", "pop-hint", tapHint));
      }
    }

    function position(anchor) {
      var rects = anchor.getClientRects();
      var rect = rects.length ? rects[0] : anchor.getBoundingClientRect();
      var width = document.documentElement.clientWidth;
      var rtl = getComputedStyle(document.documentElement).direction === "rtl";
      pop.style.insetInlineStart = "0px";
      pop.style.insetBlockStart = "0px";
      var w = pop.offsetWidth, h = pop.offsetHeight;
      var start = rtl ? width - rect.right : rect.left;
      start = Math.max(8, Math.min(start, width - w - 8));
      var top = rect.bottom + 6;
      if (top + h > window.innerHeight - 8 && rect.top - h - 6 > 8) top = rect.top - h - 6;
      pop.style.insetInlineStart = start + "px";
      pop.style.insetBlockStart = (top + window.scrollY) + "px";
    }

    function highlight(on) {
      if (!state.anchor) return;
      Array.prototype.forEach.call(pieces(state.anchor), function (p) { p.classList.toggle("is-active", on); });
    }

    function show(anchor, pinned) {
      var entry = data[anchor.getAttribute("data-ann")];
      if (!entry) return;
      clearTimeout(state.hideTimer);
      if (state.anchor && state.anchor !== anchor) hide();
      state.anchor = anchor;
      state.handle = handleFor(anchor);
      state.pinned = pinned;
      fill(entry);
      pop.hidden = false;
      position(anchor);
      highlight(true);
      if (state.handle) {
        state.handle.setAttribute("aria-describedby", "ann-pop");
        if (state.handle.hasAttribute("aria-expanded")) state.handle.setAttribute("aria-expanded", String(pinned));
      }
    }

    function hide() {
      clearTimeout(state.hideTimer);
      highlight(false);
      if (state.handle) {
        state.handle.removeAttribute("aria-describedby");
        if (state.handle.hasAttribute("aria-expanded")) state.handle.setAttribute("aria-expanded", "false");
      }
      state.anchor = state.handle = null;
      state.pinned = false;
      pop.hidden = true;
    }

    function hideSoon() {
      if (state.pinned) return;
      clearTimeout(state.hideTimer);
      state.hideTimer = setTimeout(hide, 250);
    }

    function markAt(target) {
      var node = target instanceof Element ? target.closest("[data-ann]") : null;
      return node && body.contains(node) ? node : null;
    }

    document.addEventListener("pointerdown", function (e) { state.pointer = e.pointerType || "mouse"; }, true);

    /* hover: mouse and pen only; a finger gets the tap behaviour below */
    body.addEventListener("pointerover", function (e) {
      var node = markAt(e.target);
      if (node && e.pointerType !== "touch" && !state.pinned) show(node, false);
    });
    body.addEventListener("pointerout", function (e) {
      if (e.pointerType !== "touch" && markAt(e.target) && !(e.relatedTarget && markAt(e.relatedTarget) === state.anchor)) hideSoon();
    });
    pop.addEventListener("pointerenter", function () { clearTimeout(state.hideTimer); });
    pop.addEventListener("pointerleave", hideSoon);

    body.addEventListener("focusin", function (e) {
      var node = markAt(e.target);
      if (node && isHandle(node) && !(state.pinned && state.anchor === node)) show(node, false);
    });
    body.addEventListener("focusout", function (e) {
      if (markAt(e.target) && !(e.relatedTarget && pop.contains(e.relatedTarget))) {
        if (!state.pinned || state.anchor === e.target) hide();
      }
    });

    body.addEventListener("click", function (e) {
      var node = markAt(e.target);
      if (!node) return;
      var open = state.pinned && state.anchor === node;
      if (node.classList.contains("mref-note")) {
        /* notes open in place; the list at the end stays for reading without script */
        e.preventDefault();
        if (open) hide(); else show(node, true);
      } else if (!isHandle(node)) {
        if (open) hide(); else show(node, true);
      } else if (state.pointer !== "mouse" && !open && e.detail !== 0) {
        /* touch: the first tap says what it is, the second follows the link */
        e.preventDefault();
        show(node, true);
      }
    });

    document.addEventListener("click", function (e) {
      if (!pop.hidden && !markAt(e.target) && !pop.contains(e.target)) hide();
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !pop.hidden) {
        var handle = state.handle;
        hide();
        if (handle && document.activeElement !== handle && body.contains(document.activeElement)) handle.focus();
      }
    });
    window.addEventListener("resize", function () { if (state.anchor) position(state.anchor); });
  }

  /* ---------------------------------------------------------------- event filters */

  var FIELDS = ["year", "type", "place", "actor"];
  var ATTRIBUTES = { year: "data-years", type: "data-type", place: "data-places", actor: "data-actors" };

  function setUpFilters() {
    var form = document.getElementById("event-filters");
    if (!form) return;
    var items = Array.prototype.slice.call(document.querySelectorAll(".timeline li.event"));
    var groups = document.querySelectorAll(".timeline .month, .timeline .year");
    var status = document.getElementById("filter-status");
    var arabic = form.getAttribute("data-numerals") === "arab";

    function number(n) {
      var text = String(n);
      return arabic ? text.replace(/[0-9]/g, function (d) { return String.fromCharCode(0x0660 + Number(d)); }) : text;
    }

    function wanted() {
      var want = {};
      FIELDS.forEach(function (f) { want[f] = form.elements[f].value; });
      return want;
    }

    function apply() {
      var want = wanted(), shown = 0, any = false;
      items.forEach(function (li) {
        var ok = FIELDS.every(function (f) {
          if (!want[f]) return true;
          return (li.getAttribute(ATTRIBUTES[f]) || "").split(" ").indexOf(want[f]) >= 0;
        });
        li.hidden = !ok;
        if (ok) shown++;
      });
      Array.prototype.forEach.call(groups, function (g) { g.hidden = !g.querySelector("li.event:not([hidden])"); });
      FIELDS.forEach(function (f) { any = any || !!want[f]; });
      var template = !any ? status.getAttribute("data-all") : shown ? status.getAttribute("data-template") : status.getAttribute("data-none");
      status.textContent = template.replace("{shown}", number(shown)).replace("{total}", number(items.length));
    }

    function syncUrl() {
      var url = new URL(location.href);
      var want = wanted();
      FIELDS.forEach(function (f) {
        if (want[f]) url.searchParams.set(f, want[f]); else url.searchParams.delete(f);
      });
      history.replaceState(null, "", url);
    }

    var params = new URLSearchParams(location.search);
    FIELDS.forEach(function (f) {
      var select = form.elements[f], value = params.get(f);
      var known = value && Array.prototype.some.call(select.options, function (o) { return o.value === value; });
      if (known) select.value = value;
    });
    form.hidden = false;
    form.addEventListener("change", function () { apply(); syncUrl(); });
    form.addEventListener("reset", function () { setTimeout(function () { apply(); syncUrl(); }, 0); });
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); syncUrl(); });
    apply();
  }

  function start() {
    setUpAnnotations();
    setUpFilters();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
