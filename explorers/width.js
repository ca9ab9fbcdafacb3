/* nnlib explorers: the width kind (explorers/width_static.py).
 *
 * Registers NNX.kinds.width with the shared renderer (static.js, which precedes this file in the
 * output and defines window.NNX), then asks it to initialize the explorers of this kind. It looks
 * up the curves that nnlib fitted at build time and draws them; it computes nothing. No
 * dependencies, no network.
 */
(function () {
  "use strict";
  var NNX = window.NNX;
  if (!NNX) throw new Error("nnlib width explorer: the shared renderer (static.js) is missing");
  if (NNX.kinds.width) { NNX.initAll(); return; }

  var FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var SMALL = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var TEXT = "#1f2328", MUTED = "#57606a", GRID = "#e8e8e8", FRAME = "#8c959f";
  var FIT = "#cf222e", TARGET = "#57606a", BAND = "#eef1f4", ERR = "#0969da";

  function unpack(p) {  // static.pack: little-endian float32 only here
    if (p.t !== "f4") throw new Error("nnlib width explorer: expected f4 data, got " + p.t);
    var bin = atob(p.b), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  }
  function fmt(v) {  // 3 significant digits, scientific when small
    if (!isFinite(v)) return String(v);
    var a = Math.abs(v);
    return (a !== 0 && (a < 1e-2 || a >= 1e4) ? v.toExponential(1) : String(Number(v.toPrecision(3)))).replace("-", "−");
  }

  function frame(ctx, box, title, xlabel, ylabel) {
    ctx.strokeStyle = FRAME; ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(box.x) + 0.5, Math.round(box.y) + 0.5, Math.round(box.w), Math.round(box.h));
    ctx.fillStyle = TEXT; ctx.font = FONT; ctx.textAlign = "center";
    ctx.textBaseline = "bottom"; ctx.fillText(title, box.x + box.w / 2, box.y - 5);
    ctx.fillStyle = MUTED; ctx.textBaseline = "top"; ctx.fillText(xlabel, box.x + box.w / 2, box.y + box.h + 18);
    ctx.save(); ctx.translate(box.x - 40, box.y + box.h / 2); ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle"; ctx.fillText(ylabel, 0, 0); ctx.restore();
  }
  function ticks(ctx, box, values, labels, px, vertical) {
    ctx.font = SMALL; ctx.fillStyle = TEXT; ctx.strokeStyle = GRID; ctx.lineWidth = 1;
    values.forEach(function (v, i) {
      var p = Math.round(px(v)) + 0.5;
      ctx.beginPath();
      if (vertical) { ctx.moveTo(box.x, p); ctx.lineTo(box.x + box.w, p); }
      else { ctx.moveTo(p, box.y); ctx.lineTo(p, box.y + box.h); }
      ctx.stroke();
      if (vertical) { ctx.textAlign = "right"; ctx.textBaseline = "middle"; ctx.fillText(labels[i], box.x - 5, p); }
      else { ctx.textAlign = "center"; ctx.textBaseline = "top"; ctx.fillText(labels[i], p, box.y + box.h + 4); }
    });
  }

  NNX.kinds.width = function (root, spec, ui, canvas, readout) {
    var curves = unpack(spec.curves), targets = unpack(spec.targetCurves);
    var n = spec.x.n, nw = spec.widths.length, na = spec.activations.length;
    var X = function (i) { return spec.x.min + i * (spec.x.max - spec.x.min) / (n - 1); };
    return function draw() {
      var t = ui.get("target"), a = ui.get("activation"), wi = ui.get("width"), width = spec.widths[wi];
      ui.out("width", String(width));
      var offset = ((t * na + a) * nw + wi) * n, errors = spec.mse[t][a];
      var cw = Math.max(300, Math.floor(canvas.parentNode.clientWidth || 700));
      var narrow = cw < 700, ch = Math.round(cw * (narrow ? 1.1 : 0.38));
      var dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(cw * dpr) || canvas.height !== Math.round(ch * dpr)) {
        canvas.width = Math.round(cw * dpr); canvas.height = Math.round(ch * dpr);
        canvas.style.height = ch + "px";
      }
      var ctx = canvas.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, cw, ch);
      var m = { l: 56, r: 14, t: 24, b: 40 }, left, right;
      if (narrow) {
        left = { x: m.l, y: m.t, w: cw - m.l - m.r, h: ch / 2 - m.t - m.b };
        right = { x: m.l, y: ch / 2 + m.t, w: cw - m.l - m.r, h: ch / 2 - m.t - m.b };
      } else {
        var split = Math.round(cw * 0.6);
        left = { x: m.l, y: m.t, w: split - m.l - m.r - 10, h: ch - m.t - m.b };
        right = { x: split + m.l, y: m.t, w: cw - split - m.l - m.r, h: ch - m.t - m.b };
      }
      // Left: the target, the training range and the fitted curve.
      var ylo = -1.6, yhi = 1.6;
      var px = function (x) { return left.x + (x - spec.x.min) / (spec.x.max - spec.x.min) * left.w; };
      var py = function (y) { return left.y + left.h - (y - ylo) / (yhi - ylo) * left.h; };
      ctx.fillStyle = BAND;
      ctx.fillRect(px(spec.train[0]), left.y, px(spec.train[1]) - px(spec.train[0]), left.h);
      var xt = [-8, -4, 0, 4, 8];
      ticks(ctx, left, xt, xt.map(String), px, false);
      ticks(ctx, left, [-1, 0, 1], ["−1", "0", "1"], py, true);
      ctx.save(); ctx.beginPath(); ctx.rect(left.x, left.y, left.w, left.h); ctx.clip();
      [[targets, t * n, TARGET, 1.6, [4, 3]], [curves, offset, FIT, 2.2, []]].forEach(function (s) {
        ctx.strokeStyle = s[2]; ctx.lineWidth = s[3]; ctx.setLineDash(s[4]); ctx.beginPath();
        for (var i = 0; i < n; i++) {
          var Y = Math.max(-1e4, Math.min(1e4, py(s[0][s[1] + i])));
          if (i) ctx.lineTo(px(X(i)), Y); else ctx.moveTo(px(X(i)), Y);
        }
        ctx.stroke(); ctx.setLineDash([]);
      });
      ctx.restore();
      frame(ctx, left, width + " hidden " + spec.activations[a] + " unit" + (width > 1 ? "s" : "") +
        " fitting " + spec.targets[t], "x (shaded: the training range)", "f(x)");
      ctx.font = SMALL; ctx.textAlign = "left"; ctx.textBaseline = "top";
      ctx.fillStyle = FIT; ctx.fillText("— network", left.x + 8, left.y + 6);
      ctx.fillStyle = TARGET; ctx.fillText("- - target", left.x + 8, left.y + 20);
      // Right: final training error against the width (log-log), the chosen width ringed.
      var lo = Infinity, hi = 0;
      errors.forEach(function (e) { if (e > 0) { lo = Math.min(lo, e); hi = Math.max(hi, e); } });
      var elo = Math.floor(Math.log10(lo)), ehi = Math.max(elo + 1, Math.ceil(Math.log10(hi)));
      var wlo = Math.log2(spec.widths[0]), whi = Math.log2(spec.widths[nw - 1]);
      var qx = function (w) { return right.x + 12 + (Math.log2(w) - wlo) / Math.max(whi - wlo, 1) * (right.w - 24); };
      var qy = function (e) { return right.y + right.h - (Math.log10(Math.max(e, 1e-300)) - elo) / (ehi - elo) * right.h; };
      var every = Math.max(1, Math.ceil((ehi - elo) / 5)), ev = [], el = [];
      for (var k = elo; k <= ehi; k += every) { ev.push(Math.pow(10, k)); el.push("1e" + k); }
      ticks(ctx, right, spec.widths, spec.widths.map(String), qx, false);
      ticks(ctx, right, ev, el, qy, true);
      ctx.strokeStyle = ERR; ctx.lineWidth = 1.8; ctx.beginPath();
      spec.widths.forEach(function (w, i) { if (i) ctx.lineTo(qx(w), qy(errors[i])); else ctx.moveTo(qx(w), qy(errors[i])); });
      ctx.stroke();
      spec.widths.forEach(function (w, i) {
        ctx.beginPath(); ctx.arc(qx(w), qy(errors[i]), i === wi ? 5.5 : 3, 0, 2 * Math.PI);
        ctx.fillStyle = i === wi ? FIT : ERR; ctx.fill();
      });
      frame(ctx, right, "final training error by width", "hidden units", "mean squared error");
      readout.innerHTML = width + " hidden unit" + (width > 1 ? "s" : "") + ", " + spec.parameters[wi] +
        " parameters: training mean squared error " + fmt(errors[wi]) + " (1 unit: " + fmt(errors[0]) +
        ", " + spec.widths[nw - 1] + " units: " + fmt(errors[nw - 1]) + ").";
    };
  };
  NNX.initAll();
})();
