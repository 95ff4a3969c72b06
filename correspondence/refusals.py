"""What each ground of refusal (不予受理) means for the complainant: the standard text a refusal
notice gives with the ground (template variable ``reason_explanation``), next to the handler's
own explanation (``reason``). One text per ``RejectReason``; translated like every UI string."""

from __future__ import annotations

from django.utils.translation import gettext as _

from complaints.models import RejectReason


def refusal_explanation(reason: str) -> str:
    """The standard explanation of ``reason`` in the active language; "" for no reason."""
    texts = {
        RejectReason.ANONYMOUS_NO_FACTS: _(
            "An anonymous complaint can be accepted only when it states facts we can check. "
            "You may complain again with your name or with the facts."
        ),
        RejectReason.NO_DIRECT_INTEREST: _(
            "A complaint is accepted from the person whose own interests are affected, or "
            "from someone acting for them with their consent."
        ),
        RejectReason.NO_CLEAR_REQUEST: _(
            "We could not tell whom or what the complaint is about, or what you ask us to do. "
            "You may complain again with these details."
        ),
        RejectReason.OTHER_PROCEEDINGS: _(
            "The matter is already before a court or an arbitration body, whose decision we "
            "must not anticipate. We will follow that decision."
        ),
        RejectReason.REGULATOR_HANDLED: _(
            "The matter has already been handled by a regulator, whose decision settles it. "
            "If you disagree with that decision, please turn to the regulator."
        ),
        RejectReason.DUPLICATE: _(
            "The same matter is already being handled under another complaint; you will hear "
            "from us under that complaint's reference."
        ),
        RejectReason.OUTSIDE_REMIT: _(
            "The matter is outside what our organisation is responsible for; please turn to "
            "the body responsible for it."
        ),
    }
    return texts.get(reason, "")
