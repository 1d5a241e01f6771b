"""The national classification's 类 and 项 (2017 catalog compilation guide); 目 and 细目 are added
by the operator (admin) as each region's catalog grows."""

from django.db import migrations

CLASSES = [
    ("1", "基础信息资源", [
        ("101", "人口"), ("102", "法人"), ("103", "自然资源和空间地理"), ("104", "社会信用"),
        ("105", "电子证照"),
    ]),
    ("2", "主题信息资源", [
        ("201", "健康保障"), ("202", "社会保障"), ("203", "食品药品安全"), ("204", "安全生产"),
        ("205", "价格监管"), ("206", "能源安全"), ("207", "信用体系"), ("208", "城乡建设"),
        ("209", "社区治理"), ("210", "生态环境"), ("211", "应急维稳"),
    ]),
    ("3", "部门信息资源", [
        ("301", "公共安全"), ("302", "民政"), ("303", "人力资源和社会保障"), ("304", "市场监管"),
        ("305", "自然资源"), ("306", "卫生健康"), ("307", "教育"), ("308", "发展改革"),
        ("309", "财政"), ("310", "生态环境"), ("311", "住房和城乡建设"), ("312", "交通运输"),
        ("313", "农业农村"), ("314", "水利"), ("315", "商务"), ("316", "应急管理"),
        ("317", "司法行政"), ("318", "医疗保障"), ("319", "统计"), ("320", "审计"),
    ]),
]


def seed(apps, schema_editor):
    Classification = apps.get_model("catalog", "Classification")
    for code, name, items in CLASSES:
        parent, _ = Classification.objects.update_or_create(
            code=code, defaults={"name": name, "level": 1, "parent": None})
        for item_code, item_name in items:
            Classification.objects.update_or_create(
                code=item_code, defaults={"name": item_name, "level": 2, "parent": parent})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
