"""Code tables of the standard import template (IMPORT-TEMPLATE.md). Values are stable codes;
labels are exactly the Chinese values the template uses."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy


class Attribute(models.TextChoices):
    GENERAL_POOR = "general_poor", "一般贫困户"
    DIBAO_POOR = "dibao_poor", "低保贫困户"
    TEKUN_POOR = "tekun_poor", "特困供养贫困户"
    DIBAO_TEKUN_POOR = "dibao_tekun_poor", "低保特困供养贫困户"
    ORDINARY = "ordinary", "一般农户"


class Cause(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    NO_LAND = "no_land", "缺土地"
    NO_WATER = "no_water", "缺水"
    NO_SKILLS = "no_skills", "缺技术"
    NO_LABOUR = "no_labour", "缺劳力"
    NO_CAPITAL = "no_capital", "缺资金"
    POOR_TRANSPORT = "poor_transport", "交通条件落后"
    LOW_MOTIVATION = "low_motivation", "自身发展动力不足"


class HousingGrade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "子"
    DAUGHTER = "daughter", "女"
    DAUGHTER_IN_LAW = "daughter_in_law", "儿媳"
    SON_IN_LAW = "son_in_law", "女婿"
    GRANDSON = "grandson", "孙子"
    GRANDDAUGHTER = "granddaughter", "孙女"
    DAUGHTERS_SON = "daughters_son", "外孙子"
    DAUGHTERS_DAUGHTER = "daughters_daughter", "外孙女"
    FATHER = "father", "父亲"
    MOTHER = "mother", "母亲"
    FATHER_IN_LAW_W = "father_in_law_w", "岳父"
    MOTHER_IN_LAW_W = "mother_in_law_w", "岳母"
    FATHER_IN_LAW_H = "father_in_law_h", "公公"
    MOTHER_IN_LAW_H = "mother_in_law_h", "婆婆"
    GRANDFATHER = "grandfather", "祖父"
    GRANDMOTHER = "grandmother", "祖母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class Education(models.TextChoices):
    ILLITERATE = "illiterate", "文盲或半文盲"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    COLLEGE = "college", "大专及以上"
    PRESCHOOL_CHILD = "preschool_child", "学龄前儿童"


class Schooling(models.TextChoices):
    NOT_IN_SCHOOL = "not_in_school", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    GRADE_7 = "grade_7", "七年级"
    GRADE_8 = "grade_8", "八年级"
    GRADE_9 = "grade_9", "九年级"
    SENIOR = "senior", "高中"
    SECONDARY_VOCATIONAL = "secondary_vocational", "中职"
    HIGHER_VOCATIONAL = "higher_vocational", "高职"
    COLLEGE = "college", "大专及以上"
    DROPPED_OUT = "dropped_out", "辍学"


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "患有大病"
    DISABLED = "disabled", "残疾"


class DisabilityLevel(models.TextChoices):
    LEVEL_1 = "1", "一级"
    LEVEL_2 = "2", "二级"
    LEVEL_3 = "3", "三级"
    LEVEL_4 = "4", "四级"


class Labour(models.TextChoices):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class WorkLocation(models.TextChoices):
    IN_TOWNSHIP = "in_township", "乡镇内"
    IN_COUNTY = "in_county", "乡镇外县内"
    IN_PROVINCE = "in_province", "县外省内"
    OUT_OF_PROVINCE = "out_of_province", "省外"
    NOT_WORKING = "not_working", "未务工"


ETHNICITIES = ["汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族"]


def shown(choices: Iterable[tuple[str, str]]) -> list[tuple[str, str | Promise]]:
    """``choices`` with each label in the viewer's language, for display only (select options, lists): the import,
    the export and the blank template use the labels as they are, the template's Chinese values."""
    return [(value, gettext_lazy(label)) for value, label in choices]
