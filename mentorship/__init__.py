"""The mentorship cycle (циклограмма) as steps the engine executes: one home for its domain logic.

- `vocabulary`: categories of participants, forms and formats of mentorship, meeting kinds, and which
  mentor and mentee categories make which form;
- `participants`: the bases of mentees and mentors from CSV (pseudonymous ids only: these are children);
- `matching`: pair formation as an assignment problem (scipy's linear_sum_assignment over mentor slots),
  the greedy baseline it is measured against, and the explanation of every proposal;
- `pairs`: proposals stored as shown, acceptance (which completes the roadmap's pair-formation item),
  the roadmap steps of the cycle found for an organisation and academic year;
- `meetings`: meetings, feedback after each meeting and the reflection that closes a pair, from CSV;
- `reminders`: missing feedback as reminders for the sweep;
- `indicators`: the monitoring indicators that count participants, computed from these records.

Nothing here holds or prints a participant's name: participants are known by the id their
organisation gave them, and messages name pairs by number only.
"""
