/// The page's stylesheet, inline in every page (nothing is fetched: no fonts, no scripts, no
/// images). Light and dark follow the system's theme (`prefers-color-scheme`); printing uses
/// the light colours, shows collapsed outputs in full and keeps the colours of plots, bars and
/// heatmaps. On a narrow screen (a phone, 375 pixels) long lines scroll inside their own block
/// and plots scale down, so the page itself never scrolls sideways.
///
/// The series colours are the terminal's (`seriesColors`), one class each (`.c-blue` …), in
/// shades that read on both backgrounds. The stylesheet uses no `<` or `&`, so the page stays
/// well-formed XML.
let pageStyleSheet = """
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1c1e22; --muted: #5a6170; --rule: #d5d9e0; --grid: #e8eaee;
  --code-bg: #f2f4f7; --out-bg: #fbfbfc; --error: #b3261e; --error-bg: #fdeceb; --link: #1f5fbf;
  --blue: #1f5fbf; --red: #c62828; --green: #2e7d32; --magenta: #a0309c; --orange: #c35400;
  --teal: #00796b; --yellow: #7a5f00; --cyan: #00727d; --gray: #6b7280;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171b; --fg: #e3e6eb; --muted: #9ba3b1; --rule: #363b45; --grid: #272b33;
    --code-bg: #1f2228; --out-bg: #191b20; --error: #ff8a80; --error-bg: #3b1e1e; --link: #8ab4ff;
    --blue: #7aa7ff; --red: #ff7b72; --green: #7ee787; --magenta: #e39cf2; --orange: #ffa657;
    --teal: #4fd1bf; --yellow: #e3c75b; --cyan: #5ad1e0; --gray: #a0a8b5;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header.page-head, main { max-width: 56rem; margin: 0 auto; padding: 0 1rem; }
header.page-head { padding-top: 1.25rem; }
header.page-head p.meta { margin: 0; color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
main { padding-bottom: 3rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: .75rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 1.75rem 0 .75rem; overflow-wrap: anywhere; }
h2.source-name { font-family: ui-monospace, monospace; font-size: 1rem; color: var(--muted);
  border-bottom: 1px solid var(--rule); padding-bottom: .25rem; }
pre, code, svg.plot text, table.matrix, table.bars, table.heatmap, div.matrix p.head, figure.highlight div.shaded {
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
}
pre { margin: 0; padding: .5rem .75rem; overflow-x: auto; font-size: .82rem; line-height: 1.4; tab-size: 8; }
.prose p, .prose li, figcaption, p.plot-note, p.heat-legend { overflow-wrap: anywhere; }
.prose p { margin: .6rem 0; }
.prose pre.math { padding: .2rem 0 .2rem 1.5rem; font-size: .9rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.prose ul.items { list-style: none; margin: .5rem 0; padding-left: 1rem; }
.prose ul.items li { padding-left: 1.2em; text-indent: -1.2em; margin: .2rem 0; }
.cell, .output { margin: 1rem 0; border: 1px solid var(--rule); border-radius: 6px; background: var(--out-bg); }
.cell > pre.code { background: var(--code-bg); border-radius: 6px 6px 0 0; }
.cell > pre.code:only-child { border-radius: 6px; }
.cell > pre.code + * { border-top: 1px solid var(--rule); }
pre.code code::before { content: "rnn> "; color: var(--muted); }
div.outputs { padding: .45rem 0; }
div.outputs > pre, details.more > pre { padding: 0 .75rem; }
pre.note { color: var(--muted); font-style: italic; }
div.outputs > pre.error, details.more > pre.error { color: var(--error); background: var(--error-bg);
  border-left: 4px solid var(--error); padding: .35rem .75rem; margin: .2rem 0; }
details.more > summary { cursor: pointer; color: var(--link); font-size: .85rem; padding: .3rem .75rem; }
figure { margin: .6rem .75rem; }
figcaption { font-size: .9rem; color: var(--muted); margin-bottom: .3rem; }
p.plot-note, p.empty, p.heat-legend { font-size: .82rem; color: var(--muted); margin: .3rem 0; }
svg.plot { display: block; max-width: 100%; height: auto; }
svg.plot text { font-size: 12px; fill: var(--fg); }
svg.plot .grid path { stroke: var(--grid); stroke-width: 1; fill: none; }
svg.plot .axes path { stroke: var(--muted); stroke-width: 1; fill: none; }
svg.plot .series polyline, svg.plot .series path.key { fill: none; stroke: currentColor; stroke-width: 1.6; stroke-linejoin: round; }
svg.plot .mark-filled { fill: currentColor; stroke: currentColor; stroke-width: 1; }
svg.plot .mark-open { fill: var(--bg); stroke: currentColor; stroke-width: 1.4; }
svg.plot .mark-stroke { fill: none; stroke: currentColor; stroke-width: 1.6; }
.c-blue { color: var(--blue); } .c-red { color: var(--red); } .c-green { color: var(--green); }
.c-magenta { color: var(--magenta); } .c-orange { color: var(--orange); } .c-teal { color: var(--teal); }
.c-yellow { color: var(--yellow); } .c-cyan { color: var(--cyan); } .c-gray { color: var(--gray); } .c-text { color: var(--fg); }
.scroll { max-width: 100%; overflow-x: auto; }
table.bars { border-collapse: collapse; width: 100%; font-size: .82rem; }
table.bars th { text-align: left; font-weight: normal; white-space: pre; padding: 1px .6rem 1px 0; }
table.bars td.num { text-align: right; white-space: nowrap; padding-right: .6rem; font-variant-numeric: tabular-nums; }
table.bars td.bar { width: 100%; min-width: 4rem; }
table.bars span.fill { display: block; height: .9em; background: currentColor; border-radius: 1px; }
div.matrix { margin: .6rem .75rem; }
div.matrix p.head { margin: 0 0 .2rem; font-size: .82rem; white-space: pre-wrap; overflow-wrap: anywhere; }
table.matrix { border-collapse: collapse; font-size: .82rem; font-variant-numeric: tabular-nums; }
table.matrix th, table.matrix td { white-space: pre; text-align: right; padding: 0 0 0 1.3em; }
table.matrix th { font-weight: normal; color: var(--muted); }
table.matrix tbody th { text-align: left; padding-left: 0; }
table.matrix tr.gap td, table.matrix tr.gap th { color: var(--muted); }
table.heatmap { border-collapse: collapse; font-size: .68rem; outline: 1px solid var(--rule); }
table.heatmap td { width: 14px; min-width: 14px; height: 14px; padding: 0; text-align: center; line-height: 1; }
table.heatmap thead th { text-align: left; font-weight: normal; color: var(--muted); padding: 0 0 2px; white-space: nowrap; }
table.heatmap tbody th { text-align: right; font-weight: normal; color: var(--muted); padding: 0 .35rem 0 0; white-space: pre; }
table.heatmap td.nan { color: var(--muted); }
figure.highlight div.shaded { font-size: .85rem; line-height: 1.5; white-space: pre-wrap; overflow-wrap: anywhere; }
figure.highlight span.ch { border-radius: 2px; }
figure.highlight span.mark { text-decoration: underline; text-decoration-thickness: 2px; text-underline-offset: 3px; }
svg.plot .points text { fill: currentColor; font-weight: 600; }
span.swatch { display: inline-block; width: 1em; height: 1em; vertical-align: -.15em; border-radius: 2px; }
span.ctl { color: var(--error); border: 1px solid var(--rule); border-radius: 2px; padding: 0 1px; }
hr.pause { border: 0; border-top: 2px dashed var(--rule); margin: 2.25rem 0; }
@media (max-width: 520px) {
  /* The plots are scaled down here: their labels are drawn larger (the layout leaves room). */
  svg.plot text { font-size: 17px; }
}
@media (max-width: 480px) {
  body { font-size: 15px; }
  header.page-head, main { padding: 0 .6rem; }
  figure, div.matrix { margin: .5rem .4rem; }
  pre.code { padding: .45rem .5rem; }
  div.outputs > pre, details.more > pre { padding: 0 .5rem; }
}
@media print {
  :root {
    --bg: #ffffff; --fg: #000000; --muted: #4a4f59; --rule: #c4c8cf; --grid: #e3e5e9;
    --code-bg: #f2f4f7; --out-bg: #ffffff; --error: #a0231b; --error-bg: #fdeceb; --link: #1f5fbf;
    --blue: #1f5fbf; --red: #c62828; --green: #2e7d32; --magenta: #a0309c; --orange: #c35400;
    --teal: #00796b; --yellow: #7a5f00; --cyan: #00727d; --gray: #6b7280;
  }
  body { font-size: 10.5pt; }
  header.page-head, main { max-width: none; padding: 0; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; overflow: visible; }
  .scroll { overflow: visible; }
  figure, div.matrix, tr { break-inside: avoid; }
  h1, h2 { break-after: avoid; }
  details.more > summary { display: none; }
  details.more::details-content { content-visibility: visible; display: block; }
  span.swatch, span.fill, table.heatmap td, svg.plot, pre.code, pre.error, figure.highlight span.ch {
    -webkit-print-color-adjust: exact; print-color-adjust: exact;
  }
}
"""
