"""journeys: SOP templates, enrollments, touches, events, tasks

Revision ID: 0005_journeys
Revises: 0001_foundation
Create Date: 2026-11-23 11:31:10.963065
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_journeys'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('journey_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('enrolled', sa.Integer(), nullable=False),
    sa.Column('exited', sa.Integer(), nullable=False),
    sa.Column('touches', sa.Integer(), nullable=False),
    sa.Column('tasks', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_runs'))
    )
    with op.batch_alter_table('journey_runs', schema=None) as batch_op:
        batch_op.create_index('ix_journey_runs_date', ['run_date'], unique=False)

    op.create_table('scheduler_locks',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=True),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_locks'))
    )
    op.create_table('journeys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=16), nullable=False),
    sa.Column('anchor_department_id', sa.Integer(), nullable=True),
    sa.Column('anchor_product_code', sa.String(length=64), nullable=True),
    sa.Column('anchor_month', sa.Integer(), nullable=True),
    sa.Column('anchor_day', sa.Integer(), nullable=True),
    sa.Column('entry_audience', sa.String(length=32), nullable=True),
    sa.Column('entry_segment_id', sa.Integer(), nullable=True),
    sa.Column('exit_rules', sa.Text(), nullable=True),
    sa.Column('exit_segment_id', sa.Integer(), nullable=True),
    sa.Column('holdout_pct', sa.Integer(), nullable=False),
    sa.Column('no_consent_action', sa.String(length=8), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("anchor IN ('enrollment', 'edd', 'delivery', 'discharge', 'child_birth', 'last_visit', 'purchase', 'yearly')", name=op.f('ck_journeys_anchor')),
    sa.CheckConstraint("no_consent_action IN ('task', 'skip')", name=op.f('ck_journeys_no_consent_action')),
    sa.CheckConstraint("status IN ('draft', 'in_review', 'active', 'paused', 'retired')", name=op.f('ck_journeys_status')),
    sa.CheckConstraint('holdout_pct >= 0 AND holdout_pct <= 50', name=op.f('ck_journeys_holdout_pct')),
    sa.ForeignKeyConstraint(['anchor_department_id'], ['departments.id'], name=op.f('fk_journeys_anchor_department_id_departments')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_journeys_approved_by_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_journeys_department_id_departments')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_journeys_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journeys')),
    sa.UniqueConstraint('code', name=op.f('uq_journeys_code'))
    )
    op.create_table('enrollments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enrolled_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('enrolled_by', sa.Integer(), nullable=True),
    sa.Column('is_control', sa.Boolean(), nullable=False),
    sa.Column('anchor_key', sa.String(length=200), nullable=True),
    sa.Column('exited_on', sa.Date(), nullable=True),
    sa.Column('exit_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['enrolled_by'], ['users.id'], name=op.f('fk_enrollments_enrolled_by_users')),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_enrollments_journey_id_journeys')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_enrollments_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('journey_id', 'member_id', name=op.f('uq_enrollments_journey_id_member_id'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_journey_exit', ['journey_id', 'exited_on'], unique=False)
        batch_op.create_index('ix_enrollments_member', ['member_id'], unique=False)

    op.create_table('journey_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('lineage_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('retired_in_version', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('executor', sa.String(length=8), nullable=False),
    sa.Column('offset_weeks', sa.Integer(), nullable=True),
    sa.Column('offset_days', sa.Integer(), nullable=False),
    sa.Column('send_from_min', sa.Integer(), nullable=False),
    sa.Column('send_to_min', sa.Integer(), nullable=False),
    sa.Column('late_days', sa.Integer(), nullable=False),
    sa.Column('template', sa.Text(), nullable=True),
    sa.Column('script', sa.Text(), nullable=True),
    sa.Column('is_marketing', sa.Boolean(), nullable=False),
    sa.Column('runs_when_suppressed', sa.Boolean(), nullable=False),
    sa.Column('product_code', sa.String(length=64), nullable=True),
    sa.Column('content_id', sa.Integer(), nullable=True),
    sa.Column('survey_id', sa.Integer(), nullable=True),
    sa.Column('condition_rule', sa.Text(), nullable=True),
    sa.CheckConstraint("channel IN ('sms', 'wecom', 'wecom_group', 'moments', 'phone', 'offline')", name=op.f('ck_journey_steps_channel')),
    sa.CheckConstraint("executor IN ('system', 'advisor')", name=op.f('ck_journey_steps_executor')),
    sa.CheckConstraint("anchor IS NULL OR anchor IN ('enrollment', 'edd', 'delivery', 'discharge', 'child_birth', 'last_visit', 'purchase', 'yearly')", name=op.f('ck_journey_steps_anchor')),
    sa.CheckConstraint("kind IN ('service_reminder', 'health_education', 'product_recommendation', 'survey', 'follow_up')", name=op.f('ck_journey_steps_kind')),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_journey_steps_journey_id_journeys'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journey_steps'))
    )
    with op.batch_alter_table('journey_steps', schema=None) as batch_op:
        batch_op.create_index('ix_journey_steps_journey', ['journey_id', 'retired_in_version', 'position'], unique=False)

    op.create_table('member_suppressions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("reason IN ('pregnancy_loss', 'complaint', 'bereavement', 'own_request')", name=op.f('ck_member_suppressions_reason')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_member_suppressions_created_by_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_member_suppressions_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_suppressions'))
    )
    with op.batch_alter_table('member_suppressions', schema=None) as batch_op:
        batch_op.create_index('ix_member_suppressions_member', ['member_id', 'starts_on'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enrollment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('step_lineage_id', sa.Integer(), nullable=True),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('advisor_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_by', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("outcome IS NULL OR outcome IN ('reached', 'unreachable', 'declined', 'appointment', 'purchased')", name=op.f('ck_tasks_outcome')),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name=op.f('ck_tasks_status')),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_tasks_advisor_id_users')),
    sa.ForeignKeyConstraint(['completed_by'], ['users.id'], name=op.f('fk_tasks_completed_by_users')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_tasks_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['journey_id'], ['journeys.id'], name=op.f('fk_tasks_journey_id_journeys')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_tasks_member_id_members')),
    sa.ForeignKeyConstraint(['step_id'], ['journey_steps.id'], name=op.f('fk_tasks_step_id_journey_steps')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks')),
    sa.UniqueConstraint('enrollment_id', 'step_lineage_id', 'occurrence', name=op.f('uq_tasks_enrollment_id_step_lineage_id_occurrence'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_advisor_status', ['advisor_id', 'status', 'due_date'], unique=False)
        batch_op.create_index('ix_tasks_completed_at', ['completed_at'], unique=False)
        batch_op.create_index('ix_tasks_due_advisor', ['due_date', 'advisor_id'], unique=False)
        batch_op.create_index('ix_tasks_journey_step', ['journey_id', 'step_id'], unique=False)
        batch_op.create_index('ix_tasks_member', ['member_id'], unique=False)

    op.create_table('touches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('enrollment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=False),
    sa.Column('step_lineage_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('occurrence', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('skip_reason', sa.String(length=32), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=True),
    sa.Column('clicked_at', sa.DateTime(), nullable=True),
    sa.Column('replied_at', sa.DateTime(), nullable=True),
    sa.Column('opted_out_at', sa.DateTime(), nullable=True),
    sa.Column('content_id', sa.Integer(), nullable=True),
    sa.Column('product_code', sa.String(length=64), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('scheduled', 'sent', 'delivered', 'failed', 'skipped', 'suppressed')", name=op.f('ck_touches_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touches')),
    sa.UniqueConstraint('enrollment_id', 'step_lineage_id', 'occurrence', name=op.f('uq_touches_enrollment_id_step_lineage_id_occurrence'))
    )
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.create_index('ix_touches_delivered_at', ['delivered_at'], unique=False)
        batch_op.create_index('ix_touches_journey_step', ['journey_id', 'step_id'], unique=False)
        batch_op.create_index('ix_touches_member_sent', ['member_id', 'sent_on'], unique=False)
        batch_op.create_index('ix_touches_status_date', ['status', 'scheduled_for'], unique=False)

    op.create_table('touch_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('touch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('event', sa.String(length=12), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("event IN ('sent', 'delivered', 'opened', 'clicked', 'replied', 'opted_out')", name=op.f('ck_touch_events_event')),
    sa.ForeignKeyConstraint(['touch_id'], ['touches.id'], name=op.f('fk_touch_events_touch_id_touches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touch_events')),
    sa.UniqueConstraint('touch_id', 'event', 'at', name=op.f('uq_touch_events_touch_id_event_at'))
    )
    with op.batch_alter_table('touch_events', schema=None) as batch_op:
        batch_op.create_index('ix_touch_events_at', ['at'], unique=False)
        batch_op.create_index('ix_touch_events_member', ['member_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('touch_events', schema=None) as batch_op:
        batch_op.drop_index('ix_touch_events_member')
        batch_op.drop_index('ix_touch_events_at')

    op.drop_table('touch_events')
    with op.batch_alter_table('touches', schema=None) as batch_op:
        batch_op.drop_index('ix_touches_status_date')
        batch_op.drop_index('ix_touches_member_sent')
        batch_op.drop_index('ix_touches_journey_step')
        batch_op.drop_index('ix_touches_delivered_at')

    op.drop_table('touches')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_member')
        batch_op.drop_index('ix_tasks_journey_step')
        batch_op.drop_index('ix_tasks_due_advisor')
        batch_op.drop_index('ix_tasks_completed_at')
        batch_op.drop_index('ix_tasks_advisor_status')

    op.drop_table('tasks')
    with op.batch_alter_table('member_suppressions', schema=None) as batch_op:
        batch_op.drop_index('ix_member_suppressions_member')

    op.drop_table('member_suppressions')
    with op.batch_alter_table('journey_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_journey_steps_journey')

    op.drop_table('journey_steps')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_member')
        batch_op.drop_index('ix_enrollments_journey_exit')

    op.drop_table('enrollments')
    op.drop_table('journeys')
    op.drop_table('scheduler_locks')
    with op.batch_alter_table('journey_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_journey_runs_date')

    op.drop_table('journey_runs')
