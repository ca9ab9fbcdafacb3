// Loaded between require.js and the ipywidgets HTML manager (embed-amd.js) on pages with embedded
// widgets (sphinx.config.nb_ipywidgets_js in _config.yml), so the widgets work with no network.
(function () {
  "use strict";
  // Each AMD module in embed-amd.js finds its fonts next to its own URL, which RequireJS derives
  // from the module's name: "@jupyter-widgets/controls" would be looked up relative to the page.
  // Map every module name to the vendored dist/ folder served with the book.
  var dist = new URL("vendor/html-manager/dist/", document.currentScript.src).href;
  window.__jupyter_widgets_assets_path__ = dist;
  var names = ["base", "base7", "controls", "controls7", "html-manager"];
  var paths = { "@jupyter-widgets/html-manager/dist": dist.replace(/\/$/, "") };
  names.forEach(function (name) {
    paths["@jupyter-widgets/" + name] = dist + name;
  });
  window.require.config({ paths: paths });

  // html-manager 1.0.15 compiles its own JSON schema with ajv in strict mode, and ajv warns in the
  // console that the schema uses a union type. The schema is fine and nothing a reader does can
  // change it; drop exactly that message, so that the console shows only real problems.
  var warn = console.warn;
  console.warn = function (message) {
    if (typeof message === "string" && message.indexOf("strict mode: use allowUnionTypes") === 0) {
      return;
    }
    return warn.apply(console, arguments);
  };
})();
