"""The reports officials read, built from the store and written as html, xlsx or md files.

- `execution`: the execution report of a roadmap (what was done, by whom, when, on what evidence, under which
  version of the plan; `roadmap report audit` on the command line), over its view in `execution_view`;
- `monitoring`: the monitoring report of a snapshot (verdicts per level, trends, who is behind, who has not
  submitted), over `monitoring.view`;
- `files`: the one render-and-write contract both follow (`Renderings`: html, md and xlsx renderers; a file is
  written whole or not at all);
- `templates/`: their Jinja2 templates.

"Audit" names only the hash chain (audit/); the report of what was done is the execution report.
"""
