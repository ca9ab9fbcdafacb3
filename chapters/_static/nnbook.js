// Page-wide glue for the course book, loaded early in <head> on every page (chapters/_ext/nnbook.py).
(function () {
  "use strict";

  // 1. Theme mode. The theme starts from localStorage's "mode" and logs "Got invalid theme mode"
  //    on a first visit, when there is none. Start such a visit in "auto" (follow the system).
  var root = document.documentElement;
  if (["light", "dark", "auto"].indexOf(root.dataset.mode) < 0) {
    root.dataset.mode = "auto";
    root.dataset.theme = window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  // 2. The widget manager typesets widget labels with MathJax 2's MathJax.Hub.Queue; the book
  //    loads MathJax 3. Give MathJax 3 a Hub whose Queue typesets with MathJax 3 once it is ready.
  //    Widgets write math between dollars, as Jupyter does, while the book's MathJax reads only
  //    \( \) and \[ \] (a dollar in prose stays a dollar), so the shim converts the delimiters in
  //    the widget's own text first. MathJax 3 replaces window.MathJax (until then a configuration
  //    object) when it loads, so the shim is added once it has run: MathJax is a deferred
  //    script, and deferred scripts run before DOMContentLoaded, which is also when the widget
  //    manager starts rendering.
  function dollarsToDelimiters(element) {
    var walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) {
      nodes.push(walker.currentNode);
    }
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      if (text.indexOf("$") < 0) {
        return;
      }
      node.nodeValue = text
        .replace(/\$\$([\s\S]+?)\$\$/g, "\\[$1\\]")
        .replace(/(^|[^\\])\$([^$]+?)\$/g, "$1\\($2\\)");
    });
  }
  function typesetLater(elements) {
    var mj = window.MathJax;
    if (!mj || !mj.startup || !mj.startup.promise || !mj.typesetPromise) {
      return; // MathJax is not on this page (it has no math of its own): leave the text as it is.
    }
    elements.forEach(dollarsToDelimiters);
    mj.startup.promise = mj.startup.promise.then(function () {
      return mj.typesetPromise(elements);
    });
  }
  var hub = {
    Queue: function () {
      var elements = [];
      for (var i = 0; i < arguments.length; i++) {
        var command = arguments[i];
        if (Array.isArray(command) && command[0] === "Typeset" && command[2]) {
          elements.push(command[2]);
        }
      }
      if (elements.length) {
        typesetLater(elements);
      }
    },
  };
  function installHub() {
    if (window.MathJax && window.MathJax.version && !window.MathJax.Hub) {
      window.MathJax.Hub = hub;
    }
  }
  document.addEventListener("DOMContentLoaded", installHub);
})();
