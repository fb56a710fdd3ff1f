"""the call-back's (回访) answers in the summary rows: daily_counts.solved / not_solved

Revision ID: b78f34de9f41
Revises: d1dbae0e93b8
Create Date: 2026-12-01 15:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b78f34de9f41"
down_revision = "d1dbae0e93b8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("daily_counts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("solved", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("not_solved", sa.Integer(), nullable=False, server_default="0")
        )
    # Every row recomputed from the items, as `flask stats rebuild` does (the earlier summary
    # migration leaves this to here: see e8b1c4d2a9f0); the coarser rows made later by
    # 62bcf7cbdddd are rolled up from these.
    from server.models import tally

    tally.rebuild(op.get_bind(), tables=("daily", "status"))


def downgrade():
    with op.batch_alter_table("daily_counts", schema=None) as batch_op:
        batch_op.drop_column("not_solved")
        batch_op.drop_column("solved")
