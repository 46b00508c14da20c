"""The JSON shapes of the ranking and unit figures (English keys; documented in docs/reports.md)."""

from decimal import Decimal

from reports.ranking import Figure, Ranking, Row
from reports.unit_report import UnitReport
from sampling.checks import SampleCheck
from surveys.engine import Counts
from surveys.figures import UnitInfo
from surveys.models import Round


def unit_json(unit: UnitInfo) -> dict:
    return {"code": unit.code, "name": unit.name, "kind": unit.kind}


def round_json(round: Round) -> dict:
    previous = round.previous
    return {
        "code": round.code,
        "name": round.name,
        "start": round.start.isoformat(),
        "end": round.end.isoformat(),
        "status": round.status,
        "target_rate": None if round.target_rate is None else float(round.target_rate),
        "target_rank": round.target_rank,
        "min_valid_votes": round.min_valid_votes,
        "previous_round": None if previous is None else {"code": previous.code, "name": previous.name},
    }


def counts_json(counts: Counts) -> dict:
    return {
        "satisfied": counts.satisfied,
        "basically_satisfied": counts.basic,
        "dissatisfied": counts.dissatisfied,
        "excluded": counts.excluded,
        "valid": counts.valid,
    }


def _rate(figure: Figure) -> float | None:
    return None if figure.hundredths is None else figure.hundredths / 100


def figure_json(figure: Figure) -> dict:
    """Votes, rate (percent, two decimals), 95 % interval (percents) and rank of one figure."""
    return counts_json(figure.counts) | {
        "rate": _rate(figure),
        "interval": figure.interval,
        "rank": figure.rank,
    }


def sample_json(sample: SampleCheck | None, margin: Decimal | None, doubtful: Decimal | None) -> dict:
    """The sample checks of a row or unit page: null margin and below_plan without a sample plan."""
    return {
        "margin": None if margin is None else float(margin),
        "below_plan": None if sample is None else sample.below_plan,
        "sample": None
        if sample is None
        else {"achieved": sample.achieved, "planned": sample.planned, "population": sample.population},
        "doubtful": doubtful is not None,
        "discrepancy_rate": None if doubtful is None else float(doubtful),
    }


def ranking_json(ranking: Ranking) -> dict:
    return {
        "round": round_json(ranking.round),
        "scope": unit_json(ranking.scope),
        "level": ranking.level,
        "sort": ranking.sort,
        "indicators": [{"code": i.code, "name": i.label()} for i in ranking.indicators],
        "peers": len(ranking.rows),
        "ranked": ranking.ranked,
        "target_line_after": ranking.target_line_after,
        "sample_plan": ranking.planned,
        "rows": [_row_json(row) for row in ranking.rows],
    }


def _row_json(row: Row) -> dict:
    needed, before = row.votes_needed, row.previous
    return {
        "sort_rank": row.sort_rank,
        "unit": unit_json(row.unit),
        "overall": figure_json(row.overall),
        "target_met": row.target_met,
        "votes_to_target": None if needed is None else {"convert": needed.convert, "gain": needed.gain},
        "previous": None if before is None else {"rate": _rate(before), "rank": before.rank},
        "rate_change": None if row.rate_change is None else float(row.rate_change),
        "rank_change": row.rank_change,
        "low_votes": row.low_votes,
        "not_clearly_different": row.not_clearly_different,
        "line_below": row.line_below,
        **sample_json(row.sample, row.margin, row.doubtful),
        # Three lists in the order of the ranking's "indicators" (1,000 rows x 6 small objects made the answer slow).
        "indicators": {
            "rates": [_rate(cell) for cell in row.indicators],
            "ranks": [cell.rank for cell in row.indicators],
            "colours": [cell.colour for cell in row.indicators],
        },
    }


def unit_report_json(report: UnitReport) -> dict:
    needed, gap = report.votes_needed, report.rank_gap
    return {
        "round": round_json(report.round),
        "unit": unit_json(report.unit),
        "scope": None if report.scope is None else unit_json(report.scope),
        "level": report.unit.kind,
        "peers_ranked": report.ranked,
        "options": [{"number": o.number, "name": o.label(), "category": o.category} for o in report.options],
        "overall": figure_json(report.overall),
        "sample_plan": report.planned,
        **sample_json(report.sample, report.margin, report.doubtful),
        "target": {
            "rate": None if report.round.target_rate is None else float(report.round.target_rate),
            "rate_met": report.target_met,
            "votes_to_target": None if needed is None else {"convert": needed.convert, "gain": needed.gain},
            "rank": report.round.target_rank,
            "rank_met": report.rank_met,
            "rank_gap": None
            if gap is None
            else {
                "rival": unit_json(gap.rival) | {"rate": _rate(gap.rival_figure), "rank": gap.rival_figure.rank},
                "convert": gap.convert,
                "gain": gap.gain,
            },
        },
        "indicators": [
            {"code": line.indicator.code, "name": line.indicator.label()}
            | figure_json(line.figure)
            | {"margin": None if margin is None else float(margin)}
            | {
                "option_counts": line.option_counts,
                "option_shares": [None if share is None else float(share) for share in line.option_shares],
                "peers_average": None if line.peers_average is None else float(line.peers_average),
            }
            for line, margin in report.margin_lines
        ],
        "weakest": [line.indicator.code for line in report.weakest],
        "trend": [
            {"round": {"code": p.round.code, "name": p.round.name, "start": p.round.start.isoformat()}}
            | {"rate": _rate(p.figure), "valid": p.figure.valid, "rank": p.figure.rank, "ranked": p.ranked}
            for p in report.trend
        ],
        "children": [
            unit_json(unit) | {"rate": _rate(figure), "valid": figure.valid} for unit, figure in report.children
        ],
    }
