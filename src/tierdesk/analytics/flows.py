"""Movement of tickets: between tiers, back and forth between teams.

Both read the ordered lists of the metrics table (`tiers_visited`,
`teams_visited`), so they work from a metrics file alone.
"""

from __future__ import annotations

import polars as pl

from tierdesk.analytics.frame import TicketFrame


def list_texts(tickets: TicketFrame, column: str) -> pl.Series:
    """Return a JSON list column of the tickets, with "[]" for missing lists."""
    return tickets.frame[column].fill_null("[]")


def list_steps(tickets: TicketFrame, column: str) -> pl.DataFrame:
    """Explode the distinct lists of a JSON list column into steps, cached.

    Columns: `text` (the list as stored), `tickets` (how many tickets have that
    list), `value`, `previous` (the value before in the same list, null at its
    start) and `first` (true where the value occurs for the first time in the
    list). Steps are in list order. Tickets share few distinct lists (about
    2,150 team lists among the million tickets of benchmarks/report_large.py),
    so each distinct list is decoded once and weighted by `tickets`. That is
    several times faster than decoding every ticket's list.
    """
    cached = tickets.cache.get(column)
    if cached is not None:
        return cached
    lists = (
        list_texts(tickets, column)
        .alias("text")
        .value_counts(name="tickets")
        .with_columns(pl.col("text").str.json_decode(pl.List(pl.String)).alias("value"))
    )
    steps = lists.with_row_index("list").explode("value").drop_nulls("value")
    same = pl.col("list") == pl.col("list").shift(1)
    result = steps.select(
        "text",
        "tickets",
        "value",
        pl.when(same).then(pl.col("value").shift(1)).otherwise(None).alias("previous"),
        pl.struct("list", "value").is_first_distinct().alias("first"),
    )
    tickets.cache[column] = result
    return result


def tier_flow(tickets: TicketFrame) -> pl.DataFrame:
    """Count moves between consecutive tiers, with where tickets entered and ended.

    Rows have `from_tier` and `to_tier`; a null `from_tier` counts tickets that
    entered at `to_tier`, a null `to_tier` tickets whose last tier was `from_tier`.
    """
    steps = list_steps(tickets, "tiers_visited")
    if steps.height == 0:
        return pl.DataFrame(
            schema={"from_tier": pl.String, "to_tier": pl.String, "tickets": pl.UInt32}
        )
    # Each step of a distinct list counts once for every ticket with that list.
    weight = pl.col("tickets").sum().alias("tickets")
    moves = (
        steps.filter(pl.col("previous").is_not_null())
        .group_by(
            pl.col("previous").alias("from_tier"), pl.col("value").alias("to_tier")
        )
        .agg(weight)
    )
    entered = (
        steps.filter(pl.col("previous").is_null())
        .group_by(pl.col("value").alias("to_tier"))
        .agg(weight)
        .select(pl.lit(None, pl.String).alias("from_tier"), "to_tier", "tickets")
    )
    last = pl.col("text") != pl.col("text").shift(-1)
    ended = (
        steps.filter(last.fill_null(True))
        .group_by(pl.col("value").alias("from_tier"))
        .agg(weight)
        .select("from_tier", pl.lit(None, pl.String).alias("to_tier"), "tickets")
    )
    return pl.concat([entered, moves.select(entered.columns), ended]).sort(
        ["tickets", "from_tier", "to_tier"],
        descending=[True, False, False],
        nulls_last=True,
    )


def ping_pong_pairs(tickets: TicketFrame, *, top: int = 20) -> pl.DataFrame:
    """Rank team pairs by ping-pong returns between them.

    A return is a move from team B to a team A that held the ticket before; it
    counts for the unordered pair {A, B}. `tickets` counts the tickets with at
    least one return within the pair.
    """
    steps = list_steps(tickets, "teams_visited")
    schema = {
        "team_a": pl.String,
        "team_b": pl.String,
        "returns": pl.UInt32,
        "tickets": pl.UInt32,
    }
    if steps.height == 0:
        return pl.DataFrame(schema=schema)
    returns = steps.filter(~pl.col("first")).with_columns(
        pl.min_horizontal("value", "previous").alias("team_a"),
        pl.max_horizontal("value", "previous").alias("team_b"),
    )
    if returns.height == 0:
        return pl.DataFrame(schema=schema)
    # Count the returns per pair within each distinct list, then weight each
    # count by the tickets that have that list.
    per_list = returns.group_by("team_a", "team_b", "text").agg(
        pl.len().alias("returns"), pl.col("tickets").first()
    )
    return (
        per_list.group_by("team_a", "team_b")
        .agg(
            (pl.col("returns") * pl.col("tickets")).sum().alias("returns"),
            pl.col("tickets").sum(),
        )
        .sort(["returns", "team_a", "team_b"], descending=[True, False, False])
        .head(top)
        .cast({"returns": pl.UInt32, "tickets": pl.UInt32})
    )
