"""Pair formation as an assignment problem: mentees to mentor slots, solved exactly, every proposal explained.

Who may be paired (`allowed`, one rule for proposals and for the lists curators accept):
- the mentor's and the mentee's categories make a form (педагог + обучающийся = учитель-ученик, …) that
  both accept (a participant who lists forms accepts only those; none listed = any);
- a mentee who asks only for one-to-one mentoring gets a mentor who takes one mentee; one who asks only
  for a group gets a mentor who takes several;
- at least one of the mentee's requests is one of the mentor's competences.

A mentor takes at most `limit` mentees: the curator's limit (`--max-mentees`), or the mentor's own when
smaller, or 1 for a mentor who mentors one-to-one only; mentees already in their active pairs count.

The solver (`solve`) gives every mentor one column per free place and calls scipy's
linear_sum_assignment (a shortest augmenting path method, exact) on costs that order what matters:
first as many mentees matched as possible, then the largest total fit (requests met), then the
smallest groups (a later place of a mentor costs a little more, so places are spread before groups
grow). `greedy` is the baseline a hand-written loop would be: each mentee in turn takes the free mentor
who meets most of their requests; the benchmark compares the two on the same data.

Every mentee left without a mentor gets the reason, in Russian, as the curator reads it: nobody meets
the requests, those who do are of another form, or they are all at their limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from mentorship.vocabulary import FORM_OF, FORMS, GROUP, ONE_TO_ONE

BIG = 1000.0  # a matched mentee outweighs any difference in fit (fits count requests: far below this)
SPREAD = 1e-3  # per place already taken at a mentor: below any difference in fit (whole requests)


@dataclass(frozen=True)
class Mentee:
    code: str
    category: str
    requests: tuple[str, ...]
    forms: frozenset[str] = frozenset()
    key: int = 0  # the store's id

    @property
    def wants(self) -> Literal["one-to-one", "group", "any"]:
        if ONE_TO_ONE in self.forms and GROUP not in self.forms:
            return "one-to-one"
        if GROUP in self.forms and ONE_TO_ONE not in self.forms:
            return "group"
        return "any"


@dataclass(frozen=True)
class Mentor:
    code: str
    category: str
    competences: tuple[str, ...]
    forms: frozenset[str] = frozenset()
    limit: int = 1  # at most this many mentees in all (see `mentor_limit`)
    taken: int = 0  # mentees already in active pairs with this mentor
    key: int = 0

    @property
    def free(self) -> int:
        return max(self.limit - self.taken, 0)


def mentor_limit(forms: frozenset[str] | Sequence[str], own: int | None, limit: int) -> int:
    """Mentees a mentor takes: 1 when one-to-one only, else the smaller of their own and the curator's limit."""
    if ONE_TO_ONE in forms and GROUP not in forms:
        return 1
    return min(own or limit, limit)


@dataclass(frozen=True)
class Check:
    form: str | None
    met: tuple[str, ...]
    problem: str | None  # None: the pair is allowed

    @property
    def ok(self) -> bool:
        return self.problem is None


def allowed(mentor: Mentor, mentee: Mentee) -> Check:
    """Whether the pair is allowed, with its form and the requests it meets; `problem` says why not, in Russian."""
    form = FORM_OF.get((mentor.category, mentee.category))
    met = tuple(r for r in mentee.requests if r in set(mentor.competences))
    if form is None:
        return Check(None, met, f"{mentor.category} не наставляет в категории «{mentee.category}»")
    for who, forms in (("наставляемый", mentee.forms), ("наставник", mentor.forms)):
        wanted = sorted(forms & set(FORMS))
        if wanted and form not in wanted:
            return Check(form, met, f"форма {form}, а {who} выбрал: {', '.join(wanted)}")
    if mentee.wants == "one-to-one" and mentor.limit != 1:
        return Check(form, met, "наставляемый выбрал индивидуальную форму, а наставник ведёт группу")
    if mentee.wants == "group" and mentor.limit == 1:
        return Check(form, met, "наставляемый выбрал групповую форму, а наставник работает один на один")
    if not met:
        return Check(form, met, "ни один запрос не совпадает с компетенциями наставника")
    return Check(form, met, None)


@dataclass
class Matrices:
    """The fit (requests met) and whether each pair is allowed, for every mentee (rows) and mentor (columns)."""

    fit: NDArray[np.int64]
    allowed: NDArray[np.bool_]
    competent: NDArray[np.bool_]  # some request met, whatever the form


def matrices(mentees: Sequence[Mentee], mentors: Sequence[Mentor]) -> Matrices:
    """`allowed` for every pair at once (numpy), the same rule as `allowed` one pair at a time."""
    n, m = len(mentees), len(mentors)
    tags = {t: k for k, t in enumerate(sorted({t for p in mentees for t in p.requests} |
                                               {t for p in mentors for t in p.competences}))}  # fmt: skip
    requests = np.zeros((n, len(tags)), dtype=np.int64)
    competences = np.zeros((m, len(tags)), dtype=np.int64)
    for i, p in enumerate(mentees):
        requests[i, [tags[t] for t in set(p.requests)]] = 1
    for j, q in enumerate(mentors):
        competences[j, [tags[t] for t in set(q.competences)]] = 1
    fit = requests @ competences.T
    categories = {c: k for k, c in enumerate(sorted({p.category for p in mentees} | {q.category for q in mentors}))}
    forms = {f: k for k, f in enumerate(FORMS)}
    table = np.full((len(categories), len(categories)), -1, dtype=np.int64)
    for (mentor_cat, mentee_cat), name in FORM_OF.items():
        if mentor_cat in categories and mentee_cat in categories:
            table[categories[mentor_cat], categories[mentee_cat]] = forms[name]
    form = table[np.array([categories[q.category] for q in mentors], dtype=np.int64)[None, :],
                 np.array([categories[p.category] for p in mentees], dtype=np.int64)[:, None]]  # fmt: skip

    def accepts(people: Sequence[frozenset[str]]) -> NDArray[np.bool_]:
        out = np.ones((len(people), len(FORMS) + 1), dtype=bool)  # the last column: "no form" (never allowed)
        out[:, -1] = False
        for k, person_forms in enumerate(people):
            wanted = person_forms & set(FORMS)
            if wanted:
                out[k, : len(FORMS)] = [f in wanted for f in FORMS]
        return out

    safe = np.where(form >= 0, form, len(FORMS))
    by_mentee = np.take_along_axis(accepts([p.forms for p in mentees]), safe, axis=1)
    by_mentor = (
        np.take_along_axis(accepts([q.forms for q in mentors]).T, safe, axis=0) if m else np.zeros((n, 0), dtype=bool)
    )
    individual = np.array([q.limit == 1 for q in mentors], dtype=bool)
    wants = np.array([p.wants for p in mentees])
    formats = ~(((wants == "one-to-one")[:, None] & ~individual[None, :]) |
                ((wants == "group")[:, None] & individual[None, :]))  # fmt: skip
    competent = fit > 0
    return Matrices(fit, (form >= 0) & by_mentee & by_mentor & formats & competent, competent)


def solve(mx: Matrices, mentors: Sequence[Mentor]) -> list[int | None]:
    """The mentor (index) of each mentee: most mentees matched, then most requests met, then smallest groups."""
    n = mx.allowed.shape[0]
    rows = np.flatnonzero(mx.allowed.any(axis=1))
    columns: list[int] = []
    ranks: list[int] = []
    for j, mentor in enumerate(mentors):
        places = min(mentor.free, int(mx.allowed[:, j].sum()))  # never more places than mentees who may come
        columns += [j] * places
        ranks += range(mentor.taken, mentor.taken + places)
    out: list[int | None] = [None] * n
    if not len(rows) or not columns:
        return out
    cols = np.array(columns)
    ok = mx.allowed[np.ix_(rows, cols)]
    cost = np.where(ok, -(BIG + mx.fit[np.ix_(rows, cols)]) + SPREAD * np.array(ranks)[None, :], 0.0)
    from scipy.optimize import linear_sum_assignment  # here: scipy costs every command 0.3 s of start-up

    picked_rows, picked_cols = linear_sum_assignment(cost)
    for r, c in zip(picked_rows, picked_cols, strict=True):
        if ok[r, c]:
            out[int(rows[r])] = int(cols[c])
    return out


def greedy(mx: Matrices, mentors: Sequence[Mentor]) -> list[int | None]:
    """The baseline: each mentee in turn takes the free mentor who meets most of their requests."""
    load = np.array([q.taken for q in mentors], dtype=np.int64)
    free = np.array([q.free for q in mentors], dtype=np.int64)
    out: list[int | None] = []
    for i in range(mx.allowed.shape[0]):
        open_ = mx.allowed[i] & (free > 0)
        if not open_.any():
            out.append(None)
            continue
        score = np.where(open_, mx.fit[i] * 1000 - load, np.iinfo(np.int64).min)
        j = int(np.argmax(score))
        out.append(j)
        free[j] -= 1
        load[j] += 1
    return out


@dataclass
class Placement:
    mentee: Mentee
    met: tuple[str, ...]

    def reason(self) -> dict[str, Any]:
        open_ = [r for r in self.mentee.requests if r not in self.met]
        text = "запросы «" + "», «".join(self.met) + "» — в компетенциях наставника"
        if open_:
            text += "; не закрыты: «" + "», «".join(open_) + "»"
        return {"mentee": self.mentee.code, "met": list(self.met), "open": open_, "text": text}


@dataclass
class Group:
    """A pair (one mentee) or a group: one mentor, one form."""

    mentor: Mentor
    form: str
    placements: list[Placement] = field(default_factory=list)

    @property
    def format(self) -> str:
        return GROUP if len(self.placements) + self.mentor.taken > 1 and self.mentor.limit > 1 else ONE_TO_ONE

    @property
    def fit(self) -> int:
        return sum(len(p.met) for p in self.placements)

    def as_json(self) -> dict[str, Any]:
        return {"mentor": self.mentor.code, "mentees": [p.mentee.code for p in self.placements], "form": self.form,
                "format": self.format, "fit": self.fit, "reasons": [p.reason() for p in self.placements]}  # fmt: skip


@dataclass
class Proposal:
    groups: list[Group]
    unmatched: list[dict[str, str]]
    mentees: int
    mentors: int

    @property
    def total_fit(self) -> int:
        return sum(g.fit for g in self.groups)

    @property
    def matched(self) -> int:
        return sum(len(g.placements) for g in self.groups)


def _quote(words: Sequence[str]) -> str:
    return "«" + "», «".join(words) + "»"


def _codes(mentors: Sequence[Mentor], columns: NDArray[np.intp]) -> str:
    shown = [mentors[int(j)].code for j in columns[:3]]
    return ", ".join(shown) + (f" и ещё {len(columns) - 3}" if len(columns) > 3 else "")


def unmatched_reason(i: int, mentees: Sequence[Mentee], mentors: Sequence[Mentor], mx: Matrices) -> str:
    """Why mentee i has no mentor, in Russian: nobody competent, another form, or everyone suitable at their limit."""
    mentee = mentees[i]
    if not mentors:
        return "в базе наставников организации на этот учебный год нет ни одного наставника"
    competent = np.flatnonzero(mx.competent[i])
    if not len(competent):
        return f"ни у одного наставника нет компетенций по запросам {_quote(mentee.requests)}"
    suitable = np.flatnonzero(mx.allowed[i])
    if not len(suitable):
        best = int(competent[np.argmax(mx.fit[i, competent])])
        why = allowed(mentors[best], mentee).problem
        return f"наставники с компетенциями по запросам ({_codes(mentors, competent)}) не подходят по форме: {why}"
    limits = sorted({mentors[int(j)].limit for j in suitable})
    limit = " или ".join(map(str, limits))
    return (f"все подходящие наставники ({_codes(mentors, suitable)}) уже ведут предельное число наставляемых "
            f"({limit}): увеличьте предел (--max-mentees) или добавьте наставников")  # fmt: skip


def propose(
    mentees: Sequence[Mentee], mentors: Sequence[Mentor], *, method: Literal["assignment", "greedy"] = "assignment"
) -> Proposal:
    """Pairs and groups for these mentees and mentors, each explained, and the unmatched with their reasons."""
    mx = matrices(mentees, mentors)
    assignment = solve(mx, mentors) if method == "assignment" else greedy(mx, mentors)
    groups: dict[tuple[int, str], Group] = {}
    unmatched: list[dict[str, str]] = []
    for i, j in enumerate(assignment):
        mentee = mentees[i]
        if j is None:
            unmatched.append({"mentee": mentee.code, "reason": unmatched_reason(i, mentees, mentors, mx)})
            continue
        check = allowed(mentors[j], mentee)
        assert check.ok and check.form is not None, (mentors[j].code, mentee.code, check.problem)
        group = groups.setdefault((j, check.form), Group(mentors[j], check.form))
        group.placements.append(Placement(mentee, check.met))
    ordered = [groups[k] for k in sorted(groups, key=lambda k: (mentors[k[0]].code, k[1]))]
    return Proposal(ordered, unmatched, len(mentees), len(mentors))
