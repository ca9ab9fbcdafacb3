/* nnlib explorers: the attention kind (explorers/attention_static.py).
 *
 * Registers NNX.kinds.attention with the shared renderer (static.js, which precedes this file in
 * the output and defines window.NNX), then asks it to initialize the explorers of this kind. It
 * looks up the attention weights and output probabilities that nnlib computed at build time and
 * draws them; it computes nothing. No dependencies, no network.
 */
(function () {
  "use strict";
  var NNX = window.NNX;
  if (!NNX) throw new Error("nnlib attention explorer: the shared renderer (static.js) is missing");
  if (NNX.kinds.attention) { NNX.initAll(); return; }

  var FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var SMALL = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var TEXT = "#1f2328", MUTED = "#57606a", GOOD = "#1a7f37", BAD = "#cf222e";

  function unpack(p) {  // static.pack: little-endian uint8 only here
    var bin = atob(p.b), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    if (p.t !== "u1") throw new Error("nnlib attention explorer: expected u1 data, got " + p.t);
    return bytes;
  }
  function shade(v) {  // 0..255 -> white to dark blue (readable labels on both ends)
    var t = v / 255;
    var r = Math.round(247 - t * (247 - 8)), g = Math.round(251 - t * (251 - 48)), b = Math.round(255 - t * (255 - 107));
    return "rgb(" + r + "," + g + "," + b + ")";
  }
  function pct(v) { return Math.round(v * 100) + "%"; }

  // One heatmap: rows x cols cells of uint8 values, with row and column labels.
  function heatmap(ctx, box, values, offset, rows, cols, rowLabels, colLabels, title, xTitle, yTitle, mark) {
    var cw = box.w / cols, ch = box.h / rows;
    for (var i = 0; i < rows; i++) {
      for (var j = 0; j < cols; j++) {
        var v = values[offset + i * cols + j];
        ctx.fillStyle = shade(v);
        ctx.fillRect(box.x + j * cw, box.y + i * ch, Math.ceil(cw), Math.ceil(ch));
        if (cw > 30 && ch > 16) {
          ctx.fillStyle = v > 140 ? "#fff" : TEXT;
          ctx.font = SMALL; ctx.textAlign = "center"; ctx.textBaseline = "middle";
          ctx.fillText((v / 255).toFixed(2), box.x + (j + 0.5) * cw, box.y + (i + 0.5) * ch);
        }
      }
    }
    if (mark) mark(cw, ch);
    ctx.strokeStyle = "#8c959f"; ctx.lineWidth = 1;
    ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w, box.h);
    ctx.fillStyle = TEXT; ctx.font = FONT; ctx.textAlign = "center"; ctx.textBaseline = "bottom";
    ctx.fillText(title, box.x + box.w / 2, box.y - 6);
    ctx.textBaseline = "top";
    colLabels.forEach(function (label, j) { ctx.fillText(label, box.x + (j + 0.5) * cw, box.y + box.h + 4); });
    ctx.fillStyle = MUTED;
    ctx.fillText(xTitle, box.x + box.w / 2, box.y + box.h + 20);
    ctx.textAlign = "right"; ctx.textBaseline = "middle"; ctx.fillStyle = TEXT;
    rowLabels.forEach(function (label, i) { ctx.fillText(label, box.x - 6, box.y + (i + 0.5) * ch); });
    if (!yTitle) return;  // the right panel shares the left one's rows
    ctx.save();
    ctx.translate(box.x - 78, box.y + box.h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center"; ctx.fillStyle = MUTED; ctx.fillText(yTitle, 0, 0);
    ctx.restore();
  }

  NNX.kinds.attention = function (root, spec, ui, canvas, readout) {
    var W = unpack(spec.weights), P = unpack(spec.probabilities), Y = unpack(spec.predicted);
    var T = spec.length, V = spec.vocab, H = spec.heads, S = spec.sequences.length;
    var digits = []; for (var d = 0; d < V; d++) digits.push(String(d));
    return function draw() {
      var s = ui.get("sequence"), h = ui.get("head"), c = ui.get("causal") ? 1 : 0;
      var run = c * S + s, seq = spec.sequences[s].split("");
      var target = seq.slice().reverse();
      var width = Math.max(300, Math.floor(canvas.parentNode.clientWidth || 700));
      var narrow = width < 620, height = narrow ? Math.round(width * 1.6) : Math.round(width * 0.4);
      var dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
        canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
        canvas.style.height = height + "px";
      }
      var ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, width, height);
      var left, right, m = { l: 96, t: 26, b: 44 };
      if (narrow) {
        var side = Math.min(width - m.l - 16, height / 2 - m.t - m.b);
        left = { x: m.l, y: m.t, w: side, h: side };
        right = { x: m.l, y: height / 2 + m.t, w: width - m.l - 16, h: side };
      } else {
        var side2 = Math.min(width * 0.45 - m.l, height - m.t - m.b);
        left = { x: m.l, y: m.t, w: side2, h: side2 };
        right = { x: width * 0.45 + 64, y: m.t, w: width * 0.55 - 64 - 16, h: side2 };
      }
      var rowsOut = [], rowsIn = [];
      for (var t = 0; t < T; t++) {
        rowsOut.push("out " + t + " (" + target[t] + ")");
        rowsIn.push(seq[t]);
      }
      heatmap(ctx, left, W, (run * H + h) * T * T, T, T, rowsOut, rowsIn,
        "head " + (h + 1) + (c ? ", causal mask" : ", no mask") + ": attention weights",
        "key: input position (its digit)", "query: output position (wanted digit)");
      heatmap(ctx, right, P, run * T * V, T, V, rowsOut, digits, "output: probability of each digit",
        "digit", narrow ? "output position (wanted digit)" : "", function (cw, ch) {
          for (var t2 = 0; t2 < T; t2++) {  // ring the wanted digit: green if predicted, red if not
            var ok = Y[run * T + t2] === Number(target[t2]);
            ctx.strokeStyle = ok ? GOOD : BAD; ctx.lineWidth = 2.5;
            ctx.strokeRect(right.x + Number(target[t2]) * cw + 2, right.y + t2 * ch + 2, cw - 4, ch - 4);
          }
        });
      var predicted = [], right2 = 0;
      for (var t3 = 0; t3 < T; t3++) {
        var y = Y[run * T + t3], ok2 = y === Number(target[t3]);
        right2 += ok2 ? 1 : 0;
        predicted.push('<b style="color:' + (ok2 ? GOOD : BAD) + '">' + y + "</b>");
      }
      var positions = spec.positionAccuracy[c].map(pct).join(" · ");
      readout.innerHTML = "input " + seq.join(" ") + " → wanted " + target.join(" ") + " → predicted " +
        predicted.join(" ") + " (" + right2 + " of " + T + " right). This model on 500 test sequences: " +
        pct(spec.accuracy[c]) + " of digits right; by output position " + positions + ".";
    };
  };
  NNX.initAll();
})();
