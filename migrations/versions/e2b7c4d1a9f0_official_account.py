"""the official account: followers by unionid, the channel each notice went by

Revision ID: e2b7c4d1a9f0
Revises: d7a3e9b1c2f4
Create Date: 2026-12-01 12:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

import server.models.types


# revision identifiers, used by Alembic.
revision = 'e2b7c4d1a9f0'
down_revision = 'e4b7c2a91d05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oa_followers',
        sa.Column('oa_openid', sa.String(length=64), nullable=False),
        sa.Column('unionid', sa.String(length=64), nullable=True),
        sa.Column('follows', sa.Boolean(), nullable=False),
        sa.Column('updated_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('oa_openid', name=op.f('pk_oa_followers')),
    )
    with op.batch_alter_table('oa_followers', schema=None) as batch_op:
        batch_op.create_index('ix_oa_followers_unionid', ['unionid'], unique=False)
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.create_index('ix_citizens_unionid', ['unionid'], unique=False)
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), nullable=True))
    # Every notice sent so far went as a mini-program subscribe message.
    op.execute("UPDATE notifications SET channel = 'mp' WHERE status IN ('sent', 'sending', 'pending', 'retry', 'failed')")


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('channel')
    with op.batch_alter_table('citizens', schema=None) as batch_op:
        batch_op.drop_index('ix_citizens_unionid')
    with op.batch_alter_table('oa_followers', schema=None) as batch_op:
        batch_op.drop_index('ix_oa_followers_unionid')
    op.drop_table('oa_followers')
