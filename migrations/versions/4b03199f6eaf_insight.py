"""the quarterly analysis: channel_counts (filled from the items), clustering runs and their
clusters, and supporters (citizens who joined an existing item)

Revision ID: 4b03199f6eaf
Revises: 7c41d9a2be60
Create Date: 2026-12-01 15:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

from server.models.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "4b03199f6eaf"
down_revision = "7c41d9a2be60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "channel_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "station_id", "channel"),
    )
    op.create_table(
        "cluster_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff_users.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cluster_runs_quarter", "cluster_runs", ["quarter"])
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("cluster_runs.id"), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("station_id", sa.Integer(), sa.ForeignKey("stations.id"), nullable=True),
        sa.Column("category_id", sa.Integer(), sa.ForeignKey("categories.id"), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("keywords", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("candidate_year", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_clusters_run_id", "clusters", ["run_id"])
    op.create_index("ix_clusters_candidate_year", "clusters", ["candidate_year"])
    op.create_table(
        "cluster_items",
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("clusters.id"), nullable=False),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.PrimaryKeyConstraint("cluster_id", "message_id"),
    )
    op.create_index("ix_cluster_items_message_id", "cluster_items", ["message_id"])
    op.create_table(
        "supporters",
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("citizen_id", sa.Integer(), sa.ForeignKey("citizens.id"), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", "citizen_id"),
    )
    op.create_index("ix_supporters_citizen_id", "supporters", ["citizen_id"])
    # An existing database gets its channel rows from its items, as `flask stats rebuild` would.
    from server.models import tally

    tally.rebuild_channels(op.get_bind())


def downgrade():
    op.drop_table("supporters")
    op.drop_table("cluster_items")
    op.drop_table("clusters")
    op.drop_table("cluster_runs")
    op.drop_table("channel_counts")
