/* athar: copy buttons of the "cite this" block (templates/_cite.html).
 *
 * Progressive enhancement: the buttons are hidden in the HTML and shown
 * here, so without JavaScript the page offers only what works (the text
 * to select and the download links).  Copies with the asynchronous
 * Clipboard API where the page may use it, else with a selected, hidden
 * textarea and execCommand("copy"), which also works from file:// pages
 * and old browsers.  No server is involved.
 */
(function () {
  "use strict";
  var status = document.getElementById("cite-status");

  function say(message) {
    if (status) { status.textContent = message; }
  }

  function copyBySelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.setAttribute("aria-hidden", "true");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () { return true; },
        function () { return copyBySelection(text); }
      );
    }
    return Promise.resolve(copyBySelection(text));
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(source.textContent).then(function (done) {
        say(done ? "نُسخ إلى الحافظة." : "تعذّر النسخ: حدّد النص وانسخه يدويًا.");
      });
    });
  });
}());
