"""staff accounts bound to a WeChat (escalation notices by subscribe message or official account)

Revision ID: 7bbca0d2186d
Revises: b78f34de9f41
Create Date: 2026-12-01 16:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import server.models.types

# revision identifiers, used by Alembic.
revision = "7bbca0d2186d"
down_revision = "b78f34de9f41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wechat_citizen_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "wechat_bound_at", server.models.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("wechat_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column(
                "wechat_code_expires_at",
                server.models.types.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.create_foreign_key(
            "fk_staff_users_wechat_citizen_id_citizens", "citizens", ["wechat_citizen_id"], ["id"]
        )
        batch_op.create_unique_constraint(
            "uq_staff_users_wechat_code_hash", ["wechat_code_hash"]
        )


def downgrade():
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_users_wechat_code_hash", type_="unique")
        batch_op.drop_constraint("fk_staff_users_wechat_citizen_id_citizens", type_="foreignkey")
        batch_op.drop_column("wechat_code_expires_at")
        batch_op.drop_column("wechat_code_hash")
        batch_op.drop_column("wechat_bound_at")
        batch_op.drop_column("wechat_citizen_id")
