"""The exchange app's rows of the permission table: the province's officer manages its province's subscriptions
(through the API and the admin for now); the outbox, the delivery states and the log are the administrator's, and so
is the subscriptions' health page that shows them (`actions.may_watch` asks this table); in national mode so are
the national sources and their page (`actions.may_manage_sources` and the source actions ask this table)."""

from doluong.core.access import allow, rules

PERMISSIONS = [
    rules(
        "exchange.Subscription",
        paths={"province": "province_id"},
        note="a subscription without a province (every province's events) is the administrator's",
        province_officer=allow("view add change delete", "own_province"),
    ),
    rules("exchange.OutboxEvent", note="the administrator only", forbid=("add", "change", "delete")),
    rules(
        "exchange.Delivery",
        note="the administrator only (the subscriptions' health page)",
        forbid=("add", "change", "delete"),
        via_action={"change": "do_replay (replay a subscriber from event N)"},
    ),
    rules(
        "exchange.ExchangeLog", note="the administrator only; append-only", forbid=("add", "change", "delete")
    ),
    rules(
        "exchange.NationalSource",
        note="national mode: the province instances and their secrets, the administrator only (the national sources "
        "page); kept, never deleted (its receipts name it): deactivated instead",
        forbid=("delete",),
        protected=("is_active",),
        via_action={
            "add": "do_add_national_source (the secret generated, shown once)",
            "change": "do_rotate_national_secret, do_set_national_source_active",
        },
    ),
    *(
        rules(
            label,
            note="national mode: written by the signed receiver endpoint only; the administrator views",
            forbid=("add", "change", "delete"),
        )
        for label in (
            "exchange.NationalReceipt",
            "exchange.NationalRefusal",
            "exchange.NationalRefusalCount",
            "exchange.NationalOrganisation",
            "exchange.NationalInstrument",
            "exchange.NationalCertificate",
        )
    ),
]
