from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0005_summary_priority_students_backfill"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='dailyschoolsummary',
            constraint=models.CheckConstraint(condition=models.Q(('priority_placed__lte', models.F('priority_students')), ('priority_applied__lte', models.F('priority_students'))), name='dailyschoolsummary_priority_within_students'),
        ),
        migrations.AddConstraint(
            model_name='dailyschoolsummary',
            constraint=models.CheckConstraint(condition=models.Q(('teachers_active_term__lte', models.F('teachers_total')), ('teachers_active_month__lte', models.F('teachers_total'))), name='dailyschoolsummary_active_teachers_within_total'),
        ),
    ]
