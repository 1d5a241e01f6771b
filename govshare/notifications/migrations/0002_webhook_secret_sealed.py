"""Webhook secrets are sealed with the platform's secrets key (SM4-GCM or AES-GCM)."""

from django.db import migrations

import govshare.core.keyring

TABLE = "notifications_webhookendpoint"


def seal_existing(apps, schema_editor):
    """Rows written in clear before this migration; read and written as raw text, since the
    model's field would try to open them."""
    from govshare.core import keyring

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, secret FROM {TABLE}")  # noqa: S608 (a constant name)
        for pk, secret in cursor.fetchall():
            if secret and not keyring.is_sealed(secret):
                cursor.execute(f"UPDATE {TABLE} SET secret = %s WHERE id = %s",  # noqa: S608
                               [keyring.seal(secret, f"{TABLE}.secret"), pk])


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='webhookendpoint',
            name='secret',
            field=govshare.core.keyring.SealedTextField(verbose_name='签名密钥'),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
    ]
