"""The core's words in the branch's language: errors, ticket events, staffing advice and reasons are
marked for translation and read in Portuguese when the context speaks it (issue 20)."""
from __future__ import annotations

import pytest

from deskapp import i18n
from deskapp.core import queue as q
from deskapp.core.queue.words import event_words, status_words
from deskapp.core.stats.staffing import advice_text


def test_ticket_events_and_advice_read_in_portuguese() -> None:
    with i18n.use("pt"):
        assert event_words("recalled", "A004", count=2) == "A004 chamada novamente (2.ª vez)"
        assert event_words("requeued", "A004", front=True) == "A004 de volta à fila, no início"
        assert advice_text("LOAN", 3, 1) == "LOAN: abra mais 2 balcões"
        assert advice_text("LOAN", 2, 1) == "LOAN: abra mais 1 balcão"
        assert advice_text("INFO", 1, 2, ("CASH", "INFO")) == "INFO: CASH+INFO pode fechar 1"
    # English stays English, plural rule and ordinal included.
    assert event_words("recalled", "A004", count=2) == "A004 recalled (2nd time)"
    assert advice_text("LOAN", 3, 1) == "LOAN: open 2 more counters"


def test_a_queue_error_and_a_ticket_s_state_in_portuguese(ctx) -> None:
    issued = q.issue(ctx, "CASH").ticket
    with i18n.use("pt-PT"), pytest.raises(q.NotFound, match="Não existe a senha Z999 hoje."):
        q.find_today(ctx, "Z999")
    with i18n.use("pt-PT"):
        assert status_words(issued) == "em espera"
        history = q.ticket_history(ctx, issued.number)
        assert history.events[0].what == "Emitida na receção"
    assert q.ticket_history(ctx, issued.number).events[0].what == "Issued at reception"
