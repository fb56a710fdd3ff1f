"""issue 17 items 1-2: shift check-ins and the 履职积分 rules (with their defaults)

Revision ID: 7c41d9a2be60
Revises: 7c4e1a9b3d52
Create Date: 2026-12-01 15:40:00.000000

"""
from datetime import date, datetime, timezone

from alembic import op
import sqlalchemy as sa
import server.models.types


# revision identifiers, used by Alembic.
revision = '7c41d9a2be60'
down_revision = '7c4e1a9b3d52'
branch_labels = None
depends_on = None


def upgrade():
    rules = op.create_table(
        'point_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=32), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('cap_per_quarter', sa.Integer(), nullable=True),
        sa.Column('active_from', sa.Date(), nullable=False),
        sa.Column('active_to', sa.Date(), nullable=True),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_id'], ['staff_users.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('point_rules', schema=None) as batch_op:
        batch_op.create_index('ix_point_rules_item_from', ['item', 'active_from'], unique=False)

    op.create_table(
        'shift_checkins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('deputy_id', sa.Integer(), nullable=False),
        sa.Column('station_id', sa.Integer(), nullable=False),
        sa.Column('shift_id', sa.Integer(), nullable=True),
        sa.Column('on_date', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('created_at', server.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['deputy_id'], ['deputies.id']),
        sa.ForeignKeyConstraint(['shift_id'], ['duty_shifts.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id']),
        sa.ForeignKeyConstraint(['station_id'], ['stations.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('deputy_id', 'station_id', 'on_date'),
    )
    with op.batch_alter_table('shift_checkins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_checkins_deputy_id'), ['deputy_id'], unique=False)

    # The defaults, as server/models/points.py: DEFAULT_RULES had them when this was written
    # (a copy: a migration must not change when the model's defaults do).
    defaults = [
        ("answered", "答复群众反映（每件）", 2, 60),
        ("answered_on_time", "按期答复（未超期，每件）", 1, 30),
        ("first_response_24h", "24 小时内首次回应（每件）", 1, 30),
        ("transfer_solved", "转交承办单位并办结（每件）", 2, 30),
        ("shift_attended", "到站接待值班（每次）", 3, 36),
        ("walkin_received", "接待来访群众（每批）", 2, 30),
        ("suggestion_led", "领衔提出代表建议（每件）", 5, 30),
        ("suggestion_seconded", "附议代表建议（每件）", 1, 10),
        ("suggestion_grade_a", "建议办理结果 A 类：已解决或采纳（每件）", 5, None),
        ("suggestion_grade_b", "建议办理结果 B 类：正在解决或列入计划（每件）", 2, None),
        ("rated_satisfied", "群众评价满意（每条答复）", 2, 40),
        ("rated_basically_satisfied", "群众评价基本满意（每条答复）", 1, 20),
    ]
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        rules,
        [
            {
                "item": item,
                "label": label,
                "points": points,
                "cap_per_quarter": cap,
                "active_from": date(2000, 1, 1),
                "active_to": None,
                "created_at": now,
            }
            for item, label, points, cap in defaults
        ],
    )


def downgrade():
    with op.batch_alter_table('shift_checkins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_checkins_deputy_id'))
    op.drop_table('shift_checkins')
    with op.batch_alter_table('point_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_point_rules_item_from')
    op.drop_table('point_rules')
