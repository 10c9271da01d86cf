"""The cockpit as an .xlsx workbook: the same figures as the page, one sheet per block,
numbers as numbers (amounts in 万元 with two places, rates as percentages). Every export
leaves one audit row (`audit_export`), written apart from the read that computes it."""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlmodel import Session

from app.accounts.permissions import Actor
from app.analytics.cockpit import Cockpit, cockpit
from app.analytics.lights import project_warnings
from app.analytics.schemas import METRIC_LABELS, TargetProgress
from app.audit.models import AuditAction
from app.audit.service import record
from app.clock import local_datetime
from app.db import utcnow
from app.i18n import _, translate
from app.projects.schemas import ProjectFilters
from app.projects.stages import STAGE_LABELS, Stage
from app.xlsx import append_row

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
RATE_FORMAT = "0.00%"
DAYS_FORMAT = "0.00"
HEADER_FILL = PatternFill("solid", fgColor="FAFAFA")

MODE_LABELS = {"now": _("Where projects stand now"), "cohort": _("Cohort of first reports")}
LIGHT_LABELS = {"red": _("Red"), "yellow": _("Yellow"), "green": _("Green")}


class Sheet:
    """A worksheet written row by row, with a bold header and number formats by column."""

    def __init__(self, workbook: Workbook, title: str, locale: str, *, first: bool = False
                 ) -> None:
        self.ws = workbook.active if first else workbook.create_sheet()
        self.ws.title = translate(title, locale)[:31]
        self.locale = locale
        self.widths: dict[int, int] = {}

    def t(self, message: str, **params: Any) -> str:
        return translate(message, self.locale, **params)

    def header(self, *labels: str) -> None:
        cells = append_row(self.ws, [self.t(label) for label in labels])
        for cell in cells:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center")
        self._measure(cells)

    def row(self, values: Sequence[Any], formats: Sequence[str | None] = ()) -> None:
        cells = append_row(self.ws, [("--" if v is None else v) for v in values])
        for cell, fmt in zip(cells, formats, strict=False):
            if fmt and isinstance(cell.value, (int, Decimal)):
                cell.number_format = fmt
        self._measure(cells)

    def blank(self) -> None:
        self.ws.append([])

    def _measure(self, cells: Iterable[Any]) -> None:
        for cell in cells:
            text = str(cell.value or "")
            width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2
            self.widths[cell.column] = max(self.widths.get(cell.column, 8), min(width, 48))

    def finish(self) -> None:
        for column, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(column)].width = width
        self.ws.freeze_panes = "A2"


def _name(row: Any, locale: str) -> str:
    return row.name if locale == "zh_CN" else row.name_en


def _stage(code: str, locale: str) -> str:
    return translate(STAGE_LABELS[Stage(code)], locale)


def build_workbook(c: Cockpit, locale: str, *, generated_at: datetime) -> bytes:
    """The workbook for one cockpit view (no SQL here: `c` holds every figure)."""
    wb = Workbook()
    m, n, r, d = MONEY_FORMAT, COUNT_FORMAT, RATE_FORMAT, DAYS_FORMAT

    s = Sheet(wb, _("Overview"), locale, first=True)
    s.header(_("Figure"), _("Value"))
    period = c.period
    s.row([s.t(_("Period")), f"{period.start.isoformat()} ～ {period.end.isoformat()}"])
    s.row([s.t(_("Mode")), s.t(MODE_LABELS[c.mode])])
    s.row([s.t(_("Filters")), "&".join(f"{k}={v}" for k, v in c.filters.model_dump(
        mode="json", exclude_defaults=True).items()) or "--"])
    s.row([s.t(_("Generated at")), local_datetime(generated_at).strftime("%Y-%m-%d %H:%M")])
    s.row([s.t(_("New projects")), c.kpis.new_projects], [None, n])
    s.row([s.t(_("New signed projects")), c.kpis.signed_projects], [None, n])
    s.row([s.t(_("Signed amount (10,000 yuan)")), c.kpis.signed_amount], [None, m])
    s.row([s.t(_("Groundbreakings")), c.kpis.groundbreakings], [None, n])
    s.row([s.t(_("Funds in place (10,000 yuan)")), c.kpis.funds_in_place], [None, m])
    for light in ("red", "yellow", "green"):
        s.row([s.t(_("Warnings: {light}"), light=s.t(LIGHT_LABELS[light])),
               c.warnings.counts[light]], [None, n])
    s.blank()
    s.header(_("Rate"), _("Numerator"), _("Denominator"), _("Rate"))
    for rate in c.rates:
        money_rate = rate.key == "funds"
        s.row([s.t(rate.label), rate.numerator, rate.denominator, rate.value],
              [None, m if money_rate else n, m if money_rate else n, r])
    s.finish()

    s = Sheet(wb, _("Funnel"), locale)
    s.header(_("Stage"), _("Now at stage"), _("Terminated at stage"), _("Reached"),
             _("Total investment (10,000 yuan)"), _("Conversion from previous"))
    for row in c.funnel:
        s.row([_stage(row.stage, locale), row.count, row.terminated, row.reached,
               row.total_investment, row.conversion_from_previous], [None, n, n, n, m, r])
    s.finish()

    s = Sheet(wb, _("Time in stage"), locale)
    s.header(_("From stage"), _("To stage"), _("Moves"), _("Median days"),
             _("75th percentile days"))
    for t in c.timing:
        s.row([_stage(t.stage, locale), _stage(t.to_stage, locale), t.moves, t.median_days,
               t.p75_days], [None, None, n, d, d])
    if c.cohort_timing:
        s.blank()
        s.header(_("Stage"), _("Reached"), _("Median days from first contact"),
                 _("75th percentile days"))
        for stage, (count, median, p75) in sorted(c.cohort_timing.items(),
                                                   key=lambda kv: Stage(kv[0]).rank):
            s.row([_stage(stage, locale), count, median, p75], [None, n, d, d])
    s.blank()
    s.header(_("Stage"), _("Project"), _("Code"), _("In stage since"), _("Days in stage"))
    for stage, rows in c.slowest.items():
        for row in rows:
            s.row([_stage(stage, locale), row.name, row.code, row.stage_entered_on.isoformat(),
                   (c.today - row.stage_entered_on).days], [None, None, None, None, n])
    s.finish()

    s = Sheet(wb, _("Monthly trend"), locale)
    s.header(_("Month"), _("Signed"), _("Groundbreakings"))
    for point in c.trend:
        s.row([point.month, point.signed, point.groundbreaking], [None, n, n])
    s.finish()

    for title, first, rows in (
            (_("By county"), _("County"), c.by_county),
            (_("By industry chain"), _("Industry chain"), c.by_chain),
            (_("By {dimension}"), DIMENSION_HEADERS[c.dimension], c.by_dimension)):
        s = Sheet(wb, translate(title, locale, dimension=translate(
            DIMENSION_TITLES[c.dimension], locale)), locale)
        s.header(first, _("Live projects"), _("Total investment (10,000 yuan)"),
                 _("Signed"), _("Signed amount (10,000 yuan)"), _("Groundbreakings"))
        for row in rows:
            s.row([_name(row, locale), row.projects, row.total_investment, row.signed,
                   row.signed_amount, row.groundbreaking], [None, n, m, n, m, n])
        s.finish()

    s = Sheet(wb, _("Targets"), locale)
    s.header(_("Scope"), _("Period"), _("Target item"), _("Target"), _("Actual"),
             _("Completion"), _("Time elapsed"), _("Half by mid-year"))
    scope = c.filters.county or s.t(_("City"))
    for t in c.targets:
        label = (s.t(_("Q{quarter}"), quarter=t.quarter) if t.quarter
                 else s.t(_("Whole year")))
        fmt, target, actual = _target_cells(t, m, n, r)
        s.row([scope, label, s.t(METRIC_LABELS[t.metric]), target, actual, t.share,
               t.elapsed, _yes_no(t.half_by_mid_year, locale)],
              [None, None, None, fmt, fmt, r, r, None])
    for county in c.county_targets:
        for t in county.progress:
            fmt, target, actual = _target_cells(t, m, n, r)
            s.row([_name(county, locale), s.t(_("Whole year")), s.t(METRIC_LABELS[t.metric]),
                   target, actual, t.share, t.elapsed, _yes_no(t.half_by_mid_year, locale)],
                  [None, None, None, fmt, fmt, r, r, None])
    s.finish()

    s = Sheet(wb, _("Leaders"), locale)
    s.header(_("Leader"), _("Title"), _("Live projects"), _("Signed"),
             _("Signed amount (10,000 yuan)"), _("Projects moved forward"), _("Red"),
             _("Yellow"))
    for row in c.league:
        s.row([row.name, row.title, row.projects, row.signed, row.signed_amount,
               row.conversions, row.red, row.yellow], [None, None, n, n, m, n, n, n])
    s.finish()

    s = Sheet(wb, _("Warnings"), locale)
    s.header(_("Light"), _("Project"), _("Code"), _("Stage"), _("Days without follow-up"),
             _("Days in stage"), _("Days past planned groundbreaking"))
    for w in c.warnings.items:
        s.row([s.t(LIGHT_LABELS[w.light]), w.row.name, w.row.code,
               _stage(w.row.stage, locale), w.idle_days, w.stage_days, w.overdue_days],
              [None, None, None, None, n, n, n])
    s.finish()

    s = Sheet(wb, _("Top projects"), locale)
    s.header(_("Project"), _("Code"), _("County"), _("Stage"),
             _("Total investment (10,000 yuan)"))
    for row in c.top:
        s.row([row.name, row.code, row.county_name if locale == "zh_CN" else row.county_name_en,
               _stage(row.stage, locale), row.total_investment], [None, None, None, None, m])
    s.finish()

    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


DIMENSION_TITLES = {"county": _("county"), "chain": _("industry chain"),
                    "region": _("source region"), "method": _("attraction method"),
                    "leader": _("responsible leader")}
DIMENSION_HEADERS = {"county": _("County"), "chain": _("Industry chain"),
                     "region": _("Source region"), "method": _("Attraction method"),
                     "leader": _("Responsible leader")}


def _target_cells(t: TargetProgress, money_format: str, count_format: str,
                  rate_format: str) -> tuple[str, Decimal | None, Decimal | None]:
    """A target row's number format, target and actual: a rate's percentages (90) as the
    fraction the sheet's percent format shows (0.9, "90.00%")."""
    if t.kind == "rate":
        return rate_format, *(None if v is None else v / 100 for v in (t.target, t.actual))
    return (money_format if t.kind == "money" else count_format), t.target, t.actual


def _yes_no(value: bool | None, locale: str) -> str | None:
    if value is None:
        return None
    return translate(_("Yes") if value else _("No"), locale)


def export_cockpit(session: Session, actor: Actor, filters: ProjectFilters, *, year: int,
                   quarter: int, mode: str, dimension: str, locale: str,
                   now: datetime | None = None) -> bytes:
    """Compute the cockpit as the page does and write it (a read: see `audit_export`)."""
    now = now or utcnow()
    figures = cockpit(session, actor, filters, year=year, quarter=quarter, mode=mode,
                      dimension=dimension, now=now)
    # The page shows the first few warnings; the workbook lists every one.
    shown = figures.warnings
    if shown.total > len(shown.items):
        figures = replace(figures, warnings=project_warnings(
            session, actor, figures.filters, now, per_page=shown.total, counts=shown.counts))
    return build_workbook(figures, locale, generated_at=now)


def audit_export(session: Session, actor: Actor, query: str, *,
                 now: datetime | None = None) -> None:
    """The audit row of one export, naming the view exported (its query string)."""
    record(session, actor, AuditAction.export, object_type="cockpit", object_id="cockpit",
           detail=f"cockpit.xlsx?{query}"[:500], now=now)
