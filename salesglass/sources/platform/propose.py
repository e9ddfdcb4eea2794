"""`salesglass platform inspect`, part 2: the proposed `[[platform.inputs]]`, every guess with its reason.

From the profiles of `inspect.py`: which table holds partners, sales, refunds, widget installs, events
(shows) and plans (by names in Russian, English and transliteration, and by shape), which column is each
canonical column, and the conversions — money units judged from the values, naive vs zoned times,
the status values that mean paid or done, refund signs, free and test orders, partner kinds, ИНН and
manager e-mails. Each choice carries a confidence: high (the evidence is clear), medium (likely;
`salesglass check` shows what to confirm) or low (a placeholder that says what to fill in). Mirrors
sources/amocrm/propose.py: names and readable lines a person can check and edit.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field

from salesglass.plural import plural
from salesglass.sources.platform.inspect import Catalog, ColumnProfile, TableProfile
from salesglass.sql import quote_ident, quote_lit

HIGH, MEDIUM, LOW = "high", "medium", "low"

# name hints: English, Russian, and the transliterations of the Russian words (several systems)
ROLE_HINTS = {
    "refunds": r"refund|vozvrat|возврат|return|storno|сторно",
    "widgets": r"widget|vidzhet|vidjet|виджет",
    "plans": r"^plan|план|target|budget|бюджет",
    "sales": r"order|sale|zakaz|заказ|prodazh|prodaj|продаж|payment|platezh|платеж|oplat|оплат|realizac|"
    r"реализац|transaction|tranzakc|транзакц|operac|операц",
    "partners": r"partner|client|customer|account|organi[sz]|^orgs?$|kontragent|контрагент|klient|клиент|"
    r"партн[её]р|организатор|compan|kompani|компани",
    # events (shows): after sales, so that `event_orders` stays sales (its money and times add to that score)
    "events": r"^(events?|shows?|performances?|concerts?|sessions?)$|event|meropriyat|meropriat|мероприят|afish|"
    r"афиш|spektakl|спектакл|seans|сеанс|koncert|концерт",
}
FIELD_HINTS = {
    "name": r"^(name|title|company|client|organi[sz]ation|naimenovanie|наименование|nazvanie|название|company_name|"
    r"polnoe_naimenovanie|полное_наименование|kontragent|контрагент|organizaciya|организация)$|name|naimenov|наименован",
    "kind": r"^(role|kind|type|tip|тип|vid|вид|rol|роль|kategoriya|категория)$|role|kind|_type|tip_|тип",
    "inn": r"(^|_)(inn|инн)($|_)|tax_?id|taxpayer",
    "created_at": r"creat|registr|register|регистрац|sozdan|создан|data_reg|дата_рег|sign(ed)?_?up|joined",
    "contract_signed_at": r"contract|dogovor|договор|sign|podpis|подпис|approv|одобр|utverzh|утвержд",
    "email": r"mail|почт|pocht",
    "development_manager": r"account|develop|razvit|развит|kam\b|kurator|куратор|curator|menedzher|менеджер|manager",
    "sales_manager": r"sale|prodazh|продаж|seller",
    "is_support": r"support|podderzh|поддерж",
    "event_id": r"event|meropriyat|meropriat|мероприят|show|concert|koncert|концерт|spektakl|спектакл|seans|сеанс",
    "sold_at": r"paid|pay|oplat|оплат|done|sold|prodazh|продаж|complet|finish|proveden|проведен|zaversh|заверш|"
    r"ispoln|исполн|^data$|^дата$|^date$",
    # a sale's time by a weaker name (`sale_date`, `purchased_at`, `order_date`, `дата_покупки`, `timestamp`):
    # taken when no column is named like the payment itself
    "sold_at_weak": r"(^|_)sales?(_|$)|purchas|bought|pokup|покуп|checkout|transact|tranzakc|транзакц|"
    r"(^|_)order(ed)?(_|$)|zakaz|заказ|^(datetime|date_?time|timestamp|ts|dt|time|vremya|время)$",
    # when a show starts (not when the event was created or last changed)
    "show_at": r"start|begin|nachal|начал|show|seans|сеанс|event_?(date|time|at)|(^|_)(date|data|дата)(_|$)|"
    r"(^|_)(starts?|when|kogda|когда)(_|$)|provedeni|проведени",
    "not_sold_at": r"creat|sozdan|создан|updat|izmen|измен|modif|request|zapros|запрос|start|nachal|начал",
    "tickets": r"ticket|bilet|билет|seat|quantit|qty|kolichestvo|количество|kol_vo|кол_во|кол-во|^count$|mest|мест|"
    r"(^|_)(pcs|units|items|places|sht|шт)($|_)|штук|shtuk|kolvo|колво",
    "turnover": r"full|total|summ|(^|_)sum(_|$)|сумм|amount|(^|_)price($|_)|(^|_)cena($|_)|цена|itog|итог|vsego|всего|"
    r"oborot|оборот|gross|stoimost|стоимость|turnover|gmv|proceeds|valov|валов",
    "revenue": r"profit|revenue|vyruchk|выручк|dohod|доход|komissi|комисси|commission|margin|marzh|марж|fee|voznagr|"
    r"вознагр|core|pribyl|прибыл|income|(^|_)net(_|$)",
    "cost": r"cost|expens|zatrat|затрат|rashod|расход|sebestoim|себестоим|acquir|ekvair|эквайр|agent|агент|"
    r"izderzh|издерж|(^|_)spend",
    # `gross_revenue`, `валовая_выручка`: the turnover, not the platform's revenue (`gross_profit` is revenue)
    "gross": r"gross_?(revenue|sales|income)|(revenue|sales|income)_?gross|turnover|gmv|oborot|оборот|valov|валов",
    "kopecks": r"kop|коп|cent|minor",
    "watermark": r"^(updated_at|updated_on|modified_at|modified|updated|changed_at|izmeneno|izmenen|izmenen_at|"
    r"изменен|изменено|obnovlen|обновлен|data_izmeneniya|дата_изменения|last_modified|mtime)$",
    "installed_at": r"install|ustanov|установ|first_seen|zapusk|запуск|went_live|live_(at|since|from)|launch|activat",
    "status": r"status|state|sostoyan|состоян|статус",
    "free_or_test": r"invit|priglash|приглаш|free|besplat|бесплат|(^|_)test|testov|тест|demo|демо",
    "channel": r"^(channel|kanal|канал|sales_channel)$",
    "month": r"month|mesyac|mesiac|месяц|period|период",
    "metric": r"metric|pokazatel|показател|kpi",
    "realistic": r"realist|реалист|^plan$|^план$|target|цель|(^|_)base($|_)|baseline|goal",
    "optimistic": r"optimist|оптимист|stretch|max",
    "manager": r"manager|menedzher|менеджер|email|mail|responsible|otvetstv|ответств|owner|(^|_)rep($|_)",
    "key": r"^(id|uuid|guid|kod|код|code|nomer|номер|number|no|№)$|(_id|_uuid|_kod|_код|_code)$|^(id|kod|код)_",
}
STATUS_MEANINGS = (  # first match wins; checked on the value, case-insensitively
    ("refund", r"refund|vozvrat|возврат|return|storn|сторн"),
    (
        "cancelled",
        r"cancel|otmen|отмен|annul|аннул|expir|истек|истёк|просроч|declin|reject|otkaz|отказ|fail|ошиб|"
        r"error|void|удал|delet",
    ),
    (
        "pending",
        r"^new$|нов|pending|ozhid|ожид|progress|processing|в работе|обработ|creat|создан|draft|черновик|"
        r"wait|hold|reserv|резерв|брон|book",
    ),
    (
        "paid",
        r"paid|оплач|oplach|done|complet|success|succeed|выполн|vypoln|исполн|проведен|proveden|approv|одобр|"
        r"confirm|подтвержд|^ok$|finished|заверш|closed|закрыт|sold|продан",
    ),
)
ORGANIZER = r"org|организ|organi[sz]|promo|промо"
OPERATOR = r"agent|agenc|агент|operat|операт|distrib|дистриб|resell|реселл|partner|партн|касс|kass"
METRICS = (
    ("turnover", r"turnover|oborot|оборот|gmv"),
    ("revenue", r"revenue|vyruch|выручк|dohod|доход"),
    ("margin", r"margin|marzh|марж|profit|прибыл"),
    ("tickets", r"ticket|bilet|билет"),
    ("new_partners", r"new|нов|partner|партн"),
)


def norm(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().lower().replace("ё", "е"))


def hit(kind: str, name: str) -> bool:
    return bool(re.search(FIELD_HINTS[kind], norm(name)))


def _s(value: object) -> str:
    return json.dumps(str(value), ensure_ascii=False)


@dataclass
class Choice:
    """One canonical column's proposed source: a TOML value (a column name or an inline table)."""

    value: str | dict[str, object] | None  # None: nothing found (a TODO line)
    confidence: str
    reason: str

    def toml(self) -> str:
        if isinstance(self.value, str):
            return _s(self.value)
        assert self.value is not None
        parts = []
        for k, v in self.value.items():
            if isinstance(v, bool):
                parts.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, dict):
                parts.append(f"{k} = {{ " + ", ".join(f"{_s(a)} = {_s(b)}" for a, b in v.items()) + " }")
            else:
                parts.append(f"{k} = {_s(v)}")
        return "{ " + ", ".join(parts) + " }"


@dataclass
class InputProposal:
    name: str
    target: str  # partners, sales, widget_installs
    table: TableProfile
    confidence: str
    reason: str
    place: dict[str, str] = field(default_factory=dict)  # table / path / query
    where: list[tuple[str, str]] = field(default_factory=list)  # (condition, why)
    watermark: str | None = None
    columns: dict[str, Choice] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what to confirm, suggestions left as comments

    @property
    def where_sql(self) -> str | None:
        return " AND ".join(c for c, _ in self.where) or None


@dataclass
class Proposal:
    catalog: Catalog
    inputs: list[InputProposal] = field(default_factory=list)
    plans: InputProposal | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (table, why)

    def input(self, target: str, name: str | None = None) -> InputProposal | None:
        return next((i for i in self.inputs if i.target == target and (name is None or i.name == name)), None)


# ----------------------------------------------------------------------------------------------- tables
def _role_scores(t: TableProfile) -> dict[str, float]:
    n = norm(t.name.rsplit(".", 1)[0] if t.path else t.name)
    scores = {role: (1.0 if re.search(rx, n) else 0.0) for role, rx in ROLE_HINTS.items()}
    money = [c for c in t.columns if _money_like(c)]
    times = [c for c in t.columns if c.is_time]
    if scores["refunds"]:
        scores["sales"] = 0.0
    if any(c.inn > 0.5 for c in t.columns) or any(hit("name", c.name) and not c.is_number for c in t.columns):
        scores["partners"] += 0.3
    if money and times:
        scores["sales"] += 0.3 + (0.2 if t.rows >= 100 else 0.0)
        scores["partners"] -= 0.5
    if any(hit("month", c.name) for c in t.columns) and any(hit("realistic", c.name) for c in t.columns):
        scores["plans"] += 0.5
    return scores


def _money_like(c: ColumnProfile) -> bool:
    return (
        c.is_number
        and not c.primary_key
        and not c.references
        and (hit("turnover", c.name) or hit("revenue", c.name) or hit("cost", c.name))
        and not hit("key", c.name)
    )


def propose(catalog: Catalog, *, timezone: str = "Europe/Moscow", zone_from: str = "[platform].timezone") -> Proposal:
    """The proposed inputs for the inspected back-office; `zone_from` says where `timezone` came from."""
    catalog.timezone = timezone
    catalog.zone_from = zone_from
    out = Proposal(catalog)
    best: dict[str, list[tuple[float, TableProfile]]] = {r: [] for r in ROLE_HINTS}
    for t in catalog.tables:
        scores = _role_scores(t)
        role, score = max(scores.items(), key=lambda kv: kv[1])
        if score < 0.5 or not t.columns:
            out.skipped.append(
                (t.name, "its name and columns say neither partners, sales, refunds, widgets, events nor plans")
            )
            continue
        best[role].append((score, t))
    partners = _pick(best["partners"], out, "partners")
    sales = _pick(best["sales"], out, "sales")
    if partners:
        out.inputs.append(_partners(partners, catalog))
    if sales:
        out.inputs.append(_sales(sales, partners, catalog, catalog_tz(catalog)))
    for _, t in sorted(best["refunds"], key=lambda x: -x[0]):
        out.inputs.append(_refunds(t, sales, partners, catalog))
    widgets = _pick(best["widgets"], out, "widget installs")
    if widgets:
        out.inputs.append(_widgets(widgets, partners, catalog))
    events = _pick(best["events"], out, "events")
    if events:
        out.inputs.append(_events(events, partners, catalog))
    plans = _pick(best["plans"], out, "plans")
    if plans:
        out.plans = _plans(plans, catalog)
    if not partners:
        out.skipped.append(("(partners)", "no table looks like partners (a key, a name, an ИНН); add it by hand"))
    if not sales:
        out.skipped.append(("(sales)", "no table looks like sales (money, a date, many rows); add it by hand"))
    return out


def _pick(cands: list[tuple[float, TableProfile]], out: Proposal, what: str) -> TableProfile | None:
    if not cands:
        return None
    cands = sorted(cands, key=lambda x: (-x[0], -x[1].rows))
    for _, t in cands[1:]:
        out.skipped.append(
            (
                t.name,
                f"also looks like {what}, but {cands[0][1].name} fits better; add it as another input if it holds more",
            )
        )
    return cands[0][1]


def _place(t: TableProfile) -> dict[str, str]:
    return {"path": t.path} if t.path else {"table": t.name}


def _confidence(choices: dict[str, Choice]) -> str:
    levels = [c.confidence for c in choices.values()]
    return LOW if LOW in levels else MEDIUM if MEDIUM in levels else HIGH


def _status_checked_confidence(p: InputProposal) -> str:
    """A sales input's confidence: its columns' lowest, and a high one made medium when the status filter
    left a value to confirm (the `__status` mark `_status_filter` sets, taken off the columns here)."""
    unsure = p.columns.pop("__status", None)
    confidence = _confidence(p.columns)
    return MEDIUM if unsure and confidence == HIGH else confidence


def _ident(catalog: Catalog, name: str) -> str:
    """A name as the source's own SQL spells it (the input's `where` and a proposed query run there):
    bare when it can be (`status`), quoted when it must be (`"Статус"`, `"order"`, MySQL's backticks)."""
    if catalog.url:
        from sqlalchemy.engine import make_url

        try:
            return make_url(catalog.url).get_dialect()().identifier_preparer.quote(name)
        except Exception:  # a dialect SQLAlchemy cannot load: ANSI quotes below
            pass
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _duckdb_reserved():
        return name
    return quote_ident(name)


def _table(catalog: Catalog, name: str) -> str:
    """A table of the catalog in a proposed query: `shop.orders` (PostgreSQL's other schemas) is a schema and
    a table, each quoted as needed — as the reader quotes an input's `table` — never one name `"shop.orders"`."""
    if catalog.kind != "sql":
        return _ident(catalog, name)
    return ".".join(_ident(catalog, part) for part in name.split("."))


@functools.cache
def _duckdb_reserved() -> frozenset[str]:
    import duckdb

    rows = duckdb.sql("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'").fetchall()
    return frozenset(r[0] for r in rows)


def _lit(value: str) -> str:
    return quote_lit(value)


def _key(t: TableProfile) -> tuple[ColumnProfile | None, str]:
    pk = [c for c in t.columns if c.primary_key]
    if len(pk) == 1:
        return pk[0], "the table's primary key"
    unique = [
        c
        for c in t.columns
        if c.values == t.sampled and c.distinct == c.values and c.values > 0 and not c.is_time and not _money_like(c)
    ]
    named = [c for c in unique if hit("key", c.name)]
    if named:
        return named[0], f"unique in the sample and named like a key ({named[0].name!r})"
    if unique:
        return unique[0], "the first column unique in the sample"
    return None, "no unique column"


def _watermark(t: TableProfile) -> str | None:
    return next((c.name for c in t.columns if hit("watermark", c.name) and c.is_time), None)


def _time_choice(c: ColumnProfile, what: str, timezone: str) -> Choice:
    """`timezone`: the zone naive times are read in and where it comes from (`catalog_tz`)."""
    if c.zoned >= 0.95:
        zone = (
            "zoned type"
            if c.type.upper().find("TIME ZONE") >= 0 or "TZ" in c.type.upper()
            else "values carry an offset"
        )
        return Choice(
            c.name,
            MEDIUM if c.not_times else HIGH,
            f"{what}; {zone}: kept as written, no time zone to assume" + _bad(c),
        )
    spec: dict[str, object] = {"column": c.name}
    why = f"{what}; naive times (no offset): read in {timezone}"
    if re.search(r"(^|_)(utc|gmt)($|_)", norm(c.name)):  # `start_at_utc`: the one column written in UTC
        spec["timezone"] = "UTC"
        why = f"{what}; naive times named UTC: read in UTC, not in {timezone}"
    if c.format:
        spec["format"] = c.format
        why += f", written as {c.format}"
    return Choice(
        spec if len(spec) > 1 else c.name,
        MEDIUM,
        why + " — confirm the back-office writes that zone (`salesglass check` shows the hours)" + _bad(c),
    )


def _bad(c: ColumnProfile) -> str:
    """How many cells of a date column are no date: their rows will go to quarantine."""
    if not c.not_times:
        return ""
    shown = ", ".join(repr(v) for v in c.not_time_samples)
    verb = "is not a date" if c.not_times == 1 else "are not dates"
    return f"; {c.not_times} of {c.values} sampled values {verb} (e.g. {shown}): those rows would go to quarantine"


def _find(
    t: TableProfile, kind: str, *, pred=None, avoid: str | None = None, used: set[str] | None = None
) -> ColumnProfile | None:
    cands = [c for c in t.columns if hit(kind, c.name) and (pred is None or pred(c)) and not (used and c.name in used)]
    if avoid:
        better = [c for c in cands if not hit(avoid, c.name)]
        cands = better or cands
    return cands[0] if cands else None


# ---------------------------------------------------------------------------------------------- partners
def _total_lines(p: InputProposal, t: TableProfile, catalog: Catalog) -> None:
    """A report's «Итого»/«Всего» line (1C exports) is not a row: left out by the status filter if there
    is one, else by a `where` on files (run by DuckDB), else named for the user to filter."""
    total = next((c for c in t.columns if c.total_lines), None)
    if not total:
        return
    if p.where:
        p.notes.append(f"a total line («Итого») in {total.name!r}: not a row; the filter above leaves it out")
    elif catalog.kind == "files":
        col = _ident(catalog, total.name)
        p.where.append(
            (
                f"NOT regexp_matches(coalesce({col}, ''), '(?i)^(итого|всего|total)')",
                f"{total.name}: a report's total line («Итого») is not a row",
            )
        )
    else:
        p.notes.append(f"a total line («Итого») in {total.name!r}: add a `where` that leaves it out")


def _partners(t: TableProfile, catalog: Catalog) -> InputProposal:
    p = InputProposal("partners", "partners", t, HIGH, f"{t.name!r}: named like partners/clients", _place(t))
    key, why = _key(t)
    cols = p.columns
    cols["partner_id"] = (
        Choice(key.name, HIGH if key.primary_key else MEDIUM, why)
        if key
        else Choice(None, LOW, "no unique column: name the partner id")
    )
    used = {key.name} if key else set()
    name = _find(t, "name", pred=lambda c: not c.is_number and not c.is_time, used=used)
    if name:
        cols["name"] = Choice(name.name, HIGH, f"named like a name ({name.name!r})")
    kind = _kind(t, used)
    cols["kind"] = kind
    inn = max((c for c in t.columns if c.inn > 0), key=lambda c: c.inn, default=None)
    named_inn = _find(t, "inn")
    if inn and inn.inn >= 0.95:
        cols["inn"] = Choice(
            {"column": inn.name, "digits_only": True},
            HIGH,
            f"{inn.inn:.0%} of the values pass the ИНН checksum; digits kept (spaces dropped)",
        )
    elif named_inn:
        cols["inn"] = Choice(
            {"column": named_inn.name, "digits_only": True},
            MEDIUM,
            f"named like ИНН, but only {named_inn.inn:.0%} pass the checksum",
        )
    created = _find(t, "created_at", pred=lambda c: c.is_time)
    if created:
        cols["created_at"] = _time_choice(created, "named like a creation/registration time", catalog_tz(catalog))
    signed = _find(t, "contract_signed_at", pred=lambda c: c.is_time and c is not created)
    if signed:
        cols["contract_signed_at"] = _time_choice(signed, "named like a contract/approval date", catalog_tz(catalog))
    emails = [c for c in t.columns if c.email >= 0.9]
    if emails:
        dev = [c for c in emails if hit("development_manager", c.name) and not hit("sales_manager", c.name)]
        pick = dev[0] if dev else emails[0]
        conf = HIGH if dev else MEDIUM
        others = [c.name for c in emails if c is not pick]
        cols["development_manager_email"] = Choice(
            pick.name,
            conf,
            "e-mails"
            + (" of an account/development manager" if dev else "")
            + (f" (not {', '.join(others)}: a seller's)" if others else "")
            + "; matched to amoCRM users",
        )
    support = _find(t, "is_support", pred=lambda c: _boolish(c))
    if support:
        cols["is_support"] = Choice(support.name, HIGH, "a yes/no flag named like support")
    p.watermark = _watermark(t)
    removed = next(
        (c for c in t.columns if re.search(r"removed|deleted|udal|удал|archiv|архив", norm(c.name)) and _boolish(c)),
        None,
    )
    if removed:
        p.notes.append(f"{removed.name!r} marks removed partners: they are loaded too (their past sales still count)")
    _total_lines(p, t, catalog)
    p.confidence = _confidence(cols)
    return p


def catalog_tz(catalog: Catalog) -> str:
    """The zone naive times are read in, with where it comes from: "Europe/Moscow ([platform].timezone)"."""
    return f"{catalog.timezone} ({catalog.zone_from})"


def _boolish(c: ColumnProfile) -> bool:
    if c.typed_bool:
        return True
    vals = {v.lower() for v, _ in c.top}
    return bool(vals) and vals <= {"0", "1", "true", "false", "t", "f", "да", "нет", "yes", "no", "y", "n"}


def _kind(t: TableProfile, used: set[str]) -> Choice:
    for c in t.columns:
        if not c.top or len(c.top) > 6 or c.name in used or c.is_number or c.is_time:
            continue
        values = [v for v, _ in c.top]
        org = [v for v in values if re.search(ORGANIZER, v.lower())]
        ops = [v for v in values if re.search(OPERATOR, v.lower()) and v not in org]
        if org and (ops or hit("kind", c.name)):
            mapping = {**{v: "organizer" for v in org}, **{v: "operator" for v in ops}}
            rest = [v for v in values if v not in mapping]
            spec: dict[str, object] = {"column": c.name, "map": mapping}
            if rest:
                return Choice(
                    spec,
                    MEDIUM,
                    f"values {', '.join(org + ops)} say organizer/operator; "
                    f"unsure about {', '.join(rest)} (left as is: such rows are quarantined)",
                )
            return Choice(
                spec, HIGH, f"its values say organizer ({', '.join(org)}) or operator ({', '.join(ops) or 'none yet'})"
            )
    return Choice(
        {"sql": "'organizer'"},
        LOW,
        "no column says organizer vs ticket operator: every partner is "
        "loaded as an organizer — confirm, or map the column that says it",
    )


# ------------------------------------------------------------------------------------------------- sales
def _status(c: ColumnProfile) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    for value, n in c.top:
        meaning = next((m for m, rx in STATUS_MEANINGS if re.search(rx, value.lower())), "unknown")
        out.setdefault(meaning, []).append((value, n))
    return out


def _status_filter(p: InputProposal, t: TableProfile, catalog: Catalog, *, take: tuple[str, ...]) -> None:
    st = _find(t, "status", pred=lambda c: bool(c.top) and not c.is_number)
    if not st:
        return
    groups = _status(st)
    taken = [v for m in take for v, _ in groups.get(m, [])]
    if not taken:
        p.notes.append(
            f"status column {st.name!r}: no value means paid/done ({', '.join(v for v, _ in st.top)}); "
            "add a `where` that keeps only real sales"
        )
        return
    left = [(m, v, n) for m, vals in groups.items() if m not in take for v, n in vals]
    cond = (
        f"{_ident(catalog, st.name)} = {_lit(taken[0])}"
        if len(taken) == 1
        else f"{_ident(catalog, st.name)} IN ({', '.join(_lit(v) for v in taken)})"
    )
    why = (
        f"{st.name}: "
        + ", ".join(f"{v!r} = {m}" for m in take for v, _ in groups.get(m, []))
        + ("; left out: " + ", ".join(f"{v!r} ({m})" for m, v, _ in left) if left else "")
    )
    p.where.append((cond, why))
    unknown = [(v, n) for m, v, n in left if m == "unknown"]
    if unknown:
        p.notes.append(
            "unsure: status "
            + ", ".join(f"{v!r} ({n} {plural(n, 'row')} in the sample)" for v, n in unknown)
            + " — meaning not recognised, left out; if it means paid, add it to the `where`"
        )
        p.columns.setdefault("__status", Choice(None, MEDIUM, "a status value to confirm"))


def _flag_filters(p: InputProposal, t: TableProfile, catalog: Catalog) -> None:
    for c in t.columns:
        if hit("free_or_test", c.name) and _boolish(c):
            yes = [v for v, _ in c.top if v.lower() in ("1", "true", "t", "да", "yes", "y")]
            if c.typed_bool:
                cond = f"NOT {_ident(catalog, c.name)}"
            elif catalog.kind == "files":
                cond = f"{_ident(catalog, c.name)} NOT IN ({', '.join(_lit(v) for v in yes) or _lit('1')})"
            else:
                cond = f"{_ident(catalog, c.name)} = 0"
            n = sum(k for v, k in c.top if v in yes)
            p.where.append((cond, f"{c.name}: free or test orders ({n} in the sample) are not sales"))


def _unit(c: ColumnProfile, tickets: ColumnProfile | None) -> tuple[str, str, str]:
    """(unit, confidence, why) of a money column, judged from its name, type and values."""
    if hit("kopecks", c.name):
        return "kopecks", HIGH, f"the name says minor units ({c.name!r})"
    if c.typed_decimal or c.fraction_text > 0.05 or c.integral < 0.95:
        form = "a decimal type" if c.typed_decimal else "values with a fraction (e.g. 1 234,50)"
        return "units", HIGH, f"rubles: {form}"
    if c.median is not None and c.median >= 100_000:
        return (
            "kopecks",
            MEDIUM,
            (
                f"whole numbers, median {c.median:,.0f}: as rubles a ticket would cost "
                f"that much — read as kopecks; confirm with `salesglass check`"
            ),
        )
    return (
        "units",
        MEDIUM,
        (
            f"whole numbers (median {c.median or 0:,.0f}) read as rubles; if they are kopecks "
            'set unit = "kopecks" (`salesglass check` shows the totals)'
        ),
    )


def _money(c: ColumnProfile, tickets: ColumnProfile | None, what: str, *, negate: bool = False) -> Choice:
    unit, conf, why = _unit(c, tickets)
    spec: dict[str, object] = {"column": c.name}
    if unit != "units":
        spec["unit"] = unit
    if negate:
        spec["negate"] = True
    return Choice(spec if len(spec) > 1 else c.name, conf, f"{what}; {why}")


def _partner_ref(t: TableProfile, partners: TableProfile | None) -> tuple[ColumnProfile | None, str]:
    if partners:
        declared = [c for c in t.columns if c.references and c.references.rsplit(".", 1)[0] == partners.name]
        if len(declared) == 1:
            return declared[0], f"a foreign key to {partners.name}"
    cands = [
        c
        for c in t.columns
        if not c.primary_key
        and not c.is_time
        and not _money_like(c)
        and re.search(ROLE_HINTS["partners"] + r"|org|owner|vladel|владел", norm(c.name))
        and not re.search(r"vendor|agent|seller|prodav|продав|name|naimen|наимен", norm(c.name))
    ]
    if cands:
        return cands[0], f"named like a partner reference ({cands[0].name!r})"
    return None, "no partner column"


def _sale_times(times: list[ColumnProfile]) -> list[ColumnProfile]:
    """The time columns named like a sale's time: those named like the payment first, then the weaker names."""
    out = [c for c in times if not hit("not_sold_at", c.name)]
    return [c for c in out if hit("sold_at", c.name)] + [
        c for c in out if hit("sold_at_weak", c.name) and not hit("sold_at", c.name)
    ]


def _sales(t: TableProfile, partners: TableProfile | None, catalog: Catalog, tz: str) -> InputProposal:
    p = InputProposal("orders", "sales", t, HIGH, f"{t.name!r}: money, a sale time and many rows", _place(t))
    cols = p.columns
    key, why = _key(t)
    cols["sale_id"] = (
        Choice(key.name, HIGH if key.primary_key else MEDIUM, why)
        if key
        else Choice(None, LOW, "no unique column: name the order id")
    )
    ref, why = _partner_ref(t, partners)
    if ref:
        cols["partner_id"] = Choice(
            ref.name,
            HIGH if "foreign key" in why or ref.values < ref.distinct * 50 else MEDIUM,
            why + "; empty = a sale without a partner (Support)",
        )
    event = _find(t, "event_id", pred=lambda c: not c.is_time and not _money_like(c))
    if event:
        cols["event_id"] = Choice(event.name, HIGH, f"named like an event ({event.name!r})")
    times = [c for c in t.columns if c.is_time or (c.values == 0 and c.typed_time)]
    sold = _sale_times(times)
    pick = sold[0] if sold else (times[0] if times else None)
    if pick:
        ch = _time_choice(pick, f"the sale time ({'named like payment/sale' if sold else 'the only date column'})", tz)
        if not sold:
            ch.confidence = MEDIUM
        cols["sold_at"] = ch
    else:
        cols["sold_at"] = Choice(None, LOW, "no column reads as a date or time: name the sale's payment time")
    tickets = _find(t, "tickets", pred=lambda c: c.is_number and c.integral >= 0.99)
    if tickets:
        cols["tickets"] = Choice(tickets.name, HIGH, f"whole numbers named like a quantity ({tickets.name!r})")
    else:
        cols["tickets"] = Choice({"sql": "1"}, LOW, "no ticket count found: one ticket per row — confirm")
    money = [c for c in t.columns if _money_like(c)]
    cost = [c for c in money if hit("cost", c.name)]
    revenue = [c for c in money if hit("revenue", c.name) and not hit("gross", c.name) and c not in cost]
    turnover = [c for c in money if hit("turnover", c.name) and c not in cost and c not in revenue]
    if turnover:
        full = [c for c in turnover if re.search(r"full|total|itog|итог|vsego|всего", norm(c.name))]
        cols["turnover"] = _money((full or turnover)[0], tickets, "the gross amount paid")
    else:
        cols["turnover"] = Choice(None, LOW, "no amount column found")
    if revenue:
        cols["revenue"] = _money(revenue[0], tickets, "the platform's commission/revenue")
    else:
        cols["revenue"] = Choice({"sql": "0"}, LOW, "no revenue/commission column: revenue 0 — confirm")
    if len(cost) == 1:
        cols["cost"] = _money(cost[0], tickets, "the platform's cost")
    elif cost:
        unit, conf, why = _unit(cost[0], tickets)
        spec: dict[str, object] = {"sql": " + ".join(_ident(Catalog("", "files", []), c.name) for c in cost)}
        if unit != "units":
            spec["unit"] = unit
        cols["cost"] = Choice(spec, conf, f"the platform's costs added up ({', '.join(c.name for c in cost)}); {why}")
    else:
        cols["cost"] = Choice({"sql": "0"}, LOW, "no cost column (acquiring, agent fee): cost 0 — confirm")
    channel = _find(t, "channel", pred=lambda c: not c.is_number)
    if channel:
        cols["channel"] = Choice(channel.name, MEDIUM, "named like a sales channel")
    else:
        seller = next(
            (
                c
                for c in t.columns
                if re.search(
                    r"vendor|seller|prodavec|продав|distrib|дистриб|agent_id|"
                    r"агент",
                    norm(c.name),
                )
                and c is not ref
            ),
            None,
        )
        origin = next((c for c in t.columns if re.search(r"origin|source|istochnik|источник", norm(c.name))), None)
        if seller and ref and partners is not None and catalog.kind == "sql":
            pkey, _ = _key(partners)
            pname = _find(partners, "name", pred=lambda c: not c.is_number and not c.is_time)
            if pkey and pname:
                sv, rv = _ident(catalog, seller.name), _ident(catalog, ref.name)
                q = (
                    f"SELECT o.*, CASE WHEN o.{sv} IS NULL OR o.{sv} = o.{rv} THEN 'widget' ELSE "
                    f"COALESCE(v.{_ident(catalog, pname.name)}, o.{sv}) END AS channel "
                    f"FROM {_table(catalog, t.name)} o "
                    f"LEFT JOIN {_table(catalog, partners.name)} v ON v.{_ident(catalog, pkey.name)} = o.{sv}"
                )
                p.notes.append(
                    f"channel (a suggestion, not applied): {seller.name!r} names who sold; the partner "
                    f"itself or nobody means its own widget, another partner a distributor. To load it, "
                    f'replace `table` with query = "{q}" and add channel = "channel"'
                )
        elif (c := origin or seller) is not None:
            p.notes.append(
                f"channel: {c.name!r} may say who sold (widget vs a distributor); map `channel` to it, "
                "or to a query that derives it (see docs/platform.md) — left out"
            )
    neg = [c for c in money if c.negative > 0]
    # a refund status is a refund row only where amounts go negative; with positive amounts it marks an
    # order refunded later, whose money came back: taken as a sale it would count that money as sold
    _status_filter(p, t, catalog, take=("paid", "refund") if neg else ("paid",))
    st = _find(t, "status", pred=lambda c: bool(c.top) and not c.is_number)
    refunded = [(v, n) for v, n in _status(st).get("refund", [])] if st and not neg else []
    if refunded:
        p.notes.append(
            "refunds: status "
            + ", ".join(f"{v!r} ({n} {plural(n, 'row')} in the sample)" for v, n in refunded)
            + " with positive amounts: orders refunded later, left out (their money came back). If those "
            "rows are refunds of other orders, load them as a second input with `negate = true` on the amounts"
        )
    _flag_filters(p, t, catalog)
    if neg:
        c = neg[0]
        p.notes.append(
            f"refunds: {c.negative:.1%} of {c.name!r} are negative — refund rows kept as negative sales"
            + (
                ""
                if not tickets or tickets.negative > 0
                else f"; but {tickets.name!r} is never negative: refunded tickets would count as sold"
            )
        )
    free = next((c for c in turnover if c.zero > 0), None)
    if free and not any("free or test" in w for _, w in p.where):
        p.notes.append(
            f"free orders: {free.zero:.1%} of {free.name!r} are 0 — loaded as sales with zero money; "
            "filter them with `where` if they are invitations"
        )
    _total_lines(p, t, catalog)
    p.watermark = _watermark(t)
    p.confidence = _status_checked_confidence(p)
    return p


def _refunds(
    t: TableProfile, sales: TableProfile | None, partners: TableProfile | None, catalog: Catalog
) -> InputProposal:
    p = InputProposal("refunds", "sales", t, HIGH, f"{t.name!r}: named like refunds", _place(t))
    cols = p.columns
    key, why = _key(t)
    cols["sale_id"] = (
        Choice(
            {"column": key.name, "prefix": "refund:"},
            HIGH,
            why + "; prefixed so a refund id never clashes with an order id",
        )
        if key
        else Choice(None, LOW, "no unique column: name the refund id")
    )
    money = [c for c in t.columns if _money_like(c)]
    positive = bool(money) and all(c.negative == 0 for c in money)
    sign = "amounts are positive: negated into negative sales" if positive else "amounts are already negative"
    ref, why = _partner_ref(t, partners)
    tz = catalog_tz(catalog)
    if ref:
        cols["partner_id"] = Choice(ref.name, MEDIUM, why)
    elif sales is not None and catalog.kind == "sql":
        skey, _ = _key(sales)
        link = next(
            (c for c in t.columns if c.references and c.references.rsplit(".", 1)[0] == sales.name), None
        ) or next((c for c in t.columns if skey and c.name == skey.name), None)
        sref, _ = _partner_ref(sales, partners)
        if link and skey and sref:
            extra = [sref.name]
            sev = _find(sales, "event_id")
            if sev:
                extra.append(sev.name)
            q = (
                f"SELECT r.*, {', '.join('o.' + _ident(catalog, c) for c in extra)} FROM "
                f"{_table(catalog, t.name)} r JOIN {_table(catalog, sales.name)} o ON o.{_ident(catalog, skey.name)}"
                f" = r.{_ident(catalog, link.name)}"
            )
            p.place = {"query": q}
            cols["partner_id"] = Choice(
                sref.name,
                MEDIUM,
                f"the refunded order's partner, joined on {link.name} (a query: refunds do not name the partner)",
            )
            if sev:
                cols["event_id"] = Choice(sev.name, MEDIUM, "the refunded order's event (same join)")
    if "partner_id" not in cols:
        p.notes.append("refunds do not name the partner and cannot be joined here: they load as Support refunds")
    times = [c for c in t.columns if c.is_time]
    done = _sale_times(times)
    pick = done[0] if done else (times[0] if times else None)
    if pick:
        cols["sold_at"] = _time_choice(pick, "when the money went back" if done else "the only date", tz)
    tickets = _find(t, "tickets", pred=lambda c: c.is_number)
    cols["tickets"] = (
        Choice(
            {"column": tickets.name, "negate": True} if positive else tickets.name,
            HIGH,
            f"the refunded tickets; {sign}",
        )
        if tickets
        else Choice({"sql": "0"}, LOW, "no ticket count: 0 tickets refunded — confirm")
    )
    cost = [c for c in money if hit("cost", c.name)]
    revenue = [c for c in money if hit("revenue", c.name) and not hit("gross", c.name) and c not in cost]
    turnover = [c for c in money if c not in cost and c not in revenue and hit("turnover", c.name)]
    for canon, found in (("turnover", turnover), ("revenue", revenue), ("cost", cost)):
        if found:
            cols[canon] = _money(found[0], tickets, f"refunded {canon}; {sign}", negate=positive)
        else:
            cols[canon] = Choice({"sql": "0"}, LOW, f"no refunded {canon} column: 0 — confirm")
    _status_filter(p, t, catalog, take=("paid",))
    p.watermark = _watermark(t)
    p.confidence = _status_checked_confidence(p)
    return p


# ---------------------------------------------------------------------------------------- widgets, plans
def _widgets(t: TableProfile, partners: TableProfile | None, catalog: Catalog) -> InputProposal:
    p = InputProposal("widgets", "widget_installs", t, HIGH, f"{t.name!r}: named like widgets", _place(t))
    key, why = _key(t)
    if key:
        p.columns["widget_id"] = Choice(key.name, HIGH, why)
    ref, why = _partner_ref(t, partners)
    p.columns["partner_id"] = (
        Choice(ref.name, HIGH if "foreign key" in why else MEDIUM, why)
        if ref
        else Choice(None, LOW, "no partner column")
    )
    inst = _find(t, "installed_at", pred=lambda c: c.is_time or c.typed_time)
    if inst:
        p.columns["installed_at"] = _time_choice(inst, "named like an install time", catalog_tz(catalog))
        if inst.values < t.sampled:
            p.where.append((f"{_ident(catalog, inst.name)} IS NOT NULL", "widgets never installed are not installs"))
    else:
        p.columns["installed_at"] = Choice(None, LOW, "no install time found")
    p.confidence = _confidence(p.columns)
    return p


def _events(t: TableProfile, partners: TableProfile | None, catalog: Catalog) -> InputProposal:
    """Events (shows): an id, the organizer, a name, when the show starts and when the event was created. A
    status column is left out on purpose (docs/model.md: known only as of today, it would leak the future
    into the forecast's replayed past days)."""
    p = InputProposal("events", "events", t, HIGH, f"{t.name!r}: named like events (shows)", _place(t))
    key, why = _key(t)
    p.columns["event_id"] = (
        Choice(key.name, HIGH if key.primary_key else MEDIUM, why) if key else Choice(None, LOW, why)
    )
    ref, why = _partner_ref(t, partners)
    if ref:
        p.columns["partner_id"] = Choice(ref.name, HIGH if "foreign key" in why else MEDIUM, why)
    used = {c.value for c in p.columns.values() if isinstance(c.value, str)}
    name = _find(t, "name", pred=lambda c: not c.is_number, used=used)
    if name:
        p.columns["name"] = Choice(name.name, HIGH, "named like a name/title")

    def timed(c: ColumnProfile) -> bool:
        return c.is_time or c.typed_time

    # a time named like a start or a date that is not the event's creation or last change
    show = _find(
        t, "show_at", pred=lambda c: timed(c) and not hit("created_at", c.name) and not hit("watermark", c.name)
    )
    p.columns["show_at"] = (
        _time_choice(show, "named like the show's start", catalog_tz(catalog))
        if show
        else Choice(None, LOW, "no show time found (when the show starts)")
    )
    created = _find(t, "created_at", pred=timed)
    if created and (not show or created.name != show.name):
        p.columns["created_at"] = _time_choice(created, "named like a creation time", catalog_tz(catalog))
    status = _find(t, "status")
    if status:
        p.notes.append(
            f"{status.name!r} is not loaded: a status is known only as of today, and the forecast replays past days"
        )
    p.watermark = _watermark(t)
    p.confidence = _confidence(p.columns)
    return p


def _plans(t: TableProfile, catalog: Catalog) -> InputProposal:
    p = InputProposal("plans", "plans", t, MEDIUM, f"{t.name!r}: named like plans", _place(t))
    month = _find(t, "month")
    if month:
        p.columns["month"] = Choice(month.name, HIGH, "named like a month/period")
    manager = _find(t, "manager", pred=lambda c: not c.is_number)
    if manager:
        p.columns["manager"] = Choice(manager.name, HIGH, "named like a manager (e-mail, id or name; empty = company)")
    metric = _find(t, "metric", pred=lambda c: bool(c.top))
    if metric:
        mapping = {}
        for v, _ in metric.top:
            m = next((k for k, rx in METRICS if re.search(rx, v.lower())), None)
            if m and m != v:
                mapping[v] = m
        spec: dict[str, object] = {"column": metric.name}
        if mapping:
            spec["map"] = mapping
        p.columns["metric"] = Choice(
            spec if mapping else metric.name,
            HIGH if mapping or not metric.top else MEDIUM,
            "named like a metric; its values mapped to turnover/revenue/…",
        )
    for canon in ("realistic", "optimistic"):
        c = _find(t, canon, pred=lambda c: c.is_number)
        if c:
            p.columns[canon] = Choice(c.name, HIGH, f"named like the {canon} target")
    return p


# ------------------------------------------------------------------------------------------------- TOML
def _comment(text: str) -> list[str]:
    """One comment line per note (not wrapped: a value quoted in it stays whole for grep)."""
    return ["# " + line for line in text.splitlines()] or ["#"]


def _input_toml(p: InputProposal, *, plans: bool = False) -> list[str]:
    out = [
        f"# {p.target} ← {p.table.name} ({p.table.rows:,} {plural(p.table.rows, 'row')}); "
        f"confidence {p.confidence}: {p.reason}"
    ]
    for note in p.notes:
        out += _comment(note)
    out.append("[plans]" if plans else "[[platform.inputs]]")
    if not plans:
        out += [f"name = {_s(p.name)}", f"target = {_s(p.target)}"]
    for k, v in p.place.items():
        out.append(f'{k} = """\n{v}"""' if k == "query" else f"{k} = {_s(v)}")
    if p.where_sql:
        for _, why in p.where:
            out += _comment("where: " + why)
        out.append(f"where = {_s(p.where_sql)}")
    if p.watermark:
        out.append(f"watermark = {_s(p.watermark)}   # grows on every change: a refresh reads only new rows")
    out.append("[plans.columns]" if plans else "[platform.inputs.columns]")
    for name, ch in p.columns.items():
        if ch.value is None:
            out.append(f'# {name} = "…"   # TODO ({ch.confidence}): {ch.reason}')
        else:
            out.append(f"{name} = {ch.toml()}   # {ch.confidence}: {ch.reason}")
    return out


def to_toml(proposal: Proposal) -> str:
    """The proposed inputs as TOML to paste under `[platform]` (and a `[plans]` section)."""
    cat = proposal.catalog
    out = [
        f"# proposed by `salesglass platform inspect` from {cat.source}",
        "# confidence: high = clear evidence; medium = likely, `salesglass check` shows what to confirm;",
        "# low = a placeholder to fill in",
    ]
    for name, why in proposal.skipped:
        out += _comment(f"not used: {name} — {why}")
    for p in proposal.inputs:
        out += ["", *_input_toml(p)]
    return "\n".join(out) + "\n"


def plans_toml(proposal: Proposal) -> str:
    return "\n".join(_input_toml(proposal.plans, plans=True)) + "\n" if proposal.plans else ""


def insert_into_config(text: str, proposal: Proposal) -> str:
    """The config text with the proposed inputs added under `[platform]` (and `[plans]` at the end when the
    file has none); comments and the rest of the file are kept as they are."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "[platform]"), None)
    block = to_toml(proposal).rstrip("\n").splitlines()
    if start is None:
        lines += ["", "[platform]", *block]
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if re.match(r"^\s*\[(?!platform[.\]])", lines[i])), len(lines)
        )
        marker = next((i for i in range(start + 1, end) if "[[platform.inputs]] go below" in lines[i]), None)
        if marker is not None:  # the place `salesglass init` left for them
            end = marker + 1
        else:
            while end > start + 1 and lines[end - 1].lstrip().startswith("#") and end < len(lines):
                end -= 1  # the next section's comment block stays with it
        lines[end:end] = ["", *block, ""]
    if proposal.plans and not any(line.strip() == "[plans]" for line in lines):
        lines += ["", *plans_toml(proposal).rstrip("\n").splitlines()]
    return "\n".join(lines) + "\n"
