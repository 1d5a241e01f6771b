"""The state machines of share requests, grants and objections, each as one table (R12–R16).

A row says: from which state, by which action, to which state, and which parties may take it.
Which party must act in a waiting state, and within which time limit (a key of
GOVSHARE_SHARING_DEADLINES), is said once per state in `waiting`. Services find their row here,
and refuse an action the table does not allow in the current state; `docs/sharing.md` draws
these tables, and a test keeps the drawing in step with them.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from govshare.core.exceptions import InvalidTransition

from .models import Grant, Objection, Party, ShareRequest

CONSUMER, PROVIDER, AUTHORITY, OPERATOR, PLATFORM = (
    Party.CONSUMER, Party.PROVIDER, Party.AUTHORITY, Party.OPERATOR, Party.PLATFORM)


@dataclass(frozen=True)
class Transition:
    source: str | None  # None: the object is being created
    action: str
    target: str
    parties: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Machine:
    name: str
    states: type
    transitions: tuple[Transition, ...]
    waiting: dict  # state → (party who must act, deadline key)

    def find(self, state, action) -> Transition:
        """The row for `action` in `state`, or InvalidTransition naming both."""
        for transition in self.transitions:
            if transition.action == action and transition.source == state:
                return transition
        label = self.states(state).label if state else "—"
        raise InvalidTransition(
            _("当前状态（%(state)s）下不能执行“%(action)s”。")
            % {"state": label, "action": self.action_label(action)},
            state=state, action=action,
        )

    def action_label(self, action):
        for transition in self.transitions:
            if transition.action == action:
                return transition.label
        return action

    def verb_label(self, verb):
        return VERB_LABELS.get(verb) or self.action_label(verb)

    def actions_from(self, state):
        return [t for t in self.transitions if t.source == state]

    def parties_of(self, verb):
        """The parties that may take any row of the service verb `verb`."""
        return {p for t in self.transitions if verb_of(t.action) == verb for p in t.parties}

    def verbs_from(self, state):
        """The service verbs available in `state`, in table order."""
        return list(dict.fromkeys(verb_of(t.action) for t in self.actions_from(state)))

    def deadline_of(self, state):
        """(party, deadline key) of a waiting state, or None for a state that waits on nobody."""
        return self.waiting.get(state)


# Services whose outcome picks one of two rows (and the rule covering both).
SERVICE_VERBS = {
    "file_unconditional": "file",
    "decide_grant": "decide", "decide_refuse": "decide",
    "joint_grant": "joint_decide", "joint_refuse": "joint_decide",
    "secrecy_confirm": "secrecy_determine", "secrecy_reject": "secrecy_determine",
}


VERB_LABELS = {
    "decide": gettext_lazy("作出协调决定"),
    "joint_decide": gettext_lazy("录入会商决定"),
    "secrecy_determine": gettext_lazy("录入保密部门认定"),
}


def verb_of(action):
    """The service verb taking a table action (decide_grant → decide)."""
    return SERVICE_VERBS.get(action, action)


R = ShareRequest.State
T = Transition
SHARE_REQUEST = Machine(
    name="share_request",
    states=R,
    transitions=(
        T(None, "file", R.CONSULTING, (CONSUMER,), gettext_lazy("提交申请")),
        T(None, "file_unconditional", R.GRANTED, (CONSUMER,),
          gettext_lazy("提交申请（无条件共享，即时授权）")),
        T(R.CONSULTING, "agree", R.AGREED, (PROVIDER,), gettext_lazy("同意共享")),
        T(R.CONSULTING, "refuse", R.REFUSED, (PROVIDER,), gettext_lazy("不同意共享")),
        T(R.AGREED, "activate", R.GRANTED, (OPERATOR, PLATFORM), gettext_lazy("实施授权")),
        T(R.REFUSED, "appeal", R.EXPLAINING, (CONSUMER,),
          gettext_lazy("向主管部门提出申请")),
        T(R.REFUSED, "dispute_secrecy", R.SECRECY_REVIEW, (CONSUMER,),
          gettext_lazy("对涉密认定提出异议")),
        T(R.REFUSED, "lapse", R.CLOSED, (PLATFORM,), gettext_lazy("申请期限届满，办结")),
        T(R.EXPLAINING, "explain", R.COORDINATING, (PROVIDER,), gettext_lazy("提交书面说明")),
        T(R.EXPLAINING, "proceed", R.COORDINATING, (AUTHORITY,),
          gettext_lazy("说明逾期，径行协调")),
        T(R.COORDINATING, "decide_grant", R.AGREED, (AUTHORITY,),
          gettext_lazy("协调决定：予以共享")),
        T(R.COORDINATING, "decide_refuse", R.CLOSED, (AUTHORITY,),
          gettext_lazy("协调决定：不予共享")),
        T(R.COORDINATING, "escalate", R.JOINT_CONSULTATION, (AUTHORITY,),
          gettext_lazy("协调不成，提请联合会商")),
        T(R.JOINT_CONSULTATION, "joint_grant", R.AGREED, (AUTHORITY,),
          gettext_lazy("会商决定：予以共享")),
        T(R.JOINT_CONSULTATION, "joint_refuse", R.CLOSED, (AUTHORITY,),
          gettext_lazy("会商决定：不予共享")),
        T(R.SECRECY_REVIEW, "secrecy_confirm", R.CLOSED, (AUTHORITY,),
          gettext_lazy("保密部门认定涉密")),
        T(R.SECRECY_REVIEW, "secrecy_reject", R.CONSULTING, (AUTHORITY,),
          gettext_lazy("保密部门认定不涉密")),
        *(T(state, "withdraw", R.WITHDRAWN, (CONSUMER,), gettext_lazy("撤回申请"))
          for state in (R.CONSULTING, R.REFUSED, R.EXPLAINING, R.COORDINATING,
                        R.JOINT_CONSULTATION, R.SECRECY_REVIEW)),
    ),
    waiting={
        R.CONSULTING: (PROVIDER, "consultation"),
        R.AGREED: (OPERATOR, "activation"),
        R.REFUSED: (CONSUMER, "appeal"),
        R.EXPLAINING: (PROVIDER, "explanation"),
        R.COORDINATING: (AUTHORITY, "decision"),
        R.JOINT_CONSULTATION: (AUTHORITY, "joint_consultation"),
        R.SECRECY_REVIEW: (AUTHORITY, "secrecy_review"),
    },
)

G = Grant.State
GRANT = Machine(
    name="grant",
    states=G,
    transitions=(
        T(G.PENDING, "activate", G.ACTIVE, (OPERATOR, PLATFORM), gettext_lazy("实施授权")),
        T(G.ACTIVE, "suspend", G.SUSPENDED, (PROVIDER, AUTHORITY, OPERATOR),
          gettext_lazy("暂停授权")),
        T(G.SUSPENDED, "resume", G.ACTIVE, (PROVIDER, AUTHORITY, OPERATOR),
          gettext_lazy("恢复授权")),
        T(G.ACTIVE, "revoke", G.REVOKED, (CONSUMER, PROVIDER, AUTHORITY, OPERATOR),
          gettext_lazy("撤销授权")),
        T(G.SUSPENDED, "revoke", G.REVOKED, (CONSUMER, PROVIDER, AUTHORITY, OPERATOR),
          gettext_lazy("撤销授权")),
        T(G.ACTIVE, "expire", G.EXPIRED, (PLATFORM,), gettext_lazy("授权到期")),
        T(G.SUSPENDED, "expire", G.EXPIRED, (PLATFORM,), gettext_lazy("授权到期")),
    ),
    waiting={},
)

J = Objection.State
OBJECTION = Machine(
    name="objection",
    states=J,
    transitions=(
        T(None, "raise", J.OPEN, (CONSUMER,), gettext_lazy("提出异议")),
        T(J.OPEN, "accept", J.CORRECTED, (PROVIDER,), gettext_lazy("核实并更正")),
        T(J.OPEN, "reject", J.REJECTED, (PROVIDER,), gettext_lazy("不予更正")),
        T(J.CORRECTED, "confirm", J.CLOSED, (CONSUMER,), gettext_lazy("确认办结")),
        T(J.REJECTED, "confirm", J.CLOSED, (CONSUMER,), gettext_lazy("确认办结")),
        T(J.CORRECTED, "reopen", J.OPEN, (CONSUMER,), gettext_lazy("重新提出")),
        T(J.REJECTED, "reopen", J.OPEN, (CONSUMER,), gettext_lazy("重新提出")),
    ),
    waiting={J.OPEN: (PROVIDER, "objection")},
)
