/** The report's inline style sheet: no fonts or images from anywhere, readable printed or on screen. */
export const REPORT_CSS = `
:root { --pass: #1a7f37; --fail: #cf222e; --skip: #7d6608; --inc: #8250df; --muted: #57606a; --line: #d0d7de; --bg2: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2328; margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 24px; margin: 0 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 19px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 22px 0 8px; }
h4 { font-size: 14px; margin: 14px 0 6px; }
h5 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table.records { font-size: 13px; } table.records td, table.records th { padding: 2px 8px; white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
pre { background: var(--bg2); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 6px 0; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { text-align: left; vertical-align: top; padding: 4px 10px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; }
td { overflow-wrap: break-word; }
.muted { color: var(--muted); }
.verdict { display: inline-block; white-space: nowrap; font-weight: 700; letter-spacing: .04em; padding: 3px 12px; border-radius: 6px; color: #fff; margin-right: 10px; }
.verdict.passed { background: var(--pass); } .verdict.failed { background: var(--fail); } .verdict.error { background: #6e7781; }
.summary { font-size: 16px; margin: 8px 0 4px; }
.status { display: inline-block; white-space: nowrap; min-width: 86px; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; padding: 1px 8px; border-radius: 10px; text-align: center; }
.status.passed { color: var(--pass); background: #dafbe1; } .status.failed { color: var(--fail); background: #ffebe9; }
.status.skipped { color: var(--skip); background: #fff8c5; } .status.incomplete { color: var(--inc); background: #fbefff; }
table.checks { width: 100%; }
table.checks td.time { white-space: nowrap; text-align: right; color: var(--muted); }
table.checks td.id { white-space: nowrap; }
table.checks td.id a { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
table.checks tr.suite th { background: var(--bg2); text-transform: uppercase; font-size: 12px; letter-spacing: .05em; color: var(--muted); }
table.kv th { color: var(--muted); font-weight: 500; white-space: nowrap; }
table.params td:nth-child(2), table.worst td:nth-child(2) { white-space: nowrap; }
table.kv table.kv { margin: 0; }
details.check { border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; padding: 0 12px; }
details.check[open] { padding-bottom: 10px; }
details.check > summary { cursor: pointer; padding: 8px 0; list-style-position: outside; }
details.check > summary code { font-weight: 600; }
details.check.failed { border-color: #ff8182; } details.check.incomplete { border-color: #d2a8ff; }
.message { overflow-wrap: break-word; }
ul.lines { margin: 4px 0; padding-left: 20px; } ul.lines li { overflow-wrap: anywhere; }
.warnings { color: #9a6700; }
.replay { margin-top: 8px; }
.box { border: 1px solid var(--fail); background: #fff5f5; border-radius: 8px; padding: 10px 14px; margin: 12px 0; }
.plots { display: flex; flex-wrap: wrap; gap: 14px 24px; align-items: flex-start; }
.plots figure { margin: 0; }
.plots figcaption { font-size: 13px; color: var(--muted); max-width: 480px; }
svg.plot { font-size: 11px; background: #fff; max-width: 100%; height: auto; }
svg.plot .grid { stroke: #eaeef2; stroke-width: 1; }
svg.plot .frame { fill: none; stroke: #8c959f; stroke-width: 1; }
svg.plot .tick { fill: #57606a; }
svg.plot .axis-label { fill: #1f2328; font-size: 12px; }
svg.plot .legend { fill: #1f2328; font-size: 12px; }
svg.plot .note { fill: #57606a; font-size: 11px; }
svg.plot .series { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg.plot .identity { stroke: #8c959f; stroke-width: 1.2; stroke-dasharray: 5 4; }
svg.plot .dots circle { fill: #1f77b4; fill-opacity: .55; }
svg.plot .dots circle.fail { fill: #d62728; fill-opacity: .85; } svg.plot .dots circle.kink { fill: #ff7f0e; fill-opacity: .85; }
.legend-key { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin: 0 4px 0 10px; vertical-align: baseline; }
svg.plot .worst { fill: none; stroke: var(--fail); stroke-width: 2; }
svg.heatmap .cell { stroke: #fff; stroke-width: 1; }
svg.heatmap .count { font-size: 10px; fill: #1f2328; } svg.heatmap .count.light { fill: #fff; }
.digits { display: flex; flex-wrap: wrap; gap: 10px; }
figure.digit { margin: 0; text-align: center; font-size: 12px; }
figure.digit svg { border: 1px solid var(--line); image-rendering: pixelated; display: block; }
figure.digit figcaption.right { color: var(--pass); } figure.digit figcaption.wrong { color: var(--fail); font-weight: 600; }
table.grid td.state { text-align: center; font-weight: 600; min-width: 70px; padding: 1px 10px; }
table.grid th { padding: 1px 10px; }
td.state.finite { background: #dafbe1; color: var(--pass); } td.state.nan { background: #ffebe9; color: var(--fail); }
td.state.inf { background: #ffd8b5; color: #953800; } td.state.warning { background: #fff8c5; color: #7d4e00; }
td.state.unknown { color: var(--muted); }
table.index td.num { text-align: right; white-space: nowrap; }
table.index .layer-name { overflow-wrap: anywhere; }
table.index .first-problem { font-size: 13px; margin-top: 2px; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
@media print { details.check { break-inside: avoid; } }
`;
