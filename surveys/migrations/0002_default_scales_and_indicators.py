from django.db import migrations

SCALES = [
    ("default", "满意度量表", "Satisfaction scale", [
        ("满意", "Satisfied", "satisfied"),
        ("基本满意", "Basically satisfied", "basic"),
        ("不满意", "Dissatisfied", "dissatisfied"),
        ("不了解", "Don't know", "excluded"),
    ]),
    ("safety", "安全感量表", "Safety scale", [
        ("安全", "Safe", "satisfied"),
        ("比较安全", "Fairly safe", "basic"),
        ("不太安全", "Not very safe", "dissatisfied"),
        ("不安全", "Not safe", "dissatisfied"),
    ]),
]

EDUCATION = [
    ("EDU1", "整体办学水平", "Overall quality of schooling"),
    ("EDU2", "师德表现", "Teachers' conduct"),
    ("EDU3", "教学工作", "Teaching"),
    ("EDU4", "学生课业负担", "Students' workload"),
    ("EDU5", "学习生活条件及服务", "Learning and living conditions and services"),
    ("EDU6", "校园安全环境", "Campus safety"),
]


def create(apps, schema_editor):
    Scale = apps.get_model("surveys", "Scale")
    Option = apps.get_model("surveys", "Option")
    IndicatorSet = apps.get_model("surveys", "IndicatorSet")
    Indicator = apps.get_model("surveys", "Indicator")
    for code, name, name_en, options in SCALES:
        scale = Scale.objects.create(code=code, name=name, name_en=name_en)
        for number, (label, label_en, category) in enumerate(options, start=1):
            Option.objects.create(scale=scale, number=number, name=label, name_en=label_en, category=category)
    education = IndicatorSet.objects.create(code="education", name="教育满意度", name_en="Education satisfaction")
    for order, (code, name, name_en) in enumerate(EDUCATION, start=1):
        Indicator.objects.create(indicator_set=education, code=code, name=name, name_en=name_en, order=order)


def remove(apps, schema_editor):
    apps.get_model("surveys", "Indicator").objects.filter(indicator_set__code="education").delete()
    apps.get_model("surveys", "IndicatorSet").objects.filter(code="education").delete()
    apps.get_model("surveys", "Scale").objects.filter(code__in=["default", "safety"]).delete()


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
