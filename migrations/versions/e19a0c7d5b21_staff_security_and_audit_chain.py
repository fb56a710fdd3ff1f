"""等保 2.0 staff accounts and a tamper-evident audit log (issue 19): password age and history,
the TOTP second factor, the audit rows' hash chain and its head

Revision ID: e19a0c7d5b21
Revises: d7a3e9b1c2f4
Create Date: 2026-12-01 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

from server.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'e19a0c7d5b21'
down_revision = 'd7a3e9b1c2f4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
    op.create_table(
        'staff_password_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('staff_password_history', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_staff_password_history_staff_id'), ['staff_id'], unique=False
        )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    op.create_table(
        'audit_chain',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('last_id', sa.Integer(), nullable=True),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('pruned_hash', sa.String(length=64), nullable=False),
        sa.Column('pruned_through_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    # The head exists from the start, so no two first writers race to create it; rows written
    # before the chain have no hash and come before every chained row.
    op.execute("INSERT INTO audit_chain (id, last_hash, pruned_hash) VALUES (1, '', '')")


def downgrade():
    op.drop_table('audit_chain')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
    with op.batch_alter_table('staff_password_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_password_history_staff_id'))
    op.drop_table('staff_password_history')
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('password_changed_at')
