"""Who sees and changes what: a curator one organisation, a coordinator one municipality, the operator
everything, an auditor everything read-only; and which party of a roadmap a user completes as."""

from __future__ import annotations

from dataclasses import dataclass, replace

from models.plan import Roadmap
from models.store import Milestone, WebUser
from tasks.complete import OPERATOR, allowed_parties
from tasks.status import StatusFilter


@dataclass(frozen=True)
class Scope:
    user: WebUser
    orgs: tuple[str, ...] | None  # the organisations a coordinator sees; None: no restriction by list

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def can_write(self) -> bool:
        return self.user.role in ("operator", "coordinator", "curator")

    def narrow(self, f: StatusFilter) -> StatusFilter:
        """The filter limited to what this user may see (a filter asking for more gets nothing more)."""
        if self.user.role == "curator":
            if f.org and f.org != self.user.org_id:
                return replace(f, orgs=())
            return replace(f, org=self.user.org_id)
        if self.user.role == "coordinator":
            allowed = self.orgs or ()
            if f.org:
                return replace(f, orgs=(f.org,) if f.org in allowed else ())
            return replace(f, orgs=allowed)
        return f

    def may_see(self, milestone: Milestone) -> bool:
        if self.user.role == "curator":
            return milestone.org_id == self.user.org_id
        if self.user.role == "coordinator":
            return milestone.org_id in (self.orgs or ())
        return True

    def acting_party(self, plan: Roadmap, milestone: Milestone) -> str | None:
        """The party this user completes the milestone as, or None when the completion rule does not let them.

        A curator acts for their organisation: the first per-organisation party (the school's curator,
        head, or the school itself) among those responsible or above them. A coordinator acts as the
        municipal education department: the per-organisation УО, or a body of a municipal roadmap. The
        operator acts as the operator; an auditor never changes anything.
        """
        if self.user.role == "operator":
            return OPERATOR
        if self.user.role == "auditor" or not self.may_see(milestone):
            return None
        parties = {p.id: p for p in plan.parties}
        for party_id in allowed_parties(plan, list(milestone.responsible)):
            party = parties.get(party_id)
            if party is None:
                continue
            is_uo = party.per_organisation and "УО" in party.org_kinds
            if self.user.role == "curator" and party.per_organisation and not is_uo:
                return party_id
            if self.user.role == "coordinator" and (is_uo or (party.kind == "body" and plan.level == "municipality")):
                return party_id
        return None
