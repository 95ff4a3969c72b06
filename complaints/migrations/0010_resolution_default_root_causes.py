"""The default root-cause catalogue (溯源), and who may maintain it.

Five top-level causes (process, people, system, product, third party), each with the finer
causes a handler chooses at resolution. Names are in Chinese, as the demo's departments and
categories are; codes are stable English slugs (``?cause=<code>`` on the list, the API).

Run once: after this the catalogue belongs to the operator (general manager's office), who
renames, adds or deactivates causes in the admin; a cause already present (same code) is left as
it is. The tier groups get the catalogue's permissions as for categories: every tier reads it,
the general manager maintains it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# (code, name) of each top-level cause → its finer causes.
CATALOGUE = {
    ("process", "流程"): [
        ("process-missing-step", "流程缺失或环节遗漏"),
        ("process-unclear-rule", "制度规定不明确"),
        ("process-handoff", "部门衔接不畅"),
        ("process-slow", "审批环节多、时限长"),
    ],
    ("people", "人员"): [
        ("people-attitude", "服务态度问题"),
        ("people-skill", "业务技能不足"),
        ("people-training", "培训不到位"),
        ("people-misconduct", "违规操作"),
        ("people-explanation", "解释沟通不到位"),
    ],
    ("system", "系统"): [
        ("system-outage", "系统故障或中断"),
        ("system-defect", "系统功能缺陷"),
        ("system-data", "数据错误"),
        ("system-equipment", "设备故障"),
    ],
    ("product", "产品"): [
        ("product-quality", "产品质量缺陷"),
        ("product-design", "产品设计不合理"),
        ("product-description", "宣传或说明与实际不符"),
        ("product-pricing", "定价或收费规则问题"),
    ],
    ("third-party", "第三方"): [
        ("third-party-supplier", "供应商或外包方原因"),
        ("third-party-partner", "合作单位原因"),
        ("third-party-logistics", "物流配送原因"),
        ("third-party-force-majeure", "不可抗力"),
    ],
}

GROUP_PERMISSIONS = {
    "Frontline": ["view_rootcause"],
    "Department manager": ["view_rootcause"],
    "General manager": ["view_rootcause", "add_rootcause", "change_rootcause"],
    "Auditor": ["view_rootcause"],
}


def load_catalogue(apps, schema_editor):
    RootCause = apps.get_model("complaints", "RootCause")
    for (parent_code, parent_name), children in CATALOGUE.items():
        parent, _ = RootCause.objects.get_or_create(
            code=parent_code, defaults={"name": parent_name}
        )
        for code, name in children:
            RootCause.objects.get_or_create(code=code, defaults={"name": name, "parent": parent})


def grant_permissions(apps, schema_editor):
    # Permissions are normally created after migrate; this migration needs them now.
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUP_PERMISSIONS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:  # renamed or removed by the operator: theirs to decide
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="complaints", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_root_causes_accountability_transfers"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(load_catalogue, migrations.RunPython.noop),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
