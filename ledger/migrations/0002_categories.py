from django.db import migrations

# code, name, English name, default deadline in working days (0: solved on the spot), usual indicator
CATEGORIES = [
    ("paid_tutoring", "有偿家教", "Paid tutoring by teachers", 5, "EDU2"),
    ("corporal_punishment", "体罚或变相体罚", "Corporal punishment", 5, "EDU2"),
    ("arbitrary_fees", "乱收费", "Arbitrary fees", 5, "EDU1"),
    ("selling_materials", "推销教辅资料", "Selling teaching materials", 0, "EDU2"),
    ("workload", "课业负担过重", "Excessive workload", 5, "EDU4"),
    ("teaching_quality", "教育教学质量", "Teaching quality", 15, "EDU3"),
    ("canteen", "食堂饭菜质量", "Canteen food", 5, "EDU5"),
    ("safety", "安全管理", "Safety management", 5, "EDU6"),
    ("surroundings", "学校周边环境", "School surroundings", 15, "EDU6"),
    ("admissions", "入学困难", "Admissions", 15, "EDU1"),
    ("class_size", "大班额", "Class size", 15, "EDU5"),
    ("teachers", "师资不足", "Shortage of teachers", 15, "EDU3"),
    ("other", "其他", "Other", 5, None),
]


def create(apps, schema_editor):
    Category = apps.get_model("ledger", "CategoryOfConcern")
    Indicator = apps.get_model("surveys", "Indicator")
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=[c[4] for c in CATEGORIES if c[4]])}
    for order, (code, name, name_en, days, indicator) in enumerate(CATEGORIES, start=1):
        Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "default_days": days,
                "indicator": indicators.get(indicator),
                "order": order,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("ledger", "CategoryOfConcern").objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial"), ("surveys", "0002_default_scales_and_indicators")]
    operations = [migrations.RunPython(create, remove)]
