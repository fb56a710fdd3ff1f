"""deputy invites remember whether an administrator issued them (issue 12: rebinding)

Revision ID: d7a3e9b1c2f4
Revises: 5f1edec9b746
Create Date: 2026-11-23 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3e9b1c2f4'
down_revision = '5f1edec9b746'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('deputy_invites', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('issued_by_admin', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('deputy_invites', schema=None) as batch_op:
        batch_op.drop_column('issued_by_admin')
