"""the web form and walk-in slips: a secret follow link per item (its token's hash)

Revision ID: f4c8a2e6b1d3
Revises: e2b7c4d1a9f0
Create Date: 2026-12-01 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f4c8a2e6b1d3'
down_revision = 'e2b7c4d1a9f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_messages_follow_token_hash'), ['follow_token_hash']
        )


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_messages_follow_token_hash'), type_='unique')
        batch_op.drop_column('follow_token_hash')
