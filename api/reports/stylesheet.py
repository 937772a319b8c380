"""The report pages' stylesheet (served from /reports/report.css; CSP allows no inline style)."""

from __future__ import annotations

# Kept in the package rather than api/static so it ships with the report code.
REPORT_CSS = """\
.report-filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: end;
  margin: 0 0 1rem; }
.report-filters div { display: flex; flex-direction: column; gap: .25rem; }
.report-links { display: flex; flex-wrap: wrap; gap: 1rem; margin: .5rem 0 1rem; }
.privacy { background: #eef1f4; border-left: 5px solid #12355b; padding: .5rem 1rem; }
.figure { display: grid; grid-template-columns: minmax(0, 3fr) minmax(14rem, 2fr);
  gap: 1rem 1.5rem; align-items: start; margin: 0 0 2rem; break-inside: avoid; }
.figure figcaption { grid-column: 1 / -1; font-weight: 700; font-size: 1.1rem; }
.figure svg { max-width: 100%; height: auto; border: 1px solid #d6dbe1; background: #fff; }
.figure table { margin: 0; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.target-met { color: #1e6b35; font-weight: 700; }
.target-missed { color: #8a1c1c; font-weight: 700; }
.breakdown { overflow-x: auto; }
.breakdown table { font-size: .9rem; }
.breakdown th, .breakdown td { padding: .35rem; }
.breakdown thead th { vertical-align: bottom; }
@media (max-width: 50rem) { .figure { grid-template-columns: 1fr; } }
@media print {
  @page { size: A4; margin: 15mm; }
  html, main { background: #fff; }
  .top, .skip, .no-print { display: none !important; }
  main { max-width: none; padding: 0; min-height: 0; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  table, .figure, section { break-inside: avoid; }
  .figure { grid-template-columns: 3fr 2fr; }
  th, td { padding: .2rem .4rem; font-size: 9pt; }
  .breakdown { overflow: visible; }
}
"""
