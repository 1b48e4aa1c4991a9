"""Peewee models, declared unbound: `deskapp.db.database.connect` binds them at start-up.

The schema itself is created and changed only by the numbered scripts in migrations/; these
classes must match the latest of them (a test compares the two). Times are naive UTC.
The module is longer than 450 lines because it is the whole schema, one concern read in one place
beside the migrations; splitting it by table would only scatter the foreign keys.
"""
from __future__ import annotations

from peewee import (
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    Check,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from deskapp.db.database import db


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Branch(BaseModel):
    code = CharField(max_length=20, unique=True)
    name = CharField()
    timezone = CharField(max_length=64)
    current_day = DateField(null=True)  # the branch-local day the queue belongs to


class Service(BaseModel):
    branch = ForeignKeyField(Branch, backref="services")
    code = CharField(max_length=20)
    name = CharField()
    prefix = CharField(max_length=2)
    target_wait_minutes = IntegerField()
    typical_service_minutes = FloatField()
    workflow = CharField(null=True)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("branch", "code"), True),)


class Staff(BaseModel):
    login = CharField(max_length=32, unique=True)
    branch = ForeignKeyField(Branch, null=True)  # the home branch (0019); StaffBranch: where they may work
    name = CharField()
    role = CharField(max_length=16)
    pin_hash = CharField(null=True)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    active = BooleanField(default=True)
    all_branches = BooleanField(default=False)  # may work at (an area_manager: sees) every branch


class StaffBranch(BaseModel):
    """A branch a staff member may work at (their home included)."""

    staff = ForeignKeyField(Staff, index=False, backref="assignments")
    branch = ForeignKeyField(Branch)

    class Meta:
        indexes = ((("staff", "branch"), True),)


class Counter(BaseModel):
    branch = ForeignKeyField(Branch, backref="counters")
    code = CharField(max_length=20)
    name = CharField()
    state = CharField(max_length=10, default="closed")  # open, paused, closed
    state_since = DateTimeField(null=True)
    staff = ForeignKeyField(Staff, null=True)
    active = BooleanField(default=True)
    synced_profile = CharField(default="")  # the config's service list as last synced
    pause_reason = CharField(max_length=32, null=True)  # (0025) the current pause's reason code, if given

    class Meta:
        indexes = ((("branch", "code"), True),)


class CounterService(BaseModel):
    counter = ForeignKeyField(Counter, backref="profile", on_delete="CASCADE")  # i18n: not words
    service = ForeignKeyField(Service)
    position = IntegerField()

    class Meta:
        indexes = ((("counter", "service"), True),)


class Customer(BaseModel):
    number = CharField(max_length=20, unique=True)
    name = CharField()
    national_id = CharField(max_length=32, null=True, unique=True)
    birth_date = DateField(null=True, index=True)
    email = CharField(null=True)
    segment = CharField(max_length=20, null=True)
    manager = ForeignKeyField(Staff, null=True)
    active = BooleanField(default=True)
    created_at = DateTimeField()
    # Added by 0003_customers:
    address = TextField(null=True)
    marketing_consent = BooleanField(default=False)
    consent_at = DateTimeField(null=True)
    consent_source = CharField(max_length=20, null=True)
    kyc_review_due = DateField(null=True)
    id_doc_type = CharField(max_length=20, null=True)
    id_doc_expiry = DateField(null=True)
    # The name lower-cased, without diacritics, words separated by one space (deskapp.db.search.folded_name);
    # the full-text indexes are built over it.
    name_folded = CharField(default="", index=True)
    updated_at = DateTimeField(null=True)
    # Added by 0017: the survivor this record was merged into (its number resolves there), a legal
    # hold that blocks erasure, and when the personal data was erased.
    merged_into = ForeignKeyField("self", null=True, backref="merged")
    legal_hold = BooleanField(default=False)
    legal_hold_reason = TextField(null=True)
    erased_at = DateTimeField(null=True)


class CustomerPhone(BaseModel):
    customer = ForeignKeyField(Customer, backref="phones", on_delete="CASCADE", index=False)  # i18n: not words
    digits = CharField(max_length=20)  # normalised: digits only, with country code
    label = CharField(max_length=20, default="mobile")

    class Meta:
        # Both read alone, without the table's rows, by search (0020): phone beginnings by digits,
        # common ones in customer order.
        indexes = ((("digits", "customer"), False), (("customer", "digits"), False))


class Ticket(BaseModel):
    branch = ForeignKeyField(Branch)
    service = ForeignKeyField(Service)
    day = DateField()  # branch-local day the number belongs to
    seq = IntegerField()
    number = CharField(max_length=10)
    priority = CharField(max_length=20)
    status = CharField(max_length=16, default="waiting")
    channel = CharField(max_length=12, default="reception")
    customer = ForeignKeyField(Customer, null=True)
    counter = ForeignKeyField(Counter, null=True, index=False)  # indexed with ended_at (0033)
    staff = ForeignKeyField(Staff, null=True)
    issued_at = DateTimeField()
    queued_at = DateTimeField()  # place in line: issue time, or the time of a requeue to the back
    front = BooleanField(default=False)  # requeued to the front of its service
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    parent = ForeignKeyField("self", null=True, backref="children")
    recall_count = IntegerField(default=0)
    # The number first printed for it, when a supervisor's move renumbered it (shown "was C001");
    # added by 0011.
    former_number = CharField(max_length=10, null=True)
    # The wait promised at issue: the point and the 10-90 % range shown (added by 0014).
    estimated_wait_minutes = FloatField(null=True)
    estimated_wait_low = FloatField(null=True)
    estimated_wait_high = FloatField(null=True)
    # (0025) transferred to a named counter or colleague: called only there, or by them. Plain ids, not
    # foreign keys: a second key to Counter or Staff would make every join from Ticket ambiguous.
    for_counter_id = IntegerField(null=True)
    for_staff_id = IntegerField(null=True)
    # (0028) the customer's language, chosen at the kiosk: their survey and notifications speak it.
    language = CharField(max_length=16, null=True)
    # (0032) a ticket_contact row exists: the customer asked to be told. The migration's partial index
    # ticket_waiting_contact (branch_id WHERE status = 'waiting' AND has_contact) lets call-next ask
    # cheaply whether its call has anyone to tell.
    has_contact = BooleanField(default=False)

    class Meta:
        indexes = (
            (("branch", "service", "day", "seq"), True),
            (("status", "service"), False),
            (("branch", "day"), False),
            (("service", "called_at"), False),
            (("counter", "status"), False),
            (("service", "status", "ended_at"), False),  # added by 0007
            (("for_counter_id", "status"), False),  # added by 0025
            (("for_staff_id", "status"), False),  # added by 0025
            (("counter", "ended_at"), False),  # added by 0033, in place of (counter)
        )


class TicketSequence(BaseModel):
    """The last sequence number a service has given out on a branch day (added by 0011).

    Numbering takes the next one past both this and the highest ticket still in the service, so
    the sequence never goes back, even when the ticket holding its last number moves elsewhere:
    a printed number is never printed again that day.
    """

    branch = ForeignKeyField(Branch, index=False)
    service = ForeignKeyField(Service, index=False)
    day = DateField()
    last_seq = IntegerField()

    class Meta:
        indexes = ((("branch", "service", "day"), True),)


class TicketEvent(BaseModel):
    ticket = ForeignKeyField(Ticket, backref="events")
    kind = CharField(max_length=16)
    at = DateTimeField(index=True)
    staff = ForeignKeyField(Staff, null=True)
    counter = ForeignKeyField(Counter, null=True, index=False)
    detail = TextField(default="")

    class Meta:
        indexes = ((("counter", "at"), False),)  # added by 0027, in place of (counter)


class WaitReestimate(BaseModel):
    """An estimate shown for a waiting ticket after its issue (only when what is shown changed)."""

    ticket = ForeignKeyField(Ticket, backref="reestimates")
    at = DateTimeField()
    point = FloatField()
    low = FloatField(null=True)
    high = FloatField(null=True)
    shown_in = CharField(max_length=16)

    class Meta:
        indexes = ((("ticket", "at"), False),)


class AuditEvent(BaseModel):
    at = DateTimeField(index=True)
    staff = CharField(max_length=32, null=True)  # the login, kept even if the staff row changes
    action = CharField(max_length=32)
    entity = CharField(max_length=32, default="")
    entity_id = CharField(max_length=64, default="")
    detail = TextField(default="")
    hash = CharField(max_length=64, null=True)  # the chain: deskapp.db.audit_chain (None: not written by deskapp)


class FollowUp(BaseModel):
    """Something a person must do for a customer by a due time: from feedback, a referral, by hand."""

    branch = ForeignKeyField(Branch)
    customer = ForeignKeyField(Customer, null=True, backref="followups")
    ticket = ForeignKeyField(Ticket, null=True)
    feedback_id = IntegerField(null=True, index=True)
    source = CharField(max_length=16)  # feedback, referral, complaint, offer, manual
    reason = TextField()
    assignee = ForeignKeyField(Staff, null=True, backref="followups")
    created_by = CharField(max_length=32, null=True)
    created_at = DateTimeField()
    due_at = DateTimeField(index=True)
    status = CharField(max_length=12, default="open", index=True)  # open, in_progress, done
    snoozed_until = DateTimeField(null=True)
    contact_outcome = TextField(null=True)
    resolution = TextField(null=True)
    root_cause = CharField(max_length=32, null=True)
    closed_at = DateTimeField(null=True)
    closed_by = CharField(max_length=32, null=True)
    snooze_reason = TextField(null=True)  # added by 0017 (the audit used to hold it)


class Product(BaseModel):
    """A product the customer holds (account, card, loan ...); the account number is masked on display."""

    branch = ForeignKeyField(Branch, null=True)  # where it was recorded (0019); empty before it
    customer = ForeignKeyField(Customer, backref="products")
    type = CharField(max_length=32)  # one of config customers.product_types
    opened = DateField()
    status = CharField(max_length=12, default="active")  # active, dormant, closed
    account_number = CharField(max_length=34, null=True)
    created_at = DateTimeField()


class Interaction(BaseModel):
    """One contact with the customer: a served ticket, a call, a meeting or a note."""

    branch = ForeignKeyField(Branch, null=True)  # where it was recorded (0019); empty before it
    customer = ForeignKeyField(Customer, backref="interactions")
    ticket = ForeignKeyField(Ticket, null=True, unique=True)  # one interaction per served ticket
    kind = CharField(max_length=12)  # service, call, meeting, note
    service = CharField(max_length=20, null=True)  # service code, for kind service
    staff = ForeignKeyField(Staff, null=True)
    outcome = CharField(max_length=64, null=True)
    duration_seconds = IntegerField(null=True)
    note = TextField(default="")
    at = DateTimeField()

    class Meta:
        indexes = ((("customer", "at"), False),)


class Need(BaseModel):
    """Something the customer needs or may need, and what came of it."""

    branch = ForeignKeyField(Branch, null=True)  # where it was recorded (0019); empty before it
    customer = ForeignKeyField(Customer, backref="needs")
    category = CharField(max_length=32)  # one of config customers.need_categories
    description = TextField(default="")
    status = CharField(max_length=12, default="open")  # open, in_progress, met, declined
    source = CharField(max_length=12)  # teller, workflow, feedback, manager
    created_by = CharField(max_length=32, null=True)
    created_at = DateTimeField()
    updated_at = DateTimeField()
    met_by_product = ForeignKeyField(Product, null=True)
    met_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("customer", "status"), False),)


class LifeEvent(BaseModel):
    customer = ForeignKeyField(Customer, backref="life_events")
    kind = CharField(max_length=20)  # one of config customers.life_event_kinds
    date = DateField(null=True)
    note = TextField(default="")
    created_by = CharField(max_length=32, null=True)
    created_at = DateTimeField()


class ChangeMarker(BaseModel):
    branch = ForeignKeyField(Branch, unique=True)
    seq = BigIntegerField(default=0)


class Feedback(BaseModel):
    """The customer's answer about one served ticket (or that none came): at most one per ticket.

    Where the service happened is copied from the ticket (branch, service, counter, staff who served,
    customer) so the feedback screen filters without joins. `answered` is false for "no answer" (the
    question timed out or staff ended it); then every score is null. Scores are null when not asked.
    """

    ticket = ForeignKeyField(Ticket, unique=True)
    branch = ForeignKeyField(Branch)
    service = ForeignKeyField(Service)
    counter = ForeignKeyField(Counter, null=True)
    staff = ForeignKeyField(Staff, null=True)  # who served the ticket
    customer = ForeignKeyField(Customer, null=True)
    answered = BooleanField(default=True)
    csat = IntegerField(null=True, constraints=[Check("csat BETWEEN 1 AND 5")])  # i18n: not words
    nps = IntegerField(null=True, constraints=[Check("nps BETWEEN 0 AND 10")])  # i18n: not words
    ces = IntegerField(null=True, constraints=[Check("ces BETWEEN 1 AND 7")])  # i18n: not words
    comment = TextField(default="")
    tags = CharField(max_length=255, default="")  # comma-joined tag names, sorted
    entered_by = CharField(max_length=8, constraints=[Check("entered_by IN ('customer', 'staff')")])  # i18n: not words
    entered_by_login = CharField(max_length=32, null=True)  # the staff member who typed it in, if staff
    at = DateTimeField()

    class Meta:
        indexes = ((("branch", "at"), False),)


class StepRecord(BaseModel):
    """One version of a step of a service workflow for a ticket, written when the teller commits it (or
    when it is skipped, or the workflow abandoned there) and never changed. A correction (an amendment,
    or a later step re-evaluated after one) is a new row with the next version and its reason; the
    latest version is the step's state. The unique (ticket, step_id, version) index makes each version
    final, whichever desk tries again."""

    ticket = ForeignKeyField(Ticket, backref="steps")
    workflow = CharField(max_length=40)
    step_id = CharField(max_length=40)
    position = IntegerField()  # the step's index in the workflow
    started_at = DateTimeField()  # when the step was shown
    committed_at = DateTimeField(index=True)
    staff = ForeignKeyField(Staff, null=True)
    values = TextField(default="{}")  # JSON: what was entered, money and dates as text
    outcome = CharField(max_length=12)  # done, skipped, approved, abandoned
    approver = CharField(max_length=32, null=True)  # the supervisor's login, for an approval
    version = IntegerField(default=1)  # 1, then one more for each correction of the step
    reason = TextField(null=True)  # why this version replaced the one before (None for version 1)

    class Meta:
        indexes = ((("ticket", "step_id", "version"), True),)


class OfferDecision(BaseModel):
    """A customer's answer to a next-best offer (a rule of config `offers.rules`): accepted or declined.

    `manager` is the customer's relationship manager when the decision was made, kept so that the
    figures per manager do not change when a portfolio is reassigned later."""

    customer = ForeignKeyField(Customer, backref="offer_decisions")
    offer = CharField(max_length=40)  # the rule's code
    product = CharField(max_length=32)
    decision = CharField(max_length=10, constraints=[Check("decision IN ('accepted', 'declined')")])  # i18n: not words
    staff = ForeignKeyField(Staff, null=True)  # who recorded it
    manager = ForeignKeyField(Staff, null=True, column_name="manager_id", backref="portfolio_decisions")
    ticket = ForeignKeyField(Ticket, null=True)
    need = ForeignKeyField(Need, null=True)  # created by an acceptance
    followup = ForeignKeyField(FollowUp, null=True)  # created by an acceptance
    note = TextField(default="")
    at = DateTimeField()

    class Meta:
        indexes = ((("customer", "offer", "at"), False), (("at",), False))


class CounterEvent(BaseModel):
    """A counter opened, paused, resumed or closed (or its person logged out), append-only: the
    record open counter-hours are measured from (deskapp.core.counter_events)."""

    counter = ForeignKeyField(Counter, backref="events")
    kind = CharField(max_length=12)  # opened, paused, resumed, closed, logout
    at = DateTimeField(index=True)
    staff = ForeignKeyField(Staff, null=True)  # who sits at the counter
    by = CharField(max_length=32, null=True)  # the login that did it (a supervisor, for another's counter)
    reason = CharField(max_length=32, null=True)  # (0025) a pause's reason code (config pause_reasons)

    class Meta:
        indexes = ((("counter", "at"), False),)


class SummaryDay(BaseModel):
    """A closed day a report has summarised (deskapp.core.stats.day_summaries); valid while
    summarised_version = version, which database triggers raise on every change to the day."""

    branch = ForeignKeyField(Branch)
    day = DateField()
    version = IntegerField(default=0)
    summarised_version = IntegerField(null=True)
    timezone = CharField(max_length=64, null=True)
    summarised_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("branch", "day"), True),)


class SummarySums(BaseModel):
    """deskapp.core.stats.period_sums' counts and sums of one closed day per (service, counter, staff)."""

    branch = ForeignKeyField(Branch, index=False)
    day = DateField()
    service = ForeignKeyField(Service, index=False)
    counter_id = IntegerField(null=True)
    staff_id = IntegerField(null=True)
    n = IntegerField()
    done = IntegerField()
    called = IntegerField()
    no_show = IntegerField()
    walk = IntegerField()
    on_time = IntegerField()
    wait_sum = FloatField()
    waits = IntegerField()
    service_sum = FloatField()
    services = IntegerField()
    reached = IntegerField()
    reached_done = IntegerField()

    class Meta:
        indexes = ((("branch", "day"), False),)


class SummaryWaits(BaseModel):
    """Every wait (seconds) of one closed day's tickets that reached service, per service: a
    sorted array of 8-byte floats, so percentiles over many days stay exact."""

    branch = ForeignKeyField(Branch, index=False)
    day = DateField()
    service = ForeignKeyField(Service, index=False)
    seconds = BlobField()

    class Meta:
        indexes = ((("branch", "day"), False),)


class SummaryHours(BaseModel):
    """The per-hour sums of one closed day's tickets, per branch-local (date, hour)."""

    branch = ForeignKeyField(Branch, index=False)
    day = DateField()
    local_day = DateField()
    hour = IntegerField()
    arrivals = IntegerField()
    completed = IntegerField()
    called = IntegerField()
    on_time = IntegerField()
    wait_sum = FloatField()
    waits = IntegerField()

    class Meta:
        indexes = ((("branch", "day"), False),)


class SummaryFeedback(BaseModel):
    """Customer feedback on one closed day's tickets, counted per service and (answered, scores)."""

    branch = ForeignKeyField(Branch, index=False)
    day = DateField()
    service = ForeignKeyField(Service, index=False)
    answered = BooleanField()
    csat = IntegerField(null=True)
    nps = IntegerField(null=True)
    ces = IntegerField(null=True)
    count = IntegerField()

    class Meta:
        indexes = ((("branch", "day"), False),)


class Appointment(BaseModel):
    """A customer's booked visit (added by 0021); see that migration for the columns and the seat index."""

    branch = ForeignKeyField(Branch)
    service = ForeignKeyField(Service)
    customer = ForeignKeyField(Customer)
    staff = ForeignKeyField(Staff, null=True)  # the named staff member; empty: anyone
    code = CharField(max_length=8, unique=True)
    starts_at = DateTimeField()
    ends_at = DateTimeField()
    hour_start = DateTimeField()  # the branch-local hour of the slot, as UTC: capacity counts per hour
    seat = IntegerField(null=True)  # 0 .. capacity - 1 in that hour; empty once cancelled
    status = CharField(max_length=12, default="booked")
    ticket = ForeignKeyField(Ticket, null=True)
    created_at = DateTimeField()
    created_by = ForeignKeyField(Staff, null=True, backref="booked")
    checked_in_at = DateTimeField(null=True)
    notify_phone = CharField(max_length=20, null=True)  # (0023) where the booking's messages go, if given
    notify_email = CharField(max_length=254, null=True)

    class Meta:
        indexes = (
            (("branch", "service", "hour_start", "seat"), True),
            (("branch", "starts_at"), False),
            (("staff", "starts_at"), False),
            (("status", "starts_at"), False),
        )


MODELS = (
    Branch,
    Service,
    Staff,
    StaffBranch,
    Counter,
    CounterService,
    Customer,
    CustomerPhone,
    Ticket,
    TicketSequence,
    TicketEvent,
    WaitReestimate,
    AuditEvent,
    ChangeMarker,
    FollowUp,
    Product,
    Interaction,
    Need,
    LifeEvent,
    Feedback,
    StepRecord,
    OfferDecision,
    CounterEvent,
    SummaryDay,
    SummarySums,
    SummaryWaits,
    SummaryHours,
    SummaryFeedback,
    Appointment,
)


class NotificationOutbox(BaseModel):
    """A message to send, written in the transaction of the change that caused it (added by 0022)."""

    kind = CharField(max_length=32)
    channel = CharField(max_length=12)  # email, webhook, sms
    recipient = CharField(max_length=255)
    payload = TextField()  # JSON: the values its template is filled with
    idempotency_key = CharField(max_length=120, unique=True)
    status = CharField(max_length=10, default="pending")  # pending, sent, failed, dead
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()  # due (and, while claimed, the claim's lease)
    not_before = DateTimeField(null=True)
    last_error = TextField(null=True)
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True)
    branch = ForeignKeyField(Branch, null=True, index=False)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)


class NotificationTally(BaseModel):
    """Messages that ever reached a final state (sent, dead), kept by the deliverer (added by 0022)."""

    status = CharField(max_length=10, primary_key=True)
    n = IntegerField(default=0)


class TicketContact(BaseModel):
    """A phone or e-mail a customer left for this ticket alone ("tell me when it's my turn"; 0022)."""

    ticket = ForeignKeyField(Ticket, unique=True, on_delete="CASCADE")  # i18n: not words
    phone = CharField(max_length=20, null=True)  # E.164 digits
    email = CharField(max_length=255, null=True)
    soon_pending = BooleanField(default=False)  # not indexed since 0029
    created_at = DateTimeField()
