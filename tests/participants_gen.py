"""A seeded generator of mentorship participants (pseudonymous ids only), for the tests and the benchmark."""

from __future__ import annotations

import csv
import io
import random

TOPICS = ["робототехника", "проекты", "олимпиада", "шахматы", "профориентация", "программирование", "химия",
          "история", "английский", "волонтёрство", "спорт", "театр", "журналистика", "экология", "математика",
          "физика", "биология", "финансовая грамотность", "3d-моделирование", "исследования", "дебаты",
          "музыка", "рисование", "туризм", "краеведение", "предпринимательство", "методика", "классное руководство",
          "цифровые инструменты", "инклюзия"]  # fmt: skip
HEADER = ["id", "org", "year", "role", "category", "age_band", "tags", "forms", "max_mentees", "employer"]


def _tags(rng: random.Random, k: int) -> str:
    # popular topics are asked for more often (a school's requests are never uniform)
    weights = [1 / (rank + 1) for rank in range(len(TOPICS))]
    chosen: list[str] = []
    while len(chosen) < k:
        topic = rng.choices(TOPICS, weights)[0]
        if topic not in chosen:
            chosen.append(topic)
    return "|".join(chosen)


def participant_rows(seed: int, org: str, year: int, mentees: int, mentors: int) -> list[list[str]]:
    """Rows of a participants file for one organisation and academic year (deterministic for a seed)."""
    rng = random.Random(f"{seed}-{org}-{year}")
    rows = []
    for i in range(1, mentees + 1):
        kind = rng.random()
        if kind < 0.8:
            category, band = "обучающийся", rng.choice(["10-14", "15-19"])
        elif kind < 0.93:
            category, band = "молодой специалист", "20-35"
        else:
            category, band = "студент", rng.choice(["15-19", "18-22"])
        wish = rng.random()
        forms = "one-to-one" if wish < 0.1 else ("group" if wish < 0.2 else "")
        rows.append([f"S-{i:04d}", org, str(year), "mentee", category, band, _tags(rng, rng.randint(1, 3)), forms, "",
                     ""])  # fmt: skip
    for j in range(1, mentors + 1):
        kind = rng.random()
        employer = ""
        if kind < 0.5:
            category, band = "педагог", "25+"
        elif kind < 0.75:
            category, band = "обучающийся", "15-19"
        elif kind < 0.9:
            category, band = "студент", "18-22"
        else:
            category, band, employer = "представитель предприятия", "25+", f"ent-{rng.randint(1, 5)}"
        forms = "one-to-one" if rng.random() < 0.1 else ""
        limit = str(rng.choice([2, 4])) if rng.random() < 0.2 else ""
        rows.append([f"T-{j:03d}", org, str(year), "mentor", category, band, _tags(rng, rng.randint(4, 9)), forms,
                     limit, employer])  # fmt: skip
    return rows


def participants_csv(seed: int, orgs: list[str], year: int, mentees: int, mentors: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for org in orgs:
        writer.writerows(participant_rows(seed, org, year, mentees, mentors))
    return out.getvalue()
