/* athar static search.  Needs fold.js (AtharFold) loaded first.
 *
 * The index (built by builder/search.py) is fetched piece by piece: index.json
 * (the shard list), then the term shards a query needs, then the documents
 * shown.  A query is folded and stemmed exactly as the index was; every word
 * of the query must match (the last one as a prefix, since it may be
 * unfinished).  Matches in a title rank first, then exact words before
 * prefixes.  Also runs in node (AtharSearch.Engine) for the benchmark.
 */
(function (root) {
  "use strict";
  var F = root.AtharFold;
  var SCORE = {exactTitle: 8, exactOther: 2, prefixTitle: 3, prefixOther: 1};

  function shardName(key) {
    var parts = [];
    for (var ch of key) parts.push(ch.codePointAt(0).toString(16));
    return parts.join("-") || "_";
  }

  function undelta(list) {
    var out = new Array(list.length), n = 0;
    for (var i = 0; i < list.length; i++) { n += list[i]; out[i] = n; }
    return out;
  }

  /* What a query asks: per word, its exact key and (last word) the prefixes to try. */
  function parseQuery(query) {
    var ws = F.words(query);
    return ws.map(function (w, i) {
      var prefixes = i === ws.length - 1 ? F.prefixStems(w).filter(function (p) { return Array.from(p).length >= 2; }) : [];
      return {word: w, key: F.stem(w), prefixes: prefixes};
    });
  }

  /* Whether a folded word of a document matches one of the query's words. */
  function wordMatches(terms, folded) {
    var key = F.stem(folded);
    return terms.some(function (t) {
      return key === t.key || t.prefixes.some(function (p) { return key.startsWith(p); });
    });
  }

  /* loadJson(path) -> Promise of the parsed file at path, relative to the index folder. */
  function Engine(loadJson) {
    this.load = loadJson;
    this.cache = new Map();
    this.meta = null;
  }

  Engine.prototype.get = function (path) {
    if (!this.cache.has(path)) this.cache.set(path, this.load(path));
    return this.cache.get(path);
  };

  Engine.prototype.ready = function () {
    var self = this;
    return this.get("index.json").then(function (meta) { self.meta = meta; return meta; });
  };

  /* The shard holding an exact key: the longest shard key that starts it. */
  Engine.prototype.shardFor = function (key) {
    var best = null;
    this.meta.shards.forEach(function (s) {
      if (key.startsWith(s) && (best === null || s.length > best.length)) best = s;
    });
    return best;
  };

  Engine.prototype.shardsFor = function (term) {
    var self = this, need = new Set();
    var exact = this.shardFor(term.key);
    if (exact !== null) need.add(exact);
    term.prefixes.forEach(function (p) {
      var home = self.shardFor(p);
      if (home !== null) need.add(home);
      self.meta.shards.forEach(function (s) { if (s.startsWith(p)) need.add(s); });
    });
    return Array.from(need).sort();
  };

  /* doc number -> score for one query word. */
  Engine.prototype.scoreTerm = function (term) {
    var self = this;
    return Promise.all(this.shardsFor(term).map(function (s) {
      return self.get("terms/" + shardName(s) + ".json");
    })).then(function (shards) {
      var scores = new Map();
      function add(list, points) {
        undelta(list).forEach(function (d) { if ((scores.get(d) || 0) < points) scores.set(d, points); });
      }
      shards.forEach(function (shard) {
        Object.keys(shard).forEach(function (key) {
          if (key === term.key) {
            add(shard[key][0], SCORE.exactTitle);
            add(shard[key][1], SCORE.exactOther);
          } else if (term.prefixes.some(function (p) { return key.startsWith(p); })) {
            add(shard[key][0], SCORE.prefixTitle);
            add(shard[key][1], SCORE.prefixOther);
          }
        });
      });
      return scores;
    });
  };

  Engine.prototype.kindOf = function (doc) {
    var kinds = this.meta.kinds;
    for (var k in kinds) if (doc >= kinds[k][0] && doc < kinds[k][1]) return k;
    return null;
  };

  /* Promise of {terms, hits: [{doc, kind, score}], counts: {kind: n}} for every kind; filter with kinds. */
  Engine.prototype.search = function (query, kinds) {
    var self = this, terms = parseQuery(query);
    if (!terms.length) return Promise.resolve({terms: terms, hits: [], counts: {}});
    return this.ready().then(function () {
      return Promise.all(terms.map(function (t) { return self.scoreTerm(t); }));
    }).then(function (perTerm) {
      perTerm.sort(function (a, b) { return a.size - b.size; });
      var hits = [], counts = {};
      perTerm[0].forEach(function (score, doc) {
        for (var i = 1; i < perTerm.length; i++) {
          var s = perTerm[i].get(doc);
          if (s === undefined) return;
          score += s;
        }
        var kind = self.kindOf(doc);
        counts[kind] = (counts[kind] || 0) + 1;
        if (!kinds || kinds.indexOf(kind) >= 0) hits.push({doc: doc, kind: kind, score: score});
      });
      hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
      return {terms: terms, hits: hits, counts: counts};
    });
  };

  /* Promise of {url, title, text} for a document number. */
  Engine.prototype.doc = function (n) {
    var self = this, per = this.meta.docsPerShard;
    return this.get("docs/" + Math.floor(n / per) + ".json").then(function (chunk) {
      var d = chunk[n % per];
      if (d[2] !== null) return {url: d[0], title: d[1], text: d[2]};
      return self.get("text/" + n + ".json").then(function (text) { return {url: d[0], title: d[1], text: text}; });
    });
  };

  /* Pieces of text around its matches: [{text, mark}], at most `width` characters either side of the first. */
  function passage(text, terms, width) {
    var fm = F.foldWithMap(text), folded = fm[0], map = fm[1];
    var ranges = [];
    F.wordsOfFolded(folded).forEach(function (w) {
      if (!wordMatches(terms, w.word)) return;
      var last = map[w.end - 1];
      ranges.push([map[w.start], last + (text.codePointAt(last) > 0xffff ? 2 : 1)]);
    });
    ranges = ranges.map(function (r) {  /* take in marks (harakat) that follow the last letter */
      var end = r[1];
      while (end < text.length && !/\s/.test(text[end]) && F.foldChar(text[end]) === "") end++;
      return [r[0], end];
    });
    var from = 0, to = text.length;
    if (width) {
      var first = ranges.length ? ranges[0] : [0, 0];
      from = Math.max(0, first[0] - width);
      to = Math.min(text.length, first[1] + width);
      while (from > 0 && !/\s/.test(text[from - 1])) from--;
      while (to < text.length && !/\s/.test(text[to])) to++;
    }
    var out = [], at = from;
    if (from > 0) out.push({text: "…", mark: false});
    ranges.forEach(function (r) {
      if (r[0] < at || r[1] > to) return;
      if (r[0] > at) out.push({text: text.slice(at, r[0]), mark: false});
      out.push({text: text.slice(r[0], r[1]), mark: true});
      at = r[1];
    });
    if (at < to) out.push({text: text.slice(at, to), mark: false});
    if (to < text.length) out.push({text: "…", mark: false});
    return out;
  }

  root.AtharSearch = {Engine: Engine, parseQuery: parseQuery, passage: passage, shardName: shardName};

  if (typeof document === "undefined" || !document.currentScript) return;
  ui(document.currentScript);

  /* ------------------------------------------------------------ the page */
  function ui(script) {
    var base = script.getAttribute("data-index");
    var labels = JSON.parse(script.getAttribute("data-labels"));
    var arab = script.getAttribute("data-numerals") === "arab";
    var form = document.querySelector(".search-form");
    var input = document.getElementById("q");
    var status = document.getElementById("search-status");
    var list = document.getElementById("results");
    var more = document.getElementById("more-results");
    var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=kind]"));
    var PAGE = 20;
    var engine = new Engine(function (path) {
      return fetch(base + path).then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + path);
        return r.json();
      });
    });
    var current = null, shown = 0, generation = 0;

    function num(n) {
      var s = String(n);
      return arab ? s.replace(/[0-9]/g, function (d) { return "٠١٢٣٤٥٦٧٨٩"[+d]; }) : s;
    }

    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text != null) e.textContent = text;
      return e;
    }

    function fill(parent, pieces) {
      pieces.forEach(function (p) {
        parent.appendChild(p.mark ? el("mark", null, p.text) : document.createTextNode(p.text));
      });
    }

    function kinds() {
      return boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    }

    function showMore() {
      var gen = generation, page = current.hits.slice(shown, shown + PAGE);
      shown += page.length;
      more.hidden = shown >= current.hits.length;
      return Promise.all(page.map(function (h) { return engine.doc(h.doc); })).then(function (docs) {
        if (gen !== generation) return;
        docs.forEach(function (d, i) {
          var li = el("li", "result result-" + page[i].kind);
          var a = el("a", "result-title");
          a.href = d.url;
          a.setAttribute("dir", "auto");
          fill(a, passage(d.title, current.terms, 0));
          li.appendChild(a);
          li.appendChild(el("span", "result-kind", labels[page[i].kind] || page[i].kind));
          if (d.text) {
            var p = el("p", "result-snippet");
            p.setAttribute("dir", "auto");
            fill(p, passage(d.text, current.terms, 80));
            li.appendChild(p);
          }
          list.appendChild(li);
        });
      });
    }

    function run() {
      var gen = ++generation, q = input.value.trim();
      list.textContent = "";
      more.hidden = true;
      if (!q) { status.textContent = ""; return Promise.resolve(); }
      status.textContent = "جارٍ البحث…";
      return engine.search(q, kinds()).then(function (result) {
        if (gen !== generation) return;
        current = result;
        shown = 0;
        return showMore().then(function () {  /* the status is announced once the results are there */
          if (gen !== generation) return;
          status.textContent = result.hits.length ? "عدد النتائج: " + num(result.hits.length) : "لا نتائج لـ«" + q + "».";
        });
      }).catch(function () {
        if (gen === generation) status.textContent = "تعذّر تحميل فهرس البحث.";
      });
    }

    function syncUrl() {
      var url = new URL(location.href), q = input.value.trim(), chosen = kinds();
      url.searchParams.delete("q");
      url.searchParams.delete("kind");
      if (q) url.searchParams.set("q", q);
      if (chosen.length < boxes.length) chosen.forEach(function (k) { url.searchParams.append("kind", k); });
      history.replaceState(null, "", url);
    }

    var params = new URLSearchParams(location.search);
    var wanted = params.getAll("kind");
    if (wanted.length) boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
    input.addEventListener("input", function () { run(); syncUrl(); });
    boxes.forEach(function (b) { b.addEventListener("change", function () { run(); syncUrl(); }); });
    form.addEventListener("submit", function (e) { e.preventDefault(); run(); syncUrl(); });
    more.addEventListener("click", function () { showMore(); });
    if (params.get("q")) {
      input.value = params.get("q");
      run().then(function () { document.body.setAttribute("data-search-ready", "1"); });
    } else {
      document.body.setAttribute("data-search-ready", "1");
    }
  }
})(typeof globalThis !== "undefined" ? globalThis : this);
