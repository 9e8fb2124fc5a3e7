"""Movement of tickets: between tiers, back and forth between teams.

Both read the ordered lists of the metrics table (`tiers_visited`,
`teams_visited`), so they work from a metrics file alone.
"""

from __future__ import annotations

import polars as pl

from tierdesk.analytics.frame import TicketFrame


def visits(tickets: TicketFrame, column: str) -> pl.DataFrame:
    """Explode a JSON list column into (row, value, previous, first), cached.

    `row` is the ticket's position in the frame, `previous` the value before
    in the same list (null at its start), and `first` is true where the value
    occurs for the first time in the list.
    """
    cached = tickets.cache.get(column)
    if cached is not None:
        return cached
    frame = tickets.frame
    lists = frame[column].fill_null("[]").str.json_decode(pl.List(pl.String))
    exploded = (
        pl.DataFrame({"row": pl.int_range(frame.height, eager=True), "value": lists})
        .explode("value")
        .drop_nulls("value")
    )
    same = pl.col("row") == pl.col("row").shift(1)
    code = pl.col("value").cast(pl.Categorical).to_physical().cast(pl.UInt64)
    result = exploded.with_columns(
        pl.when(same).then(pl.col("value").shift(1)).otherwise(None).alias("previous"),
        (pl.col("row").cast(pl.UInt64) * 2**32 + code)
        .is_first_distinct()
        .alias("first"),
    )
    tickets.cache[column] = result
    return result


def tier_flow(tickets: TicketFrame) -> pl.DataFrame:
    """Count moves between consecutive tiers, with where tickets entered and ended.

    Rows have `from_tier` and `to_tier`; a null `from_tier` counts tickets that
    entered at `to_tier`, a null `to_tier` tickets whose last tier was `from_tier`.
    """
    steps = visits(tickets, "tiers_visited")
    if steps.height == 0:
        return pl.DataFrame(
            schema={"from_tier": pl.String, "to_tier": pl.String, "tickets": pl.UInt32}
        )
    moves = (
        steps.filter(pl.col("previous").is_not_null())
        .group_by(
            pl.col("previous").alias("from_tier"), pl.col("value").alias("to_tier")
        )
        .agg(pl.len().alias("tickets"))
    )
    entered = (
        steps.filter(pl.col("previous").is_null())
        .group_by(pl.col("value").alias("to_tier"))
        .agg(pl.len().alias("tickets"))
        .select(pl.lit(None, pl.String).alias("from_tier"), "to_tier", "tickets")
    )
    last = pl.col("row") != pl.col("row").shift(-1)
    ended = (
        steps.filter(last.fill_null(True))
        .group_by(pl.col("value").alias("from_tier"))
        .agg(pl.len().alias("tickets"))
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
    steps = visits(tickets, "teams_visited")
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
    return (
        returns.group_by("team_a", "team_b")
        .agg(pl.len().alias("returns"), pl.col("row").n_unique().alias("tickets"))
        .sort(["returns", "team_a", "team_b"], descending=[True, False, False])
        .head(top)
        .cast({"returns": pl.UInt32, "tickets": pl.UInt32})
    )
