/* athar static search: folds Arabic spelling exactly as builder/arabic.py does. */
(function () {
  "use strict";
  var DIACRITICS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0640]/;
  var INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]/;
  var FOLD = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ة": "ه", "ى": "ي", "ئ": "ي", "ی": "ي", "ې": "ي", "ؤ": "و", "ک": "ك"
  };
  for (var d = 0; d < 10; d++) {
    FOLD[String.fromCharCode(0x0660 + d)] = String(d);
    FOLD[String.fromCharCode(0x06f0 + d)] = String(d);
  }

  /* Returns [folded, map] where map[i] is the index in text of folded[i]. */
  function foldWithMap(text) {
    text = text.normalize("NFC");
    var out = [], map = [];
    for (var i = 0; i < text.length; i++) {
      var ch = text[i];
      if (DIACRITICS.test(ch) || INVISIBLE.test(ch)) continue;
      var f = FOLD[ch] || ch.toLowerCase();
      for (var j = 0; j < f.length; j++) { out.push(f[j]); map.push(i); }
    }
    return [out.join(""), map];
  }
  function fold(text) { return foldWithMap(text)[0]; }
  window.atharFold = fold;

  var script = document.currentScript;
  var indexUrl = script.getAttribute("data-index");
  var kindLabels = JSON.parse(script.getAttribute("data-kinds"));
  var form = document.querySelector(".search-form");
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("results");
  var docs = null;

  var CLITICS = /^(و|ف)?(ب|ل|ك)?(ال)?/;

  function terms(query) {
    return fold(query).split(/\s+/).filter(Boolean).map(function (t) {
      var stripped = t.replace(CLITICS, "");
      return stripped.length >= 2 ? stripped : t;
    });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function snippet(text, term) {
    var fm = foldWithMap(text), at = fm[0].indexOf(term);
    var frag = document.createDocumentFragment();
    if (at < 0) { frag.appendChild(document.createTextNode(text.slice(0, 160))); return frag; }
    var start = fm[1][at], end = fm[1][at + term.length - 1] + 1;
    var from = Math.max(0, start - 70), to = Math.min(text.length, end + 70);
    frag.appendChild(document.createTextNode((from > 0 ? "…" : "") + text.slice(from, start)));
    frag.appendChild(el("mark", null, text.slice(start, end)));
    frag.appendChild(document.createTextNode(text.slice(end, to) + (to < text.length ? "…" : "")));
    return frag;
  }

  function run() {
    var q = input.value.trim();
    var kinds = Array.prototype.map.call(form.querySelectorAll("input[name=kind]:checked"), function (c) { return c.value; });
    list.textContent = "";
    if (!q) { status.textContent = ""; return; }
    var ts = terms(q);
    var hits = docs.filter(function (doc) {
      return kinds.indexOf(doc.k) >= 0 && ts.every(function (t) { return doc.n.indexOf(t) >= 0; });
    });
    hits.sort(function (a, b) {
      var ta = fold(a.t).indexOf(ts[0]) >= 0 ? 0 : 1, tb = fold(b.t).indexOf(ts[0]) >= 0 ? 0 : 1;
      return ta - tb;
    });
    status.textContent = hits.length ? ("عدد النتائج: " + hits.length) : "لا نتائج.";
    hits.slice(0, 100).forEach(function (doc) {
      var li = el("li");
      var a = el("a", null, doc.t);
      a.href = doc.u;
      li.appendChild(a);
      li.appendChild(el("span", "kind", kindLabels[doc.k] || doc.k));
      var s = el("span", "snippet");
      s.appendChild(snippet(doc.t + " — " + doc.x, ts[0]));
      li.appendChild(s);
      list.appendChild(li);
    });
  }

  function syncUrl() {
    var url = new URL(location.href);
    if (input.value.trim()) url.searchParams.set("q", input.value.trim()); else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }

  fetch(indexUrl).then(function (r) { return r.json(); }).then(function (data) {
    docs = data.docs;
    var q = new URLSearchParams(location.search).get("q");
    if (q) { input.value = q; run(); }
    input.addEventListener("input", function () { run(); syncUrl(); });
    form.addEventListener("change", run);
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); syncUrl(); });
  }).catch(function () { status.textContent = "تعذّر تحميل فهرس البحث."; });
})();
