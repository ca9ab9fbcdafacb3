/* nnlib explorers, static renderer.
 *
 * Draws on a <canvas> the numbers that nnlib computed when the book was built (see
 * explorers/static.py): it looks values up and plots them, and computes nothing that
 * could disagree with the library. No dependencies, no network.
 *
 * Every explorer output carries this file. The first copy on a page defines window.NNX; every
 * copy then initializes the explorer elements (.nnx-explorer) that are not initialized yet, so
 * several explorers, or the same output twice, work side by side.
 */
(function () {
  "use strict";
  var VERSION = 1;
  if (window.NNX && window.NNX.version >= VERSION) {
    window.NNX.initAll();
    return;
  }
  var NNX = { version: VERSION, kinds: {} };
  window.NNX = NNX;

  var FONT = "12px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var SMALL = "11px system-ui, -apple-system, 'Segoe UI', sans-serif";
  var TEXT = "#1f2328", MUTED = "#57606a", GRID = "#e8e8e8", FRAME = "#8c959f";

  // ---- data -------------------------------------------------------------------------------
  function bytesOf(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  function unpack(p) {  // static.pack: little-endian binary
    var bytes = bytesOf(p.b);
    var T = { f4: Float32Array, i2: Int16Array, u2: Uint16Array, u1: Uint8Array }[p.t];
    return new T(bytes.buffer, 0, bytes.length / T.BYTES_PER_ELEMENT);
  }
  function unpackDeltas(p, lengths) {  // static.pack_deltas: zigzag varints of differences
    var bytes = bytesOf(p.b), s = p.s, total = 0, pos = 0, k = 0;
    lengths.forEach(function (n) { total += n * s; });
    var out = new Int32Array(total);
    lengths.forEach(function (n) {
      var previous = new Int32Array(s);
      for (var i = 0; i < n * s; i++) {
        var z = 0, shift = 0, b;
        do { b = bytes[pos++]; z |= (b & 127) << shift; shift += 7; } while (b & 128);
        previous[i % s] += (z >>> 1) ^ -(z & 1);
        out[k++] = previous[i % s];
      }
    });
    return out;
  }
  function dequantizer(box) {  // int16 pairs -> coordinates (static.Box)
    var sx = (box[1] - box[0]) / 65535, sy = (box[3] - box[2]) / 65535;
    return {
      x: function (q) { return box[0] + (q + 32768) * sx; },
      y: function (q) { return box[2] + (q + 32768) * sy; },
    };
  }

  // ---- numbers ----------------------------------------------------------------------------
  function fmt(v) {  // like Python's f"{v:.4g}", scientific when tiny or huge
    if (v === null || v === undefined) return "";
    if (!isFinite(v)) return v > 0 ? "∞" : (v < 0 ? "−∞" : "nan");
    var a = Math.abs(v), s;
    if (v !== 0 && (a < 1e-3 || a >= 1e5)) {
      s = v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e");
    } else {
      s = String(Number(v.toPrecision(4)));
    }
    return s.replace("-", "−");
  }
  var SUP = { "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
    "7": "⁷", "8": "⁸", "9": "⁹" };
  function pow10Label(k) {
    return "10" + String(k).split("").map(function (c) { return SUP[c]; }).join("");
  }
  function niceStep(span, count) {
    var raw = span / Math.max(count, 1), mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * mag >= raw) return steps[i] * mag;
    return 10 * mag;
  }
  function linearTicks(lo, hi, count) {
    var step = niceStep(hi - lo, count), ticks = [];
    for (var t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
      ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    }
    var decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / Math.pow(10, Math.floor(Math.log10(step) + 1e-9)) === 2.5 ? 1 : 0));
    return ticks.map(function (t) { return { v: t, label: t.toFixed(decimals).replace("-", "−") }; });
  }
  function logTicks(lo, hi, count) {  // lo, hi are powers of ten
    var a = Math.round(Math.log10(lo)), b = Math.round(Math.log10(hi));
    var every = Math.max(1, Math.ceil((b - a) / Math.max(count, 1))), ticks = [];
    for (var k = a; k <= b; k++) {
      if ((k - a) % every === 0) ticks.push({ v: Math.pow(10, k), label: pow10Label(k) });
    }
    return ticks;
  }
  function snapLinear(lo, hi) {  // as widgets._snap_linear
    var pad = 0.08 * Math.max(hi - lo, 1e-3);
    lo -= pad; hi += pad;
    var step = Math.pow(10, Math.floor(Math.log10(hi - lo))) / 2;
    return [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  }
  function snapLog(lo, hi) {
    lo = Math.max(lo, 1e-300);
    hi = Math.max(hi, lo * 10);
    return [Math.pow(10, Math.floor(Math.log10(lo))), Math.pow(10, Math.ceil(Math.log10(hi)))];
  }
  function lut(stops) {  // 256 RGB triples interpolating the hex colour stops
    var rgb = stops.map(function (h) {
      return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
    });
    var table = new Uint8Array(256 * 3);
    for (var i = 0; i < 256; i++) {
      var t = i / 255 * (rgb.length - 1), j = Math.min(Math.floor(t), rgb.length - 2), f = t - j;
      for (var c = 0; c < 3; c++) table[i * 3 + c] = Math.round(rgb[j][c] * (1 - f) + rgb[j + 1][c] * f);
    }
    return table;
  }
  var BLUES_R = lut(["#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#c6dbef", "#deebf7", "#f7fbff"]);

  // ---- canvas and axes --------------------------------------------------------------------
  // Side by side from 760 px up; below, one panel above the other (sharing the x position,
  // which also makes f and f' easy to compare). Heights follow the width.
  var STACK_BELOW = 760;
  function prepare(canvas, wideAspect, narrowAspect) {
    var w = Math.max(280, Math.floor(canvas.parentNode.clientWidth || 700));
    var narrow = w < STACK_BELOW, h = Math.round(w * (narrow ? narrowAspect : wideAspect));
    var dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
      canvas.style.height = h + "px";
    }
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    return { ctx: ctx, w: w, h: h, narrow: narrow };
  }
  // Two panel boxes (inner plot areas), side by side or, on a narrow screen, stacked.
  function twoPanels(c, leftShare, topShare) {
    var m = { l: 56, r: 12, t: 24, b: 38 };
    if (c.narrow) {
      var top = c.h * (topShare || 0.5);
      return [{ x: m.l, y: m.t, w: c.w - m.l - m.r, h: top - m.t - m.b },
        { x: m.l, y: top + m.t, w: c.w - m.l - m.r, h: c.h - top - m.t - m.b }];
    }
    var split = Math.round(c.w * leftShare);
    return [{ x: m.l, y: m.t, w: split - m.l - m.r - 14, h: c.h - m.t - m.b },
      { x: split + m.l, y: m.t, w: c.w - split - m.l - m.r, h: c.h - m.t - m.b }];
  }
  function fitEqual(box, xlim, ylim) {  // shrink box so that one unit is as long on both axes
    var sx = box.w / (xlim[1] - xlim[0]), sy = box.h / (ylim[1] - ylim[0]), s = Math.min(sx, sy);
    var w = (xlim[1] - xlim[0]) * s, h = (ylim[1] - ylim[0]) * s;
    return { x: box.x + (box.w - w) / 2, y: box.y + (box.h - h) / 2, w: w, h: h };
  }

  function Axes(ctx, box, xlim, ylim, logy) {
    this.ctx = ctx; this.box = box; this.xlim = xlim; this.ylim = ylim; this.logy = !!logy;
    this.ly = logy ? [Math.log10(ylim[0]), Math.log10(ylim[1])] : ylim;
  }
  Axes.prototype.px = function (x) {
    return this.box.x + (x - this.xlim[0]) / (this.xlim[1] - this.xlim[0]) * this.box.w;
  };
  Axes.prototype.py = function (y) {
    var v = this.logy ? Math.log10(y) : y;
    return this.box.y + this.box.h - (v - this.ly[0]) / (this.ly[1] - this.ly[0]) * this.box.h;
  };
  Axes.prototype.frame = function (o) {
    var ctx = this.ctx, b = this.box, self = this;
    var xt = linearTicks(this.xlim[0], this.xlim[1], Math.max(2, Math.floor(b.w / 70)));
    var yt = this.logy ? logTicks(this.ylim[0], this.ylim[1], Math.max(2, Math.floor(b.h / 28)))
      : linearTicks(this.ylim[0], this.ylim[1], Math.max(2, Math.floor(b.h / 40)));
    if (o.grid !== false) {
      ctx.strokeStyle = GRID; ctx.lineWidth = 1; ctx.beginPath();
      xt.forEach(function (t) { var x = Math.round(self.px(t.v)) + 0.5; ctx.moveTo(x, b.y); ctx.lineTo(x, b.y + b.h); });
      yt.forEach(function (t) { var y = Math.round(self.py(t.v)) + 0.5; ctx.moveTo(b.x, y); ctx.lineTo(b.x + b.w, y); });
      ctx.stroke();
    }
    ctx.fillStyle = TEXT; ctx.font = SMALL;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    xt.forEach(function (t) { ctx.fillText(t.label, self.px(t.v), b.y + b.h + 4); });
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    yt.forEach(function (t) { ctx.fillText(t.label, b.x - 5, self.py(t.v)); });
    ctx.font = FONT; ctx.textAlign = "center";
    if (o.xlabel) { ctx.textBaseline = "top"; ctx.fillText(o.xlabel, b.x + b.w / 2, b.y + b.h + 19); }
    if (o.title) { ctx.textBaseline = "bottom"; ctx.fillText(o.title, b.x + b.w / 2, b.y - 5); }
    if (o.ylabel) {
      ctx.save(); ctx.translate(b.x - 44, b.y + b.h / 2); ctx.rotate(-Math.PI / 2);
      ctx.textBaseline = "middle"; ctx.fillText(o.ylabel, 0, 0); ctx.restore();
    }
  };
  Axes.prototype.border = function () {
    var ctx = this.ctx, b = this.box;
    ctx.strokeStyle = FRAME; ctx.lineWidth = 1;
    ctx.strokeRect(Math.round(b.x) + 0.5, Math.round(b.y) + 0.5, Math.round(b.w), Math.round(b.h));
  };
  Axes.prototype.clip = function () {
    var b = this.box;
    this.ctx.save(); this.ctx.beginPath(); this.ctx.rect(b.x, b.y, b.w, b.h); this.ctx.clip();
  };
  Axes.prototype.unclip = function () { this.ctx.restore(); };
  // A polyline through (xs(i), ys(i)) for i in [from, to); non-finite values break the line.
  Axes.prototype.line = function (xs, ys, from, to, color, width, dash) {
    var ctx = this.ctx, pen = false;
    ctx.strokeStyle = color; ctx.lineWidth = width || 1.8; ctx.lineJoin = "round";
    ctx.setLineDash(dash || []);
    ctx.beginPath();
    for (var i = from; i < to; i++) {
      var x = xs(i), y = ys(i);
      if (!isFinite(x) || !isFinite(y) || (this.logy && y <= 0)) { pen = false; continue; }
      var X = this.px(x), Y = Math.max(-1e6, Math.min(1e6, this.py(y)));
      if (pen) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
      pen = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  Axes.prototype.dot = function (x, y, r, fill, stroke) {
    if (!isFinite(x) || !isFinite(y) || (this.logy && y <= 0)) return;
    var ctx = this.ctx;
    ctx.beginPath(); ctx.arc(this.px(x), this.py(y), r, 0, 2 * Math.PI);
    ctx.fillStyle = fill; ctx.fill();
    if (stroke) { ctx.strokeStyle = stroke; ctx.lineWidth = 1.2; ctx.stroke(); }
  };
  Axes.prototype.legend = function (items, corner) {
    var ctx = this.ctx, b = this.box, lh = 16;
    ctx.font = SMALL;
    var w = 0;
    items.forEach(function (it) { w = Math.max(w, ctx.measureText(it.label).width); });
    w += 34;
    var h = items.length * lh + 6, x = corner === "right" ? b.x + b.w - w - 6 : b.x + 6, y = b.y + 6;
    ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fillRect(x, y, w, h);
    ctx.strokeStyle = "#d0d7de"; ctx.lineWidth = 1; ctx.strokeRect(x + 0.5, y + 0.5, w, h);
    items.forEach(function (it, i) {
      var yy = y + 3 + lh * i + lh / 2;
      ctx.strokeStyle = it.color; ctx.lineWidth = 2.2; ctx.beginPath();
      ctx.moveTo(x + 6, yy); ctx.lineTo(x + 24, yy); ctx.stroke();
      ctx.fillStyle = TEXT; ctx.textAlign = "left"; ctx.textBaseline = "middle";
      ctx.fillText(it.label, x + 29, yy);
    });
  };
  function polylines(ax, packed, box, color, width) {  // int16 polylines from static._polylines
    var q = unpack(packed.q), dq = dequantizer(box), at = 0;
    packed.lengths.forEach(function (n) {
      var start = at;
      ax.line(function (i) { return dq.x(q[2 * (start + i)]); }, function (i) { return dq.y(q[2 * (start + i) + 1]); },
        0, n, color, width);
      at += n;
    });
  }
  function table(head, rows) {
    var esc = function (s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;"); };
    return "<table><tr>" + head.map(function (h) { return "<th>" + esc(h) + "</th>"; }).join("") + "</tr>" +
      rows.map(function (r) { return "<tr>" + r.map(function (c) { return "<td>" + c + "</td>"; }).join("") + "</tr>"; }).join("") +
      "</table>";
  }
  function swatch(color) {
    return '<span class="nnx-swatch" style="background:' + color + '"></span> ';
  }

  // ---- controls ---------------------------------------------------------------------------
  function Controls(root) {
    var els = {};
    Array.prototype.forEach.call(root.querySelectorAll("[data-key]"), function (el) {
      els[el.getAttribute("data-key")] = el;
    });
    return {
      get: function (key) {
        var el = els[key];
        if (!el) throw new Error("nnlib explorer: no control " + key);
        return el.type === "checkbox" ? el.checked : parseInt(el.value, 10);
      },
      out: function (key, text) {
        var o = root.querySelector('output[data-for="' + key + '"]');
        if (o && o.textContent !== text) o.textContent = text;
      },
      enable: function (key, on) {
        var el = els[key];
        if (el && el.disabled === on) {
          el.disabled = !on;
          el.parentNode.style.opacity = on ? "" : "0.45";
        }
      },
    };
  }

  // ---- activation explorer ----------------------------------------------------------------
  NNX.kinds.activation = function (root, spec, ui, canvas, readout) {
    var n = spec.x.n, step = (spec.x.max - spec.x.min) / (n - 1);
    var X = function (i) { return spec.x.min + i * step; };
    spec.acts.forEach(function (a) { a.F = a.f.map(unpack); a.D = a.d.map(unpack); });
    var STRIP_BASE = 0.015, STRIP_PITCH = 0.04, STRIP_HEIGHT = 0.03;
    return function draw() {
      var hw = spec.halfWidths[ui.get("halfWidth")], si = ui.get("slope"), ti = ui.get("threshold");
      var x0 = spec.x.min + ui.get("x0") * spec.x0Step;
      x0 = Math.max(-hw, Math.min(hw, x0));
      var gi = Math.round((x0 - spec.x.min) / step);
      var i0 = Math.round((-hw - spec.x.min) / step), i1 = Math.round((hw - spec.x.min) / step) + 1;
      ui.out("halfWidth", fmt(hw)); ui.out("x0", fmt(x0)); ui.out("slope", fmt(spec.slopes[si]));
      ui.out("threshold", fmt(spec.thresholds[ti]));
      var shown = spec.acts.filter(function (a) { return ui.get("show." + a.key); });
      var curves = shown.map(function (a) {
        var k = a.perSlope ? si : 0;
        return { a: a, f: a.F[k], d: a.D[k], key: a.perSlope ? a.key + ":" + si : a.key };
      });
      var range = function (arrays) {
        var lo = Infinity, hi = -Infinity;
        arrays.forEach(function (v) { for (var i = i0; i < i1; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i]; } });
        return lo <= hi ? snapLinear(lo, hi) : [-1, 1];
      };
      var c = prepare(canvas, 0.38, 1.0), boxes = twoPanels(c, 0.5);
      var yf = range(curves.map(function (cv) { return cv.f; }));
      var yd = range(curves.map(function (cv) { return cv.d; }));
      var strips = STRIP_BASE + STRIP_PITCH * curves.length + 0.02;
      yd = [yd[0] - (yd[1] - yd[0]) * strips / (1 - strips), yd[1]];
      var axF = new Axes(c.ctx, boxes[0], [-hw, hw], yf), axD = new Axes(c.ctx, boxes[1], [-hw, hw], yd);
      axF.frame({ title: "f(x)", xlabel: "x" });
      axD.frame({ title: "derivative f′(x); strips: where |f′| < threshold", xlabel: "x" });
      [axF, axD].forEach(function (ax) {
        ax.clip();
        ax.line(function (i) { return [-hw, hw][i]; }, function () { return 0; }, 0, 2, "#999", 0.8);
        ax.line(function () { return x0; }, function (i) { return ax.ylim[i]; }, 0, 2, "#555", 1, [4, 3]);
        ax.unclip();
      });
      var rows = [];
      axD.clip();
      curves.forEach(function (cv, k) {  // strips where the gradient vanishes
        var bottom = STRIP_BASE + STRIP_PITCH * k, b = axD.box;
        c.ctx.globalAlpha = 0.6; c.ctx.fillStyle = cv.a.color;
        spec.regions[ti][cv.key].forEach(function (r) {
          var a = Math.max(r[0], -hw), z = Math.min(r[1], hw);
          if (a > z) return;
          var xa = axD.px(a), xz = Math.max(axD.px(z), xa + 1);
          c.ctx.fillRect(xa, b.y + b.h * (1 - bottom - STRIP_HEIGHT), xz - xa, b.h * STRIP_HEIGHT);
        });
        c.ctx.globalAlpha = 1;
      });
      axD.unclip();
      curves.forEach(function (cv) {
        [[axF, cv.f], [axD, cv.d]].forEach(function (pair) {
          var ax = pair[0], v = pair[1];
          ax.clip();
          ax.line(X, function (i) { return v[i]; }, i0, i1, cv.a.color, 2);
          ax.unclip();
          ax.dot(x0, v[gi], 4, cv.a.color, "#fff");
        });
        var low = cv.a.range[0], high = cv.a.range[1], lowClosed = cv.a.closed[0];
        if (cv.a.key === "leaky_relu" && spec.slopes[si] === 0) { low = 0; lowClosed = true; }
        rows.push([swatch(cv.a.color) + cv.a.label, fmt(cv.f[gi]), fmt(cv.d[gi]),
          (lowClosed ? "[" : "(") + (low === null ? "−∞" : fmt(low)) + ", " +
          (high === null ? "∞" : fmt(high)) + (cv.a.closed[1] ? "]" : ")")]);
      });
      axF.border(); axD.border();
      if (curves.length) axF.legend(curves.map(function (cv) { return { label: cv.a.label, color: cv.a.color }; }));
      readout.innerHTML = rows.length
        ? table(["activation", "f(" + fmt(x0) + ")", "f′(" + fmt(x0) + ")", "range"], rows)
        : "<i>Tick at least one activation.</i>";
    };
  };

  // ---- optimizer explorer -----------------------------------------------------------------
  NNX.kinds.optimizer = function (root, spec, ui, canvas, readout) {
    var lg = spec.logGap;
    var gapOf = function (q) { return Math.pow(10, lg[0] + q / 65535 * (lg[1] - lg[0])); };
    function decoded(v) {
      if (v.dec) return v.dec;
      var n = v.heat.n, heat = unpack(v.heat.data), off = document.createElement("canvas");
      off.width = n; off.height = n;
      var octx = off.getContext("2d"), img = octx.createImageData(n, n);
      for (var r = 0; r < n; r++) {
        for (var col = 0; col < n; col++) {
          var t = heat[r * n + col], o = ((n - 1 - r) * n + col) * 4;  // row 0 is y_min: bottom
          for (var ch = 0; ch < 3; ch++) img.data[o + ch] = Math.round(255 * 0.15 + BLUES_R[3 * t + ch] * 0.85);
          img.data[o + 3] = 255;
        }
      }
      octx.putImageData(img, 0, 0);
      var traj = {};
      Object.keys(v.traj).forEach(function (name) {
        var t = v.traj[name], starts = [], at = 0;
        t.n.forEach(function (len) { starts.push(at); at += len; });
        traj[name] = { p: unpackDeltas(t.p, t.n), g: unpackDeltas(t.g, t.n), starts: starts, t: t };
      });
      v.dec = { heat: off, traj: traj, dq: dequantizer(v.box) };
      return v.dec;
    }
    return function draw() {
      var S = spec.surfaces[ui.get("surface")];
      ui.enable("condition", !!S.conditions);
      var V = S.variants[S.conditions ? ui.get("condition") : 0], D = decoded(V);
      var steps = ui.get("steps");
      var bowl = spec.surfaces.filter(function (s) { return s.conditions; })[0];
      ui.out("condition", fmt(bowl.conditions[ui.get("condition")]));
      ui.out("steps", String(steps));
      var c = prepare(canvas, 0.42, 1.05), boxes = twoPanels(c, 0.56, 0.56), B = V.bounds;
      var axC = new Axes(c.ctx, fitEqual(boxes[0], [B[0], B[1]], [B[2], B[3]]), [B[0], B[1]], [B[2], B[3]]);
      var ctx = c.ctx, b = axC.box;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(D.heat, b.x, b.y, b.w, b.h);
      axC.frame({ title: V.formula, xlabel: "x", ylabel: "y", grid: false });
      axC.clip();
      polylines(axC, V.contours, V.box, "rgba(35,45,85,0.45)", 0.7);
      var runs = [];
      spec.optimizers.forEach(function (o) {
        var tr = D.traj[o.key], t = tr.t, index = 0;
        t.params.forEach(function (p, j) {
          var k = ui.get(o.key + "." + p);
          index = index * t.values[j].length + k;
          ui.out(o.key + "." + p, fmt(t.values[j][k]));
        });
        if (!ui.get("show." + o.key)) return;
        var start = tr.starts[index], len = t.n[index], diverged = t.div[index];
        var last = diverged >= 0 ? Math.min(steps, diverged) : steps;  // last step drawn
        var at = function (s) { return start + Math.min(s, len - 1); };
        runs.push({ o: o, last: last, diverged: diverged, at: at, tr: tr });
      });
      runs.forEach(function (r) {
        var p = r.tr.p, dq = D.dq;
        var xs = function (s) { return dq.x(p[2 * r.at(s)]); }, ys = function (s) { return dq.y(p[2 * r.at(s) + 1]); };
        axC.line(xs, ys, 0, r.last + 1, r.o.color, 1.7);
        if (r.last <= 400) for (var s = 1; s < r.last; s++) axC.dot(xs(s), ys(s), 1.3, r.o.color);
        axC.dot(xs(r.last), ys(r.last), 4.5, r.o.color, "#fff");
        r.end = [xs(r.last), ys(r.last)];
      });
      ctx.fillStyle = "#000";
      var sx = axC.px(V.start[0]), sy = axC.py(V.start[1]);
      ctx.fillRect(sx - 4, sy - 4, 8, 8);
      star(ctx, axC.px(V.minimum[0]), axC.py(V.minimum[1]));
      axC.unclip();
      axC.border();
      // loss per step
      var lo = Infinity, hi = 0;
      runs.forEach(function (r) {
        for (var s = 0; s <= r.last; s++) { var g = gapOf(r.tr.g[r.at(s)]); if (g < lo) lo = g; if (g > hi) hi = g; }
      });
      var yl = runs.length ? snapLog(lo, hi) : [1e-3, 1];
      var axL = new Axes(ctx, boxes[1], [0, Math.max(steps, 1)], yl, true);
      axL.frame({ title: "loss above the minimum (f_min = " + fmt(V.fmin) + ")", xlabel: "step", ylabel: "f − f_min" });
      axL.clip();
      runs.forEach(function (r) {
        axL.line(function (s) { return s; }, function (s) { return gapOf(r.tr.g[r.at(s)]); }, 0, r.last + 1, r.o.color, 1.7);
      });
      axL.unclip();
      axL.border();
      // Coordinates are stored to (box size / 65535): print only the digits that carry.
      var decimals = Math.max(0, Math.floor(-Math.log10((V.box[1] - V.box[0]) / 65535)));
      var coord = function (v) { var t = v.toFixed(decimals); return (Number(t) === 0 ? (0).toFixed(decimals) : t).replace("-", "−"); };
      readout.innerHTML = runs.length ? table(["optimizer", "", "point", "f − f_min"], runs.map(function (r) {
        var status = r.diverged >= 0 && steps >= r.diverged ? "diverged at step " + r.diverged : "after " + steps + " steps";
        return [swatch(r.o.color) + r.o.label, status, "(" + coord(r.end[0]) + ", " + coord(r.end[1]) + ")",
          fmt(gapOf(r.tr.g[r.at(r.last)]))];
      })) : "<i>Tick at least one optimizer.</i>";
    };
  };
  function star(ctx, x, y) {
    ctx.beginPath();
    for (var i = 0; i < 10; i++) {
      var r = i % 2 ? 3.2 : 8, a = -Math.PI / 2 + i * Math.PI / 5;
      ctx.lineTo(x + r * Math.cos(a), y + r * Math.sin(a));
    }
    ctx.closePath(); ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = "#000"; ctx.lineWidth = 1.2; ctx.stroke();
  }

  // ---- gradient-flow explorer -------------------------------------------------------------
  NNX.kinds["gradient-flow"] = function (root, spec, ui, canvas, readout) {
    var logs = unpack(spec.log10), nd = spec.depths.length, ni = spec.inits.length;
    var val = function (i) { return Math.pow(10, logs[i]); };
    return function draw() {
      var di = ui.get("depth"), depth = spec.depths[di];
      var config = ((ui.get("activation") * ni + ui.get("init")) * 2 + (ui.get("residual") ? 1 : 0)) * nd + di;
      var off = spec.offsets[config];
      ui.out("depth", String(depth));
      var stds = function (l) { return val(off + l - 1); };            // l = 1..depth
      var outs = function (l) { return val(off + depth + l - 1); };
      var weights = function (l) { return val(off + 2 * depth + l - 1); };  // l = 1..depth+1
      var loss = val(off + 3 * depth + 1);
      var span = function (fns, counts) {
        var lo = Infinity, hi = 0;
        fns.forEach(function (f, j) { for (var l = 1; l <= counts[j]; l++) { var v = f(l); if (v > 0 && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } } });
        return lo <= hi ? snapLog(lo, hi) : [1e-3, 1];
      };
      var c = prepare(canvas, 0.38, 1.0), boxes = twoPanels(c, 0.5), xl = [0.5, depth + 1.5];
      var axF = new Axes(c.ctx, boxes[0], xl, span([stds], [depth]), true);
      var axB = new Axes(c.ctx, boxes[1], xl, span([outs, weights], [depth, depth + 1]), true);
      axF.frame({ title: "forward: std of each layer's output", xlabel: "layer (1 = next to the input)" });
      axB.frame({ title: "backward: gradient norm per layer", xlabel: "layer (1 = next to the input)" });
      var id = function (l) { return l; }, col = spec.colors;
      [[axF, stds, depth, col[0]], [axB, outs, depth, col[1]], [axB, weights, depth + 1, col[2]]].forEach(function (s) {
        s[0].clip();
        s[0].line(id, s[1], 1, s[2] + 1, s[3], 1.7);
        for (var l = 1; l <= s[2]; l++) s[0].dot(l, s[1](l), 2.6, s[3]);
        s[0].unclip();
      });
      axF.border(); axB.border();
      axB.legend([{ label: "‖∂L/∂h‖ (gradient at the layer's output)", color: col[1] },
        { label: "‖∂L/∂W‖ (weight gradient)", color: col[2] }], "left");
      var first = weights(1), last = weights(depth);
      readout.innerHTML = "loss " + fmt(loss) + " · ‖∂L/∂W‖ at layer 1: " + fmt(first) + ", at layer " + depth + ": " +
        fmt(last) + " · ratio first/last " + fmt(last > 0 ? first / last : Infinity);
    };
  };

  // ---- regularization explorer ------------------------------------------------------------
  NNX.kinds.regularization = function (root, spec, ui, canvas, readout) {
    var col = spec.colors, penalties = ["none", "l1", "l2"];
    var sets = ["val", "train"].map(function (k) { return { x: unpack(spec[k].x), y: unpack(spec[k].y), train: k === "train" }; });
    var classLut = lut([col[0], "#ffffff", col[1]]), images = {};
    function image(run, key) {
      if (images[key]) return images[key];
      var n = spec.grid, p = unpack(run.p), off = document.createElement("canvas");
      off.width = n; off.height = n;
      var octx = off.getContext("2d"), img = octx.createImageData(n, n);
      for (var r = 0; r < n; r++) {
        for (var cc = 0; cc < n; cc++) {
          var t = p[r * n + cc], o = ((n - 1 - r) * n + cc) * 4;
          for (var ch = 0; ch < 3; ch++) img.data[o + ch] = Math.round(127.5 + classLut[3 * t + ch] * 0.5);
          img.data[o + 3] = 255;
        }
      }
      octx.putImageData(img, 0, 0);
      images[key] = off;
      return off;
    }
    return function draw() {
      var penalty = penalties[ui.get("penalty")], si = ui.get("strength"), di = ui.get("dropout");
      var bn = ui.get("batchNorm");
      ui.enable("strength", penalty !== "none");
      ui.out("strength", fmt(spec.strengths[si])); ui.out("dropout", fmt(spec.dropouts[di]));
      var key = penalty + "|" + (penalty === "none" ? "-" : si) + "|" + di + "|" + (bn ? 1 : 0);
      var run = spec.runs[key];
      var c = prepare(canvas, 0.4, 1.15), boxes = twoPanels(c, 0.52), B = spec.bounds;
      var axB = new Axes(c.ctx, fitEqual(boxes[0], [B[0], B[1]], [B[2], B[3]]), [B[0], B[1]], [B[2], B[3]]);
      var ctx = c.ctx, b = axB.box;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(image(run, key), b.x, b.y, b.w, b.h);
      axB.frame({ title: "decision boundary (big dots: training set)", grid: false });
      axB.clip();
      polylines(axB, run.boundary, spec.box, "#000", 1.4);
      sets.forEach(function (s) {
        for (var i = 0; i < s.y.length; i++) {
          var color = s.y[i] ? col[1] : col[0];
          if (s.train) axB.dot(s.x[2 * i], s.x[2 * i + 1], 3.6, color, "#000");
          else { ctx.globalAlpha = 0.4; axB.dot(s.x[2 * i], s.x[2 * i + 1], 1.6, color); ctx.globalAlpha = 1; }
        }
      });
      axB.unclip();
      axB.border();
      var train = unpack(run.train), val = unpack(run.val), ep = spec.epochs;
      var top = 0;
      for (var i = 0; i < train.length; i++) top = Math.max(top, train[i], val[i]);
      var axL = new Axes(ctx, boxes[1], [0, ep[ep.length - 1]], [0, Math.min(top, 3) * 1.05]);
      axL.frame({ title: "loss (evaluation mode, without the penalty)", xlabel: "epoch", ylabel: "cross-entropy" });
      axL.clip();
      var e = function (i) { return ep[i]; };
      axL.line(e, function (i) { return train[i]; }, 0, train.length, col[0], 2);
      axL.line(e, function (i) { return val[i]; }, 0, val.length, col[2], 2);
      axL.unclip();
      axL.border();
      axL.legend([{ label: "training", color: col[0] }, { label: "validation", color: col[2] }], "right");
      readout.innerHTML = "final: training loss " + fmt(train[train.length - 1]) + ", accuracy " +
        Math.round(100 * run.trainAcc) + "% · validation loss " + fmt(val[val.length - 1]) + ", accuracy " +
        Math.round(100 * run.valAcc) + "% · best validation loss " + fmt(run.best[1]) + " at epoch " + run.best[0] +
        " · ‖W‖ = " + fmt(run.wnorm) + ", " + Math.round(100 * run.zeros) + "% of weights below 10⁻³";
    };
  };

  // ---- wiring -----------------------------------------------------------------------------
  var renamed = 0;
  function init(root) {
    root.setAttribute("data-nnx-ready", "1");
    // The same output rendered twice repeats its id: give the later copy a fresh one.
    if (root.id && document.querySelectorAll('[id="' + root.id + '"]').length > 1 &&
        document.getElementById(root.id) !== root) {
      root.id = root.id + "-copy" + (++renamed);
    }
    var dataEl = root.querySelector("script.nnx-data");
    var spec = JSON.parse(dataEl.textContent);
    var canvas = root.querySelector("canvas"), readout = root.querySelector(".nnx-readout");
    var ui = Controls(root);
    var draw = NNX.kinds[spec.kind](root, spec, ui, canvas, readout);
    var draws = 0, drawn = null;
    var controls = root.querySelectorAll("[data-key]");
    var state = function () {
      return Array.prototype.map.call(controls, function (el) { return el.type === "checkbox" ? el.checked : el.value; }).join("|") +
        "|" + canvas.parentNode.clientWidth;
    };
    var redraw = function () {
      var now = state();
      if (now === drawn) return;  // "change" after "input": nothing new to draw
      drawn = now;
      var t0 = performance.now();
      draw();
      draws += 1;
      root.setAttribute("data-nnx-draws", String(draws));
      root.setAttribute("data-nnx-draw-ms", (performance.now() - t0).toFixed(2));
    };
    root.addEventListener("input", redraw);
    root.addEventListener("change", redraw);
    var lastWidth = canvas.parentNode.clientWidth;
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var w = canvas.parentNode.clientWidth;
        if (w !== lastWidth) { lastWidth = w; redraw(); }
      }).observe(canvas.parentNode);
    }
    redraw();
  }
  NNX.initAll = function () {
    Array.prototype.forEach.call(document.querySelectorAll(".nnx-explorer"), function (root) {
      if (root.getAttribute("data-nnx-ready") || !NNX.kinds[root.getAttribute("data-nnx-kind")]) return;
      try {
        init(root);
      } catch (error) {
        var out = root.querySelector(".nnx-readout");
        if (out) out.textContent = "This explorer failed to start: " + error;
        throw error;
      }
    });
  };
  NNX.initAll();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", NNX.initAll);
})();
