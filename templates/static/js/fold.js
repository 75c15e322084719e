/* athar: Arabic folding for search, the same rules as builder/arabic.py.
 *
 * Each character is decomposed (NFKD), lower-cased, decomposed again; combining
 * marks (Mn, Me), invisible format characters (Cf) and tatweel are dropped;
 * a few letters are folded (ة->ه, ى->ي, ٱ->ا, ...), Arabic-Indic and Persian
 * digits become 0-9 and apostrophes are dropped (Qa'im = Qaim).  tests/test_arabic.py runs this file in node and checks it
 * gives exactly what the Python module gives.  Loaded as a plain script: it
 * defines globalThis.AtharFold.
 */
(function (root) {
  "use strict";
  var DROP = /^[\p{Mn}\p{Me}\p{Cf}\u0640]$/u;
  var FOLD = {
    "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ة": "ه", "ۃ": "ه", "ھ": "ه", "ە": "ه",
    "ى": "ي", "ی": "ي", "ې": "ي",
    "ک": "ك",
    "'": "", "’": "", "‘": "", "`": "", "´": ""
  };
  for (var d = 0; d < 10; d++) {
    FOLD[String.fromCharCode(0x0660 + d)] = String(d);
    FOLD[String.fromCharCode(0x06f0 + d)] = String(d);
  }
  var WORD = /[\p{L}\p{N}]+/gu;
  var PROCLITIC = "وفبكل";
  var cache = new Map();

  /* The folded form of one character (a code point): "", one or more characters. */
  function foldChar(ch) {
    var hit = cache.get(ch);
    if (hit !== undefined) return hit;
    var text = ch.normalize("NFKD").toLowerCase().normalize("NFKD");
    var out = "";
    for (var c of text) {
      if (DROP.test(c)) continue;
      out += Object.prototype.hasOwnProperty.call(FOLD, c) ? FOLD[c] : c;
    }
    cache.set(ch, out);
    return out;
  }

  /* [folded, map]: map[i] is the offset in text (UTF-16) of folded[i]'s source character. */
  function foldWithMap(text) {
    var out = "", map = [], i = 0;
    for (var ch of text) {
      var f = foldChar(ch);
      out += f;
      for (var j = 0; j < f.length; j++) map.push(i);
      i += ch.length;
    }
    return [out, map];
  }

  function fold(text) {
    var out = "";
    for (var ch of text) out += foldChar(ch);
    return out;
  }

  /* Words of already folded text, each {word, start, end} in folded offsets. */
  function wordsOfFolded(folded) {
    var out = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(folded)) !== null) out.push({word: m[0], start: m.index, end: m.index + m[0].length});
    return out;
  }

  function words(text) {
    return wordsOfFolded(fold(text)).map(function (w) { return w.word; });
  }

  /* Index key of a folded word: strips ال and و ف ب ك ل greedily while 3 letters remain. */
  function stem(word) {
    for (;;) {
      var n = Array.from(word).length;
      if (word.startsWith("ال") && n >= 5) word = word.slice(2);
      else if (n >= 4 && PROCLITIC.indexOf(word[0]) >= 0) word = word.slice(1);
      else return word;
    }
  }

  /* Every stage of stripping a word typed so far, for prefix search (at least 2 letters left). */
  function prefixStems(word) {
    var out = [word];
    for (;;) {
      var n = Array.from(word).length;
      if (word.startsWith("ال") && n >= 4) word = word.slice(2);
      else if (n >= 3 && PROCLITIC.indexOf(word[0]) >= 0) word = word.slice(1);
      else return out;
      out.push(word);
    }
  }

  root.AtharFold = {
    foldChar: foldChar, fold: fold, foldWithMap: foldWithMap,
    words: words, wordsOfFolded: wordsOfFolded, stem: stem, prefixStems: prefixStems
  };
})(typeof globalThis !== "undefined" ? globalThis : this);
