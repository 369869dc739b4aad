"""The mentorship cycle (issue 17): bases, pair formation, acceptance, meetings, feedback, reflection, reminders,
indicators. Store tests run on SQLite and PostgreSQL; participants come from a seeded generator."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from audit.chain import verify_chain
from cli.main import app
from mentorship.matching import Mentee, Mentor, allowed, greedy, matrices, mentor_limit, propose, solve
from mentorship.pairs import MentorshipError
from models.db import session_scope
from models.settings import get_settings
from models.store import Completion, Milestone, OutboxMessage, Pair, Participant
from notifications.mailsink import MailSink
from operations import mentorship as ops
from operations.context import Actor, Clock, Context
from outbox.send import dispatch
from tasks.complete import CompletionError
from tasks.registry import RegistryError
from tests.helpers.sechenovsky import CAL, PLAN, load_registry, notifier_for, sync
from tests.participants_gen import participant_rows, participants_csv

ORG, YEAR = "sech-oo-01", 2020
ACCEPTED = datetime(2020, 10, 20, 9, tzinfo=UTC)
runner = CliRunner()


def ctx_at(engine, when: datetime = ACCEPTED) -> Context:
    return Context(engine, Actor("curator-test", "test"), Clock.at(when), get_settings())


@pytest.fixture
def store(engine):
    load_registry(engine)
    sync(engine, PLAN.read_text(encoding="utf-8"))
    return engine


HAND = """id,org,year,role,category,age_band,tags,forms,max_mentees,employer
S-001,sech-oo-01,2020,mentee,обучающийся,10-14,робототехника|олимпиада,,,
S-002,sech-oo-01,2020,mentee,обучающийся,15-19,проекты,group,,
S-003,sech-oo-01,2020,mentee,обучающийся,10-14,шахматы,,,
S-004,sech-oo-01,2020,mentee,молодой специалист,25+,методика,,,
T-01,sech-oo-01,2020,mentor,педагог,35+,робототехника|проекты|методика,,2,
T-02,sech-oo-01,2020,mentor,представитель предприятия,30+,проекты|олимпиада,работодатель-ученик,,ent-77
"""


# -- matching, without a store ----------------------------------------------------------------------


def test_the_solver_matches_everyone_a_greedy_loop_leaves_out():
    # A asks x, B asks y; M1 knows x and y, M2 only x; one mentee each. Greedy gives A the first best
    # mentor (M1), and B has nobody left; the assignment gives A to M2 and B to M1.
    mentees = [Mentee("A-1", "обучающийся", ("x",)), Mentee("B-1", "обучающийся", ("y",))]
    mentors = [Mentor("M-1", "педагог", ("x", "y"), limit=1), Mentor("M-2", "педагог", ("x",), limit=1)]
    mx = matrices(mentees, mentors)
    assert greedy(mx, mentors) == [0, None]
    assert solve(mx, mentors) == [1, 0]
    proposal = propose(mentees, mentors)
    assert proposal.matched == 2 and proposal.unmatched == []
    baseline = propose(mentees, mentors, method="greedy")
    assert baseline.unmatched[0]["mentee"] == "B-1"
    assert "все подходящие наставники (M-1) уже ведут предельное число наставляемых (1)" in baseline.unmatched[0][
        "reason"]  # fmt: skip


def test_among_full_matchings_the_solver_takes_the_best_fit():
    mentees = [Mentee("A-1", "обучающийся", ("x",)), Mentee("B-1", "обучающийся", ("x", "y", "z"))]
    mentors = [Mentor("M-1", "педагог", ("x", "y", "z"), limit=1), Mentor("M-2", "педагог", ("x",), limit=1)]
    assert propose(mentees, mentors, method="greedy").total_fit == 2  # A takes M-1 first
    best = propose(mentees, mentors)
    assert best.total_fit == 4
    assert {(g.mentor.code, g.placements[0].mentee.code) for g in best.groups} == {("M-2", "A-1"), ("M-1", "B-1")}


def test_each_unmatched_mentee_is_told_why():
    mentees = [
        Mentee("S-1", "обучающийся", ("шахматы",)),
        Mentee("S-2", "молодой специалист", ("проекты",)),
        Mentee("S-3", "обучающийся", ("проекты",), frozenset({"one-to-one"})),
    ]
    mentors = [Mentor("T-1", "обучающийся", ("проекты",), limit=3)]
    reasons = {u["mentee"]: u["reason"] for u in propose(mentees, mentors).unmatched}
    assert reasons["S-1"] == "ни у одного наставника нет компетенций по запросам «шахматы»"
    assert reasons["S-2"] == ("наставники с компетенциями по запросам (T-1) не подходят по форме: обучающийся не "
                              "наставляет в категории «молодой специалист»")  # fmt: skip
    assert reasons["S-3"] == ("наставники с компетенциями по запросам (T-1) не подходят по форме: наставляемый "
                              "выбрал индивидуальную форму, а наставник ведёт группу")  # fmt: skip
    assert propose(mentees, []).unmatched[0]["reason"].startswith("в базе наставников организации")


def test_generated_schools_keep_every_constraint_and_explain_every_pair():
    for seed in (1, 2, 3):
        rows = participant_rows(seed, "gen-oo", 2021, mentees=120, mentors=25)
        mentees = [Mentee(r[0], r[4], tuple(r[6].split("|")), frozenset(filter(None, r[7].split("|"))))
                   for r in rows if r[3] == "mentee"]  # fmt: skip
        mentors = [Mentor(r[0], r[4], tuple(r[6].split("|")), frozenset(filter(None, r[7].split("|"))),
                          mentor_limit(frozenset(filter(None, r[7].split("|"))), int(r[8]) if r[8] else None, 3))
                   for r in rows if r[3] == "mentor"]  # fmt: skip
        proposal = propose(mentees, mentors)
        baseline = propose(mentees, mentors, method="greedy")
        assert (proposal.matched, proposal.total_fit) >= (baseline.matched, baseline.total_fit)
        load: dict[str, int] = {}
        seen: set[str] = set()
        for group in proposal.groups:
            for placement in group.placements:
                check = allowed(group.mentor, placement.mentee)
                assert check.ok and check.form == group.form, (group.mentor.code, placement.mentee.code)
                assert placement.met and set(placement.met) <= set(group.mentor.competences)
                assert placement.mentee.code not in seen
                seen.add(placement.mentee.code)
                load[group.mentor.code] = load.get(group.mentor.code, 0) + 1
        assert all(load[m.code] <= m.limit for m in mentors if m.code in load)
        assert len(seen) + len(proposal.unmatched) == len(mentees)
        assert all(u["reason"] for u in proposal.unmatched)


# -- the bases ------------------------------------------------------------------------------------


def test_a_bad_participants_file_is_refused_whole_with_every_line_named(store):
    text = HAND + (
        "Иванова,sech-oo-01,2020,mentee,обучающийся,10-14,шахматы,,,\n"
        "S-010,sech-oo-99,2020,mentee,обучающийся,10-14,шахматы,,,\n"
        "S-011,sech-oo-01,20,ученица,космонавт,десять,,оригами,,\n"
        "S-001,sech-oo-01,2020,mentee,обучающийся,10-14,шахматы,,,\n"
        "T-03,sech-oo-01,2020,mentor,представитель предприятия,30+,проекты,,,\n"
    )
    with pytest.raises(RegistryError) as refused:
        ops.load_participants(ctx_at(store), text=text, source="p.csv")
    got = [str(i) for i in refused.value.issues]
    assert got == [
        "p.csv:8: id: expected a pseudonymous id such as S-0042 (a word without digits: is it a name? participants "
        "are known by a pseudonymous id, the registry of names stays with the organisation), found «Иванова»",
        "p.csv:9: org: expected an organisation of the registry (roadmap orgs list), found «sech-oo-99»",
        "p.csv:10: year: expected the academic year's first year such as 2020 (for 2020/2021), found «20»",
        "p.csv:10: role: expected mentor or mentee (наставник, наставляемый), found «ученица»",
        "p.csv:10: category: expected one of обучающийся, молодой специалист, педагог, студент, представитель "
        "предприятия, found «космонавт»",
        "p.csv:10: age_band: expected an age band such as 10-14, 15-19 or 25+, found «десять»",
        "p.csv:10: tags: expected the requests, '|' between them (e.g. робототехника|проекты), found none",
        "p.csv:10: forms: expected forms (ученик-ученик, учитель-ученик, учитель-учитель, студент-ученик, "
        "студент-студент, работодатель-ученик, работодатель-студент) or formats (one-to-one, group, flash, network, "
        "reverse, virtual), found «оригами»",
        "p.csv:11: id: duplicate participant «S-001» of sech-oo-01 in 2020, first on line 2",
        "p.csv:12: employer: expected the id of the enterprise this mentor comes from (e.g. its ИНН), found none",
    ]
    with session_scope(store, readonly=True) as session:
        assert session.execute(select(Participant)).first() is None


def test_a_reload_updates_in_place_and_never_deletes(store):
    ctx = ctx_at(store)
    first = ops.load_participants(ctx, text=HAND, source="p.csv")
    assert len(first.added) == 6
    again = ops.load_participants(ctx, text=HAND.replace("шахматы", "шахматы|логика"), source="p.csv")
    assert again.updated == {"sech-oo-01/2020/S-003": ["tags"]} and again.unchanged == 5
    listed = ops.participants(ctx, org=ORG, year=YEAR)
    assert [r["id"] for r in listed] == ["S-001", "S-002", "S-003", "S-004", "T-01", "T-02"]


# -- proposal and acceptance ------------------------------------------------------------------------


def test_accepted_pairs_complete_the_pair_formation_item_with_the_list_as_evidence(store):
    ctx = ctx_at(store)
    ops.load_participants(ctx, text=HAND, source="p.csv")
    proposal = ops.propose_pairs(ctx, org=ORG, year=YEAR)
    assert [(p["mentor"], p["mentees"], p["form"]) for p in proposal["pairs"]] == [
        ("T-01", ["S-001"], "учитель-ученик"), ("T-01", ["S-004"], "учитель-учитель"),
        ("T-02", ["S-002"], "работодатель-ученик")]  # fmt: skip
    assert proposal["unmatched"] == [{"mentee": "S-003", "reason": "ни у одного наставника нет компетенций по запросам "
                                                                   "«шахматы»"}]  # fmt: skip
    with pytest.raises(CompletionError, match="curator-test may not complete milestone"):
        ops.accept_pairs(ctx, org=ORG, year=YEAR, by="curator-test")
    with session_scope(store, readonly=True) as session:
        assert session.execute(select(Pair)).first() is None  # refused: nothing half-written
    report = ops.accept_pairs(ctx, org=ORG, year=YEAR, by="oo_curator")
    assert len(report.pairs) == 3 and not report.edited
    n1, n2, n3 = (p["pair"] for p in report.pairs)  # PostgreSQL's sequence kept the numbers the refusal took
    assert [(m.roadmap_id, m.item_number) for m in report.completed] == [("sechenovsky-2020", "3.5")]
    with session_scope(store, readonly=True) as session:
        milestone = session.get(Milestone, report.completed[0].id)
        assert milestone.status == "done" and milestone.done_by == "oo_curator"
        assert milestone.evidence.startswith("Сформированы наставнические пары и группы на 2020/2021 учебный год: 3 "
                                             "(3 наставляемых, 2 наставников)")  # fmt: skip
        completion = session.execute(select(Completion).where(Completion.milestone_id == milestone.id)).scalar_one()
        stored = get_settings().data_dir / "files" / completion.file_sha256[:2] / completion.file_sha256
        assert stored.read_text(encoding="utf-8").splitlines() == [
            "pair,mentor,mentee,form,format", f"{n1},T-01,S-001,учитель-ученик,one-to-one",
            f"{n2},T-01,S-004,учитель-учитель,one-to-one",
            f"{n3},T-02,S-002,работодатель-ученик,one-to-one"]  # fmt: skip
        assert verify_chain(session).ok
    with pytest.raises(MentorshipError, match="proposal 1 was accepted on 20 октября 2020 г."):
        ops.accept_pairs(ctx, org=ORG, year=YEAR, by="oo_curator")


def test_an_edited_list_is_checked_row_by_row_and_refused_whole(store):
    ctx = ctx_at(store)
    ops.load_participants(ctx, text=HAND, source="p.csv")
    ops.propose_pairs(ctx, org=ORG, year=YEAR, max_mentees=1)
    bad = ("mentor,mentee,form\nT-01,S-001,учитель-ученик\nT-01,S-004,учитель-учитель\nT-02,S-003,\n"
           "T-09,S-002,\nT-02,S-001,\n")  # fmt: skip
    with pytest.raises(RegistryError) as refused:
        ops.accept_pairs(ctx, org=ORG, year=YEAR, by="oo_curator", text=bad, source="edited.csv")
    assert [str(i) for i in refused.value.issues] == [
        "edited.csv:3: mentor: «T-01» would have 2 mentees, the limit is 1",
        "edited.csv:4: mentee: «S-003» with «T-02»: ни один запрос не совпадает с компетенциями наставника",
        "edited.csv:5: mentor: no active mentor «T-09» in the base of 2020/2021",
        "edited.csv:6: mentee: «S-001» is given a mentor twice, first on line 2",
    ]
    report = ops.accept_pairs(ctx, org=ORG, year=YEAR, by="oo_curator", text="mentor,mentee,form\nT-02,S-001,\n",
                              source="edited.csv")  # fmt: skip
    assert report.edited and report.proposal_id == 1 and [p["mentees"] for p in report.pairs] == [["S-001"]]
    # the next proposal is for the mentees still without a pair, with the mentors' free places: T-02 is full,
    # and T-01 (one mentee at a time now) cannot take S-002, who asked for a group
    again = ops.propose_pairs(ctx, org=ORG, year=YEAR, max_mentees=1)
    assert {p["mentor"]: p["mentees"] for p in again["pairs"]} == {"T-01": ["S-004"]}
    assert {u["mentee"] for u in again["unmatched"]} == {"S-002", "S-003"}


def test_the_form_pairs_flow_proposes_under_prefect(store, db_url, prefect_harness):
    from flows.pairs import form_pairs

    ops.load_participants(ctx_at(store), text=participants_csv(5, [ORG], YEAR, 40, 8), source="gen.csv")
    proposal = form_pairs(org=ORG, year=YEAR, max_mentees=4, db=db_url, actor="curator-test", via="test",
                          now=ACCEPTED)  # fmt: skip
    assert proposal["summary"]["mentees"] == 40
    assert proposal["summary"]["matched"] + len(proposal["unmatched"]) == 40
    assert all(p["reasons"] and len(p["mentees"]) <= 4 for p in proposal["pairs"])
    with session_scope(store, readonly=True) as session:
        assert ops.pairs(ctx_at(store), org=ORG, year=YEAR) == []
        from models.store import PairProposal

        assert session.execute(select(PairProposal.id)).scalars().all() == [proposal["proposal"]]


# -- meetings, feedback, reminders, reflection ------------------------------------------------------

MEETINGS = """org,pair,number,kind,date
sech-oo-01,1,1,встреча-знакомство,2020-10-26
sech-oo-01,1,2,пробная встреча,02.11.2020
sech-oo-01,2,1,знакомство,2020-10-27
sech-oo-01,3,1,знакомство,2020-10-27
sech-oo-01,3,2,итоговая,2020-12-20
"""


def _accepted(store) -> Context:
    ctx = ctx_at(store)
    ops.load_participants(ctx, text=HAND, source="p.csv")
    ops.propose_pairs(ctx, org=ORG, year=YEAR)
    ops.accept_pairs(ctx, org=ORG, year=YEAR, by="oo_curator")
    ops.record_meetings(ctx, text=MEETINGS, source="meetings.csv")
    return ctx


def _decide(store, day: date):
    from tasks.sweep import active_roadmaps, decide_reminders

    with session_scope(store) as session:
        plan = active_roadmaps(session)[0]
        return decide_reminders(session, roadmap=plan, today=day, calendar=CAL,
                                now=datetime(day.year, day.month, day.day, 6, tzinfo=UTC))  # fmt: skip


def test_missing_feedback_is_reminded_to_the_curator_once_a_week_naming_no_participant(store):
    _accepted(store)
    later = ctx_at(store, datetime(2020, 11, 3, 9, tzinfo=UTC))
    ops.record_feedback(later, text="org,pair,meeting,participant,satisfied,score,comment\n"
                        "sech-oo-01,1,1,T-01,да,5,\nsech-oo-01,1,1,S-001,да,4,понравилось\n",
                        source="fb.csv")  # fmt: skip
    report = _decide(store, date(2020, 11, 5))
    assert report.queued["feedback"] == 2  # one reminder, to both of the curator's addresses
    with session_scope(store, readonly=True) as session:
        rows = session.execute(select(OutboxMessage).where(OutboxMessage.kind == "feedback")).scalars().all()
    assert [r.recipient for r in rows] == [
        "sech-oo-01-curator@example.org",
        "ntfy://ntfy.example.org/${SECH_OO_01_NTFY_TOPIC}",  # the sample registry keeps the topic out (issue 11)
    ]
    note = rows[0].payload["note"]
    # meeting 2 of pair 1 was on 2 November: three days have passed by the 5th
    assert note == ("Нет обратной связи после встреч (3): пара № 1, встреча 2 (пробная, 2 ноября 2020 г.): "
                    "ответили 0 из 2; пара № 2, встреча 1 (знакомство, 27 октября 2020 г.): ответили 0 из 2; "
                    "пара № 3, встреча 1 (знакомство, 27 октября 2020 г.): ответили 0 из 2")  # fmt: skip
    assert rows[0].payload["item"] == "3.6"
    assert not re.search(r"\b[ST]-\d", json.dumps(rows[0].payload, ensure_ascii=False))
    with MailSink() as sink:
        notifier, _recorder = notifier_for(sink.url())
        dispatch(store, notifier=notifier, now=datetime(2020, 11, 5, 6, tzinfo=UTC), as_of=date(2020, 11, 5))
        (mail,) = [m for m in sink.received if "sech-oo-01-curator@example.org" in m.recipients]
    body = mail.message.get_body(("plain",)).get_content()
    assert "нет обратной связи: 1" in mail.subject
    assert "== Нет обратной связи после встреч наставнических пар ==" in body
    assert "Внесите обратную связь участников после встреч: roadmap feedback load ФАЙЛ.csv" in body
    assert "пара № 2, встреча 1 (знакомство, 27 октября 2020 г.): ответили 0 из 2" in body
    assert not re.search(r"\b[ST]-\d", body)  # no participant, only pairs by number
    assert _decide(store, date(2020, 11, 6)).queued["feedback"] == 0  # told this week
    assert _decide(store, date(2020, 11, 12)).queued["feedback"] == 2  # a week later, still missing


def test_feedback_is_refused_for_a_meeting_ahead_and_from_someone_outside_the_pair(store):
    ctx = _accepted(store)
    later = ctx_at(store, datetime(2020, 11, 3, 9, tzinfo=UTC))
    text = ("org,pair,meeting,participant,satisfied,score\nsech-oo-01,3,2,S-002,да,5\nsech-oo-01,1,1,S-002,да,5\n"
            "sech-oo-02,1,1,S-001,может быть,9\n")  # fmt: skip
    with pytest.raises(RegistryError) as refused:
        ops.record_feedback(later, text=text, source="fb.csv")
    assert [str(i) for i in refused.value.issues] == [
        "fb.csv:2: meeting: meeting 2 of pair 3 is planned for 2020-12-20: feedback comes after it",
        "fb.csv:3: participant: «S-002» is not a member of pair 1 (its mentor or a mentee)",
        "fb.csv:4: org: pair 1 is of sech-oo-01, found «sech-oo-02»: is the pair number right?",
        "fb.csv:4: satisfied: expected да or нет (yes, no), found «может быть»",
        "fb.csv:4: score: expected a whole number from 1 to 5, found «9»",
    ]
    assert ctx is not None


def test_the_full_cycle_ends_with_reflection_closing_the_pairs_and_the_closing_step(store):
    _accepted(store)
    end = ctx_at(store, datetime(2021, 5, 20, 9, tzinfo=UTC))
    rows = ["org,pair,participant,kind,date,satisfied,score,comment"]
    for pair, members in ((1, ("T-01", "S-001")), (2, ("T-01", "S-004")), (3, ("T-02", "S-002"))):
        rows += [f"sech-oo-01,{pair},{m},personal,2021-05-18,да,5," for m in members]
    partial = ops.record_reflection(end, text="\n".join(rows) + "\n", source="r.csv", by="oo_curator")
    assert partial.closed == [] and partial.waiting == {1: ["the group"], 2: ["the group"], 3: ["the group"]}
    group = "\n".join([rows[0]] + [f"sech-oo-01,{p},,group,2021-05-19,да,5,итоги" for p in (1, 2, 3)]) + "\n"
    report = ops.record_reflection(end, text=group, source="g.csv", by="oo_curator")
    assert report.closed == [1, 2, 3] and not report.waiting
    assert report.completed and "item Ц7" not in report.completed[0]
    with session_scope(store, readonly=True) as session:
        closing = session.execute(select(Milestone).where(Milestone.item_number == "3.7", Milestone.org_id == ORG)
                                  ).scalar_one()  # fmt: skip
        assert closing.status == "done" and closing.evidence == (
            "Завершение наставничества на 2020/2021 учебный год: личная и групповая рефлексия проведена во всех 3 "
            "парах и группах")  # fmt: skip
        assert {p.state for p in session.execute(select(Pair)).scalars()} == {"closed"}
        assert verify_chain(session).ok
    with pytest.raises(RegistryError, match="pair 1 closed on 2021-05-20 with its reflection"):
        ops.record_meetings(end, text="org,pair,number,kind,date\nsech-oo-01,1,9,итоговая,2021-05-21\n", source="m.csv")


# -- indicators from records ------------------------------------------------------------------------


def test_indicators_that_count_participants_match_a_hand_computation(store):
    from monitoring.evaluate import evaluate, stored_plan
    from monitoring.figures import load_values, parse_values_csv, registry_orgs

    _accepted(store)
    ops.record_feedback(ctx_at(store, datetime(2020, 11, 3, 9, tzinfo=UTC)), source="fb.csv", text=(
        "org,pair,meeting,participant,satisfied,score\nsech-oo-01,1,1,T-01,да,5\nsech-oo-01,1,1,S-001,да,4\n"
        "sech-oo-01,1,2,S-001,нет,2\nsech-oo-01,2,1,S-004,да,5\nsech-oo-01,3,1,T-02,нет,2\n"))  # fmt: skip
    figures = ("roadmap,indicator,year,org,numerator,denominator,value,source,submitted_by\n"
               "sechenovsky-2020,mentees_10_19,2020,,16,400,,перепись,УО\n"
               "sechenovsky-2020,mentees_10_19,2020,sech-oo-02,15,140,,отчёт ОО,куратор\n"
               "sechenovsky-2020,young_teachers,2020,,1,8,,сведения УО,УО\n"
               "sechenovsky-2020,enterprises,2020,,1,40,,реестр,УО\n")  # fmt: skip
    with session_scope(store) as session:
        plans = {p.id: p for p in [stored_plan(session, "sechenovsky-2020")[0]]}
        rows = parse_values_csv(figures, source="f.csv", plans=plans, orgs=registry_orgs(session))
        load_values(session, rows, actor="t", now=ACCEPTED, source="f.csv", sha256="0")
    with session_scope(store, readonly=True) as session:
        results, _loads = evaluate(session, stored_plan(session, "sechenovsky-2020")[0], 2020)
    got = {(r["key"], r["level"], r["scope"]): (r["numerator"], r["denominator"], r["actual"], r["basis"])
           for r in results if r["kind"] == "indicator"}  # fmt: skip
    top = "Сеченовский муниципальный район"
    # mentees aged 10-19 in pairs: S-001 (10-14), S-002 (15-19) at sech-oo-01; sech-oo-02 keeps no records
    # here: its 15 submitted are added; the denominator is the territory's 400
    assert got[("mentees_10_19", "municipality", top)] == (17, 400, 17 / 400 * 100, "records")
    assert got[("mentees_10_19", "organisation", ORG)][:2] == (2, 0)  # no population submitted for the school
    assert got[("young_teachers", "municipality", top)] == (1, 8, 12.5, "records")
    assert got[("enterprises", "municipality", top)] == (1, 40, 2.5, "records")
    # mentees who took part: S-001 (latest answer нет), S-002 (none), S-004 (да) -> 1 of 3
    assert got[("satisfaction_mentees", "municipality", top)] == (1, 3, 100 / 3, "records")
    # mentors: T-01 (да), T-02 (нет) -> 1 of 2
    assert got[("satisfaction_mentors", "organisation", ORG)] == (1, 2, 50.0, "records")
    assert ("mentors_15_19", "municipality", top) in got  # no mentor aged 15-19: 0, with no population: no share
    assert got[("mentors_15_19", "municipality", top)][2] is None


# -- the commands --------------------------------------------------------------------------------------


def test_the_commands_refuse_a_bad_file_naming_file_and_line_without_a_traceback(store, db_url, tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_text(HAND + "Петров,sech-oo-01,2020,mentee,обучающийся,10-14,шахматы,,,\n", encoding="utf-8")
    result = runner.invoke(app, ["participants", "load", str(bad), "--db", db_url])
    assert result.exit_code == 2
    assert f"{bad}:8: id: expected a pseudonymous id" in result.stderr
    assert f"{bad}: 1 problem; nothing was loaded" in result.stderr and "Traceback" not in result.output
    good = tmp_path / "good.csv"
    good.write_text(HAND, encoding="utf-8")
    assert runner.invoke(app, ["participants", "load", str(good), "--db", db_url]).exit_code == 0
    refused = runner.invoke(app, ["pairs", "accept", "--org", ORG, "--year", "2020", "--db", db_url])
    assert refused.exit_code == 2
    assert refused.stderr.strip() == ("error: no proposal for sech-oo-01 in 2020/2021 yet: roadmap pairs propose "
                                      "--org sech-oo-01 --year 2020")  # fmt: skip
    listed = runner.invoke(app, ["participants", "list", "--org", ORG, "--format", "csv", "--db", db_url])
    assert listed.stdout.splitlines()[0] == "id,org,year,role,category,age_band,tags,forms,max_mentees,employer,active"


def test_the_curator_records_feedback_and_meetings_on_the_web_page_with_the_same_checks(store, db_url):
    from fastapi.testclient import TestClient

    from notifications.dispatch import RecordingNotifier
    from operations.users import add_user
    from tasks.accounts import open_session
    from web.app import COOKIE, create_app

    _accepted(store)
    later = datetime(2020, 11, 3, 9, tzinfo=UTC)
    add_user(ctx_at(store, later), email="curator@example.org", role="curator", org_id=ORG)
    with session_scope(store) as session:
        from tasks.accounts import find_user

        user = find_user(session, "curator@example.org")
        assert user is not None
        signed = open_session(session, user=user, how="link", now=later)
    app = create_app(db_url=db_url, clock=lambda: Clock.at(later), mailer=RecordingNotifier())
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(COOKIE, signed.token)
        page = client.get("/mentorship")
        assert page.status_code == 200 and "Наставнические пары 2020/2021 учебного года" in page.text
        assert "S-001" in page.text and "Иван" not in page.text  # pseudonymous ids only
        form = {"csrf": signed.csrf, "year": "2020", "pair": "1", "meeting": "1", "participant": "S-001",
                "satisfied": "да", "score": "5", "comment": "понравилось"}  # fmt: skip
        done = client.post("/mentorship/feedback", data=form)
        assert done.status_code == 200 and "форма: 1 feedback" in done.text, done.text
        # the same line-by-line checks as `roadmap feedback load`: a score out of range names the line
        bad = client.post("/mentorship/feedback", data=form | {"score": "9"})
        assert bad.status_code == 400 and "форма:2: score:" in bad.text
        # another organisation's rows are refused before anything is read
        other = "org,pair,meeting,participant,satisfied,score\nsech-oo-02,1,1,S-001,да,5\n"
        refused = client.post("/mentorship/feedback", data={"csrf": signed.csrf, "year": "2020"},
                              files={"file": ("fb.csv", other.encode(), "text/csv")})  # fmt: skip
        assert refused.status_code == 403 and "строки другой организации" in refused.text
        forged = client.post("/mentorship/feedback", data=form | {"csrf": "forged"})
        assert forged.status_code == 403


def test_the_curator_proposes_edits_and_accepts_pairs_on_the_web_page(store, db_url):
    from fastapi.testclient import TestClient

    from notifications.dispatch import RecordingNotifier
    from operations.users import add_user
    from tasks.accounts import find_user, open_session
    from web.app import COOKIE, create_app

    ops.load_participants(ctx_at(store), text=HAND, source="p.csv")
    add_user(ctx_at(store), email="curator@example.org", role="curator", org_id=ORG)
    add_user(ctx_at(store), email="other@example.org", role="curator", org_id="sech-oo-02")
    with session_scope(store) as session:
        user, other = find_user(session, "curator@example.org"), find_user(session, "other@example.org")
        assert user is not None and other is not None
        signed = open_session(session, user=user, how="link", now=ACCEPTED)
        theirs = open_session(session, user=other, how="link", now=ACCEPTED)
    app = create_app(db_url=db_url, clock=lambda: Clock.at(ACCEPTED), mailer=RecordingNotifier())
    with TestClient(app, follow_redirects=False) as client:
        client.cookies.set(COOKIE, signed.token)
        assert "Пар этого учебного года пока нет" in client.get("/mentorship").text
        assert client.post("/mentorship/propose", data={"csrf": "forged", "year": "2020"}).status_code == 403
        proposed = client.post("/mentorship/propose", data={"csrf": signed.csrf, "year": "2020", "max_mentees": "3"})
        assert proposed.status_code == 200, proposed.text
        assert "Предложение № 1: пар и групп 3, подобрано наставляемых 3 из 4" in proposed.text
        assert "S-003: ни у одного наставника нет компетенций по запросам «шахматы»" in proposed.text
        listed = proposed.text.split('<pre id="proposal-csv">')[1].split("</pre>")[0]
        assert listed.splitlines() == ["mentor,mentee,form", "T-01,S-001,учитель-ученик",
                                       "T-01,S-004,учитель-учитель", "T-02,S-002,работодатель-ученик"]  # fmt: skip
        # an edited list with a bad row is refused whole, naming the line, and nothing is accepted
        bad = "mentor,mentee,form\nT-01,S-001,учитель-ученик\nT-09,S-002,\n"
        refused = client.post("/mentorship/accept", data={"csrf": signed.csrf, "year": "2020"},
                              files={"file": ("edited.csv", bad.encode(), "text/csv")})  # fmt: skip
        assert refused.status_code == 400 and "edited.csv:3: mentor: no active mentor «T-09»" in refused.text
        # a file saved in Windows-1251 is refused by its line, as the commands refuse it, not read mangled
        cp1251 = "mentor,mentee,form\nT-01,S-001,учитель-ученик\n".encode("cp1251")
        mangled = client.post("/mentorship/accept", data={"csrf": signed.csrf, "year": "2020"},
                              files={"file": ("edited.csv", cp1251, "text/csv")})  # fmt: skip
        assert mangled.status_code == 400 and "edited.csv:2: file: expected UTF-8 text" in mangled.text
        # the proposal as it is: pairs accepted, the pair-formation item done by the curator's party
        accepted = client.post("/mentorship/accept", data={"csrf": signed.csrf, "year": "2020", "proposal": "1"})
        assert accepted.status_code == 200, accepted.text
        assert "Утверждено пар и групп: 3 (наставляемых: 3)" in accepted.text
        assert "Мероприятие отмечено выполненным" in accepted.text
        assert "T-02" in accepted.text.split('id="pairs"')[1].split("</table>")[0]
        # another organisation's curator has no mentees of this school to propose for
        client.cookies.set(COOKIE, theirs.token)
        elsewhere = client.post("/mentorship/propose", data={"csrf": theirs.csrf, "year": "2020"})
        assert elsewhere.status_code == 400 and "no participants of sech-oo-02 for 2020/2021" in elsewhere.text
        assert "T-01" not in elsewhere.text
    with session_scope(store, readonly=True) as session:
        [milestone] = [m for m in session.execute(select(Milestone).where(
            Milestone.org_id == ORG, Milestone.item_number == "3.5")).scalars()]  # fmt: skip
        assert milestone.status == "done" and milestone.done_by == "oo_curator"
        assert verify_chain(session).ok
