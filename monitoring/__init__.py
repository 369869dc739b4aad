"""The yearly monitoring of a roadmap, in one place.

- `measures`: what a roadmap monitors and how a figure is judged (pure functions);
- `figures`: submitted figures (a CSV of indicator values, item counts and criteria answers), checked and loaded;
- `evaluate`: actual against target per measure and level, rolled up in SQL;
- `snapshots`: a run's results recorded append-only, summarised, and read back as `ResultLine`s;
- `view`: the monitoring report as a reader sees it (`MonitoringReport`, `ResultLine`: the one result row type);
- `notices`: the notice of a snapshot queued in the outbox for the operator and the coordinators.

The report built from a snapshot and its html/md/xlsx files live in `reports/monitoring.py`.
"""
