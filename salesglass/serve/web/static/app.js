/* salesglass dashboard: ECharts set-up from JSON attributes, number formats per language, the drill drawer.
   Chart data never passes through string concatenation: each option is the JSON of the chart element's
   data-option attribute. Not a <script> block: htmx drops every <script> of swapped-in HTML (allowScriptTags
   is off), which left the charts of a filtered page blank. Whatever htmx swaps in initialises its charts here. */
(function () {
  "use strict";
  function lang() { return document.body.dataset.lang === "en" ? "en-US" : "ru-RU"; }
  function fmtFor(kind) {
    var L = lang(), cur = document.body.dataset.currency || "";
    var nf0 = new Intl.NumberFormat(L, {maximumFractionDigits: 0});
    var nf1 = new Intl.NumberFormat(L, {maximumFractionDigits: 1});
    if (kind === "money") return function (v) { return v == null ? "—" : nf0.format(v) + "\u00a0" + cur; };
    if (kind === "pct") return function (v) { return v == null ? "—" : nf1.format(v) + (L === "ru-RU" ? "\u00a0%" : "%"); };
    return function (v) { return v == null ? "—" : nf0.format(v); };
  }
  function shortMoney(v) {
    var L = lang(), a = Math.abs(v), ru = L === "ru-RU";
    if (a >= 1e9) return (v / 1e9).toLocaleString(L, {maximumFractionDigits: 1}) + (ru ? "\u00a0млрд" : "B");
    if (a >= 1e6) return (v / 1e6).toLocaleString(L, {maximumFractionDigits: 1}) + (ru ? "\u00a0млн" : "M");
    if (a >= 1e3) return (v / 1e3).toLocaleString(L, {maximumFractionDigits: 0}) + (ru ? "\u00a0тыс" : "K");
    return v.toLocaleString(L);
  }
  /* a money axis's level in the account's currency, as the tooltips and the tables write amounts: "120M ₽",
     "120 млн ₽" (it read "120M", leaving the unit to guess) */
  function moneyAxis(v) {
    var cur = document.body.dataset.currency || "";
    return shortMoney(v) + (cur ? "\u00a0" + cur : "");
  }
  /* category labels never overflow: every label of a short axis shows, wrapped by words within its slot;
     a long axis (weeks) lets ECharts skip labels that would overlap */
  function fitCategories(opt, width) {
    var ax = opt.xAxis;
    if (!ax || Array.isArray(ax) || ax.type !== "category" || !ax.data || !ax.data.length) return;
    var n = ax.data.length, slot = Math.max(40, Math.floor((width - 80) / n) - 6);
    ax.axisLabel = Object.assign({hideOverlap: true}, ax.axisLabel);
    // a long axis (two years of weeks) puts its first and last label at the very edge: each is drawn inward
    // from its end, not centred on it with half of it cut off ("024-03-04", "Mar 202")
    if (n > 12) Object.assign(ax.axisLabel, {alignMinLabel: "left", alignMaxLabel: "right"});
    // ... and the labels it keeps are counted back from the last week, so the latest one is always written
    // (drawn inward from the end): ECharts' own every-k-th counted from the first, and on a phone the last
    // one it kept was a week before the end, centred on its column and cut at the card's edge ("2026-03-0")
    if (n > 12 && ax.axisLabel.interval == null) {
      var longest = Math.max.apply(null, ax.data.map(function (d) { return String(d).length; }));
      // the last label ends at its column's middle: the one before it needs a label and a half of room
      var band = Math.max(1, width - 60) / n, room = longest * 6.5 * 1.5 + 12;
      var step = Math.max(1, Math.ceil(room / band));
      // (one too near the first column, centred on it, would run past the left edge: left out)
      ax.axisLabel.interval = function (i) { return (n - 1 - i) % step === 0 && (i === 0 || 2 * i >= step); };
    }
    // a phone's twelve months: too narrow a slot to wrap "янв 2026" in ("янв / 202"), every other month
    // dropped: each label slanted, all of them shown
    var raw = Math.floor((width - 80) / n) - 6;
    if (n <= 12 && raw < 40 && !ax.axisLabel.rotate && ax.data.some(function (d) { return String(d).length > 5; })) {
      // steeper on a phone (a slot under 20 px): at 45° the twelve "янв 2026" beside a money axis's "100 тыс ₽"
      // ran into each other
      Object.assign(ax.axisLabel, {interval: 0, rotate: raw < 20 ? 60 : 45});
    }
    if (n <= 12 && !ax.axisLabel.rotate) {
      ax.axisLabel.interval = 0;
      ax.axisLabel.width = slot;
      ax.axisLabel.overflow = "break";
      // wrapped lines a line apart (ECharts' default put the lines of a broken label on top of each other),
      // at most three of them: a very long name ends in "…" (the tooltip names it whole)
      ax.axisLabel.lineHeight = 14;
      ax.axisLabel.height = 42;
      ax.axisLabel.lineOverflow = "truncate";
    }
  }
  /* the slot fitCategories guessed ignores how wide the y axis labels are (a heat-map's month names): a label
     box wider than its category overlaps the next one and hideOverlap dropped every other label (cohorts
     showed months 0, 2, 4; plan vs fact every other month in Russian). Once drawn, the real category width
     is known: wrap each forced label within it, with a gap. */
  function fitToBands(chart) {
    var ax = chart.getOption().xAxis, label = ax && ax[0] && ax[0].axisLabel;
    if (!label || label.interval !== 0 || !label.width) return;
    var model = chart.getModel().getComponent("xAxis", 0), band = model && model.axis.getBandWidth();
    // both ways: a window made narrow for a moment (a full-page print or screenshot, a phone turned) left the
    // labels wrapped to that moment's width for good ("Jan / 202 / 6" under a wide column)
    var want = band && Math.max(24, Math.floor(band - 12));
    if (want && Math.abs(label.width - want) > 1) chart.setOption({xAxis: {axisLabel: {width: want}}});
  }
  /* a vertical legend beside a pie keeps to the room right of the ring: long names end in "…" (the full
     name shows on hover) instead of running over the ring */
  function fitPieLegend(opt, width, height) {
    var lg = opt.legend, pie = (opt.series || []).filter(function (s) { return s.type === "pie"; })[0];
    if (!lg || !pie || lg.orient !== "vertical" || !pie.center) return;
    var r = parseFloat([].concat(pie.radius).slice(-1)[0]) / 100 * Math.min(width, height) / 2;
    var room = width - (parseFloat(pie.center[0]) / 100 * width + r) - 12;
    lg.textStyle = Object.assign({}, lg.textStyle, {width: Math.max(40, room - 40), overflow: "truncate"});
    lg.tooltip = {show: true};
  }
  /* a legend on top wraps into as many rows as its names need, every name whole (a phone cut them to
     "Подпис…" or paged them sideways, "1/3 ▸"); roomForLegend then moves the plot below its last row */
  function fitTopLegend(opt) {
    var lg = opt.legend;
    if (!lg || Array.isArray(lg) || lg.orient === "vertical" || lg.bottom != null) return;
    lg.type = "plain";
    lg.left = lg.left == null ? 8 : lg.left;
    lg.right = lg.right == null ? 8 : lg.right;
    lg.itemGap = 8;
    lg.sgWrap = true;
  }
  /* the plot starts below the legend's last row, and the chart grows by the rows added, so the plot keeps
     its height (a wrapped legend was drawn over the bars) */
  function roomForLegend(chart, el) {
    var opt = chart.getOption(), lg = opt.legend && opt.legend[0], grid = opt.grid && opt.grid[0];
    if (!lg || !lg.sgWrap || !grid || typeof grid.top !== "number") return;
    var model = chart.getModel().getComponent("legend", 0), view = model && chart.getViewOfComponentModel(model);
    if (!view || !view.group) return;
    if (!el.dataset.baseTop) { el.dataset.baseTop = grid.top; el.dataset.baseHeight = el.clientHeight; }
    var box = view.group.getBoundingRect(), bottom = view.group.y + box.y + box.height;
    var top = Math.max(+el.dataset.baseTop, Math.ceil(bottom) + 12);
    if (top === grid.top) return;
    el.style.height = (+el.dataset.baseHeight + top - +el.dataset.baseTop) + "px";
    chart.resize();
    chart.setOption({grid: {top: top}});
  }
  /* a funnel's labels to its right keep to the room the funnel leaves: on a phone "Договор подписан: 2"
     ran past the card's edge; it wraps onto a second line instead */
  function fitFunnelLabels(opt, width) {
    (opt.series || []).forEach(function (s) {
      if (s.type !== "funnel" || !s.label || s.label.position !== "right") return;
      if (width < 600) s.width = "45%";  // a phone: a narrower funnel, so a stage's name fits beside it
      var used = (parseFloat(s.left) || 0) / 100 * width + (parseFloat(s.width) || 0) / 100 * width;
      var room = width - used - ((s.labelLine && s.labelLine.length) || 0) - 16;
      s.label.width = Math.max(60, Math.floor(room));
      s.label.overflow = "break";
      s.label.lineHeight = 16;  // a wrapped label's lines a line apart, not drawn over each other
    });
  }
  function prepare(opt, width, height) {
    fitCategories(opt, width || 600);
    fitFunnelLabels(opt, width || 600);
    fitTopLegend(opt);
    fitPieLegend(opt, width || 600, height || 300);
    var axis = opt.yAxis && !Array.isArray(opt.yAxis) && opt.yAxis.type === "value" ? opt.yAxis
             : (opt.xAxis && opt.xAxis.type === "value" ? opt.xAxis : null);
    var kind = axis ? axis.sgFormat : (opt.tooltip && opt.tooltip.sgFormat);
    var f = fmtFor(kind || "int");
    if (axis) {
      axis.axisLabel = Object.assign({}, axis.axisLabel, {formatter: kind === "money" ? moneyAxis : f});
      if (kind === "int") axis.minInterval = 1;
      // a value axis along the bottom of a phone's narrow chart: fewer levels, none drawn over the next
      // ("300 тыс600 тыс900 тыс")
      axis.axisLabel.hideOverlap = true;
      if (axis === opt.xAxis && (width || 600) < 600) axis.splitNumber = 3;
    }
    if (opt.tooltip) { opt.tooltip.valueFormatter = f; }
    if (opt.visualMap) { var vf = fmtFor(opt.visualMap.sgFormat); opt.visualMap.formatter = function (v) { return vf(v); }; }
    var ends = opt.visualMap && opt.visualMap.sgEnds;
    if (ends) {  // the colour scale's ends as the cells write them, with the unit they leave out: "0 ₽ … ≥ 17,7 млн ₽"
      var ef = opt.visualMap.sgFormat === "money" ? moneyAxis : fmtFor(opt.visualMap.sgFormat);
      opt.visualMap.text = [(ends.above ? "≥\u00a0" : "") + ef(ends.top), ef(0)];
    }
    (opt.series || []).forEach(function (s) {
      if (s.type === "pie" && s.label && s.label.sgPercent) {
        var pf = fmtFor("pct");
        s.label.formatter = function (p) { return pf(p.percent); };
      }
      if (s.type === "funnel" && s.label && s.label.sgFormat) {  // "stage: 4 595", grouped as the page's language
        var ff = fmtFor(s.label.sgFormat);
        s.label.formatter = function (p) { return p.name + ": " + ff(p.value); };
      }
      // a phone's narrow cells have no room for "470 тыс" beside "400 тыс": the colours stay, the numbers are
      // in the table under the chart and on hover
      var cols = s.type === "heatmap" && opt.xAxis && opt.xAxis.data ? opt.xAxis.data.length : 0;
      if (cols && s.label && (width || 600) < 600 && (width || 600) - 80 < cols * 56) s.label.show = false;
      if (s.type === "heatmap" && s.label) {
        var hf = fmtFor(s.label.sgFormat);
        s.label.formatter = function (p) { return s.label.sgFormat === "money" ? shortMoney(p.value[2]) : hf(p.value[2]); };
      }
    });
    // a chart with nothing to draw says so, in the page's language (never a blank panel)
    var empty = (opt.series || []).every(function (s) {
      return !s.data || !s.data.length || s.data.every(function (d) {
        var v = d && typeof d === "object" && !Array.isArray(d) ? d.value : d;
        return v == null || v === 0 || v === "0" || (Array.isArray(v) && v[2] == null);
      });
    });
    if (empty) {
      // nothing to draw: no shapes either (a funnel of zeros was drawn as equal full-width bars, i.e. 100 %)
      // nor a pie's grey placeholder ring, which the message below was written across
      (opt.series || []).forEach(function (s) {
        if (s.type === "funnel" || s.type === "pie") s.data = [];
        if (s.type === "pie") s.showEmptyCircle = false;
      });
      // an empty heat-map: no grey bands under the message, no colour scale for no values
      // nor axes: their labels ran under the message (a phone's "where deals are lost" of no losses)
      [].concat(opt.xAxis || [], opt.yAxis || []).forEach(function (a) {
        a.splitArea = {show: false};
        a.show = false;
        if (a.axisLabel) delete a.axisLabel.interval;
      });
      if (opt.visualMap) opt.visualMap.show = false;
      // nor a legend of series not drawn (on a phone its scrolling row cut a name in half above the message)
      [].concat(opt.legend || []).forEach(function (l) { l.show = false; });
      opt.graphic = {type: "text", left: "center", top: "middle", silent: true,
        // the page may say why there is nothing (a funnel's "no lost deals in this period")
        style: {text: opt.sgEmpty || (lang() === "ru-RU" ? "Нет данных для этих фильтров" : "Nothing for these filters"),
                fill: "#6b7486", fontSize: 13}};
    }
    opt.textStyle = {fontFamily: "inherit"};
    opt.animation = false;  // reports, not a show: draw at once (and screenshots see the final chart)
    return opt;
  }
  function initCharts(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (echarts.getInstanceByDom(el)) return;
      el.innerHTML = "";  // a page restored from history may carry a stale copy of a drawn chart
      var chart = echarts.init(el, null, {renderer: "svg"});
      chart.setOption(prepare(JSON.parse(el.dataset.option), el.clientWidth, el.clientHeight));
      roomForLegend(chart, el);
      fitToBands(chart);
    });
  }
  /* a phone: a table wider than its card (bonus lines, the funnel's stages, plan vs fact) becomes a list of
     its rows, each a block of "column  value" lines, so every number is in view without scrolling sideways.
     A table that fits stays a table; so do the drawer's lists (a deal list of ten columns scrolled sideways). */
  function labelCells(table) {
    var heads = [].map.call(table.querySelectorAll("thead th"), function (th) {
      var c = th.cloneNode(true);
      [].forEach.call(c.querySelectorAll(".hint"), function (h) { h.remove(); });
      return c.textContent.trim();
    });
    table.querySelectorAll("tbody tr, tfoot tr").forEach(function (tr) {
      var i = 0;
      [].forEach.call(tr.children, function (td) {
        if (!td.hasAttribute("data-label")) td.setAttribute("data-label", heads[i] || "");
        i += td.colSpan || 1;
      });
    });
  }
  /* a phone has no hover: the first "—" of each reason says it under itself (app.css), the others repeat none */
  function sayOnce(table) {
    var said = {};
    table.querySelectorAll("td .tip[title]").forEach(function (tip) {
      tip.classList.toggle("say", !said[tip.title]);
      said[tip.title] = true;
    });
  }
  function fitTables(root) {
    var narrow = window.innerWidth <= 760;
    (root || document).querySelectorAll(".content table.grid, .drawer table.grid").forEach(function (t) {
      if (t.closest(".statement section.stacked")) return;  // the statement lays out its own lines
      t.classList.remove("stacked");
      if (!narrow || !t.querySelector("thead th")) return;
      var box = t.parentElement;
      if (t.offsetWidth > box.clientWidth + 1) { labelCells(t); t.classList.add("stacked"); sayOnce(t); }
    });
  }
  function closeDrawer() {
    var d = document.getElementById("drawer");
    if (d) { d.classList.remove("open"); d.innerHTML = ""; }
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("[data-close]")) closeDrawer();
  });
  // forms without inline handlers (the CSP allows no inline script): data-autosubmit, data-confirm
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("select[data-autosubmit]") && e.target.form) e.target.form.submit();
  });
  document.addEventListener("submit", function (e) {
    var msg = e.target.dataset && e.target.dataset.confirm;
    if (msg && !window.confirm(msg)) e.preventDefault();
    // the language switch sits outside the part filters swap: return to the address as it is now (with the
    // filters just chosen), not as it was when the page was loaded
    var next = e.target.matches && e.target.matches("form.langs") && e.target.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = window.echarts && echarts.getInstanceByDom(el); if (c) { c.resize(); roomForLegend(c, el); fitToBands(c); }
    });
    fitTables(document);
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeDrawer(); });
  /* "Saved." shows once, after the save: the address drops its ?done= as soon as the page is shown, so a
     reload, a bookmark or Back to it does not say "Saved." again */
  function forgetDone() {
    var url = new URL(window.location.href);
    if (!url.searchParams.has("done")) return;
    url.searchParams.delete("done");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
  }
  document.addEventListener("DOMContentLoaded", function () { forgetDone(); fitTables(document); initCharts(document); });
  document.addEventListener("htmx:afterSettle", function (e) {
    fitTables(document);
    initCharts(document);
    if (e.target && e.target.id === "drawer") e.target.classList.add("open");
  });
  document.addEventListener("htmx:historyRestore", function () { fitTables(document); initCharts(document); });
  window.addEventListener("pageshow", function () { fitTables(document); initCharts(document); });  // back/forward cache
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.xhr && e.detail.xhr.status === 401) { window.location = "/login"; }
  });
})();
