"""coarser summary rows of the overview: month_counts and day_totals, filled from daily_counts

Revision ID: 62bcf7cbdddd
Revises: 7bbca0d2186d
Create Date: 2026-12-01 15:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "62bcf7cbdddd"
down_revision = "7bbca0d2186d"
branch_labels = None
depends_on = None

COUNTERS = (
    "received",
    "routed",
    "replied",
    "closed",
    "rated_satisfied",
    "rated_basically_satisfied",
    "rated_unsatisfied",
    "solved",
    "not_solved",
)


def _counters() -> list:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS]


def upgrade():
    op.create_table(
        "month_counts",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("deputy_id", sa.Integer(), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint("month", "station_id", "deputy_id"),
    )
    op.create_table(
        "day_totals",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint("day", "category_id"),
    )
    # Pure sums of the daily rows: rolled up in the database, no item read again.
    bind = op.get_bind()
    month = (
        "date_trunc('month', day)::date"
        if bind.dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    names = ", ".join(COUNTERS)
    op.execute(
        f"INSERT INTO month_counts (month, station_id, deputy_id, {names}) "
        f"SELECT {month}, station_id, deputy_id, {sums} FROM daily_counts "
        f"GROUP BY {month}, station_id, deputy_id"
    )
    op.execute(
        f"INSERT INTO day_totals (day, category_id, {names}) "
        f"SELECT day, category_id, {sums} FROM daily_counts GROUP BY day, category_id"
    )


def downgrade():
    op.drop_table("day_totals")
    op.drop_table("month_counts")
