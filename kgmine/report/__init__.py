"""What a run looks like to a person: the self-contained HTML report and its plots.

* :func:`kgmine.report.html.render_report` — ``RUN_DIR/report.html`` from a run directory
  (``kgmine report RUN_DIR``);
* :mod:`kgmine.report.plots` — the PNG plots (schema diagram, cluster scatter, rules scatter,
  training curves, metrics against baselines, explanation paths), usable from notebooks;
* :mod:`kgmine.report.rundata` — what a run directory holds, read as tables;
* :mod:`kgmine.report.browser` — headless Chromium (screenshots, DOM dumps, Selenium driver).
"""
