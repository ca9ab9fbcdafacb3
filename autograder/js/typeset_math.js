// Typeset the TeX in HTML pages ahead of time, with the MathJax 3 that the book vendors
// (chapters/_vendor/node_modules/mathjax), so that the pages show their math with no script and
// no network. Called by autograder/mathjax.py:
//   node typeset_math.js MATHJAX_DIR < paths.json
// where paths.json is a JSON list of HTML files; each is rewritten in place. Math is found as
// MathJax finds it in a browser ($...$, \(...\), $$...$$, \[...\], environments), never inside
// <pre>, <code>, <script> or <style>. Prints one JSON line: {"pages": N, "formulas": M}.
const fs = require('fs');
const path = require('path');

const mathjaxDir = process.argv[2];
const pages = JSON.parse(fs.readFileSync(0, 'utf8'));

require(path.join(mathjaxDir, 'es5', 'node-main.js')).init({
  loader: {load: ['input/tex-full', 'output/svg', 'adaptors/liteDOM']},
  tex: {
    inlineMath: [['$', '$'], ['\\(', '\\)']],
    displayMath: [['$$', '$$'], ['\\[', '\\]']],
    processEscapes: true,
    processEnvironments: true,
  },
  // Each formula carries its own glyph definitions, so a formula copied out of a page still shows.
  svg: {fontCache: 'local'},
  startup: {typeset: false},
}).then((MathJax) => {
  const adaptor = MathJax.startup.adaptor;
  let formulas = 0;
  for (const page of pages) {
    const doc = MathJax.startup.getDocument(fs.readFileSync(page, 'utf8'));
    doc.render();
    formulas += Array.from(doc.math).length;
    const html = adaptor.doctype(doc.document) + '\n' + adaptor.outerHTML(adaptor.root(doc.document));
    fs.writeFileSync(page, html);
  }
  process.stdout.write(JSON.stringify({pages: pages.length, formulas: formulas}) + '\n');
}).catch((error) => {
  process.stderr.write(String(error && error.stack || error) + '\n');
  process.exit(1);
});
