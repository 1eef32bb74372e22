import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0007_check_kind_from_instrument'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltargetsite',
            name='inspection',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='inspections.inspection', verbose_name='inspection made from the target'),
        ),
        migrations.AddField(
            model_name='targetsite',
            name='inspection',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='inspections.inspection', verbose_name='inspection made from the target'),
        ),
    ]
