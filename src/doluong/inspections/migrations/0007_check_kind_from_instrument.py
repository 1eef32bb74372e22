from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inspections', '0006_field_gps_signatures'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalinstrumentcheck',
            name='kind',
            field=models.CharField(blank=True, choices=[('nawi', 'Non-automatic scale'), ('fuel_dispenser', 'Fuel dispenser')], help_text="left empty: the kind of the registered instrument's type (a scale or a fuel dispenser)", max_length=20, verbose_name='instrument kind'),
        ),
        migrations.AlterField(
            model_name='instrumentcheck',
            name='kind',
            field=models.CharField(blank=True, choices=[('nawi', 'Non-automatic scale'), ('fuel_dispenser', 'Fuel dispenser')], help_text="left empty: the kind of the registered instrument's type (a scale or a fuel dispenser)", max_length=20, verbose_name='instrument kind'),
        ),
    ]
